"""Typed summary of stage ``sparsenas`` (notebook 01): warm-up, early predictor, sparse sub-space."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from nas_utils.results.base import Summary


@dataclass(frozen=True)
class PredictorScore:
    """Out-of-fold rank correlation of one early predictor with the measured early accuracy."""

    predictor: str
    spearman: float | None
    kendall: float | None


@dataclass(frozen=True)
class FilterFamily:
    family: str
    dataset: str
    warmup_epochs: int
    warmup_cpu_s: float
    filter_cpu_s: float
    chosen_predictor: str
    predictors: list[PredictorScore]
    kept: int
    scored: int
    kept_fraction: float
    space_size: int
    early_accuracy_min: float
    early_accuracy_max: float
    early_accuracy_std: float


@dataclass(frozen=True)
class SparseNASSummary(Summary):
    KIND: ClassVar[str] = "sparsenas"
    families: list[FilterFamily]

    def family(self, name: str) -> FilterFamily | None:
        return next((f for f in self.families if f.family == name), None)
