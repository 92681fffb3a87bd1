"""Typed summary of stage ``supernet`` (notebook 02): full-space vs SparseNAS continuation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from nas_utils.results.base import Summary


@dataclass(frozen=True)
class BudgetAccuracy:
    """Best accuracy under one MAC budget (a quantile of the full-space sample's MACs)."""

    quantile: float
    macs_budget_m: float
    acc_full: float
    acc_sparse_equal_time: float | None  # at the full run's final training time
    delta_equal_time: float | None  # sparse - full, percentage points


@dataclass(frozen=True)
class TrainingFamily:
    family: str
    hv_full_final: float
    hv_sparse_final: float
    hv_threshold: float
    time_full_cpu_s: float | None
    time_sparse_cpu_s: float | None
    speedup_cpu: float | None  # None: the sparse run never reached the threshold
    time_full_wall_s: float | None
    time_sparse_wall_s: float | None
    speedup_wall: float | None
    budgets: list[BudgetAccuracy]
    early_vs_final_spearman: float | None
    early_vs_final_kendall: float | None
    kept_fraction: float
    chosen_predictor: str
    warmup_cpu_s: float
    filter_cpu_s: float


@dataclass(frozen=True)
class SupernetSummary(Summary):
    KIND: ClassVar[str] = "supernet"
    hv_tolerance: float
    time_basis: str
    eval_protocol: str
    families: list[TrainingFamily]

    @property
    def median_speedup_cpu(self) -> float | None:
        speedups = [f.speedup_cpu for f in self.families]
        if not speedups or any(s is None for s in speedups):
            return None
        import statistics

        return float(statistics.median(s for s in speedups if s is not None))
