"""The contract every registered search tactic must satisfy, through ``run`` and through ask/tell.

Budget exact, no repeats (or, for a tactic that charges repeats, every repeat flagged), same seed
same history (also in a fresh process), and ask/tell giving exactly ``run``'s history.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from nas_utils.search import TACTICS, make_tactic, run_search
from nas_utils.search.base import run_ask_tell
from nas_utils.search.synthetic import SyntheticProblem

# Small but faithful settings so the whole contract suite runs in seconds.
FAST = {
    "linas": {"initial": 20, "batch": 10, "inner_evals": 1000, "inner_population": 20},
    "linas_faithful": {"population": 20, "inner_evals": 1000, "predictor_grid": "compact"},
    "nsga2": {"population": 20},
    "weaknas": {"mlp_width": 32, "mlp_depth": 2, "mlp_max_iter": 50, "top_n": 50, "pool_size": 2000},
    "bo": {"n_init": 10, "batch_size": 10, "candidates": "pool", "pool_size": 200},
}
BUDGET = 60


def _params(name: str) -> dict:
    """FAST settings of ``name``; a key the tactic does not take is an error, not silently dropped."""
    import inspect

    factory = TACTICS.get(name)
    valid = inspect.signature(factory.__init__ if isinstance(factory, type) else factory).parameters
    unknown = sorted(set(FAST.get(name, {})) - set(valid))
    if unknown:  # a typo would otherwise run at the tactic's defaults and pass unnoticed
        raise TypeError(f"FAST[{name!r}] has keys {name} does not accept: {unknown}")
    return dict(FAST.get(name, {}))


def _search(name: str, problem, budget: int, seed: int, path: str):
    """One run of ``name`` through ``run`` or through the ask/tell driver."""
    if path == "run":
        return run_search(name, problem, budget, seed=seed, **_params(name))
    return run_ask_tell(make_tactic(name, **_params(name)), problem, budget, seed)


PATHS = ["run", "ask_tell"]


@pytest.fixture(scope="module")
def problem() -> SyntheticProblem:
    return SyntheticProblem()


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", TACTICS.names())
def test_budget_exact_and_no_duplicates(name: str, path: str, problem: SyntheticProblem) -> None:
    history = _search(name, problem, BUDGET, 0, path)
    assert len(history) == BUDGET
    if "repeat" in history:  # a tactic that charges repeats flags exactly the repeated rows
        assert history["repeat"].tolist() == history["arch"].duplicated().tolist()
    else:
        assert history["arch"].is_unique
    assert history["eval"].tolist() == list(range(1, BUDGET + 1))
    X = history[[f"x{j}" for j in range(problem.space.n_var)]].to_numpy()
    assert np.allclose(problem.evaluate(X), history[["accuracy", "latency"]].to_numpy())


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("name", TACTICS.names())
def test_same_seed_same_history_different_seed_different(name: str, path: str, problem: SyntheticProblem) -> None:
    a = _search(name, problem, BUDGET, 1, path)
    b = _search(name, problem, BUDGET, 1, path)
    c = _search(name, problem, BUDGET, 2, path)
    assert a.equals(b)
    assert a["arch"].tolist() != c["arch"].tolist()


@pytest.mark.parametrize("name", TACTICS.names())
def test_ask_tell_equals_run(name: str, problem: SyntheticProblem) -> None:
    reference = run_search(name, problem, BUDGET, seed=3, **_params(name))
    whole_batches = run_ask_tell(make_tactic(name, **_params(name)), problem, BUDGET, 3)
    in_threes = run_ask_tell(make_tactic(name, **_params(name)), problem, BUDGET, 3, n=3)
    pd.testing.assert_frame_equal(whole_batches, reference)
    pd.testing.assert_frame_equal(in_threes, reference)


class _ThreadSpy:
    """An evaluator that records the torch and BLAS thread counts at each call (inside the tactic's run)."""

    def __init__(self, problem: SyntheticProblem) -> None:
        self.problem, self.space, self.objectives, self.seen = problem, problem.space, problem.objectives, set()

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        import torch
        from threadpoolctl import threadpool_info

        self.seen.add((torch.get_num_threads(), *sorted({i["num_threads"] for i in threadpool_info()})))
        return self.problem.evaluate(X)


@pytest.mark.parametrize("path", PATHS)
def test_a_run_uses_one_thread_whatever_the_caller_set(path: str, problem: SyntheticProblem) -> None:
    """GP and MLP fits round differently on more threads (BO's history on NB201 did), so a run limits BLAS
    and torch to one thread, as the pipeline's worker processes do, and restores the caller's setting."""
    import torch

    from nas_utils.runtime import torch_threads

    spy = _ThreadSpy(problem)
    with torch_threads(2):
        _search("bo", spy, BUDGET, 0, path)
        assert torch.get_num_threads() == 2
    assert spy.seen == {(1, 1)}


def test_ask_tell_rejects_unasked_rows_and_can_be_closed(problem: SyntheticProblem) -> None:
    tactic = make_tactic("random", batch_size=5)
    tactic.setup(problem.space, problem.objectives, budget=20, seed=0)
    X = tactic.ask(2)
    assert X.shape == (2, problem.space.n_var)
    with pytest.raises(ValueError, match="not asked for"):
        tactic.tell(problem.space.sample_unique(np.random.default_rng(9), 1, exclude=set(problem.space.keys(X))),
                    [[0.0, 0.0]])
    tactic.tell(X, problem.evaluate(X))
    assert len(tactic.ask()) == 3  # the rest of the tactic's batch of 5
    tactic._driver().close()


def test_charged_repeats_are_validated_and_paid_for(problem: SyntheticProblem) -> None:
    """linas_faithful charges repeats as DyNAS-T does: round(N/P) loops of exactly P validations."""
    params = {**_params("linas_faithful"), "population": 10}
    charged = run_search("linas_faithful", problem, 60, seed=0, **params, charge_repeats=True)
    free = run_search("linas_faithful", problem, 60, seed=0, **params, charge_repeats=False)
    assert len(charged) == 60 and charged["iteration"].value_counts().tolist() == [10] * 6
    assert charged["repeat"].tolist() == charged["arch"].duplicated().tolist()
    assert charged["repeat"].any()  # the fixed-seed inner search re-proposes validated architectures
    assert free["arch"].is_unique and "repeat" not in free


_CHILD = """
import json, sys
from nas_utils.search import run_search
from nas_utils.search.synthetic import SyntheticProblem
specs = json.loads(sys.argv[1])
print(json.dumps({name: run_search(name, SyntheticProblem(), 40, seed=5, **params)["arch"].tolist()
                  for name, params in specs.items()}))
"""


@pytest.fixture(scope="module")
def fresh_process_archs() -> dict[str, list]:
    """Every tactic's run (budget 40, seed 5) in one fresh interpreter: one start-up, not one per tactic."""
    specs = {name: _params(name) for name in TACTICS.names()}
    out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(specs)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", TACTICS.names())
def test_reproducible_in_fresh_process(name: str, problem: SyntheticProblem, fresh_process_archs: dict[str, list]) -> None:
    here = run_search(name, problem, 40, seed=5, **_params(name))["arch"].tolist()
    assert fresh_process_archs[name] == here


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


def test_nsga2_spends_its_budget_when_the_population_converges() -> None:
    """Repeats are free, so a converged population proposes nothing new; random immigrants
    (after ``max_stalled`` barren generations) keep the run going to its exact budget."""
    tiny = SyntheticProblem(n_var=3, n_choices=3)  # 27 architectures, all of them asked for
    history = run_search("nsga2", tiny, tiny.space.size, seed=0, population=4, max_stalled=5)
    assert len(history) == tiny.space.size and history["arch"].is_unique
    assert set(history["source"]) <= {"nsga2", "immigrant"}


def test_a_tactic_that_only_repeats_itself_fails_instead_of_hanging(problem: SyntheticProblem) -> None:
    from nas_utils.search.base import MAX_IDLE_PROPOSALS, SearchStalled, Tactic

    class Stuck(Tactic):
        name = "stuck"

        def search(self, session, rng) -> None:
            while not session.done:
                session.evaluate(problem.space.enumerate()[:1])

    with pytest.raises(SearchStalled, match=f"{MAX_IDLE_PROPOSALS} consecutive proposals"):
        Stuck().run(problem, 10, seed=0)


def test_inner_nsga2_eliminates_duplicate_vectors_unless_switched_off() -> None:
    """DyNAS-T's ``eliminate_duplicates=True``: the final inner population (the next validation
    batch) holds distinct vectors, with DyNAS-T's and the default operators. ``eliminate_duplicates
    =False`` is the pre-fix no-op (``HashDuplicateElimination`` hashing Individual objects), kept as
    the registered ``linas`` setting (params.yaml) and pinned here."""
    from dataclasses import replace

    from nas_utils.search.evolution import (
        DEFAULT_OPERATORS,
        DYNAST_OPERATORS,
        minimize_vectorised,
    )
    from nas_utils.spaces import get_space

    space = get_space("nb201")

    def fn(X: np.ndarray) -> np.ndarray:
        return np.c_[X.sum(1), -X.sum(1) + 0.01 * X[:, 0]]

    def distinct(ops) -> int:
        X, _ = minimize_vectorised(space, fn, pop_size=50, n_gen=100, seed=0, ops=ops)
        assert len(X) == 50
        return len(np.unique(X, axis=0))

    assert distinct(DYNAST_OPERATORS) == 50 and distinct(DEFAULT_OPERATORS) == 50
    assert distinct(replace(DYNAST_OPERATORS, eliminate_duplicates=False)) < 50  # the pre-fix no-op


def test_faithful_trains_on_distinct_rows_and_validates_distinct_populations(problem: SyntheticProblem,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """As DyNAS-T: predictors see each architecture once (first occurrence, in order), and every
    predicted population is P distinct vectors (repeats of earlier loops are still charged)."""
    from nas_utils.search import linas

    X = np.array([[1, 0], [2, 2], [1, 0], [0, 1], [2, 2]])
    assert linas.first_occurrences(X).tolist() == [0, 1, 3]

    fits: list[tuple[int, int]] = []  # (training rows, distinct training rows) per predictor fit

    class Spy(linas.AutoPredictor):
        def fit(self, X: np.ndarray, y: np.ndarray) -> linas.AutoPredictor:
            fits.append((len(X), len(np.unique(X, axis=0))))
            return super().fit(X, y)

    monkeypatch.setattr(linas, "AutoPredictor", Spy)
    params = {**_params("linas_faithful"), "population": 10}
    history = run_search("linas_faithful", problem, 60, seed=0, **params)
    assert fits and all(rows == distinct for rows, distinct in fits)
    assert history["repeat"].any() and fits[-1][0] < 50  # repeats were charged, not trained on twice
    predicted = history[history["iteration"] > 0]
    assert (predicted.groupby("iteration")["arch"].nunique() == 10).all()
    before = run_search("linas_faithful", problem, 60, seed=0, **params, inner_dedup=False, distinct_training=False)
    assert not before.equals(history)  # the ablation switches restore the pre-fix behaviour


def test_nsga2_generations_hold_distinct_architectures(problem: SyntheticProblem) -> None:
    """The nsga2 baseline's operators as DyNAS-T runs them: no generation proposes a vector twice."""
    from pymoo.core.evaluator import Evaluator as PymooEvaluator
    from pymoo.problems.static import StaticProblem

    from nas_utils.search.evolution import DEFAULT_OPERATORS, IntegerProblem, make_nsga2

    pymoo_problem = IntegerProblem(problem.space, 2)
    algorithm = make_nsga2(20, DEFAULT_OPERATORS)
    algorithm.setup(pymoo_problem, seed=0, verbose=False)
    for _ in range(10):
        pop = algorithm.ask()
        X = np.rint(pop.get("X")).astype(np.int64)
        assert len(np.unique(X, axis=0)) == len(X)
        F = problem.evaluate(X)
        PymooEvaluator().eval(StaticProblem(pymoo_problem, F=np.c_[-F[:, 0], F[:, 1]]), pop)
        algorithm.tell(infills=pop)
