"""Weight-sharing super-networks: interface, families, evaluator, checkpoints.

Importing this package registers every family in ``SUPERNETS``:
``mbv3_1d``, ``mbv3_2d`` (digits), ``resnet_1d``, ``transformer_1d`` (and the adapter example
``wrapped_mlp``). See :mod:`nas_utils.supernets.base` for the interface.

Evaluation: :mod:`~nas_utils.supernets.evaluation` (batched accuracy of many sub-networks,
``SubnetScorer``), :mod:`~nas_utils.supernets.cache` (on-disk ``EvalCache`` keyed by weights,
settings and architecture), :mod:`~nas_utils.supernets.reference` (a run-independent reference
set and front). SparseNAS: :mod:`~nas_utils.supernets.filtering` (early filtering) and
:mod:`~nas_utils.supernets.time_to_quality` (the shared-yardstick, time-to-quality protocol).

>>> from nas_utils.supernets import SUPERNETS
>>> SUPERNETS.names()
['mbv3_1d', 'mbv3_2d', 'resnet_1d', 'transformer_1d', 'wrapped_mlp']
"""

from __future__ import annotations

from nas_utils.supernets import adapter, mbv3, resnet, transformer  # noqa: F401  (register families)
from nas_utils.supernets.base import SUPERNETS, ElasticSpace, SuperNet, build_supernet, profile_macs, recalibrate_bn
from nas_utils.supernets.checkpoint import checkpoint_path, family_data, load_checkpoint, load_supernet, save_checkpoint
from nas_utils.supernets.evaluator import LATENCY_PROXIES, LatencyModel, SuperNetEvaluator

__all__ = [
    "LATENCY_PROXIES", "SUPERNETS", "ElasticSpace", "LatencyModel", "SuperNet", "SuperNetEvaluator",
    "build_supernet", "checkpoint_path", "family_data", "load_checkpoint", "load_supernet", "profile_macs", "recalibrate_bn", "save_checkpoint",
]
