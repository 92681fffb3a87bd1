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

import functools
import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils import claims, runtime
from nas_utils.backends import map_runs
from nas_utils.errors import HwnasError
from nas_utils.evaluators import load_benchmark
from nas_utils.experiments import comparison as cmp
from nas_utils.experiments import comparison_plots as cmp_plots
from nas_utils.io import atomic_path, write_parquet
from nas_utils.metrics import (
    IGDPlusScorer, greedy_oracle_evals, missing_hv_by_band, near_front_reference_point, near_front_scorer,
)
from nas_utils.parallel import parallel_map
from nas_utils.paths import project_root
from nas_utils.schemas.search import SearchConfig
from nas_utils.search import TACTICS, faithful_check, tuning
from matplotlib.figure import Figure
from nas_utils.results.search import (
    ORACLE_PRIORS, CellSummary, ComparisonSummary, FaithfulCheck, FaithfulVariant, GapResult, OracleResult, PriorTrackResult,
    RatioResult, SearchSummary, TacticResult, ThresholdResult, TimingResult, TuningEvals, TuningVariant, View,
)

REFERENCE = cmp.REFERENCE
FAITHFUL = "linas_faithful"
#: The committed dev-cell tuning records (``python -m nas_utils.search.tuning <grid> --out ...``).
TUNING_DIR = "data/preregistration/search"
TUNING_GLOB = "tuning_*.csv"


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


def cell_name(dataset: str, device: str) -> str:
    return f"{dataset}/{device}"


@functools.lru_cache(maxsize=8)
def cell_scorers(dataset: str, device: str) -> dict[str, Any]:
    """Curve scorers of one cell: ``hv`` (space-wide view), ``hv_near`` (near-front view), ``igd`` (IGD+)."""
    bench = load_benchmark("nb201", dataset, device)
    return {"hv": bench.scorer(), "hv_near": near_front_scorer(bench.objectives, bench.table),
            "igd": IGDPlusScorer(bench.objectives, bench.table)}


def near_front_ref(dataset: str, device: str) -> dict[str, float]:
    """The near-front reference point of a cell, objective name -> value (natural units)."""
    bench = load_benchmark("nb201", dataset, device)
    point = near_front_reference_point(bench.objectives, bench.table)
    return {o.name: round(float(v), 4) for o, v in zip(bench.objectives, point)}


@functools.lru_cache(maxsize=None)
def oracle_bounds(dataset: str, device: str, thresholds: tuple[float, ...]) -> list[OracleResult]:
    """The oracle's validations to every threshold in both HV views (greedy over the cell's true front)."""
    front = load_benchmark("nb201", dataset, device).true_front()
    scorers = cell_scorers(dataset, device)
    views: tuple[tuple[View, str], ...] = (("space", "hv"), ("near_front", "hv_near"))
    return [OracleResult(float(t), n, view) for view, key in views
            for t, n in zip(thresholds, greedy_oracle_evals(scorers[key], front, thresholds))]


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


# --- the dev-cell tuning record -------------------------------------------------------------------


def _tactic_of(stem: str) -> str:
    """``tuning_linas_faithful_x`` -> ``linas_faithful``: the longest registered tactic the name starts with."""
    name = stem.removeprefix("tuning_")
    known = sorted((t for t in TACTICS.names() if name == t or name.startswith(t + "_")), key=len)
    return known[-1] if known else name


