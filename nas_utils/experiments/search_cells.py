"""The NB201 x HELP cells of stage ``search``: their names and yardsticks.

A cell is a dataset and a device (``"cifar10/gold_6226"``). Its scorers measure a run's curves in
both HV views and IGD+; its near-front reference point is stated in the report; its oracle bounds
are the fewest validations that reach each threshold (greedy over the cell's true front).
"""

from __future__ import annotations

import functools
from typing import Any

from nas_utils.evaluators import load_benchmark
from nas_utils.metrics import IGDPlusScorer, greedy_oracle_evals, near_front_reference_point, near_front_scorer
from nas_utils.results.search import OracleResult, View


def cell_name(dataset: str, device: str) -> str:
    return f"{dataset}/{device}"


@functools.lru_cache(maxsize=8)
def cell_scorers(dataset: str, device: str) -> dict[str, Any]:
    """Curve scorers of one cell: ``hv`` (space-wide view), ``hv_near`` (near-front view), ``igd`` (IGD+)."""
    bench = load_benchmark("nb201", dataset, device)
    return {"hv": bench.scorer(), "hv_near": near_front_scorer(bench.objectives, bench.table),
            "igd": IGDPlusScorer(bench.objectives, bench.table)}


def near_front_ref(dataset: str, device: str) -> dict[str, float]:
    """The near-front reference point of a cell, objective name -> value (natural units)."""
    bench = load_benchmark("nb201", dataset, device)
    point = near_front_reference_point(bench.objectives, bench.table)
    return {o.name: round(float(v), 4) for o, v in zip(bench.objectives, point)}


@functools.lru_cache(maxsize=None)
def oracle_bounds(dataset: str, device: str, thresholds: tuple[float, ...]) -> list[OracleResult]:
    """The oracle's validations to every threshold in both HV views (greedy over the cell's true front)."""
    front = load_benchmark("nb201", dataset, device).true_front()
    scorers = cell_scorers(dataset, device)
    views: tuple[tuple[View, str], ...] = (("space", "hv"), ("near_front", "hv_near"))
    return [OracleResult(float(t), n, view) for view, key in views
            for t, n in zip(thresholds, greedy_oracle_evals(scorers[key], front, thresholds))]
