"""A transferred latency predictor inside the search loop (issue 3, section 4).

:class:`PredictedLatencyEvaluator` answers (accuracy, latency) like the tabular benchmark, but
the latency comes from a predictor instead of the device, so any tactic of
:mod:`nas_utils.search` can search a new device that has only ``k`` measured architectures.
Its ``n_evaluations`` counts *predictor* queries; device measurements are counted by
:func:`predicted_search`: the k fine-tuning samples plus the final predicted front, which is
measured on the device before it is reported.

>>> import numpy as np
>>> from nas_utils.transfer.in_loop import calibrate
>>> ms = calibrate(np.array([0.0, 1.0, 2.0]), np.array([0, 2]), np.array([5.0, 9.0]))
>>> np.round(ms, 6).tolist()
[5.0, 7.0, 9.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd

from nas_utils.evaluators import Evaluator, TabularBenchmark, load_benchmark
from nas_utils.metrics import HypervolumeScorer, evals_to_threshold, greedy_hv_order, pareto_mask, to_minimization
from nas_utils.schemas.predictors import PredictorsConfig
from nas_utils.search import run_search
from nas_utils.transfer.data import load_task_data
from nas_utils.transfer.methods import TransferSettings, make_method
from nas_utils.transfer.samplers import select
from nas_utils.transfer.study import sample_features
from nas_utils.transfer.tasks import TransferTask, get_task


def calibrate(scores: np.ndarray, idx: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """Map ranking scores of every architecture to ms by a least-squares line through the k samples."""
    A = np.column_stack([scores[idx], np.ones(len(idx))])
    coef, *_ = np.linalg.lstsq(A, measured, rcond=None)
    return scores * coef[0] + coef[1]


class PredictedLatencyEvaluator(Evaluator):
    """Accuracy from the benchmark table, latency from a per-architecture prediction vector.

    Args:
        bench: the tabular benchmark of the target device (its latency column is never read).
        predicted_ms: predicted latency of every benchmark row (benchmark index order).
    """

    def __init__(self, bench: TabularBenchmark, predicted_ms: np.ndarray) -> None:
        super().__init__(bench.space, bench.objectives)
        self.bench = bench
        self.predicted_ms = np.asarray(predicted_ms, dtype=np.float64)
        self._lat_col = [o.name for o in bench.objectives].index("latency")

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        rows = self.bench.rows(X)
        F = self.bench.table[rows].copy()
        F[:, self._lat_col] = self.predicted_ms[rows]
        return F

    def prior(self, X: np.ndarray) -> np.ndarray:
        """The predicted latency of any architecture is known without a validation; accuracy is not."""
        F = np.full((len(X), len(self.objectives)), np.nan)
        F[:, self._lat_col] = self.predicted_ms[self.bench.rows(X)]
        return F

    @property
    def name(self) -> str:
        return f"predicted[{self.bench.label}]"


class PriorBenchmark(Evaluator):
    """The tabular benchmark (true objectives on evaluation) with objective values known for *every*
    architecture before any validation (:meth:`prior`).

    Args:
        bench: the tabular benchmark of the target device.
        known: ``(n, n_obj)`` prior values in benchmark row order, NaN where unknown.
    """

    def __init__(self, bench: TabularBenchmark, known: np.ndarray) -> None:
        super().__init__(bench.space, bench.objectives)
        self.bench = bench
        self.known = np.asarray(known, dtype=np.float64)

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        return self.bench.table[self.bench.rows(X)]

    def prior(self, X: np.ndarray) -> np.ndarray:
        return self.known[self.bench.rows(X)]

    def scorer(self) -> HypervolumeScorer:
        return self.bench.scorer()

    @property
    def name(self) -> str:
        return f"prior[{self.bench.label}]"


class PriorLatencyBenchmark(PriorBenchmark):
    """:class:`PriorBenchmark` knowing the *predicted* latency of every architecture (each validated one is
    also measured on the device).

    Args:
        bench: the tabular benchmark of the target device.
        predicted_ms: predicted latency of every benchmark row (benchmark index order).
    """

    def __init__(self, bench: TabularBenchmark, predicted_ms: np.ndarray) -> None:
        known = np.full(bench.table.shape, np.nan)
        known[:, [o.name for o in bench.objectives].index("latency")] = predicted_ms
        super().__init__(bench, known)


@dataclass(frozen=True)
class LoopResult:
    """What a predictor-driven search measured and reached."""

    measured: int  # device measurements: k samples + final front
    hv: float  # normalised HV of everything measured, on TRUE latencies
    front_size: int


def greedy_hv_subset(bench: TabularBenchmark, F_pred: np.ndarray, size: int) -> np.ndarray:
    """Positions of ``size`` rows of ``F_pred`` chosen greedily for the largest (predicted) HV."""
    return np.array(sorted(i for i, _ in islice(greedy_hv_order(bench.scorer(), F_pred), size)), dtype=np.int64)


def predicted_search(
    bench: TabularBenchmark, predicted_ms: np.ndarray, sample_rows: np.ndarray, tactic: str, budget: int, seed: int,
    front_budget: int | None = None, params: dict[str, Any] | None = None,
) -> LoopResult:
    """Search on predicted latency, then measure the predicted front on the device.

    The k architectures ``sample_rows`` were measured to fine-tune the predictor; they count as
    measurements and their true objectives join the reported set. With ``front_budget``, only
    that many predicted-front architectures are measured, chosen greedily for the largest
    predicted HV. ``params``: the tactic's hyper-parameters.
    """
    history = run_search(tactic, PredictedLatencyEvaluator(bench, predicted_ms), budget, seed, **(params or {}))
    X = history[[f"x{j}" for j in range(bench.space.n_var)]].to_numpy()
    rows = bench.rows(X)
    F_pred = bench.table[rows].copy()
    F_pred[:, 1] = np.asarray(predicted_ms)[rows]
    on_front = pareto_mask(to_minimization(F_pred, bench.objectives))
    front_rows, F_front = rows[on_front], F_pred[on_front]
    front_rows, keep = np.unique(front_rows, return_index=True)
    F_front = F_front[keep]
    if front_budget is not None and len(front_rows) > front_budget:
        front_rows = front_rows[greedy_hv_subset(bench, F_front, front_budget)]
    measured_rows = np.union1d(front_rows, sample_rows)
    hv = bench.scorer().normalised(bench.table[measured_rows])
    return LoopResult(measured=len(measured_rows), hv=float(hv), front_size=len(front_rows))


def measured_curve(bench: TabularBenchmark, tactic: str, budget: int, seed: int,
                   params: dict[str, Any] | None = None) -> np.ndarray:
    """Normalised HV after each real measurement when the tactic measures every candidate."""
    history = run_search(tactic, bench, budget, seed, **(params or {}))
    return bench.scorer().curve(history[[o.name for o in bench.objectives]].to_numpy())


# --- one search cell with a transferred predictor (issue 12 §4) -------------------------------

#: notebook 05's cells (issue 11): tune on the development cells, report on the test cells
DEV_CELLS: tuple[tuple[str, str], ...] = (("cifar100", "samsung_a50"), ("cifar100", "1080ti_1"), ("cifar100", "silver_4114"))
TEST_CELLS: tuple[tuple[str, str], ...] = (("cifar10", "gold_6226"), ("cifar10", "pixel2"), ("cifar10", "raspi4"),
                                           ("imagenet16", "pixel3"))


@dataclass(frozen=True)
class LoopSpec:
    """Settings of a predictor-in-the-loop search cell."""

    method: str  # transfer method (registry name)
    k: int  # target measurements to adapt the predictor
    sampler: str
    tactic: str
    tactic_params: dict[str, Any]  # its settings (notebook 05's, search.tactic_params), both arms
    budget: int  # predictor queries of the search on predicted latency
    front_budget: int | None  # predicted-front architectures measured (None: all of them)
    baseline_budget: int  # measurements allowed to the baseline that measures every candidate
    seeds: int
    n_pretrain: int

    @classmethod
    def from_config(cls, cfg: PredictorsConfig) -> LoopSpec:
        """Stage ``predictor_transfer``'s loop: params.yaml ``predictors.search_*``."""
        return cls(method=cfg.search_method, k=cfg.search_k, sampler=cfg.sampler, tactic=cfg.search_tactic,
                   tactic_params=dict(cfg.search_tactic_params.get(cfg.search_tactic, {})),
                   budget=cfg.search_budget, front_budget=cfg.search_front_budget,
                   baseline_budget=cfg.search_baseline_budget, seeds=cfg.search_seeds,
                   n_pretrain=cfg.n_pretrain_nb201)