def load_tuning(folder: str | Path | None = None) -> pd.DataFrame:
    """Every per-run row of every ``tuning_*.csv`` in ``folder`` (default: :data:`TUNING_DIR`).

    Adds ``source`` (the file name) and ``tactic`` (from the variant's grid in
    ``nas_utils.search.tuning.GRIDS``, else from the file name). No file: an empty table.
    """
    folder = Path(folder) if folder is not None else project_root() / TUNING_DIR
    grids = {label: tactic for grid in tuning.GRIDS.values() for label, (tactic, _) in grid.items()}
    needed = {"variant", "cell", "seed", "final_hv", "cpu_s", *(f"evals@{t}" for t in tuning.THRESHOLDS)}
    frames = []
    for path in sorted(folder.glob(TUNING_GLOB)):
        df = pd.read_csv(path)
        if missing := sorted(needed - set(df.columns)):
            raise HwnasError(f"{path}: not a tuning record (missing columns {', '.join(missing)}); "
                             f"regenerate it with `python -m nas_utils.search.tuning <grid> --out {path.name}`")
        df["variant"] = df["variant"].astype(str)
        df.insert(0, "tactic", [grids.get(v, _tactic_of(path.stem)) for v in df["variant"]])
        df.insert(0, "source", path.name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _settings(label: str) -> dict[str, Any] | None:
    return next((dict(params) for grid in tuning.GRIDS.values() for lab, (_, params) in grid.items() if lab == label),
                None)


def _chosen(settings: dict[str, Any] | None, configured: dict[str, Any]) -> bool | None:
    """Whether a variant's settings are the configured ones (``None``: unknown or not all configured)."""
    if settings is None:
        return None
    if any(k in configured and configured[k] != v for k, v in settings.items()):
        return False
    return True if all(k in configured for k in settings) else None


def tuning_variants(runs: pd.DataFrame, cfg: SearchConfig) -> list[TuningVariant]:
    """The tuning record as typed rows: per (file, variant, cell) the medians of ``tuning.summarise_runs``."""
    if runs.empty:
        return []
    dev = {cell_name(d, v) for d, v in tuning.DEV_CELLS}
    out = []
    for (source, tactic), group in runs.groupby(["source", "tactic"], sort=False):
        table = tuning.summarise_runs(group.drop(columns=["source", "tactic"]))
        for r in table.to_dict("records"):
            settings = _settings(str(r["variant"]))
            out.append(TuningVariant(
                tactic=str(tactic), variant=str(r["variant"]), cell=str(r["cell"]), seeds=int(r["seeds"]),
                evals=[TuningEvals(float(t), float(r[f"median_evals@{t}"]), float(r[f"reached@{t}"]))
                       for t in tuning.THRESHOLDS],
                median_final_hv=float(r["median_final_hv"]), median_cpu_s=float(r["median_cpu_s"]), source=str(source),
                settings=", ".join(f"{k}={v}" for k, v in (settings or {}).items()),
                chosen=_chosen(settings, cfg.params_of(str(tactic))), dev_cell=str(r["cell"]) in dev))
    return out


def faithful_checks(cells: list[CellSummary], threshold: float = 0.99,
                    record: pd.DataFrame | None = None) -> list[FaithfulCheck]:
    """This stage's ``linas_faithful`` runs against DyNAS-T 1.6.0 (``tuning.DYNAST_EVALS_TO_099``),
    with the fidelity record's variants per cell (``record``: :func:`load_faithful_record`)."""
    by_name = {c.name: c for c in cells}
    out = []
    for device, evals in tuning.DYNAST_EVALS_TO_099.items():
        name = cell_name("cifar10", device)
        cell = by_name.get(name)
        ours = cell.threshold(FAITHFUL, threshold, "space") if cell else None
        out.append(FaithfulCheck(name, threshold, float(evals), ours, faithful_variants(record, name)))
    return out


def load_faithful_record(folder: str | Path | None = None) -> pd.DataFrame:
    """The per-run rows of ``faithful_check.csv`` (:mod:`nas_utils.search.faithful_check`); no file: empty."""
    path = (Path(folder) if folder is not None else project_root() / TUNING_DIR) / Path(faithful_check.RECORD).name
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


def load_prior_track(folder: str | Path | None = None, record: str = tuning.PRIOR_TRACK_RECORD) -> pd.DataFrame:
    """The per-run rows of a record of :mod:`nas_utils.search.prior_track` (default: the prior-knowledge
    track; ``tuning.PRIOR_TRACK_DEV_RECORD`` / ``PRIOR_ORACLE_RECORD``: the oracle diagnostic); no file: empty."""
    name = Path(record).name
    path = (Path(folder) if folder is not None else project_root() / TUNING_DIR) / name
    return pd.read_csv(path).assign(source=name) if path.exists() else pd.DataFrame()


def prior_track_results(record: pd.DataFrame, tactic: str | None, prior: str = "transfer") -> list[PriorTrackResult]:
    """Per (cell, k, budget) of the record's runs with ``prior`` (rows without a ``prior`` column: the
    transfer track), for the near-limit ``tactic``: medians over seeds with intervals."""
    if record.empty or tactic is None:
        return []
    out = []
    rows = record[(record["tactic"] == tactic) & (record.get("prior", "transfer") == prior)]
    for (cell, k, budget, method), g in rows.groupby(["cell", "k", "budget", "method"], sort=False):
        evals = [cmp.threshold_result(tactic, t, g[f"evals@{t:g}"].to_numpy(dtype=float), int(budget))
                 for t in tuning.THRESHOLDS]
        source = str(g["source"].iloc[0]) if "source" in g else Path(tuning.PRIOR_TRACK_RECORD).name
        rho = float(g["latency_spearman"].median())
        out.append(PriorTrackResult(str(cell), tactic, str(method), int(k), int(budget),
                                    None if np.isnan(rho) else rho, evals, source, prior))
    return out


def prior_oracle_results(tactic: str | None, thresholds: tuple[float, ...]) -> list[PriorTrackResult]:
    """The oracle diagnostic of :mod:`nas_utils.search.prior_track` (development cells, then the test cells
    post hoc): per cell and prior, medians with intervals, and the cell's greedy true-front bound."""
    out = []
    for record in (tuning.PRIOR_TRACK_DEV_RECORD, tuning.PRIOR_ORACLE_RECORD):
        rows = load_prior_track(record=record)
        for prior in ORACLE_PRIORS:
            for r in prior_track_results(rows, tactic, prior):
                out.append(replace(r, oracle=oracle_bounds(*r.cell.split("/"), thresholds)))
    return out


def settings_key(params: dict[str, Any]) -> str:
    """A tactic's settings as one canonical string (the seed record's ``settings`` column)."""
    return json.dumps(params, sort_keys=True, default=str)


def load_seed_record(folder: str | Path | None = None) -> pd.DataFrame:
    """The per-run rows of the seed record (:mod:`nas_utils.experiments.search_seeds`); no file: empty."""
    path = (Path(folder) if folder is not None else project_root() / TUNING_DIR) / Path(tuning.SEED_RECORD).name
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


def seed_record_summary(record: pd.DataFrame, cfg: SearchConfig) -> tuple[ComparisonSummary | None, int]:
    """The record's runs whose settings and budget are the configured ones, summarised like the stage's
    (thresholds in both views, ratios to LINAS, IGD+; medians over seeds with bootstrap intervals), and
    the number of rows left out as stale (other settings or budget)."""
    if record.empty:
        return None, 0
    current = record["settings"] == record["tactic"].map(lambda t: settings_key(cfg.params_of(str(t))))
    current &= (record["budget"] == cfg.budget) & record["tactic"].isin(cfg.tactics)
    rows, stale = record[current], int((~current).sum())
    cells = []
    for (dataset, device), cell in rows.groupby(["dataset", "device"], sort=False):
        by_tactic = {str(t): g.sort_values("seed") for t, g in cell.groupby("tactic", sort=False)}
        tactics = [TacticResult(t, len(g), float(g["final_hv"].median()), None, float(g["final_hv_near"].median()),
                                    float(g["cpu_s"].median())) for t, g in by_tactic.items()]
        thresholds: list[ThresholdResult] = []
        ratios: list[RatioResult] = []
        for view in cmp.VIEWS:
            for thr in cfg.thresholds:
                hits = {t: g[f"evals@{view}@{thr:g}"].to_numpy(dtype=float) for t, g in by_tactic.items()}
                found, against = cmp.threshold_rows(hits, thr, cfg.budget, view=view)
                thresholds += found
                ratios += against
        igd = [cmp.igd_of(t, g[f"igd@{n}"].to_numpy(dtype=float), n) for n in dict.fromkeys((cfg.paper_linas_evals,
               cfg.budget)) for t, g in by_tactic.items() if f"igd@{n}" in g]
        cells.append(CellSummary(str(dataset), str(device), tactics, thresholds, ratios, igd=igd,
                                 oracle=oracle_bounds(str(dataset), str(device), tuple(cfg.thresholds))))
    seeds = {str(t): int(n) for t, n in rows.groupby("tactic", sort=False)["seed"].nunique().items()}
    method = f"every tactic with the stage's settings on the test cells, `{tuning.SEED_RECORD}`"
    return ComparisonSummary(method, cfg.budget, seeds, [float(t) for t in cfg.thresholds], cells), stale


def faithful_variants(record: pd.DataFrame | None, cell: str) -> list[FaithfulVariant]:
    """The record's variants on ``cell`` (in ``faithful_check.VARIANTS`` order), median over seeds."""
    if record is None or record.empty:
        return []
    rows = record[record["cell"] == cell]
    out = []
    for label, (_, description) in faithful_check.VARIANTS.items():
        g = rows[rows["variant"] == label]
        if g.empty:
            continue
        budget = int(g["budget"].max())
        vals = g[f"evals@{faithful_check.THRESHOLD}"].to_numpy(dtype=float)
        dynast = float(tuning.DYNAST_EVALS_TO_099[cell.split("/")[1]])
        out.append(FaithfulVariant(label, description, budget,
                                   cmp.threshold_result(FAITHFUL, faithful_check.THRESHOLD, vals, budget),
                                   float(g["distinct"].median()), faithful_check.small_sample_share(vals, dynast)))
    return out


def tuning_table(summary: SearchSummary) -> pd.DataFrame:
    """The tuning record as a table (the same rows as the report's)."""
    from nas_utils.sections.search import tuning_rows

    rows = tuning_rows(summary)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["tactic", "variant", "settings", "chosen", "cells"])


