"""Notebook 05 runs as a stage (the session fixture ``search_notebook`` executes it once)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nas_utils.results import SearchSummary
from tests.conftest import SEARCH_TINY


@pytest.mark.slow
def test_search_notebook_runs_under_papermill(search_notebook: Path) -> None:
    summary = SearchSummary.load(search_notebook / "summary.json")
    cell = summary.cell("cifar10/pixel2")
    assert cell.tactic_names() == SEARCH_TINY["tactics"]
    assert {r.threshold for r in cell.thresholds} == set(summary.thresholds)  # every threshold has its rows
    assert cell.ratio("weaknas", summary.thresholds[0]) is not None and summary.timing is not None
    assert cell.views() == ["space", "near_front"] and cell.igd and summary.dev_cells and len(summary.faithful) == 3
    for name in ("hv_curves.png", "hv_curves_near.png", "evals_to_threshold.png", "fronts.png", "histories.parquet",
                 "05_search_comparison.html", "plots/hv_cifar10_pixel2.csv", "evals_to_threshold.csv", "igd.csv",
                 "tuning.csv"):
        assert (search_notebook / name).exists()


@pytest.mark.slow
def test_executed_notebook_holds_no_progress_bars(search_notebook: Path) -> None:
    """Progress streams to the stage's stderr (nas_utils.progress), never into the notebook; and the
    kernel has ipywidgets, so tqdm.auto (a bar that is off) warns of nothing there (no TqdmWarning)."""
    nb = nbformat.read(search_notebook / "05_search_comparison.ipynb", as_version=4)
    outputs = str([o for cell in nb.cells for o in cell.get("outputs", [])])
    assert "search runs" not in outputs and "it/s" not in outputs
    assert "TqdmWarning" not in outputs and "widget-view" not in outputs
