"""Stage ``supernet``: SparseNAS vs full-space training, time to quality on one shared yardstick.

The notebook ``02_supernet_training.ipynb`` calls the stage shape::

    cfg = config.parse("supernet", params)
    result = run(cfg)                           # per family and seed: sparse continuations, full runs
    summary = summarise(result, cfg)            # typed SupernetSummary: speedups and ceilings with intervals
    write_outputs(out_dir, result, summary)     # curves, per-seed table, summary.json, plots/time_to_quality_*.csv
    figs = figures(result, summary)             # time_to_quality, overheads

Second half of the protocol (:func:`nas_utils.supernets.time_to_quality.time_to_quality_runs`),
per family and seed of stage ``sparsenas``:

* **sparse runs**: the seed's warm-up checkpoint continued on its kept sub-space for every
  budget in ``sparse_budgets`` (epochs after the warm-up; each its own cosine);
* **full runs**: from the same initial weights, on the full space, one per budget in
  ``full_budgets`` (each its own cosine), so the full curve is the best over budgets;
* **one yardstick** for both: ``n_yard_full`` sub-networks spread over the full space's MACs
  plus ``n_yard_kept`` of the kept region, judged on the **test** split (stage ``sparsenas``
  used validation data only); quality = normalised HV of (test accuracy, MACs), fixed bounds;
* **time** = training CPU seconds; the sparse runs start at their overhead (warm-up, early
  measurement, filtering); **speedup** = median full time / median sparse time to reach
  ``(1 - hv_tolerance)`` x the longest full run's final quality, with a 95 % bootstrap interval
  over seeds (censored seeds make it an upper bound); **ceiling** = full time / overhead; **grid maximum** = full
  time / the first sparse checkpoint after the warm-up, the largest speedup the budgets can show.

**Seed record**: the same protocol with more seeds per family, run beside the stage
(:mod:`nas_utils.experiments.sparsenas_seeds`, :data:`~nas_utils.experiments.sparsenas_records.RECORD`);
:func:`summarise` adds its rows of this run's settings, summarised by the same :func:`family_statistics`, and
checks that the seeds this run shares with it agree on everything but the clock.

Checkpoints for stage ``search_supernet``: ``<checkpoint_dir>/<family>/full.pt`` (first seed,
longest full budget) and ``sparse.pt`` (first seed, longest sparse budget). The second seed's
longest full run is kept too, as ``full_dev.pt``: a *development* super-network of the same
family (another warm-up seed, the same data and space) on which search settings for the
super-networks are chosen (:mod:`nas_utils.experiments.supernet_variants`), never on ``full.pt``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nas_utils import runtime
from nas_utils.errors import DataError
from nas_utils.experiments import sparsenas_records as records
from nas_utils.io import atomic_path, write_parquet
from nas_utils.parallel import parallel_map
from nas_utils.paths import input_path
from nas_utils.results.supernet import FamilySpeedup, SeedRecord, SeedSpeedup, SupernetSummary, TrainingFamily
from nas_utils.schemas.supernet import SupernetConfig
from nas_utils.supernets import build_supernet, checkpoint_path, family_data
from nas_utils.supernets.filtering import SparseSubspace
from nas_utils.supernets.time_to_quality import (
    FilterOutcome,
    ProtocolSettings,
    SeedResult,
    curves_table,
    family_intervals,
    median_curves,
    seed_table,
    time_to_quality_runs,
)
from nas_utils.supernets.training import Trainer

#: Relative training cost of one epoch (orders the jobs so the two workers finish together).
COST = {"mbv3_1d": 4.0, "resnet_1d": 2.5, "transformer_1d": 1.2}
TIME_BASIS = "training CPU seconds (one torch thread); the sparse runs also pay warm-up, early measurement, filtering"


def load_filter(early_dir: str) -> dict[str, Any]:
    path = input_path(Path(early_dir)) / "filter.json"
    if not path.exists():
        raise DataError(f"{path} not found; run stage 'sparsenas' (notebook 01) first")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def protocol(cfg: SupernetConfig, early: dict[str, Any], family: str) -> ProtocolSettings:
    """Stage ``sparsenas``'s settings (``filter.json``) plus this stage's budgets and yardstick."""
    s = early
    train = {k: s[k] for k in ("batch_size", "lr", "n_random", "kd_weight", "sort_channels_every")}
    return ProtocolSettings(family, mnist1d_samples=s["mnist1d_samples"], full_budgets=tuple(cfg.full_budgets),
                            sparse_budgets=tuple(cfg.sparse_budgets), warmup_epochs=s["warmup_epochs"],
                            n_early=s["n_early"], early_val=s["early_val"], n_score=s["n_score"],
                            keep_fraction=s["keep_fraction"], predictor=s["predictor"], compare=tuple(s["predictors"]),
                            cv_folds=s["cv_folds"], n_yard_full=cfg.n_yard_full, n_yard_kept=cfg.n_yard_kept,
                            eval_every=cfg.eval_every, hv_tolerance=cfg.hv_tolerance,
                            calib_samples=s["calib_samples"], train=train, data_seed=s["seed"])


def _filter_outcome(cfg: SupernetConfig, info: dict[str, Any], early: pd.DataFrame) -> FilterOutcome:
    """Stage ``sparsenas``'s result of one family and seed, read back from its outputs."""
    family, seed = info["family"], int(info["seed"])
    space = build_supernet(family).space
    sub = SparseSubspace.load(input_path(Path(cfg.early_dir)) / "subspaces" / f"{family}_s{seed}.parquet", space)
    rows = early[(early["family"] == family) & (early["seed"] == seed)].reset_index(drop=True)
    overhead = {k: float(info[f"{k}_s"]) for k in ("warmup", "early_measurement", "filtering")}
    return FilterOutcome(family, seed, sub, overhead, rows, pd.DataFrame(), float(info["early_spearman_oof"]))


