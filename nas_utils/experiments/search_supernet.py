"""Stage ``search_supernet`` (notebook 06): every tactic on each trained super-network, real evaluations.

Each evaluation extracts a sub-network from a trained super-network, re-calibrates its batch
norm and measures its validation accuracy (``nas_utils.supernets.SuperNetEvaluator``); the
latency objective is predicted from ``latency_k`` sub-networks measured on ``latency_device``
through the audited entry point (``nas_utils.latency.models``; read from the versioned
``latency_store``, measured only where it lacks the sample), or measured live
(``latency_source: measured``, serial backend only). Evaluations run through an evaluation
backend (``nas_utils.backends``: serial, local processes, or Ray) and an on-disk cache keyed by
weights, evaluation settings and architecture (``nas_utils.supernets.cache``).

The notebook calls the stage shape: ``run(cfg)``, ``summarise(result, cfg)``,
``write_outputs(out_dir, result, summary)``, ``figures(result, summary)``.

Method: Each family is searched on a sub-space of its super-network in which groups of
variables share one choice (``ties``, ``nas_utils.supernets.subspace``: a few thousand
networks); every network of it is evaluated once per checkpoint (on-disk cache), so every
search runs on the exhaustive table and hypervolume is normalised by the *exact* front of the
space searched, with objective bounds from the whole table, as on NAS-Bench-201; evaluations to
the thresholds and ratios to LINAS (bootstrap 95 % intervals over seeds) follow the tabular
comparison (``nas_utils.experiments.comparison``). A run's evaluations are charged at the
family's measured cost of one fresh evaluation; its overhead is the tactic's own time. The
tactics and their settings are section 1's; ``hvgain``, our near-limit tactic, keeps the settings
fixed on the NAS-Bench-201 development cells (its NB201-only parts have nothing to act on: a
uniform initial design and the one-hot of the choices as features) and adds one chosen on
development super-networks (another warm-up seed's checkpoints) by a pre-registered rule: a wider
hypervolume reference box, 2 x instead of 1.1 x the slowest latency validated
(``data/preregistration/search_supernet/``; the same box for BO was tried and not adopted), so its
row shows how it transfers to a new space. BO, chosen the same way, gives its mixed kernel the order
of the super-networks' choices (``ordinal``: without it the kernel is categorical alone) and refits
its GPs every 3rd round, each fit capped at 50 iterations in the default profile (a cost record shows
no loss). DyNAS-T-faithful LINAS runs the compact predictor grid instead of DyNAS-T's 100x100 (CPU;
its cost record against DyNAS-T's grid, ``cost_linas_faithful.csv``, measured no quality cost at this
budget); ``profiles/paper.yaml`` runs DyNAS-T's grid and uncapped fits.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils import config, runtime
from nas_utils.backends import BackendEvaluator, make_backend, map_runs
from nas_utils.data import TensorLoader, load_dataset
from nas_utils.errors import CheckpointError, ConfigError
from nas_utils.evaluators import TabularBenchmark
from nas_utils.experiments import comparison as cmp
from nas_utils.experiments import comparison_plots as cmp_plots
from nas_utils.experiments import supernet_dev
from nas_utils.experiments import supernet_records as records
from nas_utils.io import write_parquet
from nas_utils.latency.models import MeasuredLatency, fit_latency_predictor
from nas_utils.metrics import greedy_oracle_evals, nondominated_rank, pareto_front, to_minimization
from nas_utils.parallel import parallel_map
from nas_utils.paths import input_path, output_path, project_root
from nas_utils.plotting import use_style
from nas_utils.search.records import final_hv_agreement
import matplotlib.pyplot as plt  # noqa: E402  (after nas_utils.plotting chose the backend)
from matplotlib.figure import Figure  # noqa: E402
from nas_utils.schemas.search_supernet import LATENCY_SOURCES, SearchSupernetConfig  # noqa: F401
from nas_utils.results.search import OracleResult  # noqa: E402
from nas_utils.results.search_supernet import (
    BackendCheck, BackendRun, FamilySpace, LatencyObjective, SearchSupernetSummary, TacticTime,
)
from nas_utils.supernets import SuperNet, SuperNetEvaluator, build_supernet, load_supernet
from nas_utils.supernets.subspace import TiedSpace

Progress = Callable[[Iterable[Any]], Iterable[Any]]


def script_config(**overrides: Any) -> SearchSupernetConfig:
    """``params.yaml``'s ``search_supernet`` updated by ``overrides``, for a script beside the stage: it reads the
    stage's own evaluation cache (outside a stage a relative path would point under ``scratch/``) and the
    versioned latency store, so its tables are the stage's and cost look-ups only."""
    sp = dict(config.read_params()["search_supernet"])
    if sp.get("eval_cache"):
        sp["eval_cache"] = str(project_root() / sp["eval_cache"])
    return config.parse("search_supernet", {**sp, **overrides})


