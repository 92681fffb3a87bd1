"""Typed summary of stage ``predictor_transfer`` (notebook 04): few-shot latency-predictor transfer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from nas_utils.results.base import Summary


@dataclass(frozen=True)
class SpearmanResult:
    """Mean Spearman over target devices and trials of one method on one task with ``k`` samples."""

    protocol: str  # "all_archs" or "help_800"
    task: str
    method: str
    k: int
    spearman: float
    spearman_std: float | None = None
    trials: int | None = None


@dataclass(frozen=True)
class TaskBest:
    """Our best method (<= 20 target samples) on one task, with the published references."""

    task: str
    protocol: str
    best_method: str
    best_k: int
    ours_best: float
    ours_best_std: float | None
    best_learned_method: str | None = None
    best_learned_k: int | None = None
    ours_best_learned: float | None = None
    nasflat: float | None = None
    help_by_nasflat: float | None = None
    trials: int | None = None


@dataclass(frozen=True)
class SearchLoopResult:
    """The transferred predictor inside a search (means over seeds)."""

    tactic: str
    predictor: str
    target: str
    k: int
    budget: int
    seeds: int
    predicted_measured: float
    predicted_hv: float
    measured_final_hv: float
    measured_evals_to_same_hv: float  # mean over seeds; a seed that never reached counts the budget
    measured_reached: float  # fraction of seeds
    saving_factor: float
    saving_factor_ci_low: float | None = None
    saving_factor_ci_high: float | None = None


@dataclass(frozen=True)
class PredictorsSummary(Summary):
    KIND: ClassVar[str] = "predictors"
    protocol: str
    spearman: list[SpearmanResult]
    targets: list[TaskBest]
    search_loop: SearchLoopResult | None = None
    timings_s: dict[str, float] = field(default_factory=dict)

    def rows(self, protocol: str = "all_archs", task: str | None = None) -> list[SpearmanResult]:
        return [r for r in self.spearman if r.protocol == protocol and (task is None or r.task == task)]

    def help_best(self) -> SpearmanResult | None:
        """Best method under HELP's own protocol (ND, k = 10, 800-architecture pool)."""
        rows = self.rows("help_800")
        return max(rows, key=lambda r: r.spearman) if rows else None

    def published_targets(self) -> list[TaskBest]:
        return [t for t in self.targets if t.protocol == "all_archs" and t.nasflat is not None]
