"""The contract every registered search tactic must satisfy (budget, no repeats, reproducibility)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from nas_utils.search import TACTICS, run_search
from nas_utils.search.synthetic import SyntheticProblem

# Small but faithful settings so the whole contract suite runs in seconds.
FAST = {
    "linas": {"initial": 20, "batch": 10, "inner_evals": 1000, "inner_population": 20},
    "linas_faithful": {"population": 20, "inner_evals": 1000, "predictor_grid": "compact"},
    "nsga2": {"population": 20},
    "weaknas": {"mlp_width": 32, "mlp_depth": 2, "mlp_max_iter": 50, "top_n": 50, "pool_size": 2000},
    "bo": {"n_init": 10, "batch_size": 10, "pool_size": 50, "mc_samples": 16},
}
BUDGET = 60


def _params(name: str) -> dict:
    import inspect

    factory = TACTICS.get(name)
    valid = inspect.signature(factory.__init__ if isinstance(factory, type) else factory).parameters
    unknown = sorted(set(FAST.get(name, {})) - set(valid))
    if unknown:  # a typo would otherwise run at the tactic's defaults and pass unnoticed
        raise TypeError(f"FAST[{name!r}] has keys {name} does not accept: {unknown}")
    return dict(FAST.get(name, {}))


@pytest.fixture(scope="module")
def problem() -> SyntheticProblem:
    return SyntheticProblem()


@pytest.mark.parametrize("name", TACTICS.names())
def test_budget_exact_and_no_duplicates(name: str, problem: SyntheticProblem) -> None:
    history = run_search(name, problem, BUDGET, seed=0, **_params(name))
    assert len(history) == BUDGET
    assert history["arch"].is_unique
    assert history["eval"].tolist() == list(range(1, BUDGET + 1))
    X = history[[f"x{j}" for j in range(problem.space.n_var)]].to_numpy()
    assert np.allclose(problem.evaluate(X), history[["accuracy", "latency"]].to_numpy())


@pytest.mark.parametrize("name", TACTICS.names())
def test_same_seed_same_history_different_seed_different(name: str, problem: SyntheticProblem) -> None:
    a = run_search(name, problem, BUDGET, seed=1, **_params(name))
    b = run_search(name, problem, BUDGET, seed=1, **_params(name))
    c = run_search(name, problem, BUDGET, seed=2, **_params(name))
    assert a["arch"].tolist() == b["arch"].tolist()
    assert a["arch"].tolist() != c["arch"].tolist()


_CHILD = """
import json, sys
from nas_utils.search import run_search
from nas_utils.search.synthetic import SyntheticProblem
name, params = sys.argv[1], json.loads(sys.argv[2])
print(json.dumps(run_search(name, SyntheticProblem(), 40, seed=5, **params)["arch"].tolist()))
"""


@pytest.mark.parametrize("name", TACTICS.names())
def test_reproducible_in_fresh_process(name: str, problem: SyntheticProblem) -> None:
    here = run_search(name, problem, 40, seed=5, **_params(name))["arch"].tolist()
    out = subprocess.run([sys.executable, "-c", _CHILD, name, json.dumps(_params(name))],
                         capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == here


def test_linas_beats_random_on_known_front(problem: SyntheticProblem) -> None:
    scorer = problem.scorer()

    def final_hv(name: str, seed: int) -> float:
        h = run_search(name, problem, 100, seed=seed, **_params(name))
        return scorer.normalised(h[["accuracy", "latency"]].to_numpy())

    linas = np.mean([final_hv("linas", s) for s in range(3)])
    rand = np.mean([final_hv("random", s) for s in range(3)])
    assert linas > rand


def test_budget_out_of_range_is_one_line_error(problem: SyntheticProblem) -> None:
    from nas_utils.errors import ConfigError

    with pytest.raises(ConfigError, match="budget=0 is out of range"):
        run_search("random", problem, 0, seed=0)
    with pytest.raises(ConfigError, match="exceeds the 65536 architectures"):
        run_search("random", problem, 70_000, seed=0)
