"""Typed summary of stage ``search`` (notebook 05) and the comparison rows it shares with 06.

One :class:`CellSummary` per (dataset, device): per tactic its final HV, per (tactic, threshold)
a :class:`ThresholdResult` (evaluations to reach it) and per (tactic, reference, threshold) a
:class:`RatioResult` (median evaluations of the tactic / median evaluations of the reference,
with a bootstrap 95 % interval over seeds). Thresholds are values in the rows, never keys.

Stage ``search`` knows the true front, so it adds (``view`` field of the rows) a second HV view
with a near-front reference point (``near_front``; the default view ``space`` normalises on the
whole space's box), IGD+ to the true front (:class:`IGDResult`), the oracle bound per threshold
(:class:`OracleResult`), the dev-cell tuning record
(:class:`TuningVariant`) and the check of faithful LINAS against DyNAS-T (:class:`FaithfulCheck`).
See :mod:`nas_utils.metrics` for the views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from nas_utils.results.base import Summary

Bound = Literal["exact", "lower", "upper", "undefined"]
#: HV views: ``space`` = reference point at the space's worst values; ``near_front`` = reference point
#: near the true front (``nas_utils.metrics.near_front_reference_point``).
View = Literal["space", "near_front"]
VIEWS: tuple[View, ...] = ("space", "near_front")


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
    view: View = "space"

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
    view: View = "space"

    def text(self) -> str:
        """``2.41x [1.90, 3.10]``; ``>3.10x [2.50, inf]`` for a lower bound; ``n/a`` if undefined."""
        if self.ratio is None or self.ci_low is None or self.ci_high is None:
            return "n/a"
        mark = {"lower": ">", "upper": "<"}.get(self.bound, "")
        hi = "inf" if self.ci_high == float("inf") else f"{self.ci_high:.2f}"
        return f"{mark}{self.ratio:.2f}x [{self.ci_low:.2f}, {hi}]"


@dataclass(frozen=True)
class TacticResult:
    """Per tactic on one cell: seeds, median final HV (each view), median wall and CPU s of one run."""

    tactic: str
    seeds: int
    final_hv_median: float
    median_run_time_s: float | None = None
    final_hv_near_median: float | None = None
    median_run_cpu_s: float | None = None


@dataclass(frozen=True)
class IGDResult:
    """IGD+ to the true front of the set evaluated after ``evals`` evaluations (median over seeds, 95 % CI).

    Distances in the space-wide normalised objective space; 0 = the whole true front found.
    """

    tactic: str
    evals: int
    seeds: int
    median: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class OracleResult:
    """The physical limit at one threshold: evaluations an oracle that validates only true-front members,
    greedily by HV gain, needs to reach it (:func:`nas_utils.metrics.greedy_oracle_evals`; ``None``: never)."""

    threshold: float
    evals: int | None
    view: View = "space"


@dataclass(frozen=True)
class GapResult:
    """Where the HV a tactic still misses after ``evals`` validations lies along the true front
    (:func:`nas_utils.metrics.missing_hv_by_band`; medians over seeds): the gap ``1 - HV`` and per
    band of the front (equal-count thirds by latency, fastest first) the share of the gap it would close."""

    cell: str
    tactic: str
    evals: int
    seeds: int
    gap: float
    band_shares: list[float]


#: The priors of the oracle diagnostic (:mod:`nas_utils.search.prior_track`) as the report labels them.
ORACLE_PRIORS = {"none": "no prior (contest)", "exact_latency": "true latency", "exact_accuracy": "true accuracy",
                 "exact_both": "both true"}


@dataclass(frozen=True)
class PostHocVariant:
    """A variant of the near-limit tactic run on one test cell *after* its verdicts (post hoc: it explains a
    result and chooses nothing; ``python -m nas_utils.search.tuning <grid> --cells test --post-hoc``): validations
    to each threshold, the registered setting's on the same seeds (the seed record), the ratio of the two medians
    (bootstrap 95 % intervals) and, per threshold, the paired runs where the variant needed fewer / more
    validations (an unreached threshold counts as budget + 1)."""

    cell: str
    variant: str
    evals: list[ThresholdResult]
    registered: list[ThresholdResult]
    ratios: list[RatioResult]  # variant / registered
    fewer: list[int]
    more: list[int]
    source: str

    def at(self, threshold: float) -> tuple[ThresholdResult | None, ThresholdResult | None, RatioResult | None]:
        """(the variant's, the registered setting's, their ratio) at one threshold."""
        return (next((r for r in self.evals if r.threshold == threshold), None),
                next((r for r in self.registered if r.threshold == threshold), None),
                next((r for r in self.ratios if r.threshold == threshold), None))


@dataclass(frozen=True)
class PriorTrackResult:
    """The near-limit tactic with latency known before validation (a separate, labelled track,
    :mod:`nas_utils.search.prior_track`) on one test cell: validations to each threshold on true
    latencies (bootstrap 95 % interval of the median), the ``k`` device measurements that adapted the
    transfer ``method``, and its latency Spearman over the space (median over seeds)."""

    cell: str
    tactic: str
    method: str
    k: int
    budget: int
    latency_spearman: float | None  # None: no prior
    evals: list[ThresholdResult]
    source: str = "prior_track.csv"  # the record it was read from
    prior: str = "transfer"  # transfer (the track); a key of ORACLE_PRIORS (the oracle diagnostic)
    oracle: list[OracleResult] = field(default_factory=list)  # the cell's greedy true-front bound (the diagnostic)

    def at(self, threshold: float) -> ThresholdResult | None:
        return next((r for r in self.evals if r.threshold == threshold), None)

    def oracle_at(self, threshold: float) -> OracleResult | None:
        return next((r for r in self.oracle if r.threshold == threshold and r.view == "space"), None)


@dataclass(frozen=True)
class MatchResult:
    """The DyNAS-T framing: evaluations a tactic needs to match LINAS's HV after N evaluations.

    The HV to match is the median over LINAS's seeds after N. ``ci_low``/``ci_high``: bootstrap 95 %
    interval of ``evals_to_match``, LINAS's seeds and the tactic's resampled independently (``inf``: open).
    """

    tactic: str
    evals_to_match: float  # median over seeds; inf = not within the budget
    speedup_vs_linas: float | None  # evals_to_match / N
    ci_low: float | None = None
    ci_high: float | None = None
    seeds: int | None = None


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
    near_front_ref: dict[str, float] = field(default_factory=dict)  # objective -> reference value (natural units)
    igd: list[IGDResult] = field(default_factory=list)
    oracle: list[OracleResult] = field(default_factory=list)  # empty: the reference front is not known

    @property
    def name(self) -> str:
        return f"{self.dataset}/{self.device}"

    def tactic_names(self) -> list[str]:
        return [t.tactic for t in self.tactics]

    def tactic(self, name: str) -> TacticResult | None:
        return next((t for t in self.tactics if t.tactic == name), None)

    def views(self) -> list[View]:
        """The HV views this cell has rows for, in :data:`VIEWS` order."""
        present = {r.view for r in self.thresholds}
        return [v for v in VIEWS if v in present]

    def threshold(self, tactic: str, threshold: float, view: View = "space") -> ThresholdResult | None:
        return next((r for r in self.thresholds
                     if r.tactic == tactic and r.threshold == threshold and r.view == view), None)

    def ratio(self, tactic: str, threshold: float, reference: str = "linas", view: View = "space") -> RatioResult | None:
        return next((r for r in self.ratios if r.tactic == tactic and r.reference == reference
                     and r.threshold == threshold and r.view == view), None)

    def igd_at(self, tactic: str, evals: int) -> IGDResult | None:
        return next((r for r in self.igd if r.tactic == tactic and r.evals == evals), None)

    def oracle_at(self, threshold: float, view: View = "space") -> OracleResult | None:
        return next((r for r in self.oracle if r.threshold == threshold and r.view == view), None)

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
class TuningEvals:
    """Median evaluations to one threshold over a variant's dev-cell seeds (``inf``: median not reached)."""

    threshold: float
    median: float
    reached: float