#: Checkpoints kept per family, by the seed's position among the family's seeds: the run kept and its file name.
KEPT = {0: {"sparse": "sparse", "full": "full"}, 1: {"full": "full_dev"}}


def _job(job: tuple[SupernetConfig, dict[str, Any], dict[str, Any], pd.DataFrame, int]) -> SeedResult:
    cfg, early_settings, info, early, position = job
    family = info["family"]
    ps = protocol(cfg, early_settings, family)
    data = family_data(build_supernet(family), ps.data_seed, ps.mnist1d_samples)
    warm = checkpoint_path(Path(early_settings["checkpoint_dir"]) / "warmup", family, f"seed{info['seed']}")
    budgets = {"sparse": max(ps.sparse_budgets), "full": max(ps.full_budgets)}
    longest = {f"{kind}_{budgets[kind]}ep": name for kind, name in KEPT.get(position, {}).items()}

    def keep(run: str, trainer: Trainer) -> None:
        if run in longest:
            trainer.save(checkpoint_path(cfg.checkpoint_dir, family, longest[run], write=True),
                         meta={"stage": "supernet", "run": run, "seed": int(info["seed"])})

    return time_to_quality_runs(ps, _filter_outcome(cfg, info, early), warm, data, keep=keep)


@dataclass
class SupernetRun:
    """Every family x seed's :class:`SeedResult` and the settings of both stages."""

    results: list[SeedResult]
    early_settings: dict[str, Any]

    @property
    def families(self) -> list[str]:
        return list(dict.fromkeys(r.family for r in self.results))

    def curves(self) -> pd.DataFrame:
        return curves_table(self.results)

    def seeds(self) -> pd.DataFrame:
        return seed_table(self.results)


def run(cfg: SupernetConfig) -> SupernetRun:
    """:func:`time_to_quality_runs` for every family and seed of stage ``sparsenas``
    (``HWNAS_WORKERS`` processes, one torch thread each: CPU seconds are uncontended time)."""
    filt = load_filter(cfg.early_dir)
    early = pd.read_parquet(input_path(Path(cfg.early_dir)) / "early.parquet")
    seeds: dict[str, list[int]] = {}
    for info in filt["seeds"]:
        seeds.setdefault(info["family"], []).append(info["seed"])
    jobs = [(cfg, filt["settings"], info, early[early["family"] == info["family"]], seeds[info["family"]].index(info["seed"]))
            for info in filt["seeds"]]
    order = sorted(range(len(jobs)), key=lambda i: -COST.get(jobs[i][2]["family"], 1.0))
    done = parallel_map(_job, [jobs[i] for i in order], workers=min(runtime.settings().workers, len(jobs)),
                        desc="families x seeds (sparse + full runs)")
    results: list[SeedResult] = [None] * len(jobs)  # type: ignore[list-item]
    for i, r in zip(order, done):
        results[i] = r
    return SupernetRun(results, filt["settings"])


