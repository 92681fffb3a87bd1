from __future__ import annotations

from pathlib import Path

import pytest

from nas_utils.results import SearchSummary
from nas_utils.stage import run_notebook

TINY = {
    "devices": ["pixel2"], "tactics": ["random", "nsga2", "linas", "weaknas"], "seeds": 2, "budget": 40,
    "paper_linas_evals": 30, "workers": 1, "timing_budget": 30, "timing_seeds": 1,
    "tactic_params": {"linas": {"initial": 20, "batch": 10, "inner_evals": 500, "inner_population": 20},
                      "weaknas": {"mlp_width": 16, "mlp_depth": 2, "mlp_max_iter": 30}},
}


@pytest.mark.slow
def test_search_notebook_runs_under_papermill(tmp_path: Path) -> None:
    run_notebook("search", "notebooks/05_search_comparison.ipynb", tmp_path, overrides=TINY)
    summary = SearchSummary.load(tmp_path / "summary.json")
    cell = summary.cell("cifar10/pixel2")
    assert cell.tactic_names() == TINY["tactics"]
    assert {r.threshold for r in cell.thresholds} == set(summary.thresholds)  # every threshold has its rows
    assert cell.ratio("weaknas", summary.thresholds[0]) is not None and summary.timing is not None
    for name in ("hv_curves.png", "evals_to_threshold.png", "fronts.png", "histories.parquet", "05_search_comparison.html",
                 "plots/hv_cifar10_pixel2.csv", "evals_to_threshold.csv"):
        assert (tmp_path / name).exists()
