"""Search tactics on super-networks: an :class:`Evaluator` answering (accuracy, latency proxy).

``SuperNetEvaluator(net, loader, latency="macs")`` gives every tactic of
:mod:`nas_utils.search` the objectives ``(accuracy %, latency)`` of integer architecture
matrices: accuracy from the shared weights (BN re-calibrated per sub-network), the second
objective from a *latency model*. Results are cached per canonical architecture, in memory and,
with ``cache=`` (a path or an :class:`~nas_utils.supernets.cache.EvalCache`), on disk keyed by
weights, evaluation settings and architecture, so repeats across runs, seeds and reruns cost
nothing. Accuracy is computed by the batched
:class:`~nas_utils.supernets.evaluation.SubnetScorer` when the loader holds tensors
(``TensorLoader``), else by :meth:`SuperNet.evaluate`.

Latency hook: anything with an ``objective`` (:class:`~nas_utils.metrics.Objective`) and
``__call__(net, config) -> float`` is a :class:`LatencyModel`; a measured-latency or
predicted-latency model (issue 5) plugs in the same way. Built-in proxies (registry
``LATENCY_PROXIES``): ``macs`` (millions of MACs per sample) and ``params`` (thousands).

>>> import numpy as np
>>> from nas_utils.data import load_dataset, TensorLoader
>>> from nas_utils.supernets import build_supernet, SuperNetEvaluator
>>> d = load_dataset("digits")
>>> ev = SuperNetEvaluator(build_supernet("mbv3_2d"), TensorLoader(d.x_val, d.y_val, 256), calib=d.x_train[:256])
>>> F = ev.evaluate(ev.space.sample(np.random.default_rng(0), 2))   # doctest: +SKIP
>>> [o.name for o in ev.objectives]
['accuracy', 'macs']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from nas_utils.evaluators import ACCURACY, Evaluator
from nas_utils.metrics import HypervolumeScorer, Objective
from nas_utils.registry import Registry
from nas_utils.supernets.base import SuperNet
from nas_utils.supernets.cache import CachedScorer, EvalCache
from nas_utils.supernets.evaluation import SubnetScorer


@runtime_checkable
class LatencyModel(Protocol):
    """Second objective of a sub-network: a measured latency, a predictor or a proxy."""

    objective: Objective

    def __call__(self, net: SuperNet, config: dict[str, Any]) -> float: ...


@dataclass(frozen=True)
class CountProxy:
    """A latency proxy computed from the super-network's analytic counts."""

    objective: Objective
    count: Callable[[SuperNet, dict[str, Any]], float]

    def __call__(self, net: SuperNet, config: dict[str, Any]) -> float:
        return float(self.count(net, config))


LATENCY_PROXIES: Registry[LatencyModel] = Registry("latency proxy")
LATENCY_PROXIES.add("macs", CountProxy(Objective("macs", minimize=True, unit="MMAC"), lambda n, c: n.count_macs(c) / 1e6))
LATENCY_PROXIES.add("params", CountProxy(Objective("params", minimize=True, unit="k"), lambda n, c: n.count_params(c) / 1e3))


class SuperNetEvaluator(Evaluator):
    """Objectives ``(accuracy %, latency)`` of sub-networks of a trained super-network.

    Args:
        net: the super-network (its weights are read, never changed).
        loader: validation batches ``(x, y)`` (e.g. :class:`~nas_utils.data.TensorLoader`).
        latency: a registered proxy name or any :class:`LatencyModel`.
        calib: inputs for BN re-calibration (default: ``net.calib_x``).
        bounds: optional ``(2, n_obj)`` natural-unit points whose min/max define the
            hypervolume normalisation of :meth:`scorer`.
        cache: on-disk evaluation cache (path or :class:`EvalCache`; ``None`` = memory only).
    """

    def __init__(self, net: SuperNet, loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
                 latency: str | LatencyModel = "macs", calib: torch.Tensor | None = None,
                 bounds: np.ndarray | None = None, cache: str | Path | EvalCache | None = None) -> None:
        self.latency: LatencyModel = LATENCY_PROXIES.get(latency) if isinstance(latency, str) else latency
        super().__init__(net.space, (ACCURACY, self.latency.objective))
        self.net, self.loader, self.calib, self.bounds = net, loader, calib, bounds
        self.disk_cache = EvalCache(cache) if isinstance(cache, (str, Path)) else cache
        self._cache: dict[bytes, np.ndarray] = {}
        self._scorer: CachedScorer | None = None
        self.n_computed = 0

    def _cached_scorer(self) -> CachedScorer | None:
        """The batched, disk-cached scorer (``None`` when the loader does not hold tensors)."""
        x, y = getattr(self.loader, "x", None), getattr(self.loader, "y", None)
        calib = self.calib if self.calib is not None else self.net.calib_x
        if x is None or y is None or calib is None:
            return None
        if self._scorer is None:
            self._scorer = CachedScorer(SubnetScorer(self.net, x, y, calib), self.disk_cache)
        return self._scorer

    def _accuracy(self, X: np.ndarray) -> np.ndarray:
        scorer = self._cached_scorer()
        if scorer is None:
            return np.array([self.net.evaluate(self.net.config_of(a), self.loader, self.calib) for a in X])
        return scorer.accuracy(X)

    def sharing_order(self, X: np.ndarray) -> np.ndarray:
        """Rows of ``X`` in the order that shares most work within one batch (sub-networks with
        equal leading steps adjacent, :meth:`SubnetScorer.order`); split batches along it."""
        scorer = self._cached_scorer()
        if scorer is None:
            return np.arange(len(X))
        return np.asarray(scorer.scorer.order(self.space.validate(X)), dtype=np.int64)

    def n_missing(self, X: np.ndarray) -> int:
        """Distinct networks among the rows of ``X`` that the on-disk cache does not hold (each will
        cost a fresh evaluation); without a disk cache, every distinct network."""
        archs = list(dict.fromkeys(self.space.to_strings(self.space.canonicalize(self.space.validate(X)))))
        scorer = self._cached_scorer()
        if scorer is None or scorer.cache is None:
            return len(archs)
        return len(archs) - len(scorer.cache.get_many(scorer.weights, scorer.settings, archs))

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        keys = self.space.keys(X)
        first: dict[bytes, int] = {}
        for i, key in enumerate(keys):
            if key not in self._cache and key not in first:
                first[key] = i
        if first:
            rows = list(first.values())
            for i, acc in zip(rows, self._accuracy(X[rows])):
                self._cache[keys[i]] = np.array([acc, self.latency(self.net, self.net.config_of(X[i]))])
            self.n_computed += len(rows)
        return np.stack([self._cache[key] for key in keys]) if keys else np.empty((0, 2))

    def clear_cache(self) -> None:
        """Forget in-memory results (call after the super-network's weights change; the disk
        cache is keyed by the weights, so it stays valid)."""
        self._cache.clear()
        self._scorer = None

    def scorer(self) -> HypervolumeScorer | None:
        if self.bounds is None:
            return None
        return HypervolumeScorer(self.objectives, np.asarray(self.bounds, dtype=np.float64))

    @property
    def name(self) -> str:
        return f"supernet/{self.net.name}/{self.latency.objective.name}"
