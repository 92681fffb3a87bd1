"""Wrap a super-network written elsewhere so every search tactic runs on it unchanged.

A foreign super-network only needs a way to *activate* a config and to *extract* a
sub-network; declare its space and hand both to :class:`WrappedSuperNet`::

    from nas_utils.spaces import Variable
    from nas_utils.supernets.adapter import WrappedSuperNet
    from nas_utils.supernets import SuperNetEvaluator

    net = WrappedSuperNet(
        their_supernet,                                   # any nn.Module
        space=[Variable("hidden0", (32, 64, 128)), Variable("hidden1", (32, 64, 128))],
        activate=lambda m, cfg: m.set_sample_config(cfg),
        extract=lambda m, cfg: m.get_sampled_subnet(cfg),
        example_input=torch.zeros(1, 1, 40), name="their_net",
    )
    history = run_search("random", SuperNetEvaluator(net, val_loader), budget=50, seed=0)

Parameters and MACs default to counting the extracted sub-network (parameters) and profiling
one forward pass of ``example_input`` (:func:`profile_macs`); pass ``count_params`` /
``count_macs`` callables when the foreign code has cheaper analytic counts.
:class:`ForeignElasticMLP` below stands in for "code written elsewhere" (its own API names),
and ``build_supernet("wrapped_mlp")`` is the wrapped result.

>>> net = build_wrapped_mlp()
>>> net.count_params(net.largest_config()) > net.count_params(net.smallest_config())
True
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nas_utils.spaces import Variable
from nas_utils.supernets.base import SUPERNETS, Arch, ElasticSpace, SuperNet, profile_macs


class WrappedSuperNet(SuperNet):
    """:class:`SuperNet` facade over a foreign weight-sharing module.

    Args:
        module: the foreign super-network.
        space: its decision variables (or a ready :class:`ElasticSpace`).
        activate: ``activate(module, config)`` makes ``module(x)`` run that sub-network.
        extract: ``extract(module, config) -> nn.Module`` standalone sub-network.
        example_input: one input batch (size 1) used for MAC profiling.
        name: registry-style name (also the space name).
        count_params, count_macs: optional analytic counters ``f(config) -> int``.
        dataset: dataset name in :mod:`nas_utils.data`.
        hparams: kwargs that rebuild this wrapper through ``SUPERNETS`` (for checkpoints).
    """

    def __init__(self, module: nn.Module, space: Sequence[Variable] | ElasticSpace,
                 activate: Callable[[nn.Module, dict[str, Any]], None],
                 extract: Callable[[nn.Module, dict[str, Any]], nn.Module], example_input: torch.Tensor,
                 name: str, count_params: Callable[[dict[str, Any]], int] | None = None,
                 count_macs: Callable[[dict[str, Any]], int] | None = None, dataset: str = "mnist1d",
                 hparams: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.module = module
        self.space = space if isinstance(space, ElasticSpace) else ElasticSpace(name, space)
        self._activate, self._extract = activate, extract
        self._count_params, self._count_macs = count_params, count_macs
        self.example_input, self.dataset, self.hparams = example_input, dataset, dict(hparams or {})
        self.set_active(self.largest_config())

    def _apply_active(self, cfg: dict[str, Any]) -> None:
        self._activate(self.module, cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.module(x)

    def _build_subnet(self, cfg: dict[str, Any]) -> nn.Module:
        return copy.deepcopy(self._extract(self.module, cfg))

    def count_params(self, arch: Arch) -> int:
        cfg = self.config_of(arch)
        if self._count_params is not None:
            return int(self._count_params(cfg))
        return sum(p.numel() for p in self._build_subnet(cfg).parameters())

    def count_macs(self, arch: Arch) -> int:
        cfg = self.config_of(arch)
        if self._count_macs is not None:
            return int(self._count_macs(cfg))
        return profile_macs(self._build_subnet(cfg), self.example_input) // len(self.example_input)


# --- the "foreign" example: an elastic MLP with its own API ------------------------------------


class ForeignElasticMLP(nn.Module):
    """Stand-in for a third-party super-network: two hidden layers with elastic widths."""

    def __init__(self, in_features: int = 40, hidden: int = 128, n_classes: int = 10) -> None:
        super().__init__()
        self.fc1, self.fc2, self.fc3 = nn.Linear(in_features, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, n_classes)
        self.widths = (hidden, hidden)

    def set_sample_config(self, cfg: dict[str, Any]) -> None:
        self.widths = (cfg["hidden0"], cfg["hidden1"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.widths
        x = x.flatten(1)
        x = F.relu(F.linear(x, self.fc1.weight[:a], self.fc1.bias[:a]))
        x = F.relu(F.linear(x, self.fc2.weight[:b, :a], self.fc2.bias[:b]))
        return F.linear(x, self.fc3.weight[:, :b], self.fc3.bias)

    def get_sampled_subnet(self, cfg: dict[str, Any]) -> nn.Module:
        a, b = cfg["hidden0"], cfg["hidden1"]
        layers = [nn.Flatten(), nn.Linear(self.fc1.in_features, a), nn.ReLU(), nn.Linear(a, b), nn.ReLU(),
                  nn.Linear(b, self.fc3.out_features)]
        with torch.no_grad():
            for dst, src, (o, i) in zip(layers[1::2], (self.fc1, self.fc2, self.fc3),
                                        ((a, self.fc1.in_features), (b, a), (self.fc3.out_features, b))):
                dst.weight.copy_(src.weight[:o, :i])
                dst.bias.copy_(src.bias[:o])
        return nn.Sequential(*layers)


@SUPERNETS.register("wrapped_mlp")
def build_wrapped_mlp(hidden_choices: Sequence[int] = (32, 64, 128)) -> WrappedSuperNet:
    """The adapter example: :class:`ForeignElasticMLP` wrapped in a few lines."""
    return WrappedSuperNet(
        ForeignElasticMLP(hidden=max(hidden_choices)),
        space=[Variable("hidden0", tuple(hidden_choices)), Variable("hidden1", tuple(hidden_choices))],
        activate=lambda m, cfg: m.set_sample_config(cfg),
        extract=lambda m, cfg: m.get_sampled_subnet(cfg),
        example_input=torch.zeros(1, 1, 40), name="wrapped_mlp",
        hparams={"hidden_choices": list(hidden_choices)},
    )
