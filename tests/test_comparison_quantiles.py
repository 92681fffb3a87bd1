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
