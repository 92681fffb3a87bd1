"""Medians and quartiles of evaluations-to-threshold when some runs never reach it (censored, ``inf``)."""

from __future__ import annotations

import math

import numpy as np

from nas_utils.experiments.comparison import threshold_result


def test_a_quantile_that_reaches_a_censored_run_is_inf_not_a_placeholder() -> None:
    r = threshold_result("bo", 0.995, np.array([10.0, 20.0, 30.0, np.inf]), budget=300)
    assert (r.q1, r.median) == (17.5, 25.0) and math.isinf(r.q3)  # q3 interpolates 30 and a censored run
    half = threshold_result("bo", 0.995, np.array([10.0, np.inf]), budget=300)
    assert math.isinf(half.median) and math.isinf(half.q1)  # with two runs every quantile but the 0th interpolates
    none = threshold_result("bo", 0.995, np.array([np.inf, np.inf]), budget=300)
    assert math.isinf(none.q1) and math.isinf(none.median) and none.reached == 0.0


def test_the_paper_framing_counts_as_the_per_seed_rule_and_carries_an_interval() -> None:
    """``match_result``: the median evaluations to LINAS's median HV after N, per seed as
    :func:`~nas_utils.metrics.evals_to_threshold` counts them; the interval resamples both groups of seeds."""
    from nas_utils.experiments.comparison import match_result
    from nas_utils.metrics import evals_to_threshold

    rng = np.random.default_rng(0)
    curves = np.maximum.accumulate(rng.uniform(0.5, 0.99, size=(7, 300)), axis=1)
    at_n = np.array([0.95, 0.96, 0.97, 0.975])
    m = match_result("weaknas", at_n, curves, n_linas=100, budget=300)
    counts = [evals_to_threshold(c, float(np.median(at_n))) for c in curves]
    assert m.evals_to_match == np.median([np.inf if h is None else h for h in counts])
    assert m.speedup_vs_linas == m.evals_to_match / 100 and m.seeds == 7
    assert m.ci_low is not None and m.ci_high is not None and m.ci_low <= m.evals_to_match <= m.ci_high
    assert match_result("weaknas", at_n, curves, 100, 300) == m  # seeded
    never = match_result("random", np.array([0.995, 0.996]), curves, n_linas=100, budget=300)
    assert math.isinf(never.evals_to_match) and never.speedup_vs_linas is None
    assert never.ci_low == 301 and never.ci_high is not None and math.isinf(never.ci_high)
