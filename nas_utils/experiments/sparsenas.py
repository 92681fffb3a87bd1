"""Stage ``sparsenas``: the sparse runs' warm-up, early predictor and kept sub-space, every family x seed.

The notebook ``01_sparsenas_early_filtering.ipynb`` calls the stage shape::

    cfg = config.parse("sparsenas", params)
    result = run(cfg)                           # per family and seed: warm-up, early accuracy, predictor, sub-space
    summary = summarise(result, cfg)            # typed SparseNASSummary (nas_utils.results.sparsenas)
    write_outputs(out_dir, result, summary)     # filter.json, early/scored/predictor tables, sub-spaces
    figs = figures(result, summary)             # {"filtering": figure}

This is the first half of the SparseNAS time-to-quality protocol
(:func:`nas_utils.supernets.time_to_quality.warm_up_and_filter`): warm-up on the full space at
the peak learning rate, early accuracy of ``n_early`` sub-networks on ``early_val``
**validation** samples (the test split is never read here), the pre-registered ``predictor``
fitted on them and ``n_score`` sub-networks scored; the out-of-fold Spearman of every predictor
in ``predictors`` is reported. Stage ``supernet`` continues each warm-up on its kept sub-space
and compares with full-space runs.

Outputs (``out_dir``, default ``reports/sparsenas_early``): ``filter.json`` (settings and, per
family and seed, overheads and counts; read by stage ``supernet``), ``subspaces/<family>_s<seed>.parquet``,
``early.parquet``, ``scored.parquet``, ``predictors.csv``, ``summary.json``, figures; warm-up
checkpoints ``<checkpoint_dir>/warmup/<family>/seed<k>.pt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nas_utils import config, runtime
from nas_utils.io import atomic_path, write_json, write_parquet
from nas_utils.parallel import parallel_map
from nas_utils.results.sparsenas import FilterFamily, PredictorScore, SparseNASSummary
from nas_utils.schemas.sparsenas import SparseNASConfig
from nas_utils.stats import bootstrap_ci
from nas_utils.supernets import build_supernet, checkpoint_path, family_data
from nas_utils.supernets.time_to_quality import (
    FilterOutcome,
    ProtocolSettings,
    warm_up_and_filter,
)

#: Relative training cost of one epoch (orders the jobs so the two workers finish together).
COST = {"mbv3_1d": 4.0, "resnet_1d": 2.5, "transformer_1d": 1.2}


def protocol(cfg: SparseNASConfig, family: str) -> ProtocolSettings:
    """The protocol fields this stage decides (stage ``supernet`` adds budgets and yardstick)."""
    return ProtocolSettings(family, mnist1d_samples=cfg.mnist1d_samples, warmup_epochs=cfg.warmup_epochs,
                            n_early=cfg.n_early, early_val=cfg.early_val, n_score=cfg.n_score,
                            keep_fraction=cfg.keep_fraction, predictor=cfg.predictor, compare=tuple(cfg.predictors),
                            cv_folds=cfg.cv_folds, calib_samples=cfg.calib_samples, train=cfg.train(),
                            data_seed=cfg.seed)


def warmup_checkpoint(checkpoint_dir: str, family: str, seed: int, write: bool = False) -> Path:
    """``<checkpoint_dir>/warmup/<family>/seed<k>.pt`` (see :func:`nas_utils.supernets.checkpoint_path`)."""
    return checkpoint_path(Path(checkpoint_dir) / "warmup", family, f"seed{seed}", write=write)


def _job(job: tuple[SparseNASConfig, str, int]) -> FilterOutcome:
    cfg, family, seed = job
    ps = protocol(cfg, family)
    data = family_data(build_supernet(family), ps.data_seed, ps.mnist1d_samples)
    _, out = warm_up_and_filter(ps, seed, data, save_to=warmup_checkpoint(cfg.checkpoint_dir, family, seed, write=True))
    return out


@dataclass
class SparseNASRun:
    """Every family x seed's :class:`FilterOutcome` and the resolved settings."""

    outcomes: list[FilterOutcome]
    settings: dict[str, Any]

    def table(self, name: str) -> pd.DataFrame:
        """``early``, ``scored`` or ``predictors`` of every outcome, with family and seed columns."""
        return pd.concat([getattr(o, name).assign(family=o.family, seed=o.seed) for o in self.outcomes],
                         ignore_index=True)

    def seeds(self) -> pd.DataFrame:
        return pd.DataFrame([o.info() for o in self.outcomes])


def run(cfg: SparseNASConfig) -> SparseNASRun:
    """Warm-up and filtering of every family and seed (``HWNAS_WORKERS`` processes, one thread each)."""
    jobs = sorted(((cfg, f, s) for f in cfg.families for s in cfg.seed_list), key=lambda j: -COST.get(j[1], 1.0))
    done = parallel_map(_job, jobs, workers=min(runtime.settings().workers, len(jobs)),
                        desc="families x seeds (warm-up + filter)")
    order = {(f, s): i for i, (f, s) in enumerate((f, s) for f in cfg.families for s in cfg.seed_list)}
    return SparseNASRun(sorted(done, key=lambda o: order[o.family, o.seed]), config.as_dict(cfg))


