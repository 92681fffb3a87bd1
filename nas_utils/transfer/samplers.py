"""Few-shot sample selection: which k architectures to measure on the new device.

A sampler maps ``(features, k, rng)`` to k distinct row indices. ``features`` is the
architecture encoding (one-hot, optionally with the supplementary FLOPs/params columns);
``flops_bucket`` reads the FLOPs column passed as ``cost``. All randomness comes from ``rng``
(scikit-learn's KMeans receives a seed drawn from it), so a seed fixes the selection.

=============  ================================================================================
random         k uniformly random architectures
kmeans         KMeans(k) on the encoding; one random member per cluster (NASFLAT)
kmeans_cosine  NASFLAT's default: half from KMeans(k//2), half from k - k//2 buckets of the mean
               cosine similarity to all architectures; duplicates replaced (NASFLAT keeps them)
flops_bucket   sort by FLOPs, k equal buckets, one random member per bucket
regression     the FLOPs extremes (fastest and slowest by FLOPs) plus the member nearest to each
               centre of KMeans(k - 2); the study runs it in the regression's feature space
               (standardised source log-latencies + operation features; no target data)
=============  ================================================================================

>>> import numpy as np
>>> from nas_utils.transfer.samplers import select
>>> F = np.random.default_rng(0).random((100, 5))
>>> a = select("kmeans_cosine", F, 6, np.random.default_rng(1)); len(set(a.tolist()))
6
>>> bool((a == select("kmeans_cosine", F, 6, np.random.default_rng(1))).all())
True
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.cluster import KMeans

from nas_utils.errors import ConfigError
from nas_utils.registry import Registry

Sampler = Callable[[np.ndarray, int, np.random.Generator, np.ndarray | None], np.ndarray]
SAMPLERS: Registry[Sampler] = Registry("sampler")


def _one_per_group(labels: np.ndarray, n_groups: int, rng: np.random.Generator) -> np.ndarray:
    """One uniformly random member of each non-empty group (ordered by group label)."""
    order = rng.permutation(len(labels))
    _, first = np.unique(np.asarray(labels)[order], return_index=True)  # first hit in a random order
    return order[first].astype(np.int64)


def _buckets(score: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    labels = np.empty(len(score), dtype=np.int64)
    labels[np.argsort(score, kind="stable")] = np.arange(len(score)) * k // len(score)
    return _one_per_group(labels, k, rng)


def _kmeans(F: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    km = KMeans(n_clusters=k, n_init=1, random_state=int(rng.integers(2**31 - 1)), max_iter=100)
    return _one_per_group(km.fit_predict(F), k, rng)


@SAMPLERS.register("random")
def random(F: np.ndarray, k: int, rng: np.random.Generator, cost: np.ndarray | None = None) -> np.ndarray:
    return rng.choice(len(F), size=k, replace=False).astype(np.int64)


@SAMPLERS.register("kmeans")
def kmeans(F: np.ndarray, k: int, rng: np.random.Generator, cost: np.ndarray | None = None) -> np.ndarray:
    return _kmeans(F, k, rng)


@SAMPLERS.register("kmeans_cosine")
def kmeans_cosine(F: np.ndarray, k: int, rng: np.random.Generator, cost: np.ndarray | None = None) -> np.ndarray:
    half = k // 2
    picked = _kmeans(F, half, rng) if half else np.empty(0, dtype=np.int64)
    unit = F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), 1e-12)
    mean_cos = unit @ unit.mean(axis=0)  # mean cosine similarity to every architecture, O(n d)
    picked = np.concatenate([picked, _buckets(mean_cos, k - half, rng)])
    return _fill_unique(picked, len(F), k, rng)


@SAMPLERS.register("flops_bucket")
def flops_bucket(F: np.ndarray, k: int, rng: np.random.Generator, cost: np.ndarray | None = None) -> np.ndarray:
    if cost is None:
        raise ConfigError("sampler 'flops_bucket' needs the FLOPs of every architecture (cost=...)")
    return _buckets(np.asarray(cost, dtype=np.float64), k, rng)


@SAMPLERS.register("regression")
def regression(F: np.ndarray, k: int, rng: np.random.Generator, cost: np.ndarray | None = None) -> np.ndarray:
    if cost is None:
        raise ConfigError("sampler 'regression' needs the FLOPs of every architecture (cost=...)")
    extremes = np.array([np.argmin(cost), np.argmax(cost)], dtype=np.int64)[:k]
    if k <= 2:
        return extremes
    km = KMeans(n_clusters=k - 2, n_init=1, random_state=int(rng.integers(2**31 - 1)), max_iter=100).fit(F)
    dist = ((F[:, None, :] - km.cluster_centers_[None]) ** 2).sum(axis=2) if len(F) * (k - 2) < 4e6 else None
    if dist is None:
        nearest = np.array([np.argmin(((F - c) ** 2).sum(axis=1)) for c in km.cluster_centers_])
    else:
        nearest = dist.argmin(axis=0)
    return np.concatenate([extremes, nearest.astype(np.int64)])


#: samplers that work in the regression's feature space rather than the one-hot encoding
REGRESSION_SPACE = frozenset({"regression"})


def _fill_unique(picked: np.ndarray, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """De-duplicate ``picked`` (keeping order) and top up with random unused rows to ``k``."""
    _, first = np.unique(picked, return_index=True)
    picked = picked[np.sort(first)]
    if len(picked) < k:
        rest = np.setdiff1d(np.arange(n), picked)
        picked = np.concatenate([picked, rng.choice(rest, size=k - len(picked), replace=False)])
    return picked


def select(name: str, F: np.ndarray, k: int, rng: np.random.Generator, cost: np.ndarray | None = None) -> np.ndarray:
    """k distinct row indices of ``F`` chosen by sampler ``name``.

    Raises:
        UnknownNameError: unknown sampler (lists the valid ones).
        ConfigError: ``k`` outside ``1..len(F)``.
    """
    sampler = SAMPLERS.get(name)
    if not 1 <= k <= len(F):
        raise ConfigError(f"k={k} is out of range; valid: [1, {len(F)}] (architectures in the space)")
    out = _fill_unique(np.asarray(sampler(np.asarray(F, dtype=np.float64), k, rng, cost), dtype=np.int64), len(F), k, rng)
    return out[:k]
