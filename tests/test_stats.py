"""Bootstrap intervals over seeds, with censored runs (never reached) reported as bounds."""

from __future__ import annotations

import numpy as np

from nas_utils.stats import bootstrap_ci, censored_ci, ratio_ci

INF = np.inf


def test_uncensored_interval_contains_the_estimate_and_is_seeded() -> None:
    x = [10, 12, 14, 15, 18, 20, 22, 25, 30, 31]
    a, b = bootstrap_ci(x), bootstrap_ci(x)
    assert a == b and a.bound == "exact"
    assert a.low <= a.estimate <= a.high and a.estimate == np.median(x)


def test_censored_median_is_a_lower_bound() -> None:
    ci = bootstrap_ci([10, INF, INF, INF, 18], censor_at=301)
    assert ci.bound == "lower" and ci.estimate == 301 and ci.high == INF


def test_few_censored_runs_leave_the_median_exact_but_open_the_upper_end() -> None:
    ci = bootstrap_ci([10, 12, 14, 16, 18, INF], censor_at=301)
    assert ci.bound == "exact" and ci.estimate == 15 and ci.high == INF


def test_ratio_exact() -> None:
    r = ratio_ci([100, 120, 130, 140, 150], [10, 11, 12, 13, 14])
    assert r.bound == "exact" and np.isclose(r.estimate, 130 / 12) and r.low < r.estimate < r.high


def test_ratio_with_censored_numerator_is_a_lower_bound() -> None:
    r = ratio_ci([100, 120, INF, INF, INF], [10, 11, 12, 13, 14], censor_at=301)
    assert r.bound == "lower" and np.isclose(r.estimate, 301 / 12) and r.high == INF and r.low > 0


def test_ratio_with_censored_denominator_is_an_upper_bound() -> None:
    r = ratio_ci([100, 120, 130, 140, 150], [10, INF, INF, INF, 14], censor_at=301)
    assert r.bound == "upper" and r.low == 0.0 and np.isfinite(r.high)


def test_ratio_undefined_when_both_medians_censored() -> None:
    assert ratio_ci([INF, INF, 5], [INF, INF, 7], censor_at=301).bound == "undefined"


def test_one_run_cannot_be_resampled_so_its_interval_is_open() -> None:
    ci = bootstrap_ci([12.0])
    assert ci.estimate == 12.0 and (ci.low, ci.high) == (-INF, INF)
    r = ratio_ci([100.0], [10.0, 11.0, 12.0])
    assert np.isclose(r.estimate, 100 / 11) and (r.low, r.high) == (0.0, INF)


def test_a_statistic_censored_inside_itself_is_a_bound() -> None:
    """``censored_ci``: the never-reached value enters only inside the statistic (here a median of counts)."""
    counts = np.array([10.0, 20.0, INF, INF, INF])

    def median_for(never: float):
        return lambda x, axis=-1: np.median(np.where(np.isfinite(x), x, never), axis=axis)

    ci = censored_ci((counts,), median_for, censor_at=301)
    assert ci.bound == "lower" and ci.estimate == 301 and ci.high == INF
    exact = censored_ci((np.array([10.0, 12.0, 14.0, 16.0, INF]),), median_for, censor_at=301)
    assert exact.bound == "exact" and exact.estimate == 14.0
