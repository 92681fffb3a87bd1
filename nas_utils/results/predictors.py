"""Typed summary of stage ``predictor_transfer`` (notebook 04): few-shot latency-predictor transfer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from nas_utils.results.base import Summary


@dataclass(frozen=True)
class Registration:
    """One registration of the headline method (issue 12), and what had been seen when it was made."""

    date: str
    method: str
    chosen_on: str
    #: tasks whose verdict is not independent evidence: the variant came from their test result or their test
    #: devices' data (the report marks those verdicts)
    seen_first: tuple[str, ...] = ()
    why_seen: str = ""


# Every registration, oldest first. Records: data/preregistration/predictors/ (README.md explains each table).
REGISTRATIONS: tuple[Registration, ...] = (
    Registration("2026-12-02 05:46 UTC", "stack_linear", "development tasks, before any test number was computed"),
    Registration("2026-12-02 11:40 UTC", "stack_linear_blocks",
                 "development tasks only, after stack_linear's test numbers had been published (k=20: ND .953, FD "
                 ".972, F1 .895, F2 .857, F3 .844, F4 .789, FA .751; HELP protocol .878); paired dev gain +.008 "
                 "[.004, .012] on fresh draws"),
    Registration("2026-12-05 20:25 UTC", "stack_linear_blocks_out",
                 "a development task built for it (target pixel3, an ND source) and the development tasks, after "
                 "stack_linear_blocks's test numbers had been published (k=20: ND .951 [.948, .954], FD .973, F1 "
                 ".893, F2 .867, F3 .851, F4 .787, FA .741; HELP protocol .874 / .926); paired dev gain on pixel3 "
                 "+.014 [+.008, +.020], over the development tasks -.0004; on FBNet its predictions equal "
                 "stack_linear_blocks's",
                 seen_first=("ND",),
                 why_seen="its output-op features came from reading ND test devices' latency tables (raspi4 drops "
                          "dead ops), after ND's miss had been published"),
)


def registration(method: str | None) -> Registration | None:
    """The registration that named ``method`` the headline method (``None`` if none did)."""
    return next((r for r in REGISTRATIONS if r.method == method), None)


@dataclass(frozen=True)
class SpearmanResult:
    """Mean Spearman over target devices and trials of one method on one task with ``k`` samples."""

    protocol: str  # "all_archs" (ours), "nasflat_128", "help_800" or "help_800_ref"
    task: str
    method: str
    k: int
    spearman: float
    spearman_std: float | None = None
    trials: int | None = None
    ci_low: float | None = None  # Student-t 95 % interval over trials
    ci_high: float | None = None


@dataclass(frozen=True)
class TaskBest:
    """The pre-registered method on one task at k = 20 (ours protocol), with the published references.

    (``best_*`` names are historical: the row is the pre-registered method, never a best-of.)
    """

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
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True)
class BudgetRow:
    """Information budget of one method: target measurements and source data it reads."""

    method: str
    label: str
    role: str  # pre-registered | baseline | HELP | reference
    target_measurements: str
    source_data: str
    reads_full_source_tables: bool


@dataclass(frozen=True)
class LoopCell:
    """The transferred predictor inside the search on one cell: medians over seeds."""

    dataset: str
    device: str
    seeds: int
    median_measured: float
    median_hv: float
    median_saving: float
    saving_ci_low: float | None
    saving_ci_high: float | None
    censored: int  # seeds whose baseline never reached the HV (saving is then a lower bound)


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
    measured_evals_to_same_hv: float  # median over runs; a run that never reached counts the budget + 1
    measured_reached: float  # fraction of seeds
    saving_factor: float
    saving_factor_ci_low: float | None = None
    saving_factor_ci_high: float | None = None


@dataclass(frozen=True)
class LoopSettingRow:
    """One (k, front budget) of the in-loop settings record on the development cells (``loop_settings.csv``):
    the median saving over every (cell, seed) run with its bootstrap 95 % interval; ``chosen``: the rule's pick."""

    k: int
    front_budget: int  # 0: the whole predicted front
    runs: int
    median_saving: float
    ci_low: float
    ci_high: float
    median_measured: float
    median_hv: float
    censored: int
    chosen: bool


@dataclass(frozen=True)
class HelpBudgetRow:
    """HELP on a development target at one meta-training budget (record ``help_episodes.csv``).

    ``cost_vs_max``: Spearman at the largest measured budget minus this one, paired by trial.
    """

    task: str
    target_scale: str
    episodes: int
    trials: int
    spearman: float
    ci_low: float | None
    ci_high: float | None
    cost_vs_max: float
    cost_ci_low: float | None
    cost_ci_high: float | None
    train_cpu_s: float