@dataclass(frozen=True)
class TuningVariant:
    """One setting of one tactic tried on one development cell (a row of ``tuning_<tactic>.csv`` summarised).

    ``settings``: the hyper-parameters of the variant where its grid is known (``nas_utils.search.tuning.GRIDS``),
    else ``""``; ``chosen``: whether the stage runs exactly them (``params.yaml``; a key either side leaves out takes
    the tactic's default; ``None``: unknown).
    """

    tactic: str
    variant: str
    cell: str
    seeds: int
    evals: list[TuningEvals]
    median_final_hv: float
    median_cpu_s: float
    source: str  # the CSV file it was read from
    settings: str = ""
    chosen: bool | None = None
    dev_cell: bool = True  # False: the run was NOT on a development cell (the report flags it)


@dataclass(frozen=True)
class FaithfulVariant:
    """One variant of the faithful-LINAS fidelity record (``data/preregistration/search/faithful_check.csv``,
    :mod:`nas_utils.search.faithful_check`): validations to the threshold under DyNAS-T's protocol."""

    variant: str  # a label of ``faithful_check.VARIANTS``; "faithful" is the current code
    description: str  # what differs from DyNAS-T 1.6.0 in this variant
    budget: int
    evals: ThresholdResult  # median over seeds, bootstrap 95 % interval (censored at budget + 1)
    median_distinct: float  # distinct architectures among the validations until the threshold
    dynast_share: float  # share of resampled 5-seed medians of ours at or below DyNAS-T's (its 5 seeds' median)


