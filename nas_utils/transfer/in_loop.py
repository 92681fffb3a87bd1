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

import numpy as np

from nas_utils.evaluators import Evaluator, TabularBenchmark
from nas_utils.metrics import pareto_mask, to_minimization
from nas_utils.search import run_search


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

    @property
    def name(self) -> str:
        return f"predicted[{self.bench.label}]"


@dataclass(frozen=True)
class LoopResult:
    """What a predictor-driven search measured and reached."""

    measured: int  # device measurements: k samples + final front
    hv: float  # normalised HV of everything measured, on TRUE latencies
    front_size: int


def predicted_search(
    bench: TabularBenchmark, predicted_ms: np.ndarray, sample_rows: np.ndarray, tactic: str, budget: int, seed: int,
) -> LoopResult:
    """Search on predicted latency, then measure the predicted front on the device.

    The k architectures ``sample_rows`` were measured to fine-tune the predictor; they count as
    measurements and their true objectives join the reported set.
    """
    history = run_search(tactic, PredictedLatencyEvaluator(bench, predicted_ms), budget, seed)
    X = history[[f"x{j}" for j in range(bench.space.n_var)]].to_numpy()
    rows = bench.rows(X)
    F_pred = bench.table[rows].copy()
    F_pred[:, 1] = np.asarray(predicted_ms)[rows]
    front_rows = rows[pareto_mask(to_minimization(F_pred, bench.objectives))]
    measured_rows = np.union1d(front_rows, sample_rows)
    hv = bench.scorer().normalised(bench.table[measured_rows])
    return LoopResult(measured=len(measured_rows), hv=float(hv), front_size=len(front_rows))


def measured_curve(bench: TabularBenchmark, tactic: str, budget: int, seed: int) -> np.ndarray:
    """Normalised HV after each real measurement when the tactic measures every candidate."""
    history = run_search(tactic, bench, budget, seed)
    return bench.scorer().curve(history[[o.name for o in bench.objectives]].to_numpy())
