"""A reference front that does not depend on any search run.

:func:`spread_sample` draws a fixed set of sub-networks spread evenly over MACs (equal-width
bins of log-MACs over a large uniform pool, the same number per bin, plus the smallest and the
largest network), so the cheap and the expensive ends of the trade-off are as well covered as
the crowded middle. :func:`reference_front` evaluates that set - plus anything a run evaluated -
through a cached scorer (:class:`~nas_utils.supernets.cache.CachedScorer`, keyed by the
checkpoint's weights), and returns every point with its non-dominated flag. A second call with
an unchanged checkpoint costs only cache look-ups.

>>> import numpy as np
>>> from nas_utils.supernets import build_supernet
>>> net = build_supernet("resnet_1d")
>>> X = spread_sample(net, 40, seed=0)
>>> len(X), len(set(net.space.keys(X)))
(40, 40)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nas_utils.evaluators import ACCURACY
from nas_utils.metrics import Objective, nondominated_rank, to_minimization
from nas_utils.spaces import IntMatrix, SearchSpace
from nas_utils.supernets.base import SuperNet
from nas_utils.supernets.cache import CachedScorer


MACS = Objective("macs", minimize=True, unit="MMAC")


def unique_sample(space: SearchSpace, rng: np.random.Generator, n: int) -> IntMatrix:
    """``n`` distinct canonical networks (all of them if the space has fewer)."""
    if space.size <= 200_000:
        X = space.canonicalize(space.enumerate())
        _, first = np.unique(np.array(space.keys(X)), return_index=True)
        X = X[np.sort(first)]
        return X[np.sort(rng.choice(len(X), size=min(n, len(X)), replace=False))]
    return space.canonicalize(space.sample_unique(rng, n))


def macs_of(net: SuperNet, X: np.ndarray) -> np.ndarray:
    """Millions of MACs per sample of every row of ``X``."""
    return np.array([net.count_macs(x) for x in X], dtype=np.float64) / 1e6


def spread_sample(net: SuperNet, n: int, seed: int, bins: int = 20, pool_factor: int = 8) -> IntMatrix:
    """``n`` distinct canonical sub-networks spread evenly over log-MACs (deterministic in ``seed``).

    Args:
        net: the super-network whose space is sampled.
        n: set size (the smallest and largest networks are always included).
        seed: sampling seed.
        bins: equal-width log-MAC bins; each contributes up to ``n / bins`` networks, and the
            remainder is filled uniformly from the rest of the pool.
        pool_factor: the uniform pool holds ``pool_factor * n`` networks.
    """
    space, rng = net.space, np.random.default_rng([seed, 7])
    ends = space.canonicalize(np.stack([np.zeros(space.n_var, dtype=np.int64), space.upper]))
    pool = unique_sample(space, rng, pool_factor * n)
    end_keys = set(space.keys(ends))
    pool = pool[[k not in end_keys for k in space.keys(pool)]]
    if len(pool) + len(ends) <= n:
        return np.vstack([ends, pool])
    logm = np.log(macs_of(net, pool))
    edges = np.linspace(logm.min(), logm.max(), bins + 1)
    which = np.clip(np.digitize(logm, edges[1:-1]), 0, bins - 1)
    per_bin, chosen = max(1, (n - len(ends)) // bins), []
    for b in range(bins):
        members = np.flatnonzero(which == b)
        chosen.extend(rng.permutation(members)[:per_bin].tolist())
    rest = np.setdiff1d(np.arange(len(pool)), chosen)
    chosen.extend(rng.permutation(rest)[: max(0, n - len(ends) - len(chosen))].tolist())
    picked = pool[np.sort(np.array(chosen[: n - len(ends)], dtype=np.int64))]
    return np.vstack([ends, picked])


def reference_front(net: SuperNet, scorer: CachedScorer, X: np.ndarray,
                    extra: Sequence[np.ndarray] = ()) -> pd.DataFrame:
    """Accuracy and MACs of the fixed set ``X`` plus every ``extra`` matrix (e.g. all that runs
    evaluated), de-duplicated, with each point's non-dominated flag ``on_front``."""
    space = net.space
    parts = [np.atleast_2d(X), *(np.atleast_2d(e) for e in extra if len(e))]
    allX = space.canonicalize(space.validate(np.vstack(parts)))
    _, first = np.unique(np.array(space.keys(allX)), return_index=True)
    allX = allX[np.sort(first)]
    acc, macs = scorer.accuracy(allX), macs_of(net, allX)
    rank = nondominated_rank(to_minimization(np.column_stack([acc, macs]), (ACCURACY, MACS)))
    return pd.DataFrame({"arch": space.to_strings(allX), "accuracy": acc, "macs": macs, "on_front": rank == 0,
                         "in_fixed_set": np.arange(len(allX)) < len(np.unique(np.array(space.keys(parts[0]))))})