def _opt(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def _seed_row(r: SeedResult) -> SeedSpeedup:
    return SeedSpeedup(seed=r.seed, target_quality=r.target, t_full_s=r.t_full, t_sparse_s=r.t_sparse,
                       t_sparse_max_s=r.t_sparse_max, speedup=r.speedup, reached=r.reached, ceiling=r.ceiling,
                       warmup_s=r.overhead["warmup"], early_measurement_s=r.overhead["early_measurement"],
                       filtering_s=r.overhead["filtering"], early_spearman_oof=_opt(r.early_spearman),
                       early_vs_final_spearman=_opt(r.final_rank_spearman), grid_max=r.grid_max)


def family_statistics(seeds: pd.DataFrame, family: str, seed: int = 0) -> FamilySpeedup:
    """One family's per-seed rows (:func:`~nas_utils.supernets.time_to_quality.seed_table` columns: the stage's
    seeds or the seed record's) over seeds: speedup, ceiling and early Spearman with 95 % bootstrap intervals
    (``seed``: the bootstrap's), overheads and the target as medians."""
    iv = family_intervals(seeds, seed=seed)
    sp, ceil, rho, grid = iv["speedup"], iv["ceiling"], iv["early_spearman_oof"], iv["grid_max"]
    defined = sp.defined and np.isfinite(sp.estimate)
    return FamilySpeedup(
        family=family, seeds=len(seeds), speedup=sp.estimate if defined else None,
        speedup_low=sp.low if defined else None, speedup_high=sp.high if defined else None, speedup_bound=sp.bound,
        sparse_reached=int(seeds["reached"].astype(bool).sum()), ceiling=ceil.estimate, ceiling_low=ceil.low,
        ceiling_high=ceil.high, t_full_s=float(seeds["t_full_s"].median()), warmup_s=float(seeds["warmup_s"].median()),
        early_measurement_s=float(seeds["early_measurement_s"].median()),
        filtering_s=float(seeds["filtering_s"].median()), target_quality=float(seeds["target_quality"].median()),
        early_spearman_oof=_opt(rho.estimate) if rho.defined else None,
        early_spearman_oof_low=_opt(rho.low) if rho.defined else None,
        early_spearman_oof_high=_opt(rho.high) if rho.defined else None,
        early_vs_final_spearman=_opt(float(seeds["early_vs_final_spearman"].median())),
        kept_fraction=float((seeds["kept"] / seeds["scored"]).median()),
        grid_max=_opt(grid.estimate) if grid.defined else None, grid_max_low=_opt(grid.low) if grid.defined else None,
        grid_max_high=_opt(grid.high) if grid.defined else None)


def _family(result: SupernetRun, cfg: SupernetConfig, family: str) -> TrainingFamily:
    rs = [r for r in result.results if r.family == family]
    final_full = [next(c for c in reversed(r.curves) if c.kind == "full").quality[-1] for r in rs]
    final_sparse = [max(c.quality[-1] for c in r.curves if c.kind == "sparse") for r in rs]
    common = family_statistics(seed_table(rs), family, cfg.seed)
    return TrainingFamily(
        **{f.name: getattr(common, f.name) for f in dataclasses.fields(common)},
        full_budgets=sorted(cfg.full_budgets), sparse_budgets=sorted(cfg.sparse_budgets),
        final_quality_full=float(np.median(final_full)), final_quality_sparse=float(np.median(final_sparse)),
        predictor=str(result.early_settings["predictor"]), per_seed=[_seed_row(r) for r in rs],
        test_samples=rs[0].test_samples or None,
        median_test_accuracy=_opt(float(np.median(np.concatenate(  # the yardstick records percent
            [r.yardstick[f"final_full_{max(cfg.full_budgets)}ep"].to_numpy() for r in rs]))) / 100))


def seed_record(result: SupernetRun, cfg: SupernetConfig, path: str | Path | None = None) -> SeedRecord | None:
    """The seed record's rows of this run's settings (:mod:`nas_utils.experiments.sparsenas_records`), summarised per
    family by :func:`family_statistics`, and its agreement with this run's seeds; None without the file."""
    record = records.load_record(path)
    if record.empty:
        return None
    keys = records.settings_keys({f: protocol(cfg, result.early_settings, f) for f in result.families})
    rows, stale = records.current_rows(record, keys)
    families = [family_statistics(g.sort_values("seed"), f, cfg.seed)
                for f in result.families if not (g := rows[rows["family"] == f]).empty]
    return SeedRecord(records.RECORD if path is None else str(path), families, stale,
                      records.agreement(rows, result.seeds()))


def summarise(result: SupernetRun, cfg: SupernetConfig, record: str | Path | None = None) -> SupernetSummary:
    """Per family: speedup and ceiling with 95 % intervals over seeds, overheads, early predictor; and the seed
    record (``record``: its path, default :data:`~nas_utils.experiments.sparsenas_records.RECORD`) alike."""
    yard = (f"{cfg.n_yard_full} sub-networks spread over the full space's MACs (same for every seed) + "
            f"{cfg.n_yard_kept} of each seed's kept region, test split")
    return SupernetSummary(hv_tolerance=cfg.hv_tolerance, time_basis=TIME_BASIS, yardstick=yard,
                           families=[_family(result, cfg, f) for f in result.families],
                           record=seed_record(result, cfg, record))


def time_to_quality(result: SupernetRun) -> dict[str, pd.DataFrame]:
    """Per family, for DVC plots: ``train_s`` and the median (over seeds) time-to-quality curve
    of each run type (``full``, ``sparse``): the best quality reached by that time."""
    med = median_curves(result.curves())
    return {str(f): g.drop(columns="family").reset_index(drop=True).round(6) for f, g in med.groupby("family", sort=False)}


def write_outputs(out_dir: str | Path, result: SupernetRun, summary: SupernetSummary) -> None:
    """Curves, per-seed table, yardstick accuracies, ``summary.json``, ``plots/time_to_quality_*.csv``."""
    out = Path(out_dir)
    write_parquet(out / "curves.parquet", result.curves())
    write_parquet(out / "yardstick.parquet",
                  pd.concat([r.yardstick.assign(family=r.family, seed=r.seed) for r in result.results], ignore_index=True))
    with atomic_path(out / "seeds.csv") as tmp:
        result.seeds().to_csv(tmp, index=False)
    for fam, df in time_to_quality(result).items():
        with atomic_path(out / "plots" / f"time_to_quality_{fam}.csv") as tmp:
            df.to_csv(tmp, index=False)
    summary.save(out / "summary.json")


def plot_time_to_quality(result: SupernetRun, summary: SupernetSummary) -> Figure:
    """Per family: every checkpoint (thin: one line per run and seed) and the median time-to-quality
    curves (thick steps), the target quality (dashed) and the overhead (grey band)."""
    curves = result.curves()
    med = time_to_quality(result)
    fams = result.families
    fig, axes = plt.subplots(1, len(fams), figsize=(4.4 * len(fams), 3.6), squeeze=False)
    colors = {"full": "C0", "sparse": "C3"}
    for ax, fam in zip(axes[0], fams):
        f = summary.family(fam)
        g = curves[curves["family"] == fam]
        for (_, run), r in g.groupby(["seed", "run"], sort=False):
            ax.plot(r["train_s"], r["quality"], "o-", ms=2, lw=0.6, alpha=0.35, color=colors[run.split("_")[0]])
        m = med[fam]
        for kind in ("full", "sparse"):
            ax.step(m["train_s"], m[kind], where="post", lw=2, color=colors[kind], label=f"{kind} (median over seeds)")
        if f is not None:
            ax.axhline(f.target_quality, ls="--", c="0.4", lw=1, label="target: full run's final quality")
            ax.axvspan(0, f.overhead_s, color="0.85", zorder=0, label="SparseNAS overhead")
            grid = "" if f.grid_max is None else f", grid max {f.grid_max:.1f}x"
            ax.set_title(f"{fam}: speedup {_speedup_text(f)}, ceiling {f.ceiling:.1f}x{grid}", fontsize=9)
        ax.set_xlabel("training CPU seconds")
        ax.set_ylabel("normalised HV (test-split yardstick)")
    axes[0, 0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_overheads(summary: SupernetSummary) -> Figure:
    """Per family: the full run's time to the target next to SparseNAS's overheads (stacked bars)."""
    fams = summary.families
    fig, ax = plt.subplots(figsize=(1.8 + 2.2 * len(fams), 3.6))
    x = np.arange(len(fams))
    ax.bar(x - 0.2, [f.t_full_s for f in fams], 0.38, color="C0", label="full runs: time to target")
    bottom = np.zeros(len(fams))
    for k, (attr, label) in enumerate((("warmup_s", "warm-up"), ("early_measurement_s", "early-accuracy measurement"),
                                       ("filtering_s", "filtering (fit + scoring)"))):
        vals = np.array([getattr(f, attr) for f in fams])
        ax.bar(x + 0.2, vals, 0.38, bottom=bottom, color=f"C{k + 1}", label=label)
        bottom += vals
    for i, f in enumerate(fams):
        ax.annotate(f"ceiling {f.ceiling:.1f}x", (x[i] + 0.2, bottom[i]), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, [f.family for f in fams])
    ax.set_ylabel("CPU seconds (median over seeds)")
    ax.set_title("SparseNAS overheads vs full training time")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def figures(result: SupernetRun, summary: SupernetSummary) -> dict[str, Figure]:
    return {"time_to_quality": plot_time_to_quality(result, summary), "overheads": plot_overheads(summary)}


def _speedup_text(f: FamilySpeedup) -> str:
    if f.speedup is None:
        return "n/a"
    hi = "inf" if f.speedup_high is None or f.speedup_high == float("inf") else f"{f.speedup_high:.2f}"
    prefix = {"upper": "<= ", "lower": ">= "}.get(f.speedup_bound, "")
    return f"{prefix}{f.speedup:.2f}x [{f.speedup_low:.2f}, {hi}]"


def family_sentences(summary: SupernetSummary) -> str:
    """One sentence per family: speedup with interval against the goal and the paper (the one
    verdict rule), the ceiling and the early predictor's ranking quality."""
    return _sentences(summary.families)


def record_sentences(summary: SupernetSummary) -> str:
    """The seed record's families as :func:`family_sentences` words them, after a line on the record itself."""
    rec = summary.record
    if rec is None:
        return f"No seed record (`{records.RECORD}`; `python -m nas_utils.experiments.sparsenas_seeds` makes it)."
    shared = "; ".join(f"{f}: {eq} of {n}" for f, (eq, n) in rec.agreement.items()) or "none shared"
    head = (f"Seed record `{rec.path}` (rows of this run's settings; {rec.rows_stale} rows of other settings left "
            f"out). Seeds shared with this run that agree on every clock-free field: {shared}.")
    return head + ("\n" + _sentences(rec.families) if rec.families else " No row has this run's settings.")


def _sentences(families: list[FamilySpeedup]) -> str:
    from nas_utils.claims import (
        SPARSENAS_GOAL,
        SPARSENAS_SPEEDUP,
        Estimate,
        describe,
        speedup_verdict,
    )

    lines = []
    for f in families:
        est = Estimate(f.speedup, f.speedup_low, f.speedup_high, runs=f.seeds)
        goal = describe(speedup_verdict(est, f.grid_max, SPARSENAS_GOAL))
        paper = describe(speedup_verdict(est, f.grid_max, SPARSENAS_SPEEDUP))
        grid = "n/a" if f.grid_max is None else f"{f.grid_max:.2f}x"
        rho = "n/a" if f.early_spearman_oof is None else f"{f.early_spearman_oof:.2f}"
        lines.append(
            f"- **{f.family}** ({f.seeds} seeds; sparse runs reached the target in {f.sparse_reached}): speedup "
            f"{_speedup_text(f)} (goal >= {SPARSENAS_GOAL.low:g}x: **{goal}**; paper {SPARSENAS_SPEEDUP.low:g}x: "
            f"{paper}); ceiling {f.ceiling:.2f}x [{f.ceiling_low:.2f}, {f.ceiling_high:.2f}] (full time "
            f"{f.t_full_s:.1f} s / overhead {f.overhead_s:.1f} s); the largest speedup the budget grid can show "
            f"{grid}; early predictor out-of-fold Spearman {rho}.")
    return "\n".join(lines)
