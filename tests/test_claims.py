"""The one verdict rule: beats / within / misses only where the 95 % interval supports it."""

from __future__ import annotations

import pytest

from nas_utils import claims
from nas_utils.claims import Claim, Estimate, describe, verdict

RANGE = Claim("r", "range", "paper", 2.6, 6.5)
POINT = Claim("p", "point", "paper", 8.0, 8.0, tolerance=0.1)
LOWER_BETTER = Claim("t", "time", "paper", 10.0, 10.0, higher_is_better=False, tolerance=0.1)
TARGET = Claim("g", "goal", "project", 3.0, 3.0, kind="target")
CEILING = Claim("c", "cv", "project", 0.03, 0.03, higher_is_better=False, kind="target")
INF = float("inf")


@pytest.mark.parametrize(("estimate", "claim", "outcome"), [
    (Estimate(7.0, 6.8, 7.5), RANGE, "beats"),          # whole interval above the range
    (Estimate(4.0, 3.0, 5.5), RANGE, "within"),         # inside
    (Estimate(1.5, 1.1, 2.0), RANGE, "misses"),         # whole interval below
    (Estimate(3.0, 2.0, 4.0), RANGE, "inconclusive"),   # straddles the lower edge
    (Estimate(8.1, 7.5, 8.6), POINT, "within"),         # inside the +-10 % band of 8
    (Estimate(9.5, 9.0, 12.0), POINT, "beats"),
    (Estimate(5.0, 3.0, 9.0), POINT, "inconclusive"),
    (Estimate(5.0, 4.0, 6.0), LOWER_BETTER, "beats"),   # lower is better: below the band beats
    (Estimate(20.0, 15.0, 25.0), LOWER_BETTER, "misses"),
    (Estimate(None), RANGE, "no data"),
])
def test_interval_cases(estimate: Estimate, claim: Claim, outcome: str) -> None:
    assert verdict(estimate, claim).outcome == outcome


def test_lower_bound_can_only_beat_through_its_closed_end() -> None:
    assert verdict(Estimate(7.0, 7.0, INF), RANGE).outcome == "beats"         # at least 7 > 6.5
    assert verdict(Estimate(3.0, 3.0, INF), RANGE).outcome == "inconclusive"  # at least 3: could be anything above
    assert verdict(Estimate(3.0, 0.0, INF), POINT).outcome == "inconclusive"


def test_one_sided_targets() -> None:
    assert describe(verdict(Estimate(3.4, 3.1, 3.9), TARGET)) == "meets"
    assert verdict(Estimate(2.0, 1.5, 2.5), TARGET).outcome == "misses"
    assert verdict(Estimate(3.0, 2.5, 3.5), TARGET).outcome == "inconclusive"
    assert describe(verdict(Estimate(0.01), CEILING)) == "meets (point estimate, no interval)"
    assert verdict(Estimate(0.05), CEILING).outcome == "misses"


def test_inclusive_target_is_met_at_the_value_itself() -> None:
    goal = claims.NEAR_LIMIT_GOALS[0.995]  # median validations <= 60
    assert goal.published() == "<= 60"
    assert describe(verdict(Estimate(53.0, 43.0, 60.0), goal)) == "meets"
    assert verdict(Estimate(52.0, 47.0, 101.0), goal).outcome == "inconclusive"
    assert verdict(Estimate(INF, 301.0, INF), goal).outcome == "misses"  # never reached: judged on the closed end
    assert verdict(Estimate(61.0, 61.0, 70.0), goal).outcome == "misses"


def test_point_estimate_is_marked() -> None:
    assert describe(verdict(Estimate(1.0), RANGE)) == "misses (point estimate, no interval)"


def test_published_figures_are_data() -> None:
    assert claims.SEARCH_RATIOS["weaknas"].published("x") == "8x"
    assert claims.SEARCH_RATIOS["nsga2"].published("x") == "2.6x-6.5x"
    assert claims.HELP_ND.low == 0.932 and claims.SPARSENAS_SPEEDUP.low == 3.1
    assert claims.nasflat_claim("ND").low == 0.959 and claims.LINAS_TIMING.low == 30.0
    from nas_utils.transfer.tasks import PUBLISHED

    assert PUBLISHED is claims.NASFLAT_TABLE  # one copy of the NASFLAT table


def test_a_median_from_few_seeds_says_what_its_interval_can_cover() -> None:
    """Below MIN_MEDIAN_RUNS the word keeps its outcome and states 1 - 2^(1-n); from 6 seeds on, or without
    an interval or a decided outcome, nothing is added."""
    claim = claims.WEAKNAS_VS_LINAS
    label = "seeds: a median's interval covers at most"
    assert describe(verdict(Estimate(1.5, 0.9, 1.7, runs=2), claim)) == f"misses (2 {label} 50 %)"
    assert describe(verdict(Estimate(1.5, 0.9, 1.7, runs=5), claim)) == f"misses (5 {label} 94 %)"
    assert describe(verdict(Estimate(1.5, 0.9, 1.7, runs=claims.MIN_MEDIAN_RUNS), claim)) == "misses"
    assert describe(verdict(Estimate(6.0, 3.0, 9.0, runs=3), claim)) == "inconclusive"
    assert describe(verdict(Estimate(1.5, runs=3), claim)) == "misses (point estimate, no interval)"
    goal = claims.NEAR_LIMIT_GOALS[0.995]
    assert describe(verdict(Estimate(40, 30, 50, runs=5), goal)) == f"meets (5 {label} 94 %)"


def test_a_speedup_grid_that_cannot_show_the_claim_cannot_refute_it() -> None:
    """Issue 13: a protocol that cannot reach 3x by construction is not a result."""
    capped = Estimate(1.7, 0.0, 1.8, runs=20)  # an upper bound far below the goal
    goal, paper = claims.SPARSENAS_GOAL, claims.SPARSENAS_SPEEDUP
    assert claims.speedup_verdict(capped, 2.6, goal).outcome == "inconclusive"  # the grid could show at most 2.6x
    assert claims.speedup_verdict(capped, 2.6, paper).outcome == "inconclusive"  # below 3.1x's band (2.79)
    assert claims.speedup_verdict(capped, 3.3, goal) == verdict(capped, goal)  # the grid could: the one rule
    assert claims.speedup_verdict(capped, None, goal) == verdict(capped, goal)
    assert claims.speedup_verdict(capped, 2.9, paper) == verdict(capped, paper)