def load_net(cfg: SearchSupernetConfig, supernet: str) -> SuperNet:
    """The trained super-network of one family (``checkpoint: ""`` builds an untrained one, for smoke tests)."""
    if not cfg.checkpoint:
        return build_supernet(supernet)
    rel = cfg.checkpoint_of(supernet)
    path = input_path(rel)
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {rel} (run `dvc repro supernet` first)")
    net = load_supernet(path)
    if net.name != supernet:
        raise CheckpointError(f"{rel} holds {net.name!r}, expected {supernet!r}")
    return net


def build_evaluator(cfg: SearchSupernetConfig, net: SuperNet) -> tuple[SuperNetEvaluator, LatencyObjective]:
    """Accuracy on the validation split + the configured latency objective; and how it was obtained."""
    data = load_dataset(net.dataset, seed=cfg.seed)
    loader = TensorLoader(data.x_val, data.y_val, batch_size=512)
    calib = data.x_train[: cfg.calib]
    settings = cfg.measure_settings()
    # Keyed by weights, so safe across checkpoints; an interactive run keeps its own under scratch/.
    cache = output_path(cfg.eval_cache) if cfg.eval_cache else None
    if cfg.latency_source == "measured":
        if runtime.settings().backend != "serial":
            raise ConfigError("search_supernet.latency_source=measured needs HWNAS_BACKEND=serial "
                              "(parallel workers would time each other's contention)")
        latency = LatencyObjective("measured", cfg.latency_device)
        measured = MeasuredLatency(cfg.latency_device, settings, cfg.latency_rounds)
        return SuperNetEvaluator(net, loader, measured, calib, cache=cache), latency
    # Versioned measurements (data/measured/): a rerun, or a fresh clone, fits the same predictor.
    store = project_root() / cfg.latency_store if cfg.latency_store else None
    model, report = fit_latency_predictor(net, cfg.latency_device, cfg.latency_k, cfg.latency_test,
                                          cfg.latency_predictor, cfg.seed, settings, cfg.latency_rounds, store)
    return (SuperNetEvaluator(net, loader, model, calib, cache=cache),
            LatencyObjective.from_report("predicted", cfg.latency_device, report | {"store": cfg.latency_store or None}))


@dataclass
class FamilyTable:
    """One family's tabulated sub-space: the benchmark every tactic searches, and its record."""

    bench: TabularBenchmark
    record: FamilySpace
    networks: np.ndarray  # one tied row per distinct network
    F: np.ndarray         # their objectives


