"""Typed summary of stage ``search_supernet`` (notebook 06): the comparison on our super-network."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from nas_utils.results.base import Summary
from nas_utils.results.search import ComparisonSummary


@dataclass(frozen=True)
class LatencyObjective:
    """How the latency objective was obtained; test metrics when it is predicted."""

    source: str  # "predicted" or "measured"
    device: str
    predictor: str | None = None
    k: int | None = None
    n_test: int | None = None
    test_spearman: float | None = None
    test_kendall: float | None = None
    test_mape: float | None = None
    measured_range_ms: list[float] = field(default_factory=list)
    cpu_model: str | None = None

    @classmethod
    def from_report(cls, source: str, device: str, report: dict[str, Any]) -> LatencyObjective:
        keys = {"predictor", "k", "n_test", "test_spearman", "test_kendall", "test_mape", "measured_range_ms",
                "cpu_model"}
        return cls(source=source, device=device, **{k: v for k, v in report.items() if k in keys})


@dataclass(frozen=True)
class BackendRun:
    backend: str
    workers: int
    seconds: float | None = None
    identical_to_serial: bool | None = None
    error: str | None = None


@dataclass(frozen=True)
class BackendCheck:
    """One batch of new evaluations timed with each backend, 1 vs ``workers`` workers."""

    batch: int
    workers: int
    runs: list[BackendRun]

    def speedup(self, backend: str) -> float | None:
        one = next((r for r in self.runs if r.backend == backend and r.workers == 1), None)
        many = next((r for r in self.runs if r.backend == backend and r.workers == self.workers), None)
        if one is None or many is None or one.seconds is None or not many.seconds:
            return None
        return one.seconds / many.seconds


@dataclass(frozen=True)
class TacticTime:
    """Median seconds per run of one tactic: wall, evaluation (charged) and search overhead.

    ``run_time_s = eval_wait_s + search_overhead_s`` per run; ``eval_charged_s`` charges each
    evaluation what it cost when first computed (runs share a cache, so it can exceed the wait).
    """

    tactic: str
    run_time_s: float
    eval_wait_s: float
    eval_charged_s: float
    search_overhead_s: float


@dataclass(frozen=True)
class SearchSupernetSummary(ComparisonSummary, Summary):
    """Stage ``search_supernet``: every tactic on a trained super-network, real evaluations."""

    KIND: ClassVar[str] = "search_supernet"
    supernet: str = ""
    checkpoint: str = ""
    reference: str = ""
    latency: LatencyObjective | None = None
    backend: str = ""
    workers: int = 1
    backend_check: BackendCheck | None = None
    times: list[TacticTime] = field(default_factory=list)
    evaluations_requested: int = 0
    evaluations_computed: int = 0
    wall_time_s: float | None = None
