"""WeakNAS tactic: budget, de-duplication, determinism, Pareto ordering, and that it beats random."""

from __future__ import annotations

import numpy as np
import pytest

from nas_utils.errors import ConfigError, UnknownNameError
from nas_utils.evaluators import load_benchmark
from nas_utils.search import TACTICS, run_search
from nas_utils.search.synthetic import SyntheticProblem
from nas_utils.search.weaknas import pareto_crowding_order

# Small, fast settings: a narrow MLP and a small pool keep every run well under a second.
FAST = {"mlp_width": 32, "mlp_depth": 2, "mlp_max_iter": 50, "pool_size": 2000}


@pytest.fixture(scope="module")
def synthetic() -> SyntheticProblem:
    return SyntheticProblem()


@pytest.fixture(scope="module")
def nb201():
    return load_benchmark("nb201", "cifar10", "gold_6226")


def test_registered() -> None:
    assert "weaknas" in TACTICS.names()


def test_budget_exact_no_duplicates_and_bookkeeping(synthetic: SyntheticProblem) -> None:
    h = run_search("weaknas", synthetic, budget=35, seed=0, **FAST)
    assert len(h) == 35 and h["arch"].is_unique
    assert list(h["iteration"]) == [i // 10 for i in range(35)]
    assert set(h.loc[h["iteration"] == 0, "source"]) == {"init"}
    assert set(h.loc[h["iteration"] > 0, "source"]) <= {"region", "greedy"}


def test_same_seed_same_history_different_seed_differs(synthetic: SyntheticProblem) -> None:
    a = run_search("weaknas", synthetic, budget=30, seed=3, **FAST)
    b = run_search("weaknas", synthetic, budget=30, seed=3, **FAST)
    c = run_search("weaknas", synthetic, budget=30, seed=4, **FAST)
    assert a.equals(b)
    assert list(a["arch"]) != list(c["arch"])


def test_greedy_fallback_when_region_is_exhausted(nb201) -> None:
    # A region no larger than the batch is used up at once, so later draws fall back to greedy.
    h = run_search("weaknas", nb201, budget=40, seed=0, top_n=10, **FAST)
    assert len(h) == 40 and h["arch"].is_unique
    assert "greedy" in set(h["source"])


def test_xgb_predictor_runs(synthetic: SyntheticProblem) -> None:
    h = run_search("weaknas", synthetic, budget=20, seed=0, predictor="xgb", xgb_rounds=20, xgb_depth=4, pool_size=500)
    assert len(h) == 20 and h["arch"].is_unique


def test_bad_parameters_raise_named_errors() -> None:
    with pytest.raises(UnknownNameError):
        TACTICS.get("weaknas")(predictor="forest")
    with pytest.raises(ConfigError, match="top_n"):
        TACTICS.get("weaknas")(top_n=5, sample_each_iter=10)
    with pytest.raises(ConfigError, match="mlp_width"):
        TACTICS.get("weaknas")(mlp_width=0)


def test_pareto_crowding_order() -> None:
    # Front 0: rows 0-3 (row 1 sits next to boundary row 0, row 2 mid-way); front 1: rows 4, 5.
    F = np.array([[0.0, 4.0], [0.2, 3.8], [2.0, 2.0], [4.0, 0.0], [2.0, 3.0], [5.0, 1.0]])
    order = pareto_crowding_order(F)
    assert set(order[:4]) == {0, 1, 2, 3} and set(order[4:]) == {4, 5}
    assert set(order[:2]) == {0, 3}  # boundary points (infinite crowding distance) first
    assert list(order[2:4]) == [2, 1]  # row 2 has the larger crowding distance


def test_beats_random_on_nb201(nb201) -> None:
    scorer = nb201.scorer()
    hv = {"weaknas": [], "random": []}
    for seed in range(3):
        for tactic, params in (("weaknas", FAST), ("random", {})):
            h = run_search(tactic, nb201, budget=60, seed=seed, **params)
            hv[tactic].append(scorer.normalised(h[["accuracy", "latency"]].to_numpy()))
    assert np.mean(hv["weaknas"]) > np.mean(hv["random"])


def test_torch_mlp_predictor_runs_and_is_deterministic(synthetic: SyntheticProblem) -> None:
    params = {"predictor": "mlp_torch", "mlp_width": 16, "mlp_depth": 2, "mlp_max_iter": 20, "pool_size": 500}
    a = run_search("weaknas", synthetic, budget=20, seed=0, **params)
    b = run_search("weaknas", synthetic, budget=20, seed=0, **params)
    assert len(a) == 20 and a["arch"].is_unique and a.equals(b)