def tabulate(cfg: SearchSupernetConfig, supernet: str, inner: SuperNetEvaluator, latency: LatencyObjective,
             progress: Progress | None = None) -> FamilyTable:
    """Evaluate every distinct network of the family's tied sub-space (new ones in batches over
    the evaluation backend's workers, :func:`evaluate_batched`; all through the on-disk cache) and
    tabulate it: the exact front of the searched space."""
    start = time.perf_counter()
    space = TiedSpace(inner.net.space, cfg.ties_of(supernet))
    nets = space.networks()
    if cfg.budget_of(supernet) > len(nets):
        key = f"budgets.{supernet}" if supernet in cfg.budgets else "budget"
        raise ConfigError(f"search_supernet.{key}={cfg.budget_of(supernet)} exceeds the {len(nets)} networks of "
                          f"{supernet}'s tied space; valid: [2, {len(nets)}]")
    X = space.expand(nets)
    fresh = inner.n_missing(X)
    # New networks in batches over the workers; an unchanged checkpoint is a table look-up here.
    F = evaluate_batched(inner, X, f"tabulating {supernet}" if progress else None) if fresh else inner.evaluate(X)
    every = space.enumerate()
    row = {k: i for i, k in enumerate(space.keys(nets))}
    table = F[[row[k] for k in space.keys(every)]]
    bench = TabularBenchmark(space, every, table, inner.objectives, label=supernet)
    record = FamilySpace(supernet, cfg.checkpoint_of(supernet) if cfg.checkpoint else "", space.describe(), len(nets),
                         len(pareto_front(F, inner.objectives)), fresh,
                         round(time.perf_counter() - start, 1), eval_cost(inner, space, cfg.seed), latency,
                         table=table_fingerprint(F))
    return FamilyTable(bench, record, nets, F)


def table_fingerprint(F: np.ndarray) -> str:
    """16 hex digits of the SHA-256 of every tabulated network's objectives to 6 significant digits: changes with
    the checkpoint, the evaluation settings or the latency objective (the seed record keeps only rows whose table
    is the stage's), not with the last bits of the predicted latencies, which vary with the BLAS threads in use
    (measured on 2,187-2,457 networks per family: relative differences up to 7e-14, enough to move one value
    across a 10-digit rounding boundary)."""
    return hashlib.sha256(",".join(f"{x:.6g}" for x in np.asarray(F, dtype=float).ravel()).encode()).hexdigest()[:16]


def evaluate_batched(inner: SuperNetEvaluator, X: np.ndarray, desc: str | None = None) -> np.ndarray:
    """Objectives of every row of ``X``: the rows, in the order that shares most work
    (:meth:`SuperNetEvaluator.sharing_order`), are split into one part per worker of the runtime's
    backend; each part is one batch (sub-networks with equal leading steps share their
    calibration and validation activations) evaluated single-threaded through the disk cache."""
    rt = runtime.settings()
    parts = [p for p in np.array_split(inner.sharing_order(X), rt.workers) if len(p)]
    results = map_runs(_evaluate_part, [(inner, X[p]) for p in parts], rt.backend, rt.workers, desc, **rt.backend_kw)
    F = np.empty((len(X), len(inner.objectives)))
    for p, f in zip(parts, results):
        F[p] = f
    return F


def _evaluate_part(spec: tuple[SuperNetEvaluator, np.ndarray]) -> np.ndarray:
    inner, X = spec
    return inner.evaluate(X)


def eval_cost(inner: SuperNetEvaluator, space: TiedSpace, seed: int, n: int = 8) -> float:
    """Seconds of one fresh evaluation: mean over ``n`` networks of the space, each evaluated on
    its own (nothing shared with the others), no cache (one core)."""
    X = space.expand(space.sample_unique(np.random.default_rng(seed + 7), min(n, len(space.networks()))))
    ev = _fresh(inner)
    with runtime.torch_threads(1):
        start = time.perf_counter()
        for x in X:
            ev.evaluate(x[None])
        return round((time.perf_counter() - start) / len(X), 4)


def speedup_check(cfg: SearchSupernetConfig, inner: SuperNetEvaluator) -> BackendCheck | None:
    """Wall time of one batch of ``speedup_batch`` new evaluations with 1 worker vs ``workers``.

    Every backend must return exactly the serial objectives; the comparison is recorded.
    """
    rt = runtime.settings()
    if cfg.speedup_batch == 0:
        return None
    X = inner.space.canonicalize(inner.space.sample_unique(np.random.default_rng(cfg.seed + 99), cfg.speedup_batch))
    runs: list[BackendRun] = []
    reference = None
    for name in ("serial", *cfg.speedup_backends):
        for workers in ((1,) if name == "serial" else (1, rt.workers)):
            try:
                backend = make_backend(name, workers, **rt.backend_kw)
            except Exception as exc:  # an optional engine that is not installed
                runs.append(BackendRun(name, workers, error=str(exc).splitlines()[0]))
                continue
            ev = BackendEvaluator(_fresh(inner), backend)
            try:
                start = time.perf_counter()
                F = ev.evaluate(X)
                seconds = time.perf_counter() - start
            finally:
                ev.close()
            reference = F if reference is None else reference
            runs.append(BackendRun(name, workers, seconds, bool(np.array_equal(F, reference))))
    return BackendCheck(cfg.speedup_batch, rt.workers, runs)


