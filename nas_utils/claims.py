"""Every published figure the project tests, as data, and the ONE verdict rule.

A :class:`Claim` is a published number or range (or a project target) with its source. The
:func:`verdict` of our estimate against a claim reads the estimate's 95 % interval (a bootstrap
interval over seeds, :mod:`nas_utils.stats`, for searches and SparseNAS; a Student-t interval over
trials for the latency predictors):

* **beats** - the whole interval is better than the claim's band;
* **misses** - the whole interval is worse than the band;
* **within** - the whole interval lies inside the band;
* **inconclusive** - the interval straddles an edge of the band (more seeds would decide);
* **no data** - no estimate (e.g. neither run reached the threshold).

The band is ``[low, high]`` widened by ``tolerance`` (relative): a published *point* figure
from a single run is read as +-10 %; means and medians over several runs or trials are taken as
printed. For a one-sided target (``kind="target"``) the band is the target itself, and
"beats"/"within" read "meets". A censored estimate (an interval open at one
end) can only beat or miss through its closed end. Without an interval the verdict is
taken on the point estimate and marked as such by :func:`describe` ("point estimate").

A bootstrap interval of a *median* from few runs cannot be a 95 % interval: it lies inside the runs'
range, and ``[min, max]`` of n runs covers the true median only 1 - 2^(1-n) of the time (50 % at 2,
75 % at 3, 94 % at 5); from :data:`MIN_MEDIAN_RUNS` = 6 runs on (97 %) it can. For a ratio of two
medians the bound is not exact, but the arm with fewer runs limits the ratio's interval much the same
way. An estimate that names its ``runs`` keeps its verdict, and :func:`describe` states the limit
beside it ("misses (3 seeds: a median's interval covers at most 75 %)"), so a reader weighs the
word where it stands.

>>> v = verdict(Estimate(9.5, 9.0, 10.2), WEAKNAS_VS_LINAS)
>>> v.outcome, describe(v)
('beats', 'beats')
>>> verdict(Estimate(6.0, 3.0, 9.0), WEAKNAS_VS_LINAS).outcome
'inconclusive'
>>> describe(verdict(Estimate(1.5, 0.9, 1.7, runs=3), WEAKNAS_VS_LINAS))
"misses (3 seeds: a median's interval covers at most 75 %)"
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Outcome = Literal["beats", "within", "misses", "inconclusive", "no data"]


@dataclass(frozen=True)
class Claim:
    """A published figure or project target.

    Attributes:
        key: short identifier (used in ``reports/headline.json``).
        text: the claim in words.
        source: paper or document it comes from.
        low, high: the published value or range (equal for a point figure).
        higher_is_better: whether a larger value of ours is "better" than the claim.
        tolerance: relative widening of ``[low, high]`` into the "within" band.
        kind: ``"published"`` (a paper's number) or ``"target"`` (a one-sided project goal).
        inclusive: a target that the value itself meets (``<= low`` / ``>= low`` rather than ``< low``).
    """

    key: str
    text: str
    source: str
    low: float
    high: float
    higher_is_better: bool = True
    tolerance: float = 0.0
    kind: Literal["published", "target"] = "published"
    inclusive: bool = False

    @property
    def band(self) -> tuple[float, float]:
        return self.low * (1 - self.tolerance), self.high * (1 + self.tolerance)

    def published(self, unit: str = "") -> str:
        """The figure as the paper states it, e.g. ``8x`` or ``2.6x-6.5x``."""
        if self.kind == "target":
            return f"{'>=' if self.higher_is_better else '<=' if self.inclusive else '<'} {self.low:g}{unit}"
        return f"{self.low:g}{unit}" if self.low == self.high else f"{self.low:g}{unit}-{self.high:g}{unit}"


#: The fewest runs whose median has a distribution-free 95 % interval (``[min, max]`` covers 1 - 2^(1-n)).
MIN_MEDIAN_RUNS = 6


@dataclass(frozen=True)
class Estimate:
    """Our number: point estimate and (optional) 95 % interval; ``inf`` ends are open.

    ``runs``: for a bootstrap interval of a median (or of a ratio of medians), the fewest runs behind
    it; below :data:`MIN_MEDIAN_RUNS` :func:`describe` states the coverage the interval can have.
    """

    value: float | None
    low: float | None = None
    high: float | None = None
    runs: int | None = None

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def max_coverage(self) -> float | None:
        """The most a median's interval from ``runs`` runs can cover (``None``: not such an interval)."""
        return None if self.runs is None or not self.has_interval else 1 - 2.0 ** (1 - self.runs)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    claim: Claim
    estimate: Estimate

    @property
    def point_only(self) -> bool:
        return not self.estimate.has_interval


# --- the claims -----------------------------------------------------------------------------

DYNAST = "DyNAS-T, arXiv 2202.12954 / 2205.10358"
#: Evaluations of WeakNAS / evaluations of LINAS (100 vs 800 on OFA-MobileNetV3).
WEAKNAS_VS_LINAS = Claim("weaknas_vs_linas", "LINAS needs fewer evaluations than WeakNAS", DYNAST, 8.0, 8.0,
                         tolerance=0.1)
#: Evaluations of NSGA-II / evaluations of LINAS on CNN super-networks (Table 3).
NSGA2_VS_LINAS = Claim("nsga2_vs_linas", "LINAS needs fewer evaluations than NSGA-II", DYNAST, 2.6, 6.5)
#: Tactic -> published ratio of its evaluations to LINAS's.
SEARCH_RATIOS: dict[str, Claim] = {"weaknas": WEAKNAS_VS_LINAS, "nsga2": NSGA2_VS_LINAS}
#: The paper's framing: WeakNAS needed 800 evaluations to match what LINAS found with 100.
PAPER_LINAS_EVALS, PAPER_WEAKNAS_EVALS = 100, 800


def dynast_linas_claim(cell: str, evals: float, threshold: float = 0.99) -> Claim:
    """DyNAS-T 1.6.0 LINAS's median validations to HV ``threshold`` on an NB201 x HELP ``cell`` as a claim.

    The figures (population 50, 5,000 inner evaluations, 500 validations, 5 seeds; issue 11) live in
    ``nas_utils.search.tuning.DYNAST_EVALS_TO_099`` and reach the report through the stage summary.
    Fewer validations is better. A median over 5 seeds, not a single run, so it is taken as printed (no
    tolerance), like NASFLAT's and HELP's means over trials; its own seed spread is unknown to us.
    """
    return Claim(f"dynast_linas_{cell}", f"DyNAS-T 1.6.0 LINAS, validations to HV {threshold:g} on {cell}",
                 "DyNAS-T 1.6.0 on NB201 x HELP (issue 11)", float(evals), float(evals), higher_is_better=False)


#: Our near-limit tactic (issue 11, section 2; which tactic: params.yaml ``search.near_limit_tactic``): median
#: validations to HV 0.995 (space-wide view) at most 60 on every test cell, and to HV 0.999 within the 300 of a run.
#: The oracle that validates only true-front members needs 4-8 and 7-13 on the test cells
#: (:func:`nas_utils.metrics.greedy_oracle_evals`, reported next to the goal).
NEAR_LIMIT_GOALS: dict[float, Claim] = {
    0.995: Claim("near_limit_995", "our near-limit tactic: validations to HV 0.995", "project goal (issue 11)",
                 60.0, 60.0, higher_is_better=False, kind="target", inclusive=True),
    0.999: Claim("near_limit_999", "our near-limit tactic: validations to HV 0.999", "project goal (issue 11)",
                 300.0, 300.0, higher_is_better=False, kind="target", inclusive=True),
}

#: Single-core LINAS run with 500 evaluations (project target).
LINAS_TIMING = Claim("linas_timing_s", "500-evaluation LINAS run on one core", "project target", 30.0, 30.0,
                     higher_is_better=False, kind="target")

#: NASFLAT (MLSys 2024) Spearman per task (NASFLAT repo results_geomean.py; ALGORITHMS.md Part 1), and
#: HELP as run by NASFLAT under the same protocol.
NASFLAT_TABLE: dict[str, dict[str, float]] = {
    "NASFLAT": {"ND": 0.959, "NA": 0.893, "N1": 0.967, "N2": 0.857, "N3": 0.962, "N4": 0.959,
                "FD": 0.961, "FA": 0.577, "F1": 0.809, "F2": 0.871, "F3": 0.814, "F4": 0.734},
    "HELP (as run by NASFLAT)": {"ND": 0.948, "NA": 0.410, "N1": 0.604, "N2": 0.509, "N3": 0.729,
                                 "N4": 0.746, "FD": 0.91, "FA": 0.37, "F1": 0.793, "F2": 0.543,
                                 "F3": 0.413, "F4": 0.799},
}
NASFLAT_SPEARMAN: dict[str, float] = NASFLAT_TABLE["NASFLAT"]
HELP_BY_NASFLAT: dict[str, float] = NASFLAT_TABLE["HELP (as run by NASFLAT)"]
#: NASFLAT's HW-aware NAS with its predictor in the loop: speedup in wall-clock time (abstract; the paper's
#: tables do not show how it is computed, ../shared/ALGORITHMS.md). Quoted beside our in-loop saving, not judged:
#: ours counts device measurements, not wall-clock.
NASFLAT_NAS_SPEEDUP = 5.8
#: Issue 12 §4: the transferred predictor in the search loop needs >= 10x fewer device measurements than
#: measuring every candidate, on notebook 05's test cells (judged on its bootstrap interval over seeds).
LOOP_SAVING_GOAL = Claim("loop_saving_goal", "predictor in the search loop: fewer device measurements",
                         "project goal (issue 12)", 10.0, 10.0, kind="target", inclusive=True)
#: HELP (NeurIPS 2021): ND mean Spearman with 10 target samples, 800-architecture query pool.
HELP_ND_MEAN = 0.932
HELP_ND = Claim("help_nd_k10", "HELP, ND, 10 target samples (Spearman)", "HELP, NeurIPS 2021", HELP_ND_MEAN,
                HELP_ND_MEAN)


def nasflat_claim(task: str) -> Claim:
    """NASFLAT's published Spearman on ``task`` as a claim (a point figure, exact)."""
    v = NASFLAT_SPEARMAN[task]
    return Claim(f"nasflat_{task}", f"NASFLAT few-shot latency transfer on {task}", "NASFLAT, MLSys 2024", v, v)


#: Issue 12 §3: ahead of NASFLAT on every task, on F2 and F3 (GPU targets) by at least this margin.
NASFLAT_MARGIN_GOAL = {"F2": 0.02, "F3": 0.02}


def nasflat_margin_goal(task: str) -> Claim | None:
    """Issue 12's margin goal on ``task`` (NASFLAT's figure + the margin, one-sided), or None where the goal
    is only to be ahead (:func:`nasflat_claim` judges that)."""
    if (margin := NASFLAT_MARGIN_GOAL.get(task)) is None:
        return None
    v = round(NASFLAT_SPEARMAN[task] + margin, 6)
    return Claim(f"nasflat_goal_{task}", f"NASFLAT + {margin:g} on {task}", "project goal (issue 12)", v, v,
                 kind="target", inclusive=True)


#: SparseNAS (KBS 2024): training speedup at comparable accuracy, and our goal.
SPARSENAS_SPEEDUP = Claim("sparsenas_speedup", "SparseNAS training speedup at comparable front quality",
                          "SparseNAS, KBS 2024", 3.1, 3.1, tolerance=0.1)
SPARSENAS_GOAL = Claim("sparsenas_goal", "SparseNAS speedup, project goal", "project goal", 3.0, 3.0, kind="target")

#: Latency measurement quality (project targets).
LATENCY_CV = Claim("latency_cv", "median CV of repeated rounds", "project target", 0.03, 0.03,
                   higher_is_better=False, kind="target")
LATENCY_SPEARMAN = Claim("latency_rho", "Spearman of two independent passes", "project target", 0.98, 0.98,
                         kind="target")


# --- the one verdict rule ---------------------------------------------------------------------


def verdict(estimate: Estimate, claim: Claim) -> Verdict:
    """Interval-aware comparison of ``estimate`` with ``claim`` (see the module docstring)."""
    if estimate.value is None or (isinstance(estimate.value, float) and math.isnan(estimate.value)):
        return Verdict("no data", claim, estimate)
    lo = estimate.low if estimate.low is not None else estimate.value
    hi = estimate.high if estimate.high is not None else estimate.value
    if claim.kind == "target":  # one-sided: ">= low" when higher is better, "< low" (inclusive: "<= low") otherwise
        t = claim.low
        if claim.higher_is_better:
            met, failed = lo >= t, hi < t
        else:
            met, failed = (hi <= t, lo > t) if claim.inclusive else (hi < t, lo >= t)
        return Verdict("beats" if met else "misses" if failed else "inconclusive", claim, estimate)
    band_lo, band_hi = claim.band
    if not claim.higher_is_better:  # compare on a scale where larger is better
        lo, hi, band_lo, band_hi = -hi, -lo, -band_hi, -band_lo
    outcome: Outcome
    if lo > band_hi:
        outcome = "beats"
    elif hi < band_lo:
        outcome = "misses"
    elif band_lo <= lo and hi <= band_hi:
        outcome = "within"
    else:
        outcome = "inconclusive"
    return Verdict(outcome, claim, estimate)



def speedup_verdict(speedup: Estimate, grid_max: float | None, claim: Claim) -> Verdict:
    """:func:`verdict` for a SparseNAS speedup, unless the protocol's budget grid cannot show the claim at all: where
    the largest speedup the grid can show (``grid_max``, median over seeds) lies below the claim's band, the speedup
    is below it by construction, so the verdict is *inconclusive* (issue 13: such a protocol is not a result)."""
    if grid_max is not None and grid_max < claim.band[0]:
        return Verdict("inconclusive", claim, speedup)
    return verdict(speedup, claim)

def describe(v: Verdict) -> str:
    """The verdict in words, e.g. ``misses``, ``meets (point estimate, no interval)`` or, for a median's
    interval from fewer than :data:`MIN_MEDIAN_RUNS` runs, ``misses (3 seeds: a median's interval covers at most
    75 %)``."""
    word = str(v.outcome)
    if v.claim.kind == "target" and v.outcome in ("beats", "within"):
        word = "meets"
    if v.point_only and v.outcome != "no data":
        word += " (point estimate, no interval)"
    cover, runs = v.estimate.max_coverage, v.estimate.runs
    if cover is not None and runs is not None and runs < MIN_MEDIAN_RUNS and v.outcome in ("beats", "within", "misses"):
        word += (f" ({runs} seed{'s' if runs != 1 else ''}: a median's interval covers at most "
                 f"{100 * cover:.0f} %)")
    return word
