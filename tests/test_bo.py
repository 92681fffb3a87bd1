"""BoTorch tactic: budget, de-duplication, determinism, torch RNG hygiene, and that it beats random."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nas_utils.errors import ConfigError
from nas_utils.evaluators import load_benchmark
from nas_utils.search import TACTICS, run_search
from nas_utils.search.bo import decode_one_hot
from nas_utils.search.synthetic import SyntheticProblem

# Few GP refits, a small candidate pool and few QMC samples keep each run to a few seconds.
FAST = {"n_init": 10, "batch_size": 10, "pool_size": 200, "mc_samples": 32}


@pytest.fixture(scope="module")
def synthetic() -> SyntheticProblem:
    return SyntheticProblem()


def test_registered() -> None:
    assert "bo" in TACTICS.names()


def test_decode_one_hot_round_trip(synthetic: SyntheticProblem) -> None:
    X = synthetic.space.sample(np.random.default_rng(0), 50)
    assert np.array_equal(decode_one_hot(synthetic.space, synthetic.space.one_hot(X)), X)


def test_budget_exact_no_duplicates_and_bookkeeping(synthetic: SyntheticProblem) -> None:
    h = run_search("bo", synthetic, budget=25, seed=0, **FAST)
    assert len(h) == 25 and h["arch"].is_unique
    assert list(h["iteration"]) == [i // 10 for i in range(25)]
    assert list(h["source"]) == ["init"] * 10 + ["bo"] * 15


def test_determinism_and_global_torch_rng_untouched(synthetic: SyntheticProblem) -> None:
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = run_search("bo", synthetic, budget=20, seed=3, **FAST)
    assert torch.equal(torch.get_rng_state(), before)
    b = run_search("bo", synthetic, budget=20, seed=3, **FAST)
    c = run_search("bo", synthetic, budget=20, seed=4, **FAST)
    assert a.equals(b)
    assert list(a["arch"]) != list(c["arch"])


def test_small_space_scores_every_unevaluated_architecture() -> None:
    tiny = SyntheticProblem(n_var=3, n_choices=3)  # 27 architectures < pool_size
    h = run_search("bo", tiny, budget=27, seed=0, n_init=5, batch_size=4, pool_size=100, mc_samples=16)
    assert len(h) == 27 and h["arch"].is_unique


def test_bad_parameters_raise_named_errors() -> None:
    with pytest.raises(ConfigError, match="batch_size"):
        TACTICS.get("bo")(batch_size=0)
    with pytest.raises(ConfigError, match="n_init"):
        TACTICS.get("bo")(n_init=1)


def test_beats_random_on_nb201() -> None:
    bench = load_benchmark("nb201", "cifar10", "gold_6226")
    scorer = bench.scorer()
    hv = {"bo": [], "random": []}
    for seed in range(3):
        for tactic, params in (("bo", FAST), ("random", {})):
            h = run_search(tactic, bench, budget=40, seed=seed, **params)
            hv[tactic].append(scorer.normalised(h[["accuracy", "latency"]].to_numpy()))
    assert np.mean(hv["bo"]) > np.mean(hv["random"])
