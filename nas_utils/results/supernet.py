"""Typed summary of stage ``supernet`` (notebook 02): SparseNAS vs full-space training, time to quality.

Speedup = median (over seeds) time for the full runs to reach the full run's final quality /
median time for the sparse runs to reach it, on one shared test-split yardstick; the interval
is a 95 % bootstrap over seeds (:func:`nas_utils.stats.ratio_ci`). ``speedup_bound`` reads as
in :mod:`nas_utils.stats`: ``"upper"`` when some sparse seed never reached the target (its time
is censored at its longest sparse run), so the speedup is *at most* the estimate. ``record`` holds the same
statistics (:class:`FamilySpeedup`) over the seed record beside the stage, which runs more seeds (issue 13 §1).
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
    grid_max: float | None = None  # t_full / the first sparse checkpoint after the warm-up


@dataclass(frozen=True)
class FamilySpeedup:
    """One family over seeds: speedup and ceiling with intervals, overheads, early predictor (the stage's seeds or
    the seed record's, summarised alike)."""

    family: str
    seeds: int
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
    early_spearman_oof: float | None
    early_spearman_oof_low: float | None
    early_spearman_oof_high: float | None
    early_vs_final_spearman: float | None
    kept_fraction: float
    grid_max: float | None  # the largest speedup the budget grid can show (median over seeds), with its interval
    grid_max_low: float | None
    grid_max_high: float | None

    @property
    def overhead_s(self) -> float:
        return self.warmup_s + self.early_measurement_s + self.filtering_s


@dataclass(frozen=True)
class TrainingFamily(FamilySpeedup):
    """One family over the stage's seeds: :class:`FamilySpeedup` plus budgets, final qualities and the seeds."""

    full_budgets: list[int]
    sparse_budgets: list[int | float]  # epochs after the warm-up (fractions of an epoch allowed)
    final_quality_full: float
    final_quality_sparse: float  # best final quality over the sparse budgets
    predictor: str
    per_seed: list[SeedSpeedup]
    test_samples: int | None = None             # test-split signals the yardstick is scored on
    median_test_accuracy: float | None = None   # a fraction: the yardstick's sub-networks after the longest full run

    @property
    def accuracy_se(self) -> float | None:
        """Binomial standard error of one sub-network's test accuracy at the median accuracy."""
        if not self.test_samples or self.median_test_accuracy is None:
            return None
        p = self.median_test_accuracy
        return float((p * (1 - p) / self.test_samples) ** 0.5)


@dataclass(frozen=True)
class SeedRecord:
    """The seed record beside the stage (:mod:`nas_utils.experiments.sparsenas_records`): its rows of the stage's
    settings summarised per family like the stage's seeds, the rows left out, and per family ``[equal, shared]``:
    the stage's seeds the record also holds and how many agree on every clock-free field."""

    path: str
    families: list[FamilySpeedup]
    rows_stale: int
    agreement: dict[str, list[int]]

    def family(self, name: str) -> FamilySpeedup | None:
        return next((f for f in self.families if f.family == name), None)


@dataclass(frozen=True)
class SupernetSummary(Summary):
    KIND: ClassVar[str] = "supernet"
    hv_tolerance: float
    time_basis: str
    yardstick: str
    families: list[TrainingFamily]
    record: SeedRecord | None = None  # more seeds of the same protocol (issue 13 §1), None without the file

    def family(self, name: str) -> TrainingFamily | None:
        return next((f for f in self.families if f.family == name), None)
