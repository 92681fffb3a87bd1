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
    contended_records: int | None = None  # of the k + n_test measurements (None: not recorded)
    timing: str | None = None  # how each was timed, e.g. "min of 15 blocks per round, lowest of 3 rounds, wall clock"
    store: str | None = None  # the versioned file the measurements were read from or added to (None: measured, not kept)

    @classmethod
    def from_report(cls, source: str, device: str, report: dict[str, Any]) -> LatencyObjective:
        keys = {"predictor", "k", "n_test", "test_spearman", "test_kendall", "test_mape", "measured_range_ms",
                "cpu_model", "contended_records", "timing", "store"}
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
    """Mean seconds per run of one tactic on one family.

    Searches run on the tabulated space, so ``run_time_s`` is the tactic's own work (look-ups
    cost microseconds); ``eval_charged_s`` prices each of the run's evaluations at the family's
    measured cost of one fresh evaluation, i.e. what the evaluations would cost a run on its own.
    """

    supernet: str
    tactic: str
    run_time_s: float
    eval_charged_s: float | None


@dataclass(frozen=True)
class FamilySpace:
    """One searched super-network: its tabulated sub-space, exact front and latency objective."""

    supernet: str
    checkpoint: str
    space: str                # which variables are free / tied
    networks: int             # distinct sub-networks, every one evaluated (the reference set)
    front: int                # of them on the exact Pareto front
    computed: int             # evaluated afresh in this run (0: all from the on-disk cache)
    tabulate_s: float         # wall time of the tabulation (cache look-ups + fresh evaluations)
    eval_s: float | None      # seconds of one fresh evaluation (mean of a small uncached batch)
    latency: LatencyObjective | None = None
    immigrant_runs: int | None = None  # nsga2 runs that needed random immigrants (None: not recorded)
    table: str = ""  # fingerprint of every tabulated network's objectives (the seed record's rows name theirs)


@dataclass(frozen=True)
class DevChoice:
    """One variant in a development super-network record (``data/preregistration/search_supernet/dev_<tactic>.csv``,
    or a cost record ``cost_<tactic>.csv``; :mod:`nas_utils.experiments.supernet_variants`) judged by its
    pre-registered rule (``dev_rule``; a cost record's: ``cost_rule``, where ``adopted`` means it qualifies)."""

    tactic: str
    variant: str
    settings: str               # the tactic's settings in the variant (JSON)
    medians: dict[str, float]   # family -> median evaluations to the rule's threshold (budget + 1: not reached)
    mean: float                 # of the family medians
    change: float               # of the mean, against the stage setting of the record
    worst_family: float         # largest relative change of one family's median
    adopted: bool               # the rule adopts it (against the record's stage setting)
    chosen: bool                # the rule's pick for the tactic: the adopted variant with the lowest mean, else the stage setting
    in_params: bool             # these are the settings params.yaml's search_supernet.tactic_params runs
    seeds: int
    budget: int                 # evaluations per run (a run short of the threshold counts as budget + 1)
    source: str
    cpu_s: float | None = None  # median CPU seconds per run
    final_hv: dict[str, float] | None = None  # family -> median final HV (read where every median is censored)


@dataclass(frozen=True)
class BudgetChoice:
    """One family's budget by the pre-registered rule (``data/preregistration/search_supernet/budget_<family>.csv``,
    :mod:`nas_utils.experiments.supernet_budget`): runs at the ladder's top, truncated at each ladder budget."""

    family: str
    runs_budget: int                     # budget of the recorded runs (the ladder's top)
    seeds: int
    prefix_equal: bool                   # every run's first evaluations are the stage's 250-run history
    reached: dict[str, dict[str, int]]   # tactic -> ladder budget -> seeds within the rule's HV threshold
    picked: int | None                   # the rule's pick (None: no ladder budget meets it)
    in_params: bool                      # params.yaml runs the pick for this family
    source: str


@dataclass(frozen=True)
class SearchSupernetSummary(ComparisonSummary, Summary):
    """Stage ``search_supernet``: every tactic on each trained super-network's tabulated sub-space."""

    KIND: ClassVar[str] = "search_supernet"
    VERSION: ClassVar[int] = 5
    reference: str = ""
    budgets: dict[str, int] = field(default_factory=dict)  # family -> evaluations per run (``budget``: the default)
    families: list[FamilySpace] = field(default_factory=list)
    backend: str = ""
    workers: int = 1
    backend_check: BackendCheck | None = None
    times: list[TacticTime] = field(default_factory=list)
    evaluations_computed: int = 0
    wall_time_s: float | None = None
    dev_record: list[DevChoice] = field(default_factory=list)  # settings chosen on development super-networks
    dev_rule: dict[str, float] = field(default_factory=dict)   # the pre-registered rule that judged them
    budget_record: list[BudgetChoice] = field(default_factory=list)  # the per-family budgets' rule and evidence
    budget_rule: dict[str, float] = field(default_factory=dict)
    cost_record: list[DevChoice] = field(default_factory=list)  # cheaper settings of the picks, for the default profile
    cost_rule: dict[str, float] = field(default_factory=dict)   # the pre-registered non-inferiority rule that judged them
    seed_record: ComparisonSummary | None = None  # every tactic, more seeds, the same tables (a record beside the stage)
    seed_record_stale: int = 0  # record rows left out: another table (checkpoint, latency), settings or budget
    seed_record_agreement: dict[str, list[int]] = field(default_factory=dict)  # tactic -> [equal, shared] final HVs

    @property
    def supernet(self) -> str:
        """The families searched, comma-separated (for one-line mentions)."""
        return ", ".join(f.supernet for f in self.families)

    def budget_of(self, supernet: str) -> int:
        """Evaluations per run on one family (a run short of a threshold counts as this + 1)."""
        return self.budgets.get(supernet, self.budget)

    def family(self, supernet: str) -> FamilySpace | None:
        return next((f for f in self.families if f.supernet == supernet), None)
