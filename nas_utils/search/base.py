"""The search-tactic interface and the bookkeeping every tactic shares.

A tactic is a class with hyper-parameters in its constructor and two ways to drive it:

* ``run(evaluator, budget, seed) -> pd.DataFrame``: the convenience wrapper, the ordered history
  of real evaluations;
* ask/tell, for an external loop (an on-device measurement script, a cluster job queue):
  ``setup(space, objectives, budget, seed)``, then repeatedly ``X = ask(n)`` and
  ``tell(X, F)``, and finally ``history()``. Both paths give the same history for the same seed
  (``tests/test_tactics.py`` checks every registered tactic).

Tactics never call the evaluator directly; they go through a :class:`SearchSession`, which

* evaluates only architectures it has not seen (a re-proposed architecture is answered from
  the session's cache at no cost, as a results table would answer it) - unless the session
  *charges repeats* (``charge_repeats=True``, DyNAS-T's accounting: every proposed row is
  validated and paid for, repeats included, and flagged ``repeat`` in the history),
* stops exactly at the budget,
* fails loudly instead of spinning: :data:`MAX_IDLE_PROPOSALS` consecutive ``evaluate`` calls
  that bring no new architecture raise :class:`SearchStalled` (a tactic whose proposals are all
  repeats would otherwise loop forever, since repeats cost nothing),
* records per-evaluation bookkeeping (iteration, source, ...) for the history.

Ask/tell inverts control without rewriting any tactic: the tactic's own ``search`` loop runs in a
worker thread against an :class:`ExternalEvaluator` whose ``evaluate`` hands the batch to
``ask`` and blocks until ``tell`` has answered every row. Exactly one of the two threads runs at
any time (a strict hand-off), so the tactic sees the same batches, in the same order, as under
``run``. ``run`` limits BLAS and torch to one thread (same seed, same history on any machine);
ask/tell leaves the caller's thread settings alone (they are process-wide, and the caller's own
evaluations run between the hand-offs): wrap the loop in :func:`nas_utils.parallel.one_thread`
for ``run``'s history.

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
import queue
import threading
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.evaluators import Evaluator
from nas_utils.metrics import Objective
from nas_utils.parallel import one_thread
from nas_utils.registry import Registry
from nas_utils.spaces import SearchSpace


class BudgetExhausted(Exception):
    """Raised inside a tactic's search loop when the session has no evaluations left."""


class SearchStalled(RuntimeError):
    """Raised when a tactic keeps proposing only architectures it has already evaluated."""


#: Consecutive ``SearchSession.evaluate`` calls without a new architecture before
#: :class:`SearchStalled` is raised (a tactic's own recovery, e.g. NSGA-II's immigrants, acts far
#: earlier; this is the safety net that turns a hang into an error).
MAX_IDLE_PROPOSALS = 1000


class SearchSession:
    """Budget, de-duplication (or charged repeats), cache and history for one search run.

    Args:
        evaluator: answers the objectives of new rows.
        budget: real evaluations allowed.
        charge_repeats: evaluate and charge every proposed row, repeats of earlier rows (and
            within a batch) included, as DyNAS-T does; default: repeats are answered free.
    """

    def __init__(self, evaluator: Evaluator, budget: int, charge_repeats: bool = False) -> None:
        space = evaluator.space
        if budget < 1:
            raise ConfigError(f"budget={budget} is out of range; valid: [1, {space.size}]")
        if budget > space.size:
            raise ConfigError(f"budget={budget} exceeds the {space.size} architectures of {space.name}")
        self.evaluator = evaluator
        self.space = space
        self.budget = budget
        self.charge_repeats = charge_repeats
        self._index: dict[bytes, int] = {}
        self._X: list[np.ndarray] = []
        self._F: list[np.ndarray] = []
        self._info: list[dict[str, Any]] = []
        self._idle = 0  # consecutive evaluate() calls that brought nothing new

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

        With ``charge_repeats`` every row is evaluated and counted, repeats included.

        Rows beyond the remaining budget are not evaluated; if any row of ``X`` could not be
        answered, :class:`BudgetExhausted` is raised after recording what was evaluated.
        ``info`` values (scalars, or sequences aligned with ``X``) are stored with each new row.
        """
        X = self.space.validate(X)
        keys = self.space.keys(X)
        wanted: list[int] = []  # rows that cost an evaluation
        pending: set[bytes] = set()
        for i, k in enumerate(keys):
            if self.charge_repeats or (k not in self._index and k not in pending):
                pending.add(k)
                wanted.append(i)
        allowed = wanted[: max(self.remaining, 0)]
        if allowed:
            F_new = self.evaluator.evaluate(X[allowed])
            for i, f in zip(allowed, F_new):
                row_info = {k: (v[i] if _is_per_row(v, len(X)) else v) for k, v in info.items()}
                if self.charge_repeats:
                    row_info["repeat"] = keys[i] in self._index
                self._index.setdefault(keys[i], len(self._X))
                self._X.append(X[i])
                self._F.append(f)
                self._info.append(row_info)
        if len(allowed) < len(wanted):
            raise BudgetExhausted
        self._idle = 0 if allowed else self._idle + 1
        if self._idle >= MAX_IDLE_PROPOSALS:
            raise SearchStalled(f"search stalled: {self._idle} consecutive proposals brought no new architecture "
                                f"({self.n_evaluated} of {self.budget} evaluations spent)")
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


class ExternalEvaluator(Evaluator):
    """An evaluator answered from outside: ``evaluate`` posts the batch and waits for the answer.

    Used by the ask/tell driver; the tactic's thread blocks in :meth:`_evaluate` until the
    asking thread has told the objectives of every row.
    """

    def __init__(self, space: SearchSpace, objectives: typing.Sequence[Objective]) -> None:
        super().__init__(space, objectives)
        self.requests: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.replies: queue.Queue[np.ndarray | None] = queue.Queue()

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        self.requests.put(("ask", X))
        F = self.replies.get()
        if F is None:  # the driver was closed: unwind the tactic's thread
            raise _Closed
        return F


class _Closed(Exception):
    """Raised inside a tactic's thread when its ask/tell driver is closed before the end."""