def _fresh(inner: SuperNetEvaluator) -> SuperNetEvaluator:
    return SuperNetEvaluator(inner.net, inner.loader, inner.latency, inner.calib)  # no disk cache: time real work


def _run_one(spec: tuple[str, str, int, TabularBenchmark, dict[str, Any], int, str]) -> pd.DataFrame:
    supernet, tactic, seed, bench, params, budget, device = spec
    return cmp.run_tactic(tactic, params, bench, budget, seed, supernet, device)


def run_grid(cfg: SearchSupernetConfig, tables: dict[str, FamilyTable]) -> pd.DataFrame:
    """Every (family, tactic, seed) run on the family's table, over the runtime's worker processes
    (runs are independent and seeded, so the result does not depend on the worker count)."""
    specs = [(f, t, s, tables[f].bench, cfg.params_of(t), cfg.budget_of(f), cfg.latency_device)
             for f in cfg.supernets for t in cfg.tactics for s in range(cfg.seeds)]
    histories = parallel_map(_run_one, specs, workers=runtime.settings().workers, desc="search runs")
    return cmp.order_histories(pd.concat(histories, ignore_index=True), cfg.tactics)


@dataclass
class SupernetSearchRun:
    """Everything stage ``search_supernet`` computed."""

    histories: pd.DataFrame
    curves: pd.DataFrame
    reference: pd.DataFrame  # every tabulated network: family, arch, objectives, on_front
    objectives: tuple[Any, ...]
    families: list[FamilySpace]
    backend_check: BackendCheck | None
    wall_time_s: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)
    oracle: dict[str, list[OracleResult]] = field(default_factory=dict)  # family -> the oracle bound per threshold


def reference_table(supernet: str, table: FamilyTable) -> pd.DataFrame:
    """The tabulated networks of one family (super-network coordinates) with their front flag."""
    bench = table.bench
    space = bench.space
    assert isinstance(space, TiedSpace)
    names = [o.name for o in bench.objectives]
    rank = nondominated_rank(to_minimization(table.F, bench.objectives))
    df = pd.DataFrame({"supernet": supernet, "arch": space.base.to_strings(space.expand(table.networks))})
    for name, col in zip(names, table.F.T):
        df[name] = col
    df["on_front"] = rank == 0
    return df


def immigrant_runs(histories: pd.DataFrame, supernet: str) -> int:
    """NSGA-II runs on ``supernet`` whose population converged on known networks and took random
    immigrants (:mod:`nas_utils.search.nsga2`)."""
    runs = histories[(histories["dataset"] == supernet) & (histories["tactic"] == "nsga2")]
    return int(runs.groupby("seed")["source"].apply(lambda s: (s == "immigrant").any()).sum()) if len(runs) else 0


def run(cfg: SearchSupernetConfig, progress: Progress | None = None) -> SupernetSearchRun:
    """Per family: the evaluator, its tabulated sub-space; the backend check (first family); then
    every family x tactic x seed on the tables, and the HV curves against each exact front."""
    start = time.perf_counter()
    tables: dict[str, FamilyTable] = {}
    check = None
    for supernet in cfg.supernets:
        inner, latency = build_evaluator(cfg, load_net(cfg, supernet))
        if check is None:
            check = speedup_check(cfg, inner)
        tables[supernet] = tabulate(cfg, supernet, inner, latency, progress)
    histories = run_grid(cfg, tables)
    for f, t in tables.items():
        t.record = replace(t.record, immigrant_runs=immigrant_runs(histories, f))
    curves = cmp.hv_curves(histories, lambda dataset, _dev: tables[dataset].bench.scorer())
    reference = pd.concat([reference_table(f, t) for f, t in tables.items()], ignore_index=True)
    objectives = tables[cfg.supernets[0]].bench.objectives
    fronts = {f: t.bench.true_front() for f, t in tables.items()}
    oracle = {f: [OracleResult(float(thr), n) for thr, n in
                  zip(cfg.thresholds, greedy_oracle_evals(t.bench.scorer(), fronts[f], cfg.thresholds))]
              for f, t in tables.items()}
    return SupernetSearchRun(histories, curves, reference, tuple(objectives), [t.record for t in tables.values()],
                             check, round(time.perf_counter() - start, 1), extras={"fronts": fronts, "config": cfg},
                             oracle=oracle)


