"""Stage ``search``: every tactic x cell x seed on the NB201 x HELP tabular benchmark.

The notebook ``05_search_comparison.ipynb`` calls the stage shape::

    cfg = config.parse("search", params)
    result = run(cfg)                           # histories, curves, LINAS timing, tuning record
    summary = summarise(result, cfg)            # typed SearchSummary (nas_utils.results.search)
    write_outputs(out_dir, result, summary)     # parquet, summary.json, plots/*.csv, tables
    figs = figures(result, summary)             # name -> matplotlib figure

The cells are the pre-registered test cells of ``params.yaml`` (``search.cells``); every
tactic's settings were fixed on the development cells (``nas_utils.search.tuning``), whose
record (``data/preregistration/search/tuning_*.csv``) the stage reads and reports. The grid of
independent runs goes through an evaluation backend (``HWNAS_BACKEND``: serial, process, ray;
``nas_utils.backends.map_runs``); results do not depend on it.

Method: normalised HV = HV(evaluated set) / HV(true front of the whole space), objectives
normalised by the space-wide min/max, in two views: the space-wide reference point (1, 1), and a
near-front reference point (accuracy at the space's median, latency at the true front's largest
plus 10 % of its range; stated per cell), where only better-than-median architectures count. IGD+
(pymoo) measures the distance from the true front to the evaluated set in the space-wide
normalised space. "Evaluations to threshold" counts real evaluations until the normalised HV
first reaches the threshold; per cell we report the median over seeds (runs that never reach it
are censored), the inter-quartile range and bootstrap 95 % intervals over seeds of the median and
of every ratio to LINAS (``nas_utils.experiments.comparison``). The physical limit next to them: the
validations an oracle needs that validates only true-front members, greedily by HV gain
(``nas_utils.metrics.greedy_oracle_evals``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nas_utils import claims, runtime
from nas_utils.backends import map_runs
from nas_utils.evaluators import load_benchmark
from nas_utils.experiments import comparison as cmp
from nas_utils.experiments import comparison_plots as cmp_plots
from nas_utils.experiments import search_records as records
from nas_utils.experiments.search_cells import cell_name, cell_scorers, near_front_ref, oracle_bounds
from nas_utils.io import atomic_path, write_parquet
from nas_utils.metrics import missing_hv_by_band
from nas_utils.parallel import parallel_map
from nas_utils.results.search import GapResult, SearchSummary, TimingResult
from nas_utils.schemas.search import SearchConfig
from nas_utils.search import tuning

REFERENCE = cmp.REFERENCE


@dataclass(frozen=True)
class RunSpec:
    tactic: str
    dataset: str
    device: str
    seed: int
    budget: int
    params: tuple[tuple[str, Any], ...] = ()


@dataclass
class SearchRun:
    """Everything stage ``search`` computed or read: one row per real evaluation, the curves of every
    run (``hv``, ``hv_near``, ``igd``), the LINAS timing, and the per-run dev-cell tuning rows."""

    histories: pd.DataFrame
    curves: pd.DataFrame
    timing: TimingResult | None = None
    tuning: pd.DataFrame = field(default_factory=pd.DataFrame)


# --- the run grid -------------------------------------------------------------------------------


def near_limit_gaps(histories: pd.DataFrame, tactic: str, cells: list[tuple[str, str]], evals: int,
                    bands: int = 3) -> list[GapResult]:
    """Per cell: where the HV ``tactic`` still misses after ``evals`` validations lies along the true front
    (medians over seeds of :func:`nas_utils.metrics.missing_hv_by_band`, thirds by latency, fastest first)."""
    out = []
    for dataset, device in cells:
        runs = histories[(histories.dataset == dataset) & (histories.device == device) & (histories.tactic == tactic)]
        if runs.empty:
            continue
        bench = load_benchmark("nb201", dataset, device)
        names, scorer, front = [o.name for o in bench.objectives], bench.scorer(), bench.true_front()
        per_seed = [missing_hv_by_band(scorer, front, run[names].to_numpy()[:evals], bands)
                    for _, run in runs.groupby("seed", sort=True)]
        out.append(GapResult(cell_name(dataset, device), tactic, evals, len(per_seed),
                             float(np.median([g for g, _ in per_seed])),
                             [float(v) for v in np.median([b for _, b in per_seed], axis=0)]))
    return out


def run_one(spec: RunSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One search run on its tabular benchmark (in a worker): its history (with wall and CPU
    seconds) and its curves in every view."""
    bench = load_benchmark("nb201", spec.dataset, spec.device)
    start = time.process_time()
    history = cmp.run_tactic(spec.tactic, dict(spec.params), bench, spec.budget, spec.seed, spec.dataset, spec.device)
    history["run_cpu_s"] = time.process_time() - start
    return history, cmp.run_curves(history, cell_scorers(spec.dataset, spec.device))


