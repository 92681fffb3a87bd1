"""Search tactics on super-networks: an :class:`Evaluator` answering (accuracy, latency proxy).

``SuperNetEvaluator(net, loader, latency="macs")`` gives every tactic of
:mod:`nas_utils.search` the objectives ``(accuracy %, latency)`` of integer architecture
matrices: accuracy from the shared weights (BN re-calibrated per sub-network), the second
objective from a *latency model*. Results are cached per canonical architecture, because a
real evaluation costs a sub-network extraction and a validation pass.

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
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch

from nas_utils.evaluators import ACCURACY, Evaluator
from nas_utils.metrics import HypervolumeScorer, Objective
from nas_utils.registry import Registry
from nas_utils.supernets.base import SuperNet


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
    """

    def __init__(self, net: SuperNet, loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
                 latency: str | LatencyModel = "macs", calib: torch.Tensor | None = None,
                 bounds: np.ndarray | None = None) -> None:
        self.latency: LatencyModel = LATENCY_PROXIES.get(latency) if isinstance(latency, str) else latency
        super().__init__(net.space, (ACCURACY, self.latency.objective))
        self.net, self.loader, self.calib, self.bounds = net, loader, calib, bounds
        self._cache: dict[bytes, np.ndarray] = {}
        self.n_computed = 0

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        out = np.empty((len(X), 2))
        for i, (x, key) in enumerate(zip(X, self.space.keys(X))):
            if key not in self._cache:
                cfg = self.net.config_of(x)
                self._cache[key] = np.array([self.net.evaluate(cfg, self.loader, self.calib), self.latency(self.net, cfg)])
                self.n_computed += 1
            out[i] = self._cache[key]
        return out

    def clear_cache(self) -> None:
        """Forget cached results (call after the super-network's weights change)."""
        self._cache.clear()

    def scorer(self) -> HypervolumeScorer | None:
        if self.bounds is None:
            return None
        return HypervolumeScorer(self.objectives, np.asarray(self.bounds, dtype=np.float64))

    @property
    def name(self) -> str:
        return f"supernet/{self.net.name}/{self.latency.objective.name}"