def time_table(histories: pd.DataFrame, families: list[FamilySpace]) -> list[TacticTime]:
    """Mean seconds per run per family and tactic, and the evaluations' charged cost."""
    cost = {f.supernet: f.eval_s for f in families}
    per_run = histories.groupby(["dataset", "tactic", "seed"], sort=False).agg(
        run_time_s=("run_time_s", "first"), evals=("eval", "max"))
    means = per_run.groupby(["dataset", "tactic"], sort=False).mean()
    return [TacticTime(str(f), str(t), round(float(r.run_time_s), 3),
                       None if cost.get(str(f)) is None else round(float(r.evals) * float(cost[str(f)]), 2))
            for (f, t), r in means.iterrows()]


def summarise(result: SupernetSearchRun, cfg: SearchSupernetConfig) -> SearchSupernetSummary:
    """Thresholds and ratios per family (as stage ``search``, each at its family's budget) plus the spaces,
    latency objectives and times."""
    cells, seeds = records.summarise_families(result.curves, cfg, result.oracle, cmp.run_times(result.histories))
    rt = runtime.settings()
    rows, stale = records.current_rows(records.load_record(input_path(records.RECORD)), cfg,
                                       {f.supernet: f.table for f in result.families})
    return SearchSupernetSummary(
        method=" ".join(__doc__.split("Method: ")[1].split("\n\n")[0].split()), budget=cfg.budget,
        budgets={f: cfg.budget_of(f) for f in cfg.supernets},
        seeds_per_tactic=seeds, thresholds=[float(t) for t in cfg.thresholds], cells=cells,
        reference="exact front of each family's tabulated sub-space (every network evaluated)",
        families=result.families, backend=rt.backend, workers=rt.workers, backend_check=result.backend_check,
        times=time_table(result.histories, result.families),
        evaluations_computed=sum(f.computed for f in result.families), wall_time_s=result.wall_time_s,
        dev_record=supernet_dev.dev_choices(input_path(supernet_dev.RECORD_DIR), cfg.tactic_params),
        dev_rule=dict(supernet_dev.RULE),
        cost_record=supernet_dev.cost_choices(input_path(supernet_dev.RECORD_DIR), cfg.tactic_params),
        cost_rule=dict(supernet_dev.COST_RULE),
        budget_record=supernet_dev.budget_choices(input_path(supernet_dev.RECORD_DIR), cfg.budget_of),
        budget_rule=dict(supernet_dev.BUDGET_RULE), seed_record=records.record_summary(rows, cfg, result.oracle),
        seed_record_stale=stale, seed_record_agreement=final_hv_agreement(rows, result.curves))


def write_outputs(out_dir: str | Path, result: SupernetSearchRun, summary: SearchSupernetSummary) -> None:
    """Histories, curves and the tabulated networks (parquet), ``summary.json`` and ``plots/hv_<family>.csv``."""
    out = Path(out_dir)
    write_parquet(out / "histories.parquet", result.histories)
    write_parquet(out / "curves.parquet", result.curves)
    write_parquet(out / "reference.parquet", result.reference)
    plots = {f: next(iter(cmp.hv_plot_data(c).values())) for f, c in result.curves.groupby("dataset", sort=False)}
    cmp.write_plot_data(out, plots, prefix="hv_")
    summary.save(out / "summary.json")