@dataclass(frozen=True)
class FaithfulCheck:
    """Faithful LINAS (this stage's runs) against DyNAS-T 1.6.0's median validations to a threshold,
    with the fidelity record's variants for the same cell (empty: no record)."""

    cell: str
    threshold: float
    dynast_median: float
    ours: ThresholdResult | None  # None: the stage ran no faithful LINAS on this cell
    record: list[FaithfulVariant] = field(default_factory=list)


@dataclass(frozen=True)
class SearchSummary(ComparisonSummary, Summary):
    """Stage ``search``: NAS-Bench-201 x HELP, true front known.

    Besides the comparison: the development and test cells of the pre-registration, the tuning
    record read from ``data/preregistration/search/``, the faithful-LINAS check, and the CPU
    seconds the run grid took.
    """

    KIND: ClassVar[str] = "search"
    VERSION: ClassVar[int] = 4
    timing: TimingResult | None = None
    dev_cells: list[str] = field(default_factory=list)
    test_cells: list[str] = field(default_factory=list)
    tuning: list[TuningVariant] = field(default_factory=list)
    faithful: list[FaithfulCheck] = field(default_factory=list)
    grid_cpu_s: dict[str, float] = field(default_factory=dict)  # tactic -> CPU s of all its runs
    backend: str = "serial"
    near_limit_tactic: str | None = None  # pre-registered (params.yaml search.near_limit_tactic): judged on the goals
    near_limit_gaps: list[GapResult] = field(default_factory=list)  # where its HV is missing, per test cell
    prior_track: list[PriorTrackResult] = field(default_factory=list)  # the same tactic, latency known a priori
    # the oracle diagnostic: true latency / accuracy / both as prior vs none, dev cells and (post hoc) test cells
    prior_oracles: list[PriorTrackResult] = field(default_factory=list)
    # variants of the near-limit tactic run on the test cells after the verdicts (explain, choose nothing)
    post_hoc: list[PostHocVariant] = field(default_factory=list)
    seed_record: ComparisonSummary | None = None  # every tactic, more seeds, test cells (a record beside the stage)
    seed_record_stale: int = 0  # record rows left out: their settings or budget are not params.yaml's
    # tactic -> [equal, shared]: the stage's runs the record also holds, and how many end at the same final HV
    seed_record_agreement: dict[str, list[int]] = field(default_factory=dict)

    def tuning_of(self, tactic: str) -> list[TuningVariant]:
        return [t for t in self.tuning if t.tactic == tactic]
