"""Stage ``search``: every tactic x device x seed on the NB201 x HELP tabular benchmark.

The notebook ``05_search_comparison.ipynb`` calls the stage shape::

    cfg = config.parse("search", params)
    result = run(cfg)                           # histories, HV curves, single-core LINAS timing
    summary = summarise(result, cfg)            # typed SearchSummary (nas_utils.results.search)
    write_outputs(out_dir, result, summary)     # parquet, summary.json, plots/*.csv, tables
    figs = figures(result, summary)             # name -> matplotlib figure

Method: normalised HV = HV(evaluated set) / HV(true front of the whole space), objectives
normalised by the space-wide min/max, reference point (1, 1) (see ``nas_utils.metrics``).
"Evaluations to threshold" counts real evaluations until the normalised HV first reaches the
threshold; per cell we report the median over seeds (runs that never reach it are censored),
the inter-quartile range and bootstrap 95 % intervals over seeds of the median and of every
ratio to LINAS (``nas_utils.experiments.comparison``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils import runtime
from nas_utils.evaluators import load_benchmark
from nas_utils.experiments import comparison as cmp
from nas_utils.io import atomic_path, write_parquet
from nas_utils.parallel import parallel_map
from nas_utils.schemas.search import SearchConfig
from matplotlib.figure import Figure
from nas_utils.results.search import SearchSummary, TimingResult

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
    """Everything stage ``search`` computed: one row per real evaluation, HV curves, timing."""

    histories: pd.DataFrame
    curves: pd.DataFrame
    timing: TimingResult | None = None


def run_one(spec: RunSpec) -> pd.DataFrame:
    """One search run on its tabular benchmark (in a worker process)."""
    bench = load_benchmark("nb201", spec.dataset, spec.device)
    return cmp.run_tactic(spec.tactic, dict(spec.params), bench, spec.budget, spec.seed, spec.dataset, spec.device)


def run_specs(cfg: SearchConfig) -> list[RunSpec]:
    return [
        RunSpec(t, d, dev, s, cfg.budget, tuple(sorted(cfg.params_of(t).items())))
        for d in cfg.datasets for dev in cfg.devices for t in cfg.tactics for s in range(cfg.seeds_of(t))
    ]


def run_grid(cfg: SearchConfig) -> pd.DataFrame:
    """Every (dataset, device, tactic, seed) run, in a fixed order, over ``HWNAS_WORKERS`` processes."""
    # Slow tactics first so the process pool stays busy until the end.
    specs = sorted(run_specs(cfg), key=lambda s: s.tactic not in ("bo", "weaknas", "linas_faithful"))
    histories = parallel_map(run_one, specs, workers=runtime.settings().workers, desc="search runs")
    return cmp.order_histories(pd.concat(histories, ignore_index=True), cfg.tactics)


def _scorer(dataset: str, device: str) -> Any:
    return load_benchmark("nb201", dataset, device).scorer()


def hv_curves(histories: pd.DataFrame) -> pd.DataFrame:
    """Normalised HV (true front of the space) after every evaluation of every run."""
    return cmp.hv_curves(histories, _scorer)


def time_linas(cfg: SearchConfig, device: str | None = None) -> TimingResult | None:
    """Wall time of ``timing_seeds`` single-core LINAS runs with ``timing_budget`` evaluations."""
    if cfg.timing_budget == 0 or cfg.timing_seeds == 0:
        return None
    device = device or cfg.devices[0]
    specs = [RunSpec(REFERENCE, cfg.datasets[0], device, s, cfg.timing_budget, tuple(sorted(cfg.params_of(REFERENCE).items())))
             for s in range(cfg.timing_seeds)]
    # One run per worker process, each single-threaded: every time is a one-core time.
    times = [float(h["run_time_s"].iloc[0]) for h in parallel_map(run_one, specs, workers=min(runtime.settings().workers, len(specs)))]
    return TimingResult(REFERENCE, cfg.timing_budget, device, 1, times, float(np.median(times)))


def run(cfg: SearchConfig) -> SearchRun:
    """The whole stage: the run grid, its HV curves and the single-core LINAS timing."""
    histories = run_grid(cfg)
    return SearchRun(histories, hv_curves(histories), time_linas(cfg))


def summarise(result: SearchRun, cfg: SearchConfig) -> SearchSummary:
    """Evaluations-to-threshold per cell (median, IQR, 95 % CI) and ratios to LINAS with intervals."""
    cells, seeds = cmp.summarise_cells(result.curves, cfg.thresholds, cfg.budget, cfg.paper_linas_evals,
                                       cmp.run_times(result.histories))
    return SearchSummary(method=" ".join(__doc__.split("Method: ")[1].split()), budget=cfg.budget, seeds_per_tactic=seeds,
                         thresholds=[float(t) for t in cfg.thresholds], cells=cells, timing=result.timing)


def write_outputs(out_dir: str | Path, result: SearchRun, summary: SearchSummary) -> None:
    """Histories and curves (parquet), ``summary.json``, the threshold table, ``plots/hv_*.csv``."""
    out = Path(out_dir)
    write_parquet(out / "histories.parquet", result.histories)
    write_parquet(out / "curves.parquet", result.curves)
    with atomic_path(out / "evals_to_threshold.csv") as tmp:
        cmp.threshold_table(summary).to_csv(tmp, index=False)
    cmp.write_plot_data(out, cmp.hv_plot_data(result.curves), prefix="hv_")
    summary.save(out / "summary.json")


def _title(dataset: str, device: str) -> str:
    return f"{dataset} / {device}"


def figures(result: SearchRun, summary: SearchSummary) -> dict[str, Figure]:
    """HV curves, evaluations to threshold, and the fronts found (seed 0) against the true front."""
    return {
        "hv_curves": cmp.plot_hv_curves(result.curves, summary.thresholds, _title),
        "evals_to_threshold": cmp.plot_evals_to_threshold(summary, _title),
        "fronts": cmp.plot_fronts(result.histories, lambda d, dev: load_benchmark("nb201", d, dev).objectives,
                                  lambda d, dev: load_benchmark("nb201", d, dev).true_front(), "true front",
                                  seed=0, title=lambda d, dev: f"{d} / {dev}, seed 0"),
    }


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