def family_table(summary: SearchSupernetSummary) -> pd.DataFrame:
    """One row per family: its tabulated space, front, costs and latency objective (source, held-out Spearman)."""
    return pd.DataFrame([{**{k: v for k, v in vars(f).items() if k != "latency"},
                          "latency": f.latency.source if f.latency else None,
                          "latency test Spearman": f.latency.test_spearman if f.latency else None}
                         for f in summary.families])


def backend_table(summary: SearchSupernetSummary) -> pd.DataFrame | str:
    """The 1 vs ``workers`` backend check, one row per backend run (or why there is none)."""
    check = summary.backend_check
    return pd.DataFrame([vars(r) for r in check.runs]) if check else "backend check skipped"


def times_table(summary: SearchSupernetSummary) -> pd.DataFrame:
    """Mean seconds per run per family and tactic, and its evaluations' charged cost."""
    return pd.DataFrame([vars(t) for t in summary.times]).round(2)


def plot_times(times: list[TacticTime]) -> Figure:
    """Mean seconds per run: the evaluations' charged cost + the tactic's own work."""
    use_style()
    fig, ax = plt.subplots(figsize=(6.5, 0.9 + 0.22 * len(times)))
    y = np.arange(len(times))
    charged = np.array([t.eval_charged_s or 0.0 for t in times])
    ax.barh(y, charged, label="evaluations (charged at one fresh evaluation each)")
    ax.barh(y, [t.run_time_s for t in times], left=charged, label="search overhead (the tactic's own work)")
    ax.set_yticks(y, [f"{t.supernet} / {t.tactic}" for t in times], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("seconds per run (mean over seeds)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def figures(result: SupernetSearchRun, summary: SearchSupernetSummary) -> dict[str, Figure]:
    """Per family: HV curves against the exact front; what each tactic has found after the paper's LINAS budget
    (100 evaluations, seed 0), a panel per tactic; the time split; and the full-space record's fronts."""
    nets = {f.supernet: f.networks for f in summary.families}
    lat = {f.supernet: (f.latency.source if f.latency else "?") for f in summary.families}
    fronts = result.extras["fronts"]
    objs = result.objectives
    evals = next((c.paper_linas_evals for c in summary.cells if c.paper_linas_evals), summary.budget)

    def title(dataset: str, _device: str) -> str:
        return f"{dataset} ({nets[dataset]} networks, {lat[dataset]} latency)"

    return {
        "hv_curves": cmp_plots.plot_hv_curves(result.curves, summary.thresholds, title,
                                        ylabel="1 - HV / HV(exact front)"),
        "fronts": cmp_plots.plot_fronts_by_tactic(result.histories, lambda _d, _dev: objs, lambda d, _dev: fronts[d],
                                            "exact front of the tabulated space", evals=evals,
                                            title=lambda d, _dev: d),
        "times": plot_times(summary.times),
        "fullspace_fronts": fullspace_fronts(result.extras["config"], evals),
    }


def fullspace_fronts(cfg: SearchSupernetConfig, evals: int) -> Figure:
    """The full-space record's runs with this stage's settings (:mod:`nas_utils.experiments.supernet_fullspace`) as
    :func:`figures`' fronts: what each tactic has found after ``evals`` evaluations (seed 0), against each family's
    best known front, with the accurate-end probe."""
    record, reference, corner = records.load_fullspace()
    histories = records.fullspace_histories(records.fullspace_rows(record, reference, cfg))
    if histories.empty:
        use_style()
        fig, ax = plt.subplots(figsize=(4, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "no full-space record for this run's settings", ha="center", va="center")
        return fig
    fronts = {f: records.best_known_points(f, reference, histories)[2] for f in dict.fromkeys(histories["dataset"])}
    return cmp_plots.plot_fronts_by_tactic(cmp.order_histories(histories, cfg.tactics),
                                           lambda _d, _dev: records.OBJECTIVES, lambda d, _dev: fronts[d],
                                           "best known front of the full space", evals=evals,
                                           title=lambda d, _dev: f"{d} (full)",
                                           probe=lambda d, _dev: records.corner_points(d, reference, corner),
                                           probe_label="the largest network and those one choice below it")
