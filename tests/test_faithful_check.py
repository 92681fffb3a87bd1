"""The faithful-LINAS fidelity record: early stopping is exact, the summary censors and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nas_utils.metrics import evals_to_threshold
from nas_utils.search import faithful_check as fc
from nas_utils.search import run_search
from nas_utils.search.synthetic import SyntheticProblem


def test_stopping_at_the_threshold_gives_the_full_runs_count() -> None:
    problem = SyntheticProblem()
    scorer = problem.scorer()
    full = run_search("linas_faithful", problem, 200, seed=1, population=20, inner_evals=400, predictor_grid="compact")
    curve = scorer.curve(full[["accuracy", "latency"]].to_numpy())
    threshold = float(curve[120])  # reached somewhere in the run
    wrapped = fc._StopAtThreshold(problem, scorer, threshold)
    try:
        run_search("linas_faithful", wrapped, 200, seed=1, population=20, inner_evals=400, predictor_grid="compact")
    except fc._Reached:
        pass
    assert wrapped.hit == evals_to_threshold(curve, threshold)
    assert np.array_equal(np.array(wrapped.rows[: wrapped.hit]),
                          full[[c for c in full.columns if c[1:].isdigit() and c[0] == "x"]].to_numpy()[: wrapped.hit])


def test_summary_censors_unreached_runs_and_names_dynast_median() -> None:
    runs = pd.DataFrame({"variant": "faithful", "cell": "cifar10/gold_6226", "seed": range(4), "budget": 500,
                         "evals@0.99": [100.0, 120.0, 140.0, np.inf], "distinct": [90, 100, 110, 400],
                         "cpu_s": 1.0})
    (row,) = fc.summarise(runs).to_dict("records")
    assert row["median"] == 130.0 and row["reached"] == 0.75 and row["dynast_median"] == 116.0
    assert row["ci_low"] <= 130.0 <= row["ci_high"] and row["seeds"] == 4
    assert 0.0 < row["share_5seed_medians_le_dynast"] < 0.5  # 1 of 4 seeds <= 116
    assert fc.small_sample_share(np.array([50.0, 60.0]), 116.0) == 1.0
    assert fc.small_sample_share(np.array([200.0, np.inf]), 116.0) == 0.0


def test_record_reaches_the_report_with_intervals_and_the_dynast_side() -> None:
    from dataclasses import replace

    from nas_utils.experiments.search_records import faithful_variants
    from nas_utils.results.search import SearchSummary
    from nas_utils.sections.search import faithful_lines
    from tests import summaries

    record = pd.DataFrame({"variant": ["faithful"] * 3 + ["before the fixes"] * 3, "cell": "cifar10/pixel2",
                           "seed": [0, 1, 2] * 2, "budget": 500, "evals@0.99": [70.0, 77.0, 90.0, 150.0, 160.0, 170.0],
                           "distinct": [60, 70, 80, 100, 110, 120], "cpu_s": 1.0})
    variants = faithful_variants(record, "cifar10/pixel2")
    assert [v.variant for v in variants] == ["faithful", "before the fixes"] and variants[0].evals.median == 77.0
    assert faithful_variants(record, "cifar10/raspi4") == [] and faithful_variants(None, "cifar10/pixel2") == []

    summary = summaries.search()
    summary = replace(summary, faithful=[replace(f, record=variants if f.cell == "cifar10/pixel2" else [])
                                         for f in summary.faithful])
    assert SearchSummary.from_json(summary.to_json()) == summary
    text = "\n".join(faithful_lines(summary))
    assert "DyNAS-T's 77 inside our interval;" in text and "DyNAS-T's 77 outside our interval;" in text
    assert fc.VARIANTS["faithful"][1] in text and "verdicts by the same rule): *faithful* 77 [" in text
    assert "(3 seeds; **inconclusive**, DyNAS-T" in text and "(3 seeds; **misses (3 seeds: a median's interval covers at most 75 %)**, DyNAS-T" in text
    assert "share of our 5-seed medians <= 77: " in text and "not explained by a code difference" not in text

    def lines_for(evals: list[float]) -> str:
        rows = record.assign(**{"evals@0.99": evals + [150.0, 160.0, 170.0]})
        return "\n".join(faithful_lines(replace(summary, faithful=[
            replace(f, record=faithful_variants(rows, f.cell) if f.cell == "cifar10/pixel2" else [])
            for f in summary.faithful])))

    # The rule (DyNAS-T's 5-seed median taken as printed) decides whether a gap is claimed.
    gap = lines_for([150.0, 160.0, 170.0])
    assert "The gap of *faithful* is not explained" in gap
    near = lines_for([80.0, 82.0, 84.0])  # 77 below the whole interval [80, 84]: a gap, however small
    assert "(3 seeds; **misses (3 seeds" in near and "The gap of *faithful*" in near
    inside = lines_for([70.0, 77.0, 84.0])  # 77 inside the interval: no gap claimed
    assert "(3 seeds; **inconclusive**" in inside and "The gap of" not in inside


def test_a_variant_under_another_pymoo_runs_only_where_that_pymoo_is_imported(capsys) -> None:
    """The pymoo-0.6.1.1 rows of the record come from the same code under that pymoo; the project's pymoo is the
    one environment.yml pins, and asking for a variant the imported pymoo cannot run fails in one line."""
    import re
    from pathlib import Path

    import pymoo
    import pytest

    pin = re.search(r"pymoo==([\d.]+)", Path("environment.yml").read_text())
    assert pin is not None and pin.group(1) == fc.PROJECT_PYMOO == pymoo.__version__
    assert fc.runnable_here("faithful") and not fc.runnable_here("faithful under pymoo 0.6.1.1")
    assert fc.cli(["--variants", "faithful under pymoo 0.6.1.1", "--seeds", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "faithful under pymoo 0.6.1.1" in err and "valid" in err
    with pytest.raises(Exception, match="runs under pymoo 0.6.1.1"):
        fc.run_one(fc.CheckRun("faithful under pymoo 0.6.1.1", "pixel2", 0))


def test_the_pymoo_variant_says_whether_pymoos_version_explains_a_gap() -> None:
    from nas_utils import claims
    from nas_utils.claims import Estimate, verdict
    from nas_utils.sections.search import _pymoo_reading

    claim = claims.dynast_linas_claim("cifar10/pixel2", 77.0, 0.99)
    miss, open_ = verdict(Estimate(100.0, 84.0, 114.5), claim), verdict(Estimate(93.0, 70.0, 118.0), claim)
    pymoo = "faithful under pymoo 0.6.1.1"
    assert "not pymoo's version" in _pymoo_reading("faithful", {"faithful": miss, pymoo: miss})
    assert f"pymoo's version (*{pymoo}*: inconclusive)" in _pymoo_reading("faithful", {"faithful": miss, pymoo: open_})
    assert "no run under another pymoo" in _pymoo_reading("faithful", {"faithful": miss})