def run_specs(cfg: SearchConfig) -> list[RunSpec]:
    return [
        RunSpec(t, d, dev, s, cfg.budget, tuple(sorted(cfg.params_of(t).items())))
        for d, dev in cfg.cell_pairs() for t in cfg.tactics for s in range(cfg.seeds_of(t))
    ]


def _ordered(df: pd.DataFrame, cfg: SearchConfig) -> pd.DataFrame:
    """Fixed row order (configured cell order, configured tactic order, seed, eval)."""
    cells = {c: i for i, c in enumerate(cfg.cell_pairs())}
    tactics = {t: i for i, t in enumerate(cfg.tactics)}
    df = df.assign(_c=[cells[c] for c in zip(df["dataset"], df["device"])], _t=df["tactic"].map(tactics))
    df = df.sort_values(["_c", "_t", "seed", "eval"], kind="stable").drop(columns=["_c", "_t"])
    return df.reset_index(drop=True)


def run_grid(cfg: SearchConfig, backend: str | None = None, workers: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every (cell, tactic, seed) run on an evaluation backend (default: the runtime settings
    ``HWNAS_BACKEND`` / ``HWNAS_WORKERS``): histories and curves, in a fixed order."""
    rt = runtime.settings()
    # Costly tactics (those run with fewer seeds) first, so the workers stay busy until the end.
    specs = sorted(run_specs(cfg), key=lambda s: cfg.seeds_of(s.tactic))
    pairs = map_runs(run_one, specs, backend or rt.backend, workers or rt.workers, desc="search runs", **rt.backend_kw)
    histories = pd.concat([h for h, _ in pairs], ignore_index=True)
    curves = pd.concat([c for _, c in pairs], ignore_index=True)
    return _ordered(histories, cfg), _ordered(curves, cfg)


def hv_curves(histories: pd.DataFrame) -> pd.DataFrame:
    """Curves of every run in every view (as :func:`run_grid` computes them in the workers)."""
    return cmp.hv_curves(histories, cell_scorers)


def time_linas(cfg: SearchConfig) -> TimingResult | None:
    """Wall time of ``timing_seeds`` single-core LINAS runs with ``timing_budget`` evaluations (first cell)."""
    if cfg.timing_budget == 0 or cfg.timing_seeds == 0:
        return None
    dataset, device = cfg.cell_pairs()[0]
    specs = [RunSpec(REFERENCE, dataset, device, s, cfg.timing_budget, tuple(sorted(cfg.params_of(REFERENCE).items())))
             for s in range(cfg.timing_seeds)]
    # One run per local worker process, each single-threaded: every time is a one-core time.
    workers = min(runtime.settings().workers, len(specs))
    times = [float(h["run_time_s"].iloc[0]) for h, _ in parallel_map(run_one, specs, workers=workers)]
    return TimingResult(REFERENCE, cfg.timing_budget, device, 1, times, float(np.median(times)))


# --- the stage ----------------------------------------------------------------------------------


def run(cfg: SearchConfig) -> SearchRun:
    """The whole stage: the run grid with its curves, the single-core LINAS timing, the tuning record."""
    histories, curves = run_grid(cfg)
    return SearchRun(histories, curves, time_linas(cfg), records.load_tuning())


def summarise(result: SearchRun, cfg: SearchConfig) -> SearchSummary:
    """Evaluations-to-threshold per cell and HV view (median, IQR, 95 % CI), ratios to LINAS with
    intervals, IGD+, the tuning record and the faithful-LINAS check."""
    refs = {cell_name(d, dev): near_front_ref(d, dev) for d, dev in cfg.cell_pairs()}
    cells, seeds = cmp.summarise_cells(result.curves, cfg.thresholds, cfg.budget, cfg.paper_linas_evals,
                                       cmp.run_times(result.histories), run_cpu=cmp.run_times(result.histories, "run_cpu_s"),
                                       near_front_refs=refs)
    cells = [replace(c, oracle=oracle_bounds(c.dataset, c.device, tuple(cfg.thresholds))) for c in cells]
    record = records.load_seed_record()
    seed_record, stale = records.seed_record_summary(record, cfg)
    per_run = result.histories.groupby(["tactic", "dataset", "device", "seed"], sort=False)["run_cpu_s"].first()
    grid_cpu = {str(t): round(float(v), 1) for t, v in per_run.groupby("tactic", sort=False).sum().items()}
    return SearchSummary(method=" ".join(__doc__.split("Method: ")[1].split()), budget=cfg.budget, seeds_per_tactic=seeds,
                         thresholds=[float(t) for t in cfg.thresholds], cells=cells, timing=result.timing,
                         dev_cells=[cell_name(*c) for c in tuning.DEV_CELLS],
                         test_cells=[cell_name(*c) for c in tuning.TEST_CELLS],
                         tuning=records.tuning_variants(result.tuning, cfg),
                         faithful=records.faithful_checks(cells, record=records.load_faithful_record()), grid_cpu_s=grid_cpu,
                         near_limit_tactic=cfg.near_limit_tactic,
                         near_limit_gaps=near_limit_gaps(result.histories, cfg.near_limit_tactic,
                                                         [c for c in cfg.cell_pairs() if c in tuning.TEST_CELLS],
                                                         int(claims.NEAR_LIMIT_GOALS[0.995].low)),
                         prior_track=records.prior_track_results(records.load_prior_track(), cfg.near_limit_tactic),
                         prior_oracles=records.prior_oracle_results(cfg.near_limit_tactic, tuple(cfg.thresholds)),
                         post_hoc=records.post_hoc_variants(record, cfg),
                         seed_record=seed_record, seed_record_stale=stale,
                         seed_record_agreement=records.record_agreement(record, cfg, result.curves))


def write_outputs(out_dir: str | Path, result: SearchRun, summary: SearchSummary) -> None:
    """Histories and curves (parquet), ``summary.json``, the threshold, IGD+ and tuning tables, ``plots/hv_*.csv``."""
    out = Path(out_dir)
    write_parquet(out / "histories.parquet", result.histories)
    write_parquet(out / "curves.parquet", result.curves)
    for name, table in (("evals_to_threshold", cmp.threshold_table(summary)), ("igd", cmp.igd_table(summary)),
                        ("tuning", records.tuning_table(summary))):
        with atomic_path(out / f"{name}.csv") as tmp:
            table.to_csv(tmp, index=False)
    cmp.write_plot_data(out, cmp.hv_plot_data(result.curves), prefix="hv_")
    summary.save(out / "summary.json")


def _title(dataset: str, device: str) -> str:
    return f"{dataset} / {device}"


def figures(result: SearchRun, summary: SearchSummary) -> dict[str, Figure]:
    """HV curves (both views), evaluations to threshold, and the fronts found (seed 0) against the true front."""
    return {
        "hv_curves": cmp_plots.plot_hv_curves(result.curves, summary.thresholds, _title),
        "hv_curves_near": cmp_plots.plot_hv_curves(result.curves, summary.thresholds, _title,
                                             ylabel="1 - normalised HV, near-front reference point", column="hv_near"),
        "evals_to_threshold": cmp_plots.plot_evals_to_threshold(summary, _title),
        "fronts": cmp_plots.plot_fronts(result.histories, lambda d, dev: load_benchmark("nb201", d, dev).objectives,
                                  lambda d, dev: load_benchmark("nb201", d, dev).true_front(), "true front",
                                  seed=0, title=lambda d, dev: f"{d} / {dev}, seed 0"),
    }


def paper_style_table(summary: SearchSummary) -> pd.DataFrame:
    """The paper's framing, tactic x (runs, cell): evaluations each tactic needs to match the HV LINAS reaches with
    ``paper_linas_evals``, with their bootstrap 95 % interval and as a multiple of ``paper_linas_evals``; for the
    stage's runs and, where its rows carry their curves, the seed record's."""
    from nas_utils.sections.common import match_seeds, match_text

    runs = {"this stage": summary, "seed record": summary.seed_record}
    tables = {f"{label} ({match_seeds(s)})": pd.DataFrame(
        {c.name: {m.tactic: match_text(m, c.paper_linas_evals or 1) for m in c.paper_style} for c in s.cells})
        for label, s in runs.items() if s is not None and any(c.paper_style for c in s.cells)}
    return pd.concat(tables, axis=1) if tables else pd.DataFrame()


def run_time_table(result: SearchRun, summary: SearchSummary) -> pd.DataFrame:
    """Per tactic: median wall and CPU seconds of one run, and the CPU seconds of all its runs in the grid."""
    return pd.DataFrame({"median run wall s": cmp.run_times(result.histories),
                         "median run CPU s": cmp.run_times(result.histories, "run_cpu_s"),
                         "grid CPU s": summary.grid_cpu_s})


def timing_sentence(timing: TimingResult | None) -> str:
    """The single-core LINAS benchmark against its target, in words (the one verdict rule)."""
    from nas_utils.claims import LINAS_TIMING, Estimate, describe, verdict

    if timing is None:
        return "The single-core LINAS timing benchmark was skipped (timing_budget or timing_seeds is 0)."
    word = describe(verdict(Estimate(timing.median_s, min(timing.seconds), max(timing.seconds)), LINAS_TIMING))
    runs = ", ".join(f"{t:.1f}" for t in timing.seconds)
    return (f"A {timing.budget}-evaluation `{timing.tactic}` run on {timing.device} (one thread, all predictor "
            f"fits and inner searches included) took a median {timing.median_s:.1f} s over {len(timing.seconds)} "
            f"seeds ({runs} s): it **{word}** the < {LINAS_TIMING.low:g} s target (all runs counted).")
