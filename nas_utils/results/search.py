"""Typed summary of stage ``search`` (notebook 05) and the comparison rows it shares with 06.

One :class:`CellSummary` per (dataset, device): per tactic its final HV, per (tactic, threshold)
a :class:`ThresholdResult` (evaluations to reach it) and per (tactic, reference, threshold) a
:class:`RatioResult` (median evaluations of the tactic / median evaluations of the reference,
with a bootstrap 95 % interval over seeds). Thresholds are values in the rows, never keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from nas_utils.results.base import Summary

Bound = Literal["exact", "lower", "upper", "undefined"]


@dataclass(frozen=True)
class ThresholdResult:
    """Real evaluations one tactic needs to reach one normalised-HV threshold (over seeds).

    ``inf`` means "not within the budget" (for the median: more than half the seeds never
    reached it). ``ci_low``/``ci_high``: bootstrap 95 % interval of the median.
    """

    tactic: str
    threshold: float
    seeds: int
    median: float
    q1: float
    q3: float
    ci_low: float
    ci_high: float
    reached: float  # fraction of seeds that reached the threshold

    @property
    def never(self) -> bool:
        return self.median == float("inf")


@dataclass(frozen=True)
class RatioResult:
    """``median evals(tactic) / median evals(reference)`` at one threshold, with its interval.

    ``bound``: ``"lower"`` where the tactic's median is censored (the ratio is at least
    ``ratio``), ``"upper"`` where the reference's is, ``"undefined"`` where both are.
    """

    tactic: str
    reference: str
    threshold: float
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    bound: Bound = "exact"

    def text(self) -> str:
        """``2.41x [1.90, 3.10]``; ``>3.10x [2.50, inf]`` for a lower bound; ``n/a`` if undefined."""
        if self.ratio is None or self.ci_low is None or self.ci_high is None:
            return "n/a"
        mark = {"lower": ">", "upper": "<"}.get(self.bound, "")
        hi = "inf" if self.ci_high == float("inf") else f"{self.ci_high:.2f}"
        return f"{mark}{self.ratio:.2f}x [{self.ci_low:.2f}, {hi}]"


@dataclass(frozen=True)
class TacticResult:
    tactic: str
    seeds: int
    final_hv_median: float
    median_run_time_s: float | None = None


@dataclass(frozen=True)
class MatchResult:
    """The DyNAS-T framing: evaluations a tactic needs to match LINAS's HV after N evaluations."""

    tactic: str
    evals_to_match: float  # median over seeds; inf = not within the budget
    speedup_vs_linas: float | None


@dataclass(frozen=True)
class CellSummary:
    """Every tactic on one (dataset, device) cell."""

    dataset: str
    device: str
    tactics: list[TacticResult]
    thresholds: list[ThresholdResult]
    ratios: list[RatioResult]
    paper_linas_evals: int | None = None
    paper_target_hv: float | None = None
    paper_style: list[MatchResult] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.dataset}/{self.device}"

    def tactic_names(self) -> list[str]:
        return [t.tactic for t in self.tactics]

    def tactic(self, name: str) -> TacticResult | None:
        return next((t for t in self.tactics if t.tactic == name), None)

    def threshold(self, tactic: str, threshold: float) -> ThresholdResult | None:
        return next((r for r in self.thresholds if r.tactic == tactic and r.threshold == threshold), None)

    def ratio(self, tactic: str, threshold: float, reference: str = "linas") -> RatioResult | None:
        return next((r for r in self.ratios
                     if r.tactic == tactic and r.reference == reference and r.threshold == threshold), None)

    def match(self, tactic: str) -> MatchResult | None:
        return next((m for m in self.paper_style if m.tactic == tactic), None)


@dataclass(frozen=True)
class ComparisonSummary:
    """Fields every search comparison has (tabular in 05, super-network in 06)."""

    method: str
    budget: int
    seeds_per_tactic: dict[str, int]
    thresholds: list[float]
    cells: list[CellSummary]

    def cell(self, name: str) -> CellSummary | None:
        return next((c for c in self.cells if c.name == name), None)


@dataclass(frozen=True)
class TimingResult:
    """Single-core wall time of a few LINAS runs (the < 30 s target)."""

    tactic: str
    budget: int
    device: str
    threads: int
    seconds: list[float]
    median_s: float


@dataclass(frozen=True)
class SearchSummary(ComparisonSummary, Summary):
    """Stage ``search``: NAS-Bench-201 x HELP, true front known."""

    KIND: ClassVar[str] = "search"
    timing: TimingResult | None = None
