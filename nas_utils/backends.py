"""Evaluation backends: run a batch of real evaluations serially, on local processes, or on Ray.

Search tactics hand a whole batch of architectures to ``Evaluator.evaluate``.
:class:`BackendEvaluator` wraps any picklable evaluator and splits the *new* rows of a batch into
one chunk per worker; each worker holds its own copy of the wrapped evaluator (sent once) and
runs single-threaded. Results do not depend on the backend or worker count as long as the
wrapped evaluator is deterministic per architecture (super-network accuracy with a fixed
calibration set and a fitted latency predictor are; a live latency *measurement* is not).

=========  ======================================================================================
backend    engine
=========  ======================================================================================
serial     the calling process (default)
process    a ``concurrent.futures`` process pool (joblib's loky executor) on this machine
ray        Ray actors: ``address=None`` starts a local Ray on this machine; ``address="auto"``
           (on a cluster node) or ``"ray://<head>:10001"`` (Ray client) uses an existing cluster
=========  ======================================================================================

Independent *runs* (a search grid: tactic x cell x seed) go through the same backends with
:func:`map_runs` (:meth:`Backend.map_runs`): one whole run per task, single-threaded, results
in input order, so the grid's results do not depend on the backend.

The wrapper also keeps the bookkeeping a search comparison needs: a cache of computed rows
(shared by every run on the same evaluator) with the compute cost of each row, so a run is
*charged* the cost of each evaluation it requested even when another run computed it first.

>>> import numpy as np
>>> from nas_utils.backends import BackendEvaluator
>>> from nas_utils.search.synthetic import SyntheticProblem
>>> inner = SyntheticProblem()
>>> ev = BackendEvaluator(inner, backend="serial")
>>> X = inner.space.sample(np.random.default_rng(0), 4)
>>> bool(np.allclose(ev.evaluate(X), inner.evaluate(X)))
True
"""

from __future__ import annotations

import importlib.util
import os
import pickle
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np

from nas_utils.errors import ConfigError, HwnasError
from nas_utils.evaluators import Evaluator
from nas_utils.metrics import HypervolumeScorer
from nas_utils.parallel import parallel_map, single_threaded
from nas_utils.progress import bar
from nas_utils.registry import Registry

# --- worker side ------------------------------------------------------------------------------

_WORKER_EVALUATOR: Evaluator | None = None


def _dumps(evaluator: Evaluator) -> bytes:
    """Serialise the evaluator with cloudpickle (lambdas in latency proxies included)."""
    import cloudpickle  # a dependency of joblib's loky and of Ray

    return bytes(cloudpickle.dumps(evaluator))


def _init_worker(payload: bytes) -> None:
    global _WORKER_EVALUATOR
    import torch

    torch.set_num_threads(1)  # a fresh worker process for good: nothing to restore
    _WORKER_EVALUATOR = pickle.loads(payload)


