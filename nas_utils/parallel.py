"""Deterministic process-parallel map for independent experiment runs.

Each task runs in a worker with BLAS/torch limited to one thread, so ``workers`` processes use
``workers`` cores and results do not depend on the worker count (each task seeds itself).

>>> from nas_utils.parallel import parallel_map
>>> parallel_map(abs, [-1, -2, 3], workers=1)
[1, 2, 3]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from nas_utils.progress import bar
from nas_utils.runtime import torch_threads

T = TypeVar("T")


@contextmanager
def one_thread() -> Iterator[None]:
    """Torch and BLAS limited to one thread inside the block (restored after)."""
    from threadpoolctl import threadpool_limits

    with torch_threads(1), threadpool_limits(1):
        yield


def single_threaded(fn: Callable[[Any], T], item: Any) -> T:
    """``fn(item)`` with torch and BLAS limited to one thread (one task = one core)."""
    with one_thread():
        return fn(item)


def parallel_map(fn: Callable[[Any], T], items: Sequence[Any], workers: int = 1, desc: str | None = None) -> list[T]:
    """``[fn(x) for x in items]`` over ``workers`` processes (in order), with a progress bar (:mod:`nas_utils.progress`)."""
    if workers <= 1 or len(items) <= 1:
        return [single_threaded(fn, x) for x in bar(items, desc=desc, disable=desc is None)]
    from joblib import Parallel, delayed

    runner = Parallel(n_jobs=workers, backend="loky", return_as="generator")
    results = runner(delayed(single_threaded)(fn, x) for x in items)
    return list(bar(results, total=len(items), desc=desc, disable=desc is None))