# --- the stage ----------------------------------------------------------------------------------


def run(cfg: SearchConfig) -> SearchRun:
    """The whole stage: the run grid with its curves, the single-core LINAS timing, the tuning record."""
    histories, curves = run_grid(cfg)
    return SearchRun(histories, curves, time_linas(cfg), load_tuning())


def summarise(result: SearchRun, cfg: SearchConfig) -> SearchSummary:
    """Evaluations-to-threshold per cell and HV view (median, IQR, 95 % CI), ratios to LINAS with
    intervals, IGD+, the tuning record and the faithful-LINAS check."""
    refs = {cell_name(d, dev): near_front_ref(d, dev) for d, dev in cfg.cell_pairs()}
    cells, seeds = cmp.summarise_cells(result.curves, cfg.thresholds, cfg.budget, cfg.paper_linas_evals,
                                       cmp.run_times(result.histories), run_cpu=cmp.run_times(result.histories, "run_cpu_s"),
                                       near_front_refs=refs)
    cells = [replace(c, oracle=oracle_bounds(c.dataset, c.device, tuple(cfg.thresholds))) for c in cells]
    seed_record, stale = seed_record_summary(load_seed_record(), cfg)
    per_run = result.histories.groupby(["tactic", "dataset", "device", "seed"], sort=False)["run_cpu_s"].first()
    grid_cpu = {str(t): round(float(v), 1) for t, v in per_run.groupby("tactic", sort=False).sum().items()}
    return SearchSummary(method=" ".join(__doc__.split("Method: ")[1].split()), budget=cfg.budget, seeds_per_tactic=seeds,
                         thresholds=[float(t) for t in cfg.thresholds], cells=cells, timing=result.timing,
                         dev_cells=[cell_name(*c) for c in tuning.DEV_CELLS],
                         test_cells=[cell_name(*c) for c in tuning.TEST_CELLS],
                         tuning=tuning_variants(result.tuning, cfg),
                         faithful=faithful_checks(cells, record=load_faithful_record()), grid_cpu_s=grid_cpu,
                         near_limit_tactic=cfg.near_limit_tactic,
                         near_limit_gaps=near_limit_gaps(result.histories, cfg.near_limit_tactic,
                                                         [c for c in cfg.cell_pairs() if c in tuning.TEST_CELLS],
                                                         int(claims.NEAR_LIMIT_GOALS[0.995].low)),
                         prior_track=prior_track_results(load_prior_track(), cfg.near_limit_tactic),
                         prior_oracles=prior_oracle_results(cfg.near_limit_tactic, tuple(cfg.thresholds)),
                         seed_record=seed_record, seed_record_stale=stale)


def write_outputs(out_dir: str | Path, result: SearchRun, summary: SearchSummary) -> None:
    """Histories and curves (parquet), ``summary.json``, the threshold, IGD+ and tuning tables, ``plots/hv_*.csv``."""
    out = Path(out_dir)
    write_parquet(out / "histories.parquet", result.histories)
    write_parquet(out / "curves.parquet", result.curves)
    for name, table in (("evals_to_threshold", cmp.threshold_table(summary)), ("igd", cmp.igd_table(summary)),
                        ("tuning", tuning_table(summary))):
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