def _num(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _family(result: SparseNASRun, cfg: SparseNASConfig, family: str) -> FilterFamily:
    seeds = result.seeds()
    g = seeds[seeds["family"] == family]
    pred = result.table("predictors")
    scores = []
    for name, p in pred[pred["family"] == family].groupby("predictor", sort=False):
        rho = p["spearman"].to_numpy(dtype=float)
        ci = bootstrap_ci(rho[np.isfinite(rho)], seed=cfg.seed) if np.isfinite(rho).any() else None
        scores.append(PredictorScore(str(name), _num(np.nanmedian(rho)) if ci else None, ci.low if ci else None,
                                     ci.high if ci else None, _num(np.nanmedian(p["kendall"].to_numpy(dtype=float)))))
    net = build_supernet(family)
    return FilterFamily(
        family=family, dataset=net.dataset, seeds=len(g), warmup_epochs=cfg.warmup_epochs, n_early=cfg.n_early,
        early_val=cfg.early_val, predictor=cfg.predictor, predictors=scores, kept=int(g["kept"].median()),
        scored=int(g["scored"].median()), kept_fraction=float((g["kept"] / g["scored"]).median()),
        space_size=int(net.space.size), warmup_cpu_s=float(g["warmup_s"].median()),
        early_measurement_cpu_s=float(g["early_measurement_s"].median()), filtering_cpu_s=float(g["filtering_s"].median()),
        early_accuracy_min=float(g["early_accuracy_min"].min()), early_accuracy_max=float(g["early_accuracy_max"].max()),
        early_accuracy_std=float(g["early_accuracy_std"].median()))


def summarise(result: SparseNASRun, cfg: SparseNASConfig) -> SparseNASSummary:
    """Per family, medians over seeds: overheads, early predictors' Spearman (with intervals), kept sub-space."""
    return SparseNASSummary([_family(result, cfg, f) for f in cfg.families])


def subspace_path(out_dir: str | Path, family: str, seed: int) -> Path:
    return Path(out_dir) / "subspaces" / f"{family}_s{seed}.parquet"


def write_outputs(out_dir: str | Path, result: SparseNASRun, summary: SparseNASSummary) -> None:
    """Sub-spaces, tables, ``filter.json`` (read by stage ``supernet``) and ``summary.json``."""
    out = Path(out_dir)
    for o in result.outcomes:
        o.sub.save(subspace_path(out, o.family, o.seed))
    write_parquet(out / "early.parquet", result.table("early"))
    write_parquet(out / "scored.parquet", result.table("scored"))
    with atomic_path(out / "predictors.csv") as tmp:
        result.table("predictors").to_csv(tmp, index=False)
    write_json(out / "filter.json", {"settings": result.settings, "seeds": [o.info() for o in result.outcomes]})
    summary.save(out / "summary.json")


def plot_filtering(result: SparseNASRun, summary: SparseNASSummary) -> Figure:
    """Left: out-of-fold Spearman of each early predictor per family (median, seeds as dots).
    Right, per family (first seed): the scored sample's predicted early accuracy vs MACs, kept in red."""
    fams = [f.family for f in summary.families]
    fig, axes = plt.subplots(1, 1 + len(fams), figsize=(4 * (1 + len(fams)), 3.4), squeeze=False)
    ax = axes[0, 0]
    pred = result.table("predictors")
    names = list(dict.fromkeys(pred["predictor"]))
    width = 0.8 / max(1, len(names))
    for k, name in enumerate(names):
        for i, fam in enumerate(fams):
            rho = pred[(pred["family"] == fam) & (pred["predictor"] == name)]["spearman"]
            x = i + (k - (len(names) - 1) / 2) * width
            ax.bar(x, float(np.nanmedian(rho)), width, color=f"C{k}", label=name if i == 0 else None)
            ax.scatter(np.full(len(rho), x), rho, s=8, c="k", zorder=3)
    ax.set_xticks(range(len(fams)), fams, rotation=15)
    ax.set_ylabel("out-of-fold Spearman (early acc.)")
    ax.set_title("early predictors (dots: seeds)")
    ax.legend(fontsize=7)
    scored = result.table("scored")
    for ax, fam in zip(axes[0, 1:], fams):
        s = scored[(scored["family"] == fam) & (scored["seed"] == scored["seed"].min())]
        ax.scatter(s["macs"], s["predicted"], s=4, c="0.7", label="scored")
        k = s[s["kept"]]
        ax.scatter(k["macs"], k["predicted"], s=8, c="C3", label="kept")
        ax.set_xlabel("MMACs")
        ax.set_ylabel("predicted early accuracy (%)")
        ax.set_title(fam)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def figures(result: SparseNASRun, summary: SparseNASSummary) -> dict[str, Figure]:
    return {"filtering": plot_filtering(result, summary)}


def family_sentences(summary: SparseNASSummary) -> str:
    """One sentence per family: early accuracy spread, predictor quality, overheads, kept sub-space."""
    lines = []
    for f in summary.families:
        rho = ", ".join(f"{p.predictor} {p.spearman:.2f} [{p.spearman_low:.2f}, {p.spearman_high:.2f}]"
                        for p in f.predictors if p.spearman is not None and p.spearman_low is not None)
        lines.append(f"- **{f.family}** ({f.seeds} seeds): early accuracy spans {f.early_accuracy_min:.1f}-"
                     f"{f.early_accuracy_max:.1f} % after {f.warmup_epochs} warm-up epoch(s); out-of-fold Spearman "
                     f"on {f.n_early} measured sub-networks: {rho or 'n/a'}; overhead {f.warmup_cpu_s:.1f} s warm-up + "
                     f"{f.early_measurement_cpu_s:.1f} s early measurement + {f.filtering_cpu_s:.1f} s filtering; kept "
                     f"{f.kept} of {f.scored} scored ({100 * f.kept_fraction:.1f} %) with {f.predictor}.")
    return "\n".join(lines)