@dataclass(frozen=True)
class PredictorsSummary(Summary):
    KIND: ClassVar[str] = "predictors"
    protocol: str
    spearman: list[SpearmanResult]
    targets: list[TaskBest]
    search_loop: SearchLoopResult | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    method: str | None = None  # the pre-registered method (params.yaml predictors.method)
    information_budget: list[BudgetRow] = field(default_factory=list)
    loop_cells: list[LoopCell] = field(default_factory=list)
    help_episodes: int | None = None  # HELP's meta-training episodes in this run
    help_target_scale: str | None = None  # how HELP scaled the target's support labels in this run
    help_budget: list[HelpBudgetRow] = field(default_factory=list)  # development record, every budget
    loop_settings: list[LoopSettingRow] = field(default_factory=list)  # development record of the loop's k and front

    def rows(self, protocol: str = "all_archs", task: str | None = None) -> list[SpearmanResult]:
        return [r for r in self.spearman if r.protocol == protocol and (task is None or r.task == task)]

    def headline(self, protocol: str = "all_archs", k: int = 20) -> list[SpearmanResult]:
        """The pre-registered method's rows under ``protocol`` at ``k``."""
        return [r for r in self.rows(protocol) if r.method == self.method and r.k == k]

    def help_best(self, protocol: str = "help_800") -> SpearmanResult | None:
        """The pre-registered method under HELP's own protocol (ND, k = 10, 800-architecture pool).

        ``protocol``: ``help_800`` (the 10 support samples only) or ``help_800_ref`` (plus HELP's 10 reference
        architectures: the 20 target measurements HELP itself uses). Only a summary without a pre-registered
        method falls back to the best row (never a best-of-methods pick in place of the registered one).
        """
        rows = self.rows(protocol)
        if self.method is not None:
            return next((r for r in rows if r.method == self.method), None)
        return max(rows, key=lambda r: r.spearman) if rows else None

    def help_cost(self, post_hoc: bool = False) -> str | None:
        """'Cost of the cheap setting': this run's HELP budget vs the largest one, on the development target or,
        with ``post_hoc``, on the test task (measured after the verdicts; it chooses nothing)."""
        rows = {r.episodes: r for r in self.help_budget
                if r.target_scale == self.help_target_scale and r.task.startswith("dev_") != post_hoc}
        if not rows or self.help_episodes is None:
            return None
        top = rows[max(rows)]
        where = (f"test task {top.task}, measured after the verdicts (post hoc: it chooses nothing)" if post_hoc
                 else f"development target {top.task}")
        if self.help_episodes not in rows:
            return (f"HELP ran {self.help_episodes} meta-training episodes, a budget the {where.split(',')[0]} record "
                    f"does not hold (measured: {', '.join(map(str, sorted(rows)))}).")
        a = rows[self.help_episodes]
        if a.episodes == top.episodes:
            return (f"HELP ran its paper budget ({a.episodes} episodes; {where}: "
                    f"{a.spearman:.3f}{_ci(a.ci_low, a.ci_high)}, {a.train_cpu_s:.0f} CPU s per meta-training).")
        return (f"{'On the test targets' if post_hoc else 'Cost of the cheap setting'}: {a.episodes} meta-training "
                f"episodes instead of HELP's {top.episodes} ({where}, HELP's protocol, {a.trials} trials): "
                f"{a.spearman:.3f}{_ci(a.ci_low, a.ci_high)} vs {top.spearman:.3f}{_ci(top.ci_low, top.ci_high)}, "
                f"a loss of {a.cost_vs_max:.3f}{_ci(a.cost_ci_low, a.cost_ci_high)} (paired by trial) for "
                f"{a.train_cpu_s:.0f} instead of {top.train_cpu_s:.0f} CPU s per meta-training.")

    def help_row(self) -> SpearmanResult | None:
        """HELP itself (our implementation) under its own protocol."""
        rows = [r for r in self.rows("help_800") if r.method == "help"]
        return rows[0] if rows else None

    def published_targets(self) -> list[TaskBest]:
        return [t for t in self.targets if t.protocol == "all_archs" and t.nasflat is not None]


def _ci(lo: float | None, hi: float | None) -> str:
    return f" [{lo:.3f}, {hi:.3f}]" if lo is not None and hi is not None else ""
