"""Figures of the search comparisons (nas_utils.experiments.comparison_plots)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nas_utils.evaluators import ACCURACY, LATENCY
from nas_utils.experiments.comparison_plots import plot_fronts_by_tactic

REF = np.array([[80.0, 1.0], [85.0, 2.0], [90.0, 4.0]])  # accuracy, latency: the reference front


def _history(tactic: str, points: list[tuple[float, float]], seed: int = 0) -> pd.DataFrame:
    acc, lat = zip(*points)
    return pd.DataFrame({"tactic": tactic, "dataset": "fam", "device": "dev", "seed": seed,
                         "eval": np.arange(1, len(points) + 1), "accuracy": acc, "latency": lat})


def test_fronts_by_tactic_give_each_tactic_its_panel_and_count_the_members_found_within_the_budget() -> None:
    histories = pd.concat([
        _history("random", [(70.0, 3.0), (85.0, 2.0), (90.0, 4.0)]),  # the third evaluation is past the budget
        _history("hvgain", [(80.0, 1.0), (90.0, 4.0), (60.0, 1.5)]),
        _history("hvgain", [(85.0, 2.0), (80.0, 1.0), (90.0, 4.0)], seed=1),  # another seed: not drawn
    ])
    twice = np.vstack([REF, REF[::-1]])  # functionally identical networks: the same point twice, in any order
    fig = plot_fronts_by_tactic(histories, lambda _d, _v: (ACCURACY, LATENCY), lambda _d, _v: twice, "exact front",
                                evals=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["random: 1 of 3 found", "hvgain: 2 of 3 found"]
    assert "after 2 evaluations (seed 0)" in fig.texts[0].get_text()
