"""Typed summary of stage ``sparsenas`` (notebook 01): warm-up, early predictor, kept sub-space, per family over seeds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from nas_utils.results.base import Summary


@dataclass(frozen=True)
class PredictorScore:
    """Out-of-fold rank correlation of one early predictor with the measured early accuracy:
    median over seeds and its 95 % bootstrap interval."""

    predictor: str
    spearman: float | None
    spearman_low: float | None
    spearman_high: float | None
    kendall: float | None


@dataclass(frozen=True)
class FilterFamily:
    """One family's filtering, medians over ``seeds`` (CPU seconds with one torch thread)."""

    family: str
    dataset: str
    seeds: int
    warmup_epochs: int
    n_early: int  # measured sub-networks the early predictor is fitted on
    early_val: int  # validation samples per early measurement
    predictor: str  # pre-registered early predictor (the one that filters)
    predictors: list[PredictorScore]
    kept: int
    scored: int
    kept_fraction: float
    space_size: int
    warmup_cpu_s: float
    early_measurement_cpu_s: float
    filtering_cpu_s: float
    early_accuracy_min: float
    early_accuracy_max: float
    early_accuracy_std: float

    def score(self, predictor: str) -> PredictorScore | None:
        return next((p for p in self.predictors if p.predictor == predictor), None)

    @property
    def overhead_cpu_s(self) -> float:
        return self.warmup_cpu_s + self.early_measurement_cpu_s + self.filtering_cpu_s


@dataclass(frozen=True)
class SparseNASSummary(Summary):
    KIND: ClassVar[str] = "sparsenas"
    families: list[FilterFamily]

    def family(self, name: str) -> FilterFamily | None:
        return next((f for f in self.families if f.family == name), None)
