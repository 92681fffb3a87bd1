"""Stage ``search_supernet`` (notebook 06): every tactic on a trained super-network, real evaluations.

Each evaluation extracts a sub-network from the trained super-network, re-calibrates its batch
norm and measures its validation accuracy (``nas_utils.supernets.SuperNetEvaluator``); the
latency objective is predicted from ``latency_k`` sub-networks measured on ``latency_device``
through the audited entry point (``nas_utils.latency.models``), or measured live
(``latency_source: measured``, serial backend only). Evaluations run through an evaluation
backend (``nas_utils.backends``: serial, local processes, or Ray).

The notebook calls the stage shape: ``run(cfg)``, ``summarise(result, cfg)``,
``write_outputs(out_dir, result, summary)``, ``figures(result, summary)``.

Method: the true Pareto front of a super-network is unknown, so hypervolume is normalised by a
reference front that does not depend on the runs: ``reference_n`` sub-networks spread evenly
over MACs (``nas_utils.supernets.reference.spread_sample``), evaluated once per checkpoint,
plus every evaluation of every run (with ``reference_n: 0``, the runs' union alone), with
objective bounds from the same set; evaluations to the thresholds and ratios to LINAS (with
bootstrap 95 % intervals over seeds) follow the tabular comparison
(``nas_utils.experiments.comparison``). Evaluation time per run is *charged*: each evaluation
costs what it took when first computed (runs share a cache); the search overhead is the run's
wall time minus the time spent waiting for evaluations, so wall = wait + overhead.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils import runtime
from nas_utils.backends import BackendEvaluator, make_backend
from nas_utils.data import TensorLoader, load_dataset
from nas_utils.errors import CheckpointError, ConfigError
from nas_utils.experiments import comparison as cmp
from nas_utils.io import write_parquet
from nas_utils.latency.measure import MeasureSettings
from nas_utils.latency.models import MeasuredLatency, fit_latency_predictor
from nas_utils.metrics import HypervolumeScorer, pareto_front
from nas_utils.paths import input_path, output_path
from nas_utils.plotting import use_style
import matplotlib.pyplot as plt  # noqa: E402  (after nas_utils.plotting chose the backend)
from matplotlib.figure import Figure  # noqa: E402
from nas_utils.schemas.search_supernet import LATENCY_SOURCES, SearchSupernetConfig  # noqa: F401
from nas_utils.results.search_supernet import (
    BackendCheck, BackendRun, LatencyObjective, SearchSupernetSummary, TacticTime,
)
from nas_utils.supernets import SuperNet, SuperNetEvaluator, build_supernet, load_supernet
from nas_utils.supernets.reference import spread_sample

Progress = Callable[[Iterable[Any]], Iterable[Any]]


def load_net(cfg: SearchSupernetConfig) -> SuperNet:
    """The trained super-network (``checkpoint: ""`` builds an untrained one, for smoke tests)."""
    if not cfg.checkpoint:
        return build_supernet(cfg.supernet)
    path = input_path(cfg.checkpoint)
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {cfg.checkpoint} (run `dvc repro supernet` first)")
    net = load_supernet(path)
    if net.name != cfg.supernet:
        raise CheckpointError(f"{cfg.checkpoint} holds {net.name!r}, expected {cfg.supernet!r}")
    return net


def build_evaluator(cfg: SearchSupernetConfig, net: SuperNet) -> tuple[SuperNetEvaluator, LatencyObjective]:
    """Accuracy on the validation split + the configured latency objective; and how it was obtained."""
    data = load_dataset(net.dataset, seed=cfg.seed)
    loader = TensorLoader(data.x_val, data.y_val, batch_size=512)
    calib = data.x_train[: cfg.calib]
    settings = MeasureSettings(seed=cfg.seed)
    # Keyed by weights, so safe across checkpoints; an interactive run keeps its own under scratch/.
    cache = output_path(cfg.eval_cache) if cfg.eval_cache else None
    if cfg.latency_source == "measured":
        if runtime.settings().backend != "serial":
            raise ConfigError("search_supernet.latency_source=measured needs HWNAS_BACKEND=serial "
                              "(parallel workers would time each other's contention)")
        latency = LatencyObjective("measured", cfg.latency_device)
        return SuperNetEvaluator(net, loader, MeasuredLatency(cfg.latency_device, settings), calib, cache=cache), latency
    model, report = fit_latency_predictor(net, cfg.latency_device, cfg.latency_k, cfg.latency_test,
                                          cfg.latency_predictor, cfg.seed, settings)
    return (SuperNetEvaluator(net, loader, model, calib, cache=cache),
            LatencyObjective.from_report("predicted", cfg.latency_device, report))


def run_grid(cfg: SearchSupernetConfig, evaluator: BackendEvaluator, progress: Progress | None = None) -> pd.DataFrame:
    """Every (tactic, seed) run in a fixed order on one shared backend evaluator."""
    specs = [(t, s) for t in cfg.tactics for s in range(cfg.seeds)]
    frames = []
    for tactic, seed in progress(specs) if progress else specs:
        evaluator.reset_accounting()
        history = cmp.run_tactic(tactic, cfg.params_of(tactic), evaluator, cfg.budget, seed, cfg.supernet,
                                 cfg.latency_device)
        wall = float(history["run_time_s"].iloc[0])
        history["eval_wait_s"] = evaluator.wall_eval_s
        history["eval_charged_s"] = evaluator.charged_eval_s
        history["search_overhead_s"] = wall - evaluator.wall_eval_s
        frames.append(history)
    return pd.concat(frames, ignore_index=True)


def reference_scorer(histories: pd.DataFrame, objectives: Any, fixed: np.ndarray | None = None) -> HypervolumeScorer:
    """HV normalised by the front of the fixed reference set ``fixed`` (objective rows) plus every
    evaluation of every run; bounds from the same points."""
    F = histories[[o.name for o in objectives]].to_numpy()
    if fixed is not None and len(fixed):
        F = np.vstack([F, fixed])
    return HypervolumeScorer(objectives, F, reference_front=pareto_front(F, objectives))


def reference_points(cfg: SearchSupernetConfig, inner: SuperNetEvaluator) -> np.ndarray | None:
    """Objectives of ``reference_n`` sub-networks spread over MACs (cached on disk per checkpoint)."""
    if cfg.reference_n == 0:
        return None
    return inner.evaluate(spread_sample(inner.net, cfg.reference_n, seed=cfg.seed))


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


@dataclass
class SupernetSearchRun:
    """Everything stage ``search_supernet`` computed."""

    histories: pd.DataFrame
    curves: pd.DataFrame
    objectives: tuple[Any, ...]
    latency: LatencyObjective
    backend_check: BackendCheck | None
    evaluations_computed: int
    wall_time_s: float = 0.0
    extras: dict[str, Any] = field(default_factory=dict)


def run(cfg: SearchSupernetConfig, progress: Progress | None = None) -> SupernetSearchRun:
    """Build the evaluator, check the backends, run every tactic x seed, compute the HV curves."""
    start = time.perf_counter()
    inner, latency = build_evaluator(cfg, load_net(cfg))
    check = speedup_check(cfg, inner)
    rt = runtime.settings()  # backend and workers: runtime settings (HWNAS_BACKEND, HWNAS_WORKERS)
    evaluator = BackendEvaluator(inner, rt.backend, rt.workers, **rt.backend_kw)
    try:
        histories = run_grid(cfg, evaluator, progress)
    finally:
        evaluator.close()
    fixed = reference_points(cfg, inner)
    curves = cmp.hv_curves(histories, lambda _d, _dev: reference_scorer(histories, inner.objectives, fixed))
    return SupernetSearchRun(histories, curves, tuple(inner.objectives), latency, check, int(evaluator.n_computed),
                             round(time.perf_counter() - start, 1), extras={"reference": fixed})


def time_table(histories: pd.DataFrame) -> list[TacticTime]:
    """Mean seconds per run and tactic; means, so wall = evaluation wait + search overhead holds."""
    per_run = histories.groupby(["tactic", "seed"], sort=False)[
        ["run_time_s", "eval_wait_s", "eval_charged_s", "search_overhead_s"]].first()
    means = per_run.groupby("tactic", sort=False).mean()
    return [TacticTime(str(t), float(r.run_time_s), float(r.eval_wait_s), float(r.eval_charged_s),
                       float(r.search_overhead_s)) for t, r in means.iterrows()]


def summarise(result: SupernetSearchRun, cfg: SearchSupernetConfig) -> SearchSupernetSummary:
    """Thresholds and ratios (as stage ``search``) plus latency objective, backends and time split."""
    cells, seeds = cmp.summarise_cells(result.curves, cfg.thresholds, cfg.budget, cfg.paper_linas_evals,
                                       cmp.run_times(result.histories))
    return SearchSupernetSummary(
        method=" ".join(__doc__.split("Method: ")[1].split("\n\n")[0].split()), budget=cfg.budget,
        seeds_per_tactic=seeds, thresholds=[float(t) for t in cfg.thresholds], cells=cells,
        supernet=cfg.supernet, checkpoint=cfg.checkpoint,
        reference=(f"front of {cfg.reference_n} sub-networks spread over MACs plus every evaluation of every run"
                   if cfg.reference_n else "best front found by any run (union of all evaluations)"),
        latency=result.latency,
        backend=runtime.settings().backend, workers=runtime.settings().workers, backend_check=result.backend_check,
        times=time_table(result.histories), evaluations_requested=len(result.histories),
        evaluations_computed=result.evaluations_computed, wall_time_s=result.wall_time_s)


def write_outputs(out_dir: str | Path, result: SupernetSearchRun, summary: SearchSupernetSummary) -> None:
    """Histories and curves (parquet), ``summary.json`` and ``plots/hv_<supernet>.csv``."""
    out = Path(out_dir)
    write_parquet(out / "histories.parquet", result.histories)
    write_parquet(out / "curves.parquet", result.curves)
    plots = {summary.supernet: df for df in cmp.hv_plot_data(result.curves).values()}
    cmp.write_plot_data(out, plots, prefix="hv_")
    summary.save(out / "summary.json")


def plot_times(times: list[TacticTime]) -> Figure:
    """Mean seconds per run: evaluation wait + search overhead = wall time."""
    use_style()
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    y = np.arange(len(times))
    wait = np.array([t.eval_wait_s for t in times])
    ax.barh(y, wait, label="waiting for evaluations")
    ax.barh(y, [t.search_overhead_s for t in times], left=wait, label="search overhead (the tactic's own work)")
    ax.set_yticks(y, [t.tactic for t in times])
    ax.set_xlabel("seconds per run (mean over seeds); bar length = wall time")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def figures(result: SupernetSearchRun, summary: SearchSupernetSummary) -> dict[str, Figure]:
    """HV curves against the reference front, the fronts found (all seeds), the time split."""
    title = f"{summary.supernet}, latency on {summary.latency.device if summary.latency else '?'}"
    objs = result.objectives
    F = result.histories[[o.name for o in objs]].to_numpy()
    fixed = result.extras.get("reference")
    ref = pareto_front(F if fixed is None else np.vstack([F, fixed]), objs)
    return {
        "hv_curves": cmp.plot_hv_curves(result.curves, summary.thresholds, lambda _d, _dev: title,
                                        ylabel="1 - HV / HV(reference front)"),
        "fronts": cmp.plot_fronts(result.histories, lambda _d, _dev: objs, lambda _d, _dev: ref,
                                  "reference front (all runs)", seed=None, title=lambda _d, _dev: title + ", all seeds"),
        "times": plot_times(summary.times),
    }
