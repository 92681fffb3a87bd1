"""Can the measured latency rank sub-networks? The same sub-networks, measured in two independent passes.

:func:`two_passes` measures the same sub-networks twice (two :func:`measure_many` calls with
different interleaving orders and input draws, ``rounds`` interleaved rounds each); the
Spearman correlation of the two passes' latencies is the rank reproducibility that search needs
(target >= 0.98). The latency stage's quality check (:mod:`nas_utils.experiments.latency_collection`)
and the timing-protocol check (:mod:`nas_utils.latency.rounds_check`) both use it.

* **A sample that spans the latency range**: :func:`spanning_sample` spreads the sub-networks
  evenly over log-MACs (:func:`nas_utils.supernets.reference.spread_sample`), so the check is
  not dominated by a crowd of near-identical mid-size networks whose order is noise.
* **Contention is part of the answer**: each pass's records carry ``contended`` and the
  reasons (:mod:`nas_utils.latency.measure`).

>>> from nas_utils.supernets import build_supernet
>>> net = build_supernet("transformer_1d")
>>> X, models = spanning_sample(net, 5, seed=0)
>>> len(models)
5
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from torch import nn

from nas_utils.latency.devices import MeasureDevice
from nas_utils.latency.measure import LatencyRecord, MeasureSettings, measure_many
from nas_utils.supernets.base import SuperNet
from nas_utils.supernets.reference import spread_sample


def spanning_sample(net: SuperNet, n: int, seed: int) -> tuple[np.ndarray, list[nn.Module]]:
    """``n`` sub-networks spread over the MAC (hence latency) range, extracted."""
    X = spread_sample(net, n, seed=seed)
    return X, [net.subnet(x) for x in X]


def two_passes(models: Sequence[nn.Module], device: str | MeasureDevice, shape: Sequence[int],
               settings: MeasureSettings, rounds: int) -> tuple[list[LatencyRecord], list[LatencyRecord]]:
    """The same models measured twice: two :func:`measure_many` calls (``rounds`` interleaved
    rounds each) with different interleaving orders and input draws (seeds ``settings.seed`` and
    ``settings.seed + 1``)."""
    first, second = (measure_many(models, device, shape, replace(settings, seed=settings.seed + p), rounds=rounds)
                     for p in (0, 1))
    return first, second
