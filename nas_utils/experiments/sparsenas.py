"""Stage ``sparsenas``: full-space warm-up, early accuracy, early predictors, sparse sub-space.

The notebook ``01_sparsenas_early_filtering.ipynb`` calls the stage shape::

    cfg = config.parse("sparsenas", params)
    result = run(cfg)                           # per family: warm-up, early accuracy, predictors, sub-space
    summary = summarise(result, cfg)            # typed SparseNASSummary (nas_utils.results.sparsenas)
    write_outputs(out_dir, result, summary)     # parquet/CSV, filter.json, summary.json
    figs = figures(result, summary)             # {"filtering": figure}

Outputs (``out_dir``, default ``reports/sparsenas_early``): ``subspace_<family>.parquet``
(the kept configs), ``early_<family>.parquet`` (early accuracies and out-of-fold predictions),
``scored_<family>.parquet``, ``predictors.csv``, ``filter.json`` (timings and settings read by
stage ``supernet``), figures; checkpoints ``<checkpoint_dir>/<family>/warmup.pt``.

Timing: CPU seconds of this process (``time.process_time``; one torch thread by default, so
they equal uncontended wall time and are robust to other jobs on the machine) and wall time.
The filtering cost (early evaluations + predictor fitting + scoring) is charged to SparseNAS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from nas_utils import config, runtime  # noqa: E402
from nas_utils.data import TensorLoader  # noqa: E402
from nas_utils.io import atomic_path, write_json, write_parquet  # noqa: E402
from nas_utils.predictors import make_predictor  # noqa: E402
from nas_utils.progress import bar  # noqa: E402
from nas_utils.runtime import torch_threads  # noqa: E402
from nas_utils.schemas.sparsenas import SparseNASConfig  # noqa: E402
from nas_utils.supernets.filtering import (  # noqa: E402
    compare_predictors, features, measure_accuracies, select_subspace, unique_sample,
)
from nas_utils.supernets import build_supernet, checkpoint_path, family_data  # noqa: E402
from nas_utils.supernets.training import Trainer  # noqa: E402
from nas_utils.results.sparsenas import FilterFamily, PredictorScore, SparseNASSummary  # noqa: E402

# Early predictors see only n_early (~40) rows: a small MLP (WeakNAS uses 4x1000 on 100s of rows).
PREDICTOR_OPTIONS: dict[str, dict[str, Any]] = {"xgb": {"n_estimators": 200, "max_depth": 4},
                                               "mlp": {"hidden": (64, 64), "max_iter": 500}}


@dataclass
class FamilyResult:
    family: str
    early: pd.DataFrame
    predictors: pd.DataFrame
    scored: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)


def filter_family(cfg: SparseNASConfig, family: str) -> tuple[FamilyResult, Any]:
    """Warm up one super-network on the full space, then build its sparse sub-space."""
    net = build_supernet(family, seed=cfg.seed)
    data = family_data(net, cfg.seed, cfg.mnist1d_samples)
    val = TensorLoader(data.x_val, data.y_val, 512)
    trainer = Trainer(net, data, cfg.train_settings(), progress=runtime.settings().progress)
    log = trainer.fit(cfg.warmup_epochs)
    trainer.save(checkpoint_path(cfg.checkpoint_dir, family, "warmup", write=True), meta={"stage": "sparsenas", "family": family})

    cpu0, wall0 = time.process_time(), time.perf_counter()
    rng = np.random.default_rng([cfg.seed, 1])
    X_early = unique_sample(net.space, rng, cfg.n_early)
    acc = measure_accuracies(net, X_early, val, progress=runtime.settings().progress)
    table, oof = compare_predictors(net.space, X_early, acc, cfg.predictors, cfg.cv_folds, cfg.seed, PREDICTOR_OPTIONS)
    chosen = str(table.loc[table["spearman"].fillna(-2).idxmax(), "predictor"])
    model = make_predictor(chosen, seed=cfg.seed, **PREDICTOR_OPTIONS.get(chosen, {}))
    model.fit(features(net.space, X_early), acc)
    X_score = unique_sample(net.space, rng, cfg.n_score)
    sub, scored = select_subspace(net, model, X_score, cfg.keep_fraction)
    filter_cpu, filter_wall = time.process_time() - cpu0, time.perf_counter() - wall0

    early = pd.DataFrame({"family": family, "arch": net.space.to_strings(X_early), "early_accuracy": acc,
                          "macs": [net.count_macs(x) / 1e6 for x in X_early]})
    for name, p in oof.items():
        early[f"oof_{name}"] = p
    table.insert(0, "family", family)
    scored.insert(0, "family", family)
    info = {
        "family": family, "dataset": net.dataset, "warmup_epochs": cfg.warmup_epochs,
        "warmup_cpu_s": float(log["train_cpu_s"].sum()), "warmup_wall_s": float(log["train_time_s"].sum()),
        "filter_cpu_s": filter_cpu, "filter_wall_s": filter_wall, "chosen_predictor": chosen,
        "kept": len(sub), "scored": sub.scored, "kept_fraction": sub.kept_fraction, "space_size": net.space.size,
        "early_accuracy_range": [float(acc.min()), float(acc.max())], "early_accuracy_std": float(acc.std()),
        "predictor_spearman": dict(zip(table["predictor"], table["spearman"])),
        "predictor_kendall": dict(zip(table["predictor"], table["kendall"])),
    }
    return FamilyResult(family, early, table, scored, info), sub


def run_early_filtering(cfg: SparseNASConfig) -> list[tuple[FamilyResult, Any]]:
    """:func:`filter_family` for every configured family (``HWNAS_THREADS`` torch threads)."""
    with torch_threads(runtime.settings().threads):
        return [filter_family(cfg, family) for family in bar(cfg.families, desc="families (warm-up + filter)")]


def result_tables(results: list[tuple[FamilyResult, Any]]) -> dict[str, pd.DataFrame]:
    """Concatenated early-accuracy, predictor, scored and per-family info tables."""
    res = [r for r, _ in results]
    return {
        "early": pd.concat([r.early for r in res], ignore_index=True),
        "predictors": pd.concat([r.predictors for r in res], ignore_index=True),
        "scored": pd.concat([r.scored for r in res], ignore_index=True),
        "families": pd.DataFrame([{k: v for k, v in r.info.items() if not isinstance(v, (dict, list))} for r in res]),
    }


def plot_filtering(tables: dict[str, pd.DataFrame]) -> Figure:
    """Left: predictor rank correlation per family. Right per family: scored sample, kept highlighted."""
    families = list(tables["families"]["family"])
    fig, axes = plt.subplots(1, 1 + len(families), figsize=(4 * (1 + len(families)), 3.4))
    pred = tables["predictors"].pivot(index="family", columns="predictor", values="spearman").loc[families]
    pred.plot.bar(ax=axes[0], rot=15)
    axes[0].set_ylabel("out-of-fold Spearman (early acc.)")
    axes[0].set_title("early predictors")
    for ax, fam in zip(axes[1:], families):
        s = tables["scored"][tables["scored"]["family"] == fam]
        ax.scatter(s["macs"], s["predicted"], s=4, c="0.7", label="scored")
        k = s[s["kept"]]
        ax.scatter(k["macs"], k["predicted"], s=8, c="C3", label="kept")
        ax.set_xlabel("MMACs")
        ax.set_ylabel("predicted early accuracy (%)")
        ax.set_title(fam)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


@dataclass
class SparseNASRun:
    """Everything stage ``sparsenas`` computed: per family its result and kept sub-space; tables."""

    results: list[tuple[FamilyResult, Any]]
    tables: dict[str, pd.DataFrame]
    settings: dict[str, Any]


def run(cfg: SparseNASConfig) -> SparseNASRun:
    """Warm-up and early filtering of every family, and the concatenated tables."""
    results = run_early_filtering(cfg)
    return SparseNASRun(results, result_tables(results), config.as_dict(cfg))


def summarise(result: SparseNASRun, cfg: SparseNASConfig) -> SparseNASSummary:
    """Per family: warm-up and filtering cost, predictor comparison, kept sub-space."""
    families = []
    for res, _ in result.results:
        i = res.info
        scores = [PredictorScore(str(p), _num(i["predictor_spearman"].get(p)), _num(i["predictor_kendall"].get(p)))
                  for p in i["predictor_spearman"]]
        lo, hi = i["early_accuracy_range"]
        families.append(FilterFamily(
            family=res.family, dataset=str(i["dataset"]), warmup_epochs=int(i["warmup_epochs"]),
            warmup_cpu_s=float(i["warmup_cpu_s"]), filter_cpu_s=float(i["filter_cpu_s"]),
            chosen_predictor=str(i["chosen_predictor"]), predictors=scores, kept=int(i["kept"]),
            scored=int(i["scored"]), kept_fraction=float(i["kept_fraction"]), space_size=int(i["space_size"]),
            early_accuracy_min=float(lo), early_accuracy_max=float(hi), early_accuracy_std=float(i["early_accuracy_std"])))
    return SparseNASSummary(families)


def _num(x: Any) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def write_outputs(out_dir: str | Path, result: SparseNASRun, summary: SparseNASSummary) -> None:
    """Sub-spaces, tables, ``filter.json`` (read by stage ``supernet``) and ``summary.json``."""
    out = Path(out_dir)
    for res, sub in result.results:
        sub.save(out / f"subspace_{res.family}.parquet")
    write_parquet(out / "early.parquet", result.tables["early"])
    write_parquet(out / "scored.parquet", result.tables["scored"])
    with atomic_path(out / "predictors.csv") as tmp:
        result.tables["predictors"].to_csv(tmp, index=False)
    families = {r.family: r.info for r, _ in result.results}
    write_json(out / "filter.json", {"settings": result.settings, "families": families})
    summary.save(out / "summary.json")


def figures(result: SparseNASRun, summary: SparseNASSummary) -> dict[str, Figure]:
    return {"filtering": plot_filtering(result.tables)}


def family_sentences(result: SparseNASRun, summary: SparseNASSummary) -> str:
    """One sentence per family: early accuracy spread, predictor quality, kept sub-space."""
    lines = []
    for f in summary.families:
        rho = ", ".join(f"{p.predictor} Spearman {p.spearman:.2f}" for p in f.predictors if p.spearman is not None)
        lines.append(f"- **{f.family}**: early accuracy spans {f.early_accuracy_min:.1f}-{f.early_accuracy_max:.1f} % "
                     f"after {f.warmup_epochs} warm-up epoch(s); {rho}; kept {f.kept} of {f.scored} scored "
                     f"({100 * f.kept_fraction:.1f} %) with {f.chosen_predictor}.")
    return "\n".join(lines)