class AskTell:
    """Drives one tactic run from an external loop (see the module docstring).

    Args:
        tactic: the tactic; its ``search`` runs in a worker thread.
        space, objectives: what the caller's measurements answer.
        budget, seed, charge_repeats: as for :meth:`Tactic.run`.
    """

    def __init__(self, tactic: Tactic, space: SearchSpace, objectives: typing.Sequence[Objective],
                 budget: int, seed: int, charge_repeats: bool = False) -> None:
        self.tactic, self.seed = tactic, seed
        self._evaluator = ExternalEvaluator(space, objectives)
        self.session = SearchSession(self._evaluator, budget, charge_repeats)
        self._batch: np.ndarray | None = None  # the batch the tactic is waiting on
        self._answers: list[np.ndarray | None] = []
        self._handed = 0  # rows of the batch handed out by ask
        self._finished = False
        self._thread = threading.Thread(target=self._work, name=f"ask-tell-{tactic.name}", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            self.tactic._search_session(self.session, self.seed)
            self._evaluator.requests.put(("done", None))
        except _Closed:
            pass
        except BaseException as error:  # forwarded to the caller's next ask()
            self._evaluator.requests.put(("error", error))

    @property
    def done(self) -> bool:
        return self._finished

    def _next_batch(self) -> None:
        kind, payload = self._evaluator.requests.get()
        if kind == "ask":
            self._batch, self._answers, self._handed = payload, [None] * len(payload), 0
        elif kind == "done":
            self._batch, self._finished = None, True
            self._thread.join()
        else:
            self._finished = True
            raise payload

    def ask(self, n: int | None = None) -> np.ndarray:
        """Up to ``n`` (default: all) architectures the tactic wants evaluated next.

        Returns an empty ``(0, n_var)`` array when the run is over, or when every row of the
        current batch has been handed out but not all have been told yet.
        """
        if self._batch is None and not self._finished:
            self._next_batch()
        if self._batch is None:
            return np.empty((0, self.session.space.n_var), dtype=np.int64)
        stop = len(self._batch) if n is None else min(len(self._batch), self._handed + int(n))
        rows = self._batch[self._handed:stop]
        self._handed = stop
        return rows.copy()

    def tell(self, X: np.ndarray, F: np.ndarray) -> None:
        """Report the objectives ``F`` (natural units) of asked architectures ``X``.

        Raises:
            ValueError: a row of ``X`` was not asked for (or was told already).
        """
        if self._batch is None:
            raise ValueError("tell() without an outstanding ask()")
        X = self.session.space.validate(X)
        F = np.atleast_2d(np.asarray(F, dtype=np.float64))
        open_rows = {i for i, a in enumerate(self._answers[: self._handed]) if a is None}
        for x, f in zip(X, F):
            match = [i for i in sorted(open_rows) if np.array_equal(self._batch[i], x)]
            if not match:
                raise ValueError(f"tell(): architecture {x.tolist()} was not asked for (or was told already)")
            self._answers[match[0]] = f
            open_rows.discard(match[0])
        if all(a is not None for a in self._answers):
            self._batch = None
            self._evaluator.replies.put(np.array(self._answers))

    def history(self) -> pd.DataFrame:
        return self.session.history(self.tactic.name, self.seed)

    def close(self) -> None:
        """Abandon the run: release the tactic's thread."""
        if self._thread.is_alive():
            self._evaluator.replies.put(None)
            self._thread.join()
        self._finished = True


class Tactic(ABC):
    """A search strategy. Subclasses implement :meth:`search`; ``run`` and ask/tell drive it.

    ``charge_repeats`` is a session option (class attribute or constructor argument of a
    subclass): when true, re-proposed architectures are evaluated and charged again.
    """

    name: str = "tactic"
    charge_repeats: bool = False

    def run(self, evaluator: Evaluator, budget: int, seed: int) -> pd.DataFrame:
        """Search with at most ``budget`` real evaluations; return the ordered history.

        The run uses one BLAS/torch thread (:func:`nas_utils.parallel.one_thread`), as every run of the
        pipeline does: a GP's or an MLP's fit rounds differently on more threads, and a tactic that ranks
        candidates by it can then take another path, so the same seed would give another history.
        """
        session = SearchSession(evaluator, budget, self.charge_repeats)
        with one_thread():
            self._search_session(session, seed)
        return session.history(self.name, seed)

    def _search_session(self, session: SearchSession, seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            self.search(session, rng)
        except BudgetExhausted:
            pass
        if not session.done:
            raise RuntimeError(f"{self.name} stopped after {session.n_evaluated} of {session.budget} evaluations")

    # --- ask/tell ----------------------------------------------------------------------------
    def setup(self, space: SearchSpace, objectives: typing.Sequence[Objective], budget: int, seed: int) -> AskTell:
        """Start an ask/tell run (closing any previous one); also returned as a handle."""
        previous = getattr(self, "_asktell", None)
        if previous is not None:
            previous.close()
        self._asktell = AskTell(self, space, objectives, budget, seed, self.charge_repeats)
        return self._asktell

    def _driver(self) -> AskTell:
        driver = getattr(self, "_asktell", None)
        if driver is None:
            raise RuntimeError(f"{self.name}: call setup(space, objectives, budget, seed) before ask/tell")
        return driver

    def ask(self, n: int | None = None) -> np.ndarray:
        """Next architectures to evaluate (see :meth:`AskTell.ask`)."""
        return self._driver().ask(n)

    def tell(self, X: np.ndarray, F: np.ndarray) -> None:
        """Objectives of asked architectures (see :meth:`AskTell.tell`)."""
        self._driver().tell(X, F)

    def history(self) -> pd.DataFrame:
        """History of the current ask/tell run."""
        return self._driver().history()

    @property
    def done(self) -> bool:
        """Whether the current ask/tell run has spent its budget."""
        return self._driver().done

    @abstractmethod
    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        """Spend the session's budget. May return early only by raising BudgetExhausted."""


def run_ask_tell(tactic: Tactic, evaluator: Evaluator, budget: int, seed: int, n: int | None = None) -> pd.DataFrame:
    """``run`` through the ask/tell path: ask up to ``n`` rows, evaluate them, tell, repeat (one thread, as ``run``)."""
    with one_thread():
        tactic.setup(evaluator.space, evaluator.objectives, budget, seed)
        try:
            while True:
                X = tactic.ask(n)
                if not len(X):
                    if tactic.done:
                        break
                    raise RuntimeError("ask() returned nothing while the run is not done")
                tactic.tell(X, evaluator.evaluate(X))
            return tactic.history()
        finally:
            tactic._driver().close()


TACTICS: Registry[Callable[..., Tactic]] = Registry("tactic")


def _constructor(name: str) -> Any:
    """The callable whose signature holds registered tactic ``name``'s hyper-parameters."""
    factory = TACTICS.get(name)
    return factory.__init__ if isinstance(factory, type) else factory


def tactic_defaults(name: str) -> dict[str, Any]:
    """Registered tactic ``name``'s hyper-parameter defaults (its constructor's keyword defaults)."""
    return {key: p.default for key, p in inspect.signature(_constructor(name)).parameters.items()
            if p.default is not inspect.Parameter.empty}


def same_settings(name: str, a: dict[str, Any], b: dict[str, Any]) -> bool | None:
    """Whether settings ``a`` and ``b`` run registered tactic ``name`` alike: they agree on every key either
    names, a key one of them leaves out taking the tactic's default (so naming a default changes nothing, and
    ``profiles/paper.yaml``'s ``fit_maxiter: null`` is BO's default). ``None``: one side leaves out a key the
    tactic has no default for (unknown). Every record that says "this is what the stage runs" asks this."""
    defaults = tactic_defaults(name)
    x, y = {**defaults, **a}, {**defaults, **b}
    keys = set(a) | set(b)
    if any(k not in x or k not in y for k in keys):
        return None
    return all(x[k] == y[k] for k in keys)


def make_tactic(name: str, **params: Any) -> Tactic:
    """Build registered tactic ``name`` with hyper-parameters ``params``."""
    factory = TACTICS.get(name)
    target = _constructor(name)
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
