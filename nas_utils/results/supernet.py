"""Typed summary of stage ``supernet`` (notebook 02): SparseNAS vs full-space training, time to quality.

Speedup = median (over seeds) time for the full runs to reach the full run's final quality /
median time for the sparse runs to reach it, on one shared test-split yardstick; the interval
is a 95 % bootstrap over seeds (:func:`nas_utils.stats.ratio_ci`). ``speedup_bound`` reads as
in :mod:`nas_utils.stats`: ``"upper"`` when some sparse seed never reached the target (its time
is censored at its longest sparse run), so the speedup is *at most* the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from nas_utils.results.base import Summary


@dataclass(frozen=True)
class SeedSpeedup:
    """One seed: both runs' times to the target quality and the overheads (CPU seconds)."""

    seed: int
    target_quality: float
    t_full_s: float
    t_sparse_s: float  # inf: the sparse runs never reached the target
    t_sparse_max_s: float  # the longest sparse run's final time
    speedup: float  # t_full / t_sparse; an upper bound (t_full / t_sparse_max) when not reached
    reached: bool
    ceiling: float  # t_full / overhead
    warmup_s: float
    early_measurement_s: float
    filtering_s: float
    early_spearman_oof: float | None
    early_vs_final_spearman: float | None


@dataclass(frozen=True)
class TrainingFamily:
    """One family over seeds: speedup and ceiling with intervals, overheads, early predictor."""

    family: str
    seeds: int
    full_budgets: list[int]
    sparse_budgets: list[int]
    speedup: float | None
    speedup_low: float | None
    speedup_high: float | None
    speedup_bound: Literal["exact", "lower", "upper", "undefined"]
    sparse_reached: int  # seeds whose sparse runs reached the target
    ceiling: float
    ceiling_low: float
    ceiling_high: float
    t_full_s: float  # medians over seeds
    warmup_s: float
    early_measurement_s: float
    filtering_s: float
    target_quality: float
    final_quality_full: float
    final_quality_sparse: float  # best final quality over the sparse budgets
    early_spearman_oof: float | None
    early_spearman_oof_low: float | None
    early_spearman_oof_high: float | None
    early_vs_final_spearman: float | None
    kept_fraction: float
    predictor: str
    per_seed: list[SeedSpeedup]
    test_samples: int | None = None             # test-split signals the yardstick is scored on
    median_test_accuracy: float | None = None   # a fraction: the yardstick's sub-networks after the longest full run

    @property
    def overhead_s(self) -> float:
        return self.warmup_s + self.early_measurement_s + self.filtering_s

    @property
    def accuracy_se(self) -> float | None:
        """Binomial standard error of one sub-network's test accuracy at the median accuracy."""
        if not self.test_samples or self.median_test_accuracy is None:
            return None
        p = self.median_test_accuracy
        return float((p * (1 - p) / self.test_samples) ** 0.5)


@dataclass(frozen=True)
class SupernetSummary(Summary):
    KIND: ClassVar[str] = "supernet"
    hv_tolerance: float
    time_basis: str
    yardstick: str
    families: list[TrainingFamily]

    def family(self, name: str) -> TrainingFamily | None:
        return next((f for f in self.families if f.family == name), None)
