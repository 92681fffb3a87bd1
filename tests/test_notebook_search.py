from __future__ import annotations

import json
from pathlib import Path

import pytest

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
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary["cells"]["cifar10/pixel2"]["tactics"]) == set(TINY["tactics"])
    for name in ("hv_curves.png", "evals_to_threshold.png", "fronts.png", "histories.parquet", "05_search_comparison.html"):
        assert (tmp_path / name).exists()
