"""Stage ``search_supernet`` (notebook 06): every tactic on a trained super-network, real evaluations.

Each evaluation extracts a sub-network from the trained super-network, re-calibrates its batch
norm and measures its validation accuracy (:class:`nas_utils.supernets.SuperNetEvaluator`); the
latency objective is predicted from ``latency_k`` sub-networks measured on ``latency_device``
through the audited entry point (:mod:`nas_utils.latency.models`), or measured live
(``latency_source: measured``, serial backend only). Evaluations run through an evaluation
backend (:mod:`nas_utils.backends`: serial, local processes, or Ray).

Method: the true Pareto front of a super-network is unknown, so hypervolume is normalised by the
front of the union of every evaluation of every run (the best front found by any run), with
objective bounds from the same union; evaluations to 0.99/0.995 of that reference HV and
ratios to LINAS follow the tabular comparison (``search_comparison.summarise``). Evaluation
time per run is *charged*: each evaluation costs what it took when first computed (runs share a
cache), and the search overhead is the run's wall time minus the time spent waiting for
evaluations.

>>> from nas_utils import config
>>> cfg = config.parse("search_supernet", {"budget": 30, "seeds": 1})   # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.backends import BACKENDS, BackendEvaluator, make_backend
from nas_utils.data import TensorLoader, load_dataset
from nas_utils.errors import CheckpointError, ConfigError
from nas_utils.experiments import search_comparison as sc
from nas_utils.latency.measure import MeasureSettings
from nas_utils.latency.devices import MEASURE_DEVICES
from nas_utils.latency.models import MeasuredLatency, fit_latency_predictor
from nas_utils.metrics import HypervolumeScorer, pareto_front
from nas_utils.paths import project_root
from nas_utils.plotting import TACTIC_COLOURS, plt, use_style
from nas_utils.predictors import PREDICTORS
from nas_utils.search import TACTICS, make_tactic
from nas_utils.supernets import SUPERNETS, SuperNet, SuperNetEvaluator, build_supernet, load_supernet

LATENCY_SOURCES = ("predicted", "measured")


@config.section("search_supernet")
@dataclass(frozen=True)
class SearchSupernetConfig:
    """Parameters of the ``search_supernet`` stage (``params.yaml: search_supernet``)."""

    supernet: str = "mbv3_1d"
    checkpoint: str = "checkpoints/mbv3_1d/full.pt"
    tactics: tuple[str, ...] = ("random", "nsga2", "linas_faithful", "linas", "weaknas", "bo")
    seeds: int = 5
    budget: int = 60
    thresholds: tuple[float, ...] = (0.99, 0.995)
    paper_linas_evals: int = 30
    latency_source: str = "predicted"
    latency_device: str = "onnxruntime_cpu_1"
    latency_k: int = 40
    latency_test: int = 20
    latency_predictor: str = "ridge"
    calib: int = 256
    backend: str = "process"
    workers: int = 2
    ray_address: str = "local"
    speedup_batch: int = 16
    speedup_backends: tuple[str, ...] = ("process", "ray")
    tactic_params: dict[str, Any] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        config.check_choice("search_supernet.supernet", self.supernet, SUPERNETS.names())
        config.check_nonempty("search_supernet.tactics", self.tactics)
        config.check_choices("search_supernet.tactics", self.tactics, TACTICS.names())
        config.check_range("search_supernet.seeds", self.seeds, low=1)
        config.check_range("search_supernet.budget", self.budget, low=2)
        for t in self.thresholds:
            config.check_range("search_supernet.thresholds", t, low=0.0, high=1.0)
        config.check_range("search_supernet.paper_linas_evals", self.paper_linas_evals, low=1, high=self.budget)
        config.check_choice("search_supernet.latency_source", self.latency_source, LATENCY_SOURCES)
        config.check_choice("search_supernet.latency_device", self.latency_device, MEASURE_DEVICES.names())
        config.check_range("search_supernet.latency_k", self.latency_k, low=3)
        config.check_range("search_supernet.latency_test", self.latency_test, low=0)
        config.check_choice("search_supernet.latency_predictor", self.latency_predictor, PREDICTORS.names())
        config.check_range("search_supernet.calib", self.calib, low=1)
        config.check_choice("search_supernet.backend", self.backend, BACKENDS.names())
        config.check_range("search_supernet.workers", self.workers, low=1, high=256)
        config.check_range("search_supernet.speedup_batch", self.speedup_batch, low=0)
        config.check_choices("search_supernet.speedup_backends", self.speedup_backends, BACKENDS.names())
        if self.latency_source == "measured" and self.backend != "serial":
            raise ConfigError("search_supernet.latency_source=measured needs backend=serial "
                              "(parallel workers would time each other's contention)")
        if not isinstance(self.tactic_params, dict):
            raise ConfigError("search_supernet.tactic_params must be a mapping of tactic name -> parameters")
        for name, params in self.tactic_params.items():
            config.check_choice("search_supernet.tactic_params", name, TACTICS.names())
            make_tactic(name, **params)

    def params_of(self, tactic: str) -> dict[str, Any]:
        return dict(self.tactic_params.get(tactic, {}))

    @property
    def backend_kw(self) -> dict[str, Any]:
        return {} if self.ray_address in ("", "local") else {"address": self.ray_address}


def load_net(cfg: SearchSupernetConfig) -> SuperNet:
    """The trained super-network (``checkpoint: ""`` builds an untrained one, for smoke tests)."""
    if not cfg.checkpoint:
        return build_supernet(cfg.supernet)
    path = project_root() / cfg.checkpoint
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {cfg.checkpoint} (run `dvc repro supernet` first)")
    net = load_supernet(path)
    if net.name != cfg.supernet:
        raise CheckpointError(f"{cfg.checkpoint} holds {net.name!r}, expected {cfg.supernet!r}")
    return net


def build_evaluator(cfg: SearchSupernetConfig, net: SuperNet) -> tuple[SuperNetEvaluator, dict[str, Any]]:
    """Accuracy on the validation split + the configured latency objective; and the latency report."""
    data = load_dataset(net.dataset, seed=cfg.seed)
    loader = TensorLoader(data.x_val, data.y_val, batch_size=512)
    calib = data.x_train[: cfg.calib]
    settings = MeasureSettings(seed=cfg.seed)
    if cfg.latency_source == "measured":
        return SuperNetEvaluator(net, loader, MeasuredLatency(cfg.latency_device, settings), calib), {"source": "measured"}
    model, report = fit_latency_predictor(net, cfg.latency_device, cfg.latency_k, cfg.latency_test,
                                          cfg.latency_predictor, cfg.seed, settings)
    return SuperNetEvaluator(net, loader, model, calib), {"source": "predicted", **report}


def run_grid(cfg: SearchSupernetConfig, evaluator: BackendEvaluator, progress: Any = None) -> pd.DataFrame:
    """Every (tactic, seed) run in a fixed order on one shared backend evaluator."""
    specs = [(t, s) for t in cfg.tactics for s in range(cfg.seeds)]
    frames = []
    for tactic, seed in progress(specs) if progress else specs:
        evaluator.reset_accounting()
        start = time.perf_counter()
        history = make_tactic(tactic, **cfg.params_of(tactic)).run(evaluator, cfg.budget, seed)
        wall = time.perf_counter() - start
        history.insert(2, "dataset", cfg.supernet)
        history.insert(3, "device", cfg.latency_device)
        history["run_time_s"] = wall
        history["eval_wait_s"] = evaluator.wall_eval_s
        history["eval_charged_s"] = evaluator.charged_eval_s
        history["search_overhead_s"] = wall - evaluator.wall_eval_s
        frames.append(history)
    return pd.concat(frames, ignore_index=True)


def reference_scorer(histories: pd.DataFrame, objectives: Any) -> HypervolumeScorer:
    """HV normalised by the best front found by any run (bounds from every evaluation)."""
    F = histories[[o.name for o in objectives]].to_numpy()
    return HypervolumeScorer(objectives, F, reference_front=pareto_front(F, objectives))


def hv_curves(histories: pd.DataFrame, scorer: HypervolumeScorer) -> pd.DataFrame:
    names = [o.name for o in scorer.objectives]
    frames = []
    for (tactic, seed), run in histories.groupby(["tactic", "seed"], sort=False):
        frames.append(pd.DataFrame({"dataset": run["dataset"].iloc[0], "device": run["device"].iloc[0],
                                    "tactic": tactic, "seed": seed, "eval": run["eval"].to_numpy(),
                                    "hv": scorer.curve(run[names].to_numpy())}))
    return pd.concat(frames, ignore_index=True)


def time_table(histories: pd.DataFrame) -> pd.DataFrame:
    """Median seconds per run and tactic: wall, charged evaluation time, search overhead."""
    per_run = histories.groupby(["tactic", "seed"], sort=False)[
        ["run_time_s", "eval_wait_s", "eval_charged_s", "search_overhead_s"]].first()
    return per_run.groupby("tactic", sort=False).median()


def summarise(cfg: SearchSupernetConfig, curves: pd.DataFrame, histories: pd.DataFrame,
              latency_report: dict[str, Any], speedup: dict[str, Any]) -> dict[str, Any]:
    summary = sc.summarise(curves, cfg)  # same threshold / ratio logic as the tabular comparison
    summary["method"] = __doc__.split("Method: ")[1].split("\n\n")[0].replace("\n", " ")
    summary["reference"] = "best front found by any run (union of all evaluations)"
    summary["times_s"] = time_table(histories).to_dict("index")
    summary["latency"] = latency_report
    summary["backend"] = {"name": cfg.backend, "workers": cfg.workers, "speedup": speedup}
    summary["supernet"], summary["checkpoint"] = cfg.supernet, cfg.checkpoint
    return summary


def speedup_check(cfg: SearchSupernetConfig, inner: SuperNetEvaluator) -> dict[str, Any]:
    """Wall time of one batch of ``speedup_batch`` new evaluations with 1 worker vs ``workers``.

    Every backend must return exactly the serial objectives; the comparison is recorded.
    """
    if cfg.speedup_batch == 0:
        return {}
    X = inner.space.canonicalize(inner.space.sample_unique(np.random.default_rng(cfg.seed + 99), cfg.speedup_batch))
    out: dict[str, Any] = {"batch": cfg.speedup_batch, "workers": cfg.workers, "runs": {}}
    reference = None
    for name in ("serial", *cfg.speedup_backends):
        for workers in ((1,) if name == "serial" else (1, cfg.workers)):
            try:
                backend = make_backend(name, workers, **cfg.backend_kw)
            except Exception as exc:  # an optional engine that is not installed
                out["runs"][f"{name}x{workers}"] = {"error": str(exc).splitlines()[0]}
                continue
            ev = BackendEvaluator(_fresh(inner), backend)
            try:
                start = time.perf_counter()
                F = ev.evaluate(X)
                seconds = time.perf_counter() - start
            finally:
                ev.close()
            reference = F if reference is None else reference
            out["runs"][f"{name}x{workers}"] = {"seconds": seconds, "identical_to_serial": bool(np.array_equal(F, reference))}
    for name in cfg.speedup_backends:
        one, many = out["runs"].get(f"{name}x1", {}), out["runs"].get(f"{name}x{cfg.workers}", {})
        if "seconds" in one and "seconds" in many:
            out[f"{name}_speedup"] = one["seconds"] / many["seconds"]
    return out


def _fresh(inner: SuperNetEvaluator) -> SuperNetEvaluator:
    return SuperNetEvaluator(inner.net, inner.loader, inner.latency, inner.calib)


def plot_fronts(histories: pd.DataFrame, objectives: Any) -> plt.Figure:
    """Every run's evaluations (light) and each tactic's best front over seeds; reference front."""
    use_style()
    names = [o.name for o in objectives]
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for tactic, runs in histories.groupby("tactic", sort=False):
        front = pareto_front(runs[names].to_numpy(), objectives)
        ax.step(front[:, 1], front[:, 0], where="post", color=TACTIC_COLOURS.get(str(tactic)), label=tactic, lw=1.4)
    ref = pareto_front(histories[names].to_numpy(), objectives)
    ax.plot(ref[:, 1], ref[:, 0], "k.", ms=5, label="reference front")
    ax.set_xlabel(f"{names[1]} ({objectives[1].unit})")
    ax.set_ylabel(f"{names[0]} ({objectives[0].unit})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_times(times: pd.DataFrame) -> plt.Figure:
    use_style()
    fig, ax = plt.subplots(figsize=(6.5, 3.5))
    y = np.arange(len(times))
    ax.barh(y, times["eval_charged_s"], label="evaluation (charged)")
    ax.barh(y, times["search_overhead_s"], left=times["eval_charged_s"], label="search overhead")
    ax.set_yticks(y, times.index)
    ax.set_xlabel("seconds per run (median over seeds)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def write_outputs(out_dir: str | Path, histories: pd.DataFrame, curves: pd.DataFrame, summary: dict[str, Any]) -> None:
    sc.write_outputs(out_dir, histories, curves, summary)
