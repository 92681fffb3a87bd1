"""The search-tactic interface and the bookkeeping every tactic shares.

A tactic is a class with hyper-parameters in its constructor and one method,
``run(evaluator, budget, seed) -> pd.DataFrame``: the ordered history of real evaluations.
Tactics never call the evaluator directly; they go through a :class:`SearchSession`, which

* evaluates only architectures it has not seen (a re-proposed architecture is answered from
  the session's cache at no cost, as a results table would answer it),
* stops exactly at the budget,
* records per-evaluation bookkeeping (iteration, source, ...) for the history.

Each tactic owns its RNG (``np.random.default_rng(seed)``); nothing touches global RNG state,
so the same seed gives the same history in any process.

>>> import numpy as np
>>> from nas_utils.search import run_search
>>> from nas_utils.search.synthetic import SyntheticProblem
>>> history = run_search("random", SyntheticProblem(), budget=20, seed=0)
>>> len(history), history["arch"].is_unique
(20, True)
"""

from __future__ import annotations

import inspect
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.evaluators import Evaluator
from nas_utils.registry import Registry


class BudgetExhausted(Exception):
    """Raised inside a tactic's search loop when the session has no evaluations left."""


class SearchSession:
    """Budget, de-duplication, cache and history for one search run."""

    def __init__(self, evaluator: Evaluator, budget: int) -> None:
        space = evaluator.space
        if budget < 1:
            raise ConfigError(f"budget={budget} is out of range; valid: [1, {space.size}]")
        if budget > space.size:
            raise ConfigError(f"budget={budget} exceeds the {space.size} architectures of {space.name}")
        self.evaluator = evaluator
        self.space = space
        self.budget = budget
        self._index: dict[bytes, int] = {}
        self._X: list[np.ndarray] = []
        self._F: list[np.ndarray] = []
        self._info: list[dict[str, Any]] = []

    # --- state -------------------------------------------------------------------------------
    @property
    def n_evaluated(self) -> int:
        return len(self._X)

    @property
    def remaining(self) -> int:
        return self.budget - self.n_evaluated

    @property
    def done(self) -> bool:
        return self.remaining <= 0

    @property
    def X(self) -> np.ndarray:
        """(n, n_var) architectures evaluated so far, in order."""
        return np.array(self._X, dtype=np.int64).reshape(-1, self.space.n_var)

    @property
    def F(self) -> np.ndarray:
        """(n, n_obj) their objectives, natural units."""
        return np.array(self._F, dtype=np.float64).reshape(-1, len(self.evaluator.objectives))

    @property
    def seen(self) -> set[bytes]:
        return set(self._index)

    def is_new(self, X: np.ndarray) -> np.ndarray:
        return np.array([k not in self._index for k in self.space.keys(X)], dtype=bool)

    # --- evaluation --------------------------------------------------------------------------
    def evaluate(self, X: np.ndarray, **info: Any) -> np.ndarray:
        """Objectives of every row of ``X``: new rows are evaluated (and counted), known ones cached.

        Rows beyond the remaining budget are not evaluated; if any row of ``X`` could not be
        answered, :class:`BudgetExhausted` is raised after recording what was evaluated.
        ``info`` values (scalars, or sequences aligned with ``X``) are stored with each new row.
        """
        X = self.space.validate(X)
        keys = self.space.keys(X)
        new_rows: list[int] = []
        pending: set[bytes] = set()
        for i, k in enumerate(keys):
            if k not in self._index and k not in pending:
                pending.add(k)
                new_rows.append(i)
        allowed = new_rows[: max(self.remaining, 0)]
        if allowed:
            F_new = self.evaluator.evaluate(X[allowed])
            for j, (i, f) in enumerate(zip(allowed, F_new)):
                self._index[keys[i]] = len(self._X)
                self._X.append(X[i])
                self._F.append(f)
                self._info.append({k: (v[i] if _is_per_row(v, len(X)) else v) for k, v in info.items()})
        if len(allowed) < len(new_rows):
            raise BudgetExhausted
        return np.array([self._F[self._index[k]] for k in keys])

    def sample_new(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` uniformly random architectures not evaluated yet (fewer if the budget is smaller).

        Raises:
            BudgetExhausted: when no evaluation is left (nothing could be evaluated anyway).
        """
        if self.done:
            raise BudgetExhausted
        return self.space.sample_unique(rng, min(n, self.remaining), exclude=self.seen)

    # --- result ------------------------------------------------------------------------------
    def history(self, tactic: str, seed: int) -> pd.DataFrame:
        """The ordered evaluation history as a DataFrame (one row per real evaluation)."""
        X, F = self.X, self.F
        df = pd.DataFrame({"eval": np.arange(1, len(X) + 1), "arch": self.space.to_strings(X) if len(X) else []})
        for obj, col in zip(self.evaluator.objectives, F.T if len(F) else [[]] * len(self.evaluator.objectives)):
            df[obj.name] = col
        info = pd.DataFrame(self._info)
        for col in info.columns:
            df[col] = info[col].to_numpy()
        for j in range(self.space.n_var):
            df[f"x{j}"] = X[:, j] if len(X) else []
        df.insert(0, "seed", seed)
        df.insert(0, "tactic", tactic)
        return df


def _is_per_row(value: Any, n: int) -> bool:
    return isinstance(value, (list, tuple, np.ndarray)) and len(value) == n


class Tactic(ABC):
    """A search strategy. Subclasses implement :meth:`search`; ``run`` is the public entry."""

    name: str = "tactic"

    def run(self, evaluator: Evaluator, budget: int, seed: int) -> pd.DataFrame:
        """Search with at most ``budget`` real evaluations; return the ordered history."""
        session = SearchSession(evaluator, budget)
        rng = np.random.default_rng(seed)
        try:
            self.search(session, rng)
        except BudgetExhausted:
            pass
        if not session.done:
            raise RuntimeError(f"{self.name} stopped after {session.n_evaluated} of {budget} evaluations")
        return session.history(self.name, seed)

    @abstractmethod
    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        """Spend the session's budget. May return early only by raising BudgetExhausted."""


TACTICS: Registry[Callable[..., Tactic]] = Registry("tactic")


def make_tactic(name: str, **params: Any) -> Tactic:
    """Build registered tactic ``name`` with hyper-parameters ``params``."""
    factory = TACTICS.get(name)
    target = factory.__init__ if isinstance(factory, type) else factory
    hints = typing.get_type_hints(target)
    valid = [p for p in inspect.signature(target).parameters if p != "self"]
    for key, value in params.items():
        if key not in valid:
            raise ConfigError(f"tactic {name!r} has no parameter {key!r}; valid: {', '.join(valid)}")
        if key in hints:
            params[key] = config.coerce(f"{name}.{key}", value, hints[key])
    return factory(**params)


def run_search(tactic: str | Tactic, evaluator: Evaluator, budget: int, seed: int, **params: Any) -> pd.DataFrame:
    """Run ``tactic`` (a name or an instance) on ``evaluator``; return the evaluation history."""
    t = make_tactic(tactic, **params) if isinstance(tactic, str) else tactic
    return t.run(evaluator, budget, seed)
