"""The dev-cell tuning record: dev and test cells disjoint, the table generated from runs."""

from __future__ import annotations

import numpy as np

from nas_utils.search.tuning import DEV_CELLS, TEST_CELLS, dev_runs, summarise_runs


def test_dev_and_test_cells_are_disjoint() -> None:
    assert not set(DEV_CELLS) & set(TEST_CELLS)
    assert {d for d, _ in DEV_CELLS} == {"cifar100"}


def test_dev_grid_table_from_runs() -> None:
    runs = dev_runs({"random": ("random", {"batch_size": 10})}, seeds=2, budget=30)
    assert len(runs) == 2 * len(DEV_CELLS) and set(runs["cell"]) == {f"{d}/{v}" for d, v in DEV_CELLS}
    table = summarise_runs(runs)
    assert len(table) == len(DEV_CELLS) and (table["seeds"] == 2).all()
    assert np.all(table["median_final_hv"] <= 1.0) and np.all(table["median_cpu_s"] >= 0)


def test_the_reports_tuning_budget_is_the_tuning_scripts() -> None:
    from nas_utils.search import tuning
    from nas_utils.sections.search import TUNING_BUDGET

    assert TUNING_BUDGET == tuning.BUDGET