def _evaluate_rows(evaluator: Evaluator, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Objectives of each row and the seconds each one took (rows evaluated one by one)."""
    F = np.empty((len(X), len(evaluator.objectives)))
    cost = np.empty(len(X))
    for i, x in enumerate(X):
        start = time.perf_counter()
        F[i] = evaluator.evaluate(x[None])[0]
        cost[i] = time.perf_counter() - start
    return F, cost


def _ping(seconds: float) -> int:
    import os

    time.sleep(seconds)
    return os.getpid()


def _worker_chunk(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    assert _WORKER_EVALUATOR is not None, "worker not initialised"
    return _evaluate_rows(_WORKER_EVALUATOR, X)


# --- backends ---------------------------------------------------------------------------------


class Backend(ABC):
    """Evaluates chunks of architectures with copies of one evaluator."""

    workers: int = 1

    @abstractmethod
    def start(self, evaluator: Evaluator) -> None: ...

    @abstractmethod
    def map(self, chunks: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]: ...

    def close(self) -> None:
        """Release workers (idempotent)."""

    def map_runs(self, fn: Callable[[Any], Any], items: list[Any], desc: str | None = None) -> list[Any]:
        """``[fn(x) for x in items]``, each call single-threaded (here: in this process, in order)."""
        return parallel_map(fn, items, workers=1, desc=desc)


BACKENDS: Registry[Callable[..., Backend]] = Registry("evaluation backend")


@BACKENDS.register("serial")
class SerialBackend(Backend):
    def __init__(self, workers: int = 1, **_: Any) -> None:
        self.workers = 1
        self._evaluator: Evaluator | None = None

    def start(self, evaluator: Evaluator) -> None:
        self._evaluator = evaluator

    def map(self, chunks: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        from nas_utils.runtime import torch_threads

        assert self._evaluator is not None
        with torch_threads(1):  # single-threaded like every worker, so 1 vs n workers compares alike
            return [_evaluate_rows(self._evaluator, c) for c in chunks]


@BACKENDS.register("process")
class ProcessBackend(Backend):
    """Local worker processes (fresh interpreters: safe with torch's thread pools)."""

    def __init__(self, workers: int = 2, **_: Any) -> None:
        self.workers = workers
        self._pool: Any = None

    def start(self, evaluator: Evaluator) -> None:
        # loky's executor (shipped with joblib): a concurrent.futures pool with fresh interpreter
        # workers that, unlike multiprocessing's "spawn", does not re-run the caller's script.
        from joblib.externals.loky.process_executor import ProcessPoolExecutor

        self.close()
        self._pool = ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=(_dumps(evaluator),))
        # Start every worker now (interpreter + torch import + evaluator copy), so that timings
        # of later batches measure evaluation, not start-up.
        pids = set()
        while len(pids) < self.workers:
            pids |= set(self._pool.map(_ping, [0.05] * 2 * self.workers))

    def map(self, chunks: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        return list(self._pool.map(_worker_chunk, chunks))

    def map_runs(self, fn: Callable[[Any], Any], items: list[Any], desc: str | None = None) -> list[Any]:
        """One call per task on ``workers`` local processes (joblib's loky, as :func:`parallel_map`)."""
        return parallel_map(fn, items, workers=self.workers, desc=desc)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


@BACKENDS.register("ray")
class RayBackend(Backend):
    """Ray actors, one per worker, each holding a copy of the evaluator.

    Args:
        workers: number of actors (1 CPU each).
        address: ``None`` starts a local Ray instance with ``workers`` CPUs; ``"auto"`` joins
            the cluster this node belongs to; ``"ray://<head>:10001"`` connects a Ray client.
    """

    def __init__(self, workers: int = 2, address: str | None = None, **_: Any) -> None:
        if importlib.util.find_spec("ray") is None:
            raise HwnasError("the ray backend needs Ray: pip install 'ray>=2.9' (or use backend 'process')")
        self.workers, self.address = workers, address
        self._actors: list[Any] = []
        self._started_ray = False

    def _init_ray(self) -> None:
        import ray

        if not ray.is_initialized():
            kw: dict[str, Any] = {"address": self.address} if self.address else {"num_cpus": self.workers}
            if "OPENBLAS_CORETYPE" in os.environ:  # workers load numpy before our code: pin their kernels too
                kw["runtime_env"] = {"env_vars": {"OPENBLAS_CORETYPE": os.environ["OPENBLAS_CORETYPE"]}}
            try:
                ray.init(include_dashboard=False, log_to_driver=False, logging_level="ERROR", **kw)
            except Exception as exc:  # Ray raises bare Exceptions (e.g. node start-up timeout)
                ray.shutdown()
                where = self.address or "a local Ray instance"
                raise HwnasError(f"the ray backend could not start {where}: {str(exc).splitlines()[0]}") from None
            self._started_ray = True

    def start(self, evaluator: Evaluator) -> None:
        import ray

        self._init_ray()
        actor = ray.remote(num_cpus=1)(_RayWorker)
        payload = ray.put(_dumps(evaluator))
        self._actors = [actor.remote(payload) for _ in range(self.workers)]

    def map(self, chunks: list[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        import ray

        refs = [self._actors[i % len(self._actors)].run.remote(c) for i, c in enumerate(chunks)]
        return list(ray.get(refs))

    def map_runs(self, fn: Callable[[Any], Any], items: list[Any], desc: str | None = None) -> list[Any]:
        """One Ray task (1 CPU, single-threaded) per item; results in input order."""
        import ray

        self._init_ray()
        task = ray.remote(num_cpus=1)(single_threaded)
        refs = [task.remote(fn, x) for x in items]
        pending = list(refs)
        with bar(total=len(refs), desc=desc, disable=desc is None) as progress:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                progress.update(len(done))
        return list(ray.get(refs))

    def close(self) -> None:
        import ray

        for a in self._actors:
            ray.kill(a)
        self._actors = []
        if self._started_ray and ray.is_initialized():
            ray.shutdown()
            self._started_ray = False


class _RayWorker:
    def __init__(self, payload: bytes) -> None:
        _init_worker(payload)

    def run(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _worker_chunk(X)


def make_backend(name: str, workers: int = 1, **kwargs: Any) -> Backend:
    """Build registered backend ``name`` (unknown names list the valid ones)."""
    if workers < 1:
        raise ConfigError(f"workers={workers} is out of range; valid: [1, inf]")
    return BACKENDS.get(name)(workers=workers, **kwargs)


def map_runs(fn: Callable[[Any], Any], items: list[Any], backend: str = "serial", workers: int = 1,
             desc: str | None = None, **backend_kw: Any) -> list[Any]:
    """Independent runs ``[fn(x) for x in items]`` on backend ``name`` (``fn`` and items picklable).

    >>> map_runs(abs, [-1, -2, 3], backend="serial")
    [1, 2, 3]
    """
    runner = make_backend(backend, workers, **backend_kw)
    try:
        return runner.map_runs(fn, list(items), desc)
    finally:
        runner.close()


# --- the evaluator wrapper ---------------------------------------------------------------------


class BackendEvaluator(Evaluator):
    """Evaluate batches through a backend; cache rows; account evaluation time.

    Attributes:
        wall_eval_s: wall time spent inside :meth:`evaluate` (waiting for workers included).
        charged_eval_s: sum of the compute cost of every row returned (cached rows are charged
            the cost they had when first computed), i.e. the evaluation time a run would have
            spent on its own.
        n_computed: rows actually computed (cache misses).
    """

    def __init__(self, inner: Evaluator, backend: str | Backend = "serial", workers: int = 1, **backend_kw: Any) -> None:
        super().__init__(inner.space, inner.objectives)
        self.inner = inner
        self.backend = make_backend(backend, workers, **backend_kw) if isinstance(backend, str) else backend
        self.backend.start(inner)
        self._cache: dict[bytes, tuple[np.ndarray, float]] = {}
        self.wall_eval_s = self.charged_eval_s = 0.0
        self.n_computed = 0

    def reset_accounting(self) -> None:
        """Zero the time counters (call at the start of each search run); the cache is kept."""
        self.wall_eval_s = self.charged_eval_s = 0.0

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        start = time.perf_counter()
        keys = self.space.keys(X)
        todo = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if todo:
            first = {k: i for i, k in reversed(list(enumerate(keys)))}
            rows = X[[first[k] for k in todo]]
            chunks = [c for c in np.array_split(rows, min(self.backend.workers, len(rows))) if len(c)]
            results = self.backend.map(chunks)
            F_new = np.vstack([f for f, _ in results])
            cost = np.concatenate([c for _, c in results])
            for k, f, c in zip(todo, F_new, cost):
                self._cache[k] = (f, float(c))
            self.n_computed += len(todo)
        out = np.array([self._cache[k][0] for k in keys])
        self.charged_eval_s += sum(self._cache[k][1] for k in keys)
        self.wall_eval_s += time.perf_counter() - start
        return out

    def scorer(self) -> HypervolumeScorer | None:
        return self.inner.scorer()

    def close(self) -> None:
        self.backend.close()

    @property
    def name(self) -> str:
        return self.inner.name