def cell_task(device: str) -> TransferTask:
    """ND's source devices without ``device`` -> ``device`` (the searched device is never a source)."""
    nd = get_task("ND")
    return TransferTask(f"loop_{device}", "nb201", tuple(d for d in nd.sources if d != device), (device,),
                        "ND sources minus the searched device")


def run_cell(dataset: str, device: str, spec: LoopSpec, settings: TransferSettings, seed: int) -> pd.DataFrame:
    """Per seed: adapt ``spec.method`` to ``device`` from k measurements, search on predicted latency,
    measure the predicted front; the baseline measures every candidate of the same tactic.

    ``saving`` = measurements the baseline needs to reach the predicted run's HV (true latencies)
    divided by the predicted run's measurements; ``censored`` marks seeds whose baseline never
    reached it within ``baseline_budget``: it needs at least ``baseline_budget + 1``, and the saving
    is that lower bound.
    """
    data = load_task_data(cell_task(device), spec.n_pretrain)
    bench = load_benchmark("nb201", dataset, device)
    method = make_method(spec.method, settings)
    feats = sample_features(data, spec.sampler)
    rows = []
    for s in range(spec.seeds):
        method.prepare(data, seed + s)
        idx = select(spec.sampler, feats, spec.k, np.random.default_rng([seed, 99, s]), data.cost[:, 0])
        ms = calibrate(method.predict(data, 0, idx, seed + s), idx, data.tgt_lat[idx, 0])
        res = predicted_search(bench, ms, idx, spec.tactic, spec.budget, seed + s, spec.front_budget, spec.tactic_params)
        curve = measured_curve(bench, spec.tactic, spec.baseline_budget, seed + s, spec.tactic_params)
        needed = evals_to_threshold(curve, res.hv)
        rows.append({"dataset": dataset, "device": device, "seed": s, "method": spec.method, "k": spec.k,
                     "measured": res.measured, "front": res.front_size, "hv": res.hv,
                     "baseline_final_hv": float(curve[-1]), "baseline_needed": needed,
                     "censored": needed is None,
                     "saving": (spec.baseline_budget + 1 if needed is None else needed) / res.measured})
    return pd.DataFrame(rows)
