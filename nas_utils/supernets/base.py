"""The super-network interface: one weight-sharing network, many standalone sub-networks.

Every super-network (trained here or wrapped from elsewhere, see ``adapter.py``) is an
``nn.Module`` subclass of :class:`SuperNet` and offers:

==============================================  ===============================================
``net.space``                                   its :class:`ElasticSpace` (a ``SearchSpace``
                                                whose ``canonicalize`` zeroes inactive blocks)
``net.config_of(arch) -> dict``                 dict / int vector / string -> config dict
``net.set_active(arch)``                        later ``net(x)`` runs that sub-network
``net.steps(config) -> [(key, fn), ...]``       the forward pass as keyed steps (sub-networks
                                                with equal leading keys share activations)
``net.subnet(arch) -> nn.Module``               standalone plain-PyTorch module with the
                                                inherited weights, eval mode, ONNX-exportable
``net.count_params(arch) -> int``               parameters of the sub-network (analytic)
``net.count_macs(arch) -> int``                 multiply-accumulates of one sample (analytic)
``net.evaluate(arch, loader, calib=None)``      top-1 accuracy (%) after OFA-style batch-norm
                                                re-calibration of the extracted sub-network
``net.largest_config()/smallest_config()``      the extreme configs (sandwich rule)
``net.hparams``                                 constructor kwargs (checkpoints rebuild with them)
==============================================  ===============================================

Registry: ``SUPERNETS`` (name -> class), ``build_supernet(name, **kwargs)``. Each class names
the dataset it is built for in ``dataset`` (see :mod:`nas_utils.data`).

>>> import torch
>>> from nas_utils.supernets import build_supernet
>>> net = build_supernet("mbv3_1d")
>>> cfg = net.largest_config()
>>> sub = net.subnet(cfg)
>>> net.set_active(cfg); _ = net.eval()
>>> x = torch.randn(2, 1, 40)
>>> bool(torch.allclose(net(x), sub(x), atol=1e-5))
True
>>> net.count_params(cfg) == sum(p.numel() for p in sub.parameters())
True
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from nas_utils.errors import InvalidArchitectureError
from nas_utils.registry import Registry
from nas_utils.spaces import IntMatrix, SearchSpace, Variable

Arch = Mapping[str, Any] | np.ndarray | Sequence[int] | str
#: One step of a forward pass: a key naming what ``fn`` computes from the previous step's output.
Step = tuple[Hashable, Callable[[torch.Tensor], torch.Tensor]]


class ElasticSpace(SearchSpace):
    """A search space whose per-stage depth variables switch later blocks' variables off.

    Args:
        name: space name (the super-network's registry name).
        variables: the decision variables.
        depth_groups: ``(depth variable, [[variables of block 0], [block 1], ...])`` per
            stage; depth choices are integers (active blocks). Variables of block ``p`` are
            inactive when ``depth <= p`` and :meth:`canonicalize` sets them to index 0, so
            configs differing only there count as one network.
    """

    def __init__(
        self, name: str, variables: Sequence[Variable], depth_groups: Sequence[tuple[str, Sequence[Sequence[str]]]] = ()
    ) -> None:
        super().__init__(name, variables)
        index = {v.name: i for i, v in enumerate(self.variables)}
        self._groups: list[tuple[int, np.ndarray, list[list[int]]]] = []
        for depth_name, blocks in depth_groups:
            d = index[depth_name]
            values = np.array([int(c) for c in self.variables[d].choices], dtype=np.int64)
            self._groups.append((d, values, [[index[n] for n in names] for names in blocks]))

    def canonicalize(self, X: IntMatrix) -> IntMatrix:
        X = np.array(X, dtype=np.int64, copy=True)
        for d, values, blocks in self._groups:
            depth = values[X[:, d]]
            for position, cols in enumerate(blocks):
                if cols:
                    X[np.ix_(depth <= position, cols)] = 0
        return X


SUPERNETS: Registry[Callable[..., SuperNet]] = Registry("super-network")


class SuperNet(nn.Module, ABC):
    """Base class of weight-sharing super-networks (see the module docstring).

    Subclasses set ``space``, ``dataset`` and ``hparams`` in ``__init__`` and implement
    ``_apply_active``, ``forward``, ``_build_subnet``, ``count_params`` and ``count_macs``.
    """

    dataset: str = "mnist1d"
    space: ElasticSpace
    hparams: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self._active: dict[str, Any] | None = None
        self.calib_x: torch.Tensor | None = None

    # --- configs ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.space.name

    def config_of(self, arch: Arch) -> dict[str, Any]:
        """A validated config dict from a dict, an integer vector or a canonical string."""
        if isinstance(arch, str):
            return self.space.decode(self.space.from_string(arch))
        if isinstance(arch, Mapping):
            return self.space.decode(self.space.encode(arch))
        return self.space.decode(np.asarray(arch))

    def canonical(self, arch: Arch) -> dict[str, Any]:
        """The config with inactive variables zeroed (one representative per network)."""
        x = self.space.encode(self.config_of(arch))
        return self.space.decode(self.space.canonicalize(x[None])[0])

    def largest_config(self) -> dict[str, Any]:
        return self.space.decode(self.space.upper)

    def smallest_config(self) -> dict[str, Any]:
        return self.space.decode(np.zeros(self.space.n_var, dtype=np.int64))

    @property
    def active_config(self) -> dict[str, Any]:
        if self._active is None:
            self.set_active(self.largest_config())
        assert self._active is not None
        return dict(self._active)

    def set_active(self, arch: Arch) -> None:
        """Make ``forward`` run the sub-network ``arch``."""
        cfg = self.config_of(arch)
        self._apply_active(cfg)
        self._active = cfg

    def subnet(self, arch: Arch) -> nn.Module:
        """A standalone ``nn.Module`` (eval mode) with copies of the inherited weights."""
        module = self._build_subnet(self.config_of(arch))
        return module.eval()

    def steps(self, cfg: dict[str, Any]) -> list[Step]:
        """The forward pass of sub-network ``cfg`` as steps ``(key, fn)``, valid after ``set_active(cfg)``.

        ``forward(x)`` is ``fn_n(...fn_1(x))``. A key names everything its step computes from the
        previous step's output (its module and active sizes), so two sub-networks whose first
        ``j`` keys agree compute the same activations and batch-norm statistics up to step ``j``
        (the batched scorer evaluates such prefixes once). Default: one step, the whole network.
        """
        return [(repr(sorted(cfg.items())), self.forward)]

    # --- accuracy --------------------------------------------------------------------------
    def set_calibration(self, x: torch.Tensor | None) -> None:
        """Inputs used to re-calibrate batch norm in :meth:`evaluate` (a training subset)."""
        self.calib_x = x

    @torch.no_grad()
    def evaluate(
        self, arch: Arch, loader: Iterable[tuple[torch.Tensor, torch.Tensor]], calib: torch.Tensor | None = None,
        calib_batch_size: int = 256,
    ) -> float:
        """Top-1 accuracy (%) of sub-network ``arch`` on ``loader``.

        Batch-norm statistics are re-estimated for the sub-network (OFA's
        ``set_running_statistics``) on ``calib``, else on :attr:`calib_x`, else on the
        loader's own inputs (transductive; only for quick checks).
        """
        sub = self.subnet(arch)
        if calib is None:
            calib = self.calib_x
        if calib is None:
            calib = torch.cat([xb for xb, _ in loader])
        recalibrate_bn(sub, calib, calib_batch_size)
        correct = total = 0
        for xb, yb in loader:
            correct += int((sub(xb).argmax(dim=1) == yb).sum())
            total += len(yb)
        if total == 0:
            raise InvalidArchitectureError("evaluate: the loader yielded no samples")
        return 100.0 * correct / total

    # --- to implement ----------------------------------------------------------------------
    @abstractmethod
    def _apply_active(self, cfg: dict[str, Any]) -> None: ...

    @abstractmethod
    def _build_subnet(self, cfg: dict[str, Any]) -> nn.Module: ...

    @abstractmethod
    def count_params(self, arch: Arch) -> int: ...

    @abstractmethod
    def count_macs(self, arch: Arch) -> int: ...


def recalibrate_bn(module: nn.Module, x: torch.Tensor, batch_size: int = 256) -> None:
    """Reset every batch norm of ``module`` and re-estimate its statistics on ``x`` (exact
    cumulative averages, ``momentum=None``); leaves ``module`` in eval mode."""
    bns = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        module.eval()
        return
    saved = [bn.momentum for bn in bns]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
    module.train()
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            module(x[start : start + batch_size])
    for bn, m in zip(bns, saved):
        bn.momentum = m
    module.eval()


def profile_macs(module: nn.Module, x: torch.Tensor) -> int:
    """MACs of one forward pass of ``x`` (per batch) counted by hooks: convolutions, linear
    layers, and modules that define ``extra_macs(input, output)`` (attention matmuls).

    An independent check of the analytic ``count_macs`` of each super-network.
    """
    total = 0

    def hook(m: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(m, (nn.Conv1d, nn.Conv2d)):
            k = int(np.prod(m.kernel_size))
            total += output.numel() * (m.in_channels // m.groups) * k
        elif isinstance(m, nn.Linear):
            total += output.numel() * m.in_features
        if hasattr(m, "extra_macs"):
            total += int(m.extra_macs(inputs[0], output))

    handles = [m.register_forward_hook(hook) for m in module.modules()]
    try:
        with torch.no_grad():
            module.eval()(x)
    finally:
        for h in handles:
            h.remove()
    return total


def run_steps(steps: Sequence[Step], x: torch.Tensor) -> torch.Tensor:
    """Apply the steps of :meth:`SuperNet.steps` in order (a super-network's ``forward``)."""
    for _, fn in steps:
        x = fn(x)
    return x


def static_copy(module: nn.Module) -> nn.Module:
    """A deep copy of a non-elastic part (stem, head) for a standalone sub-network."""
    return copy.deepcopy(module)


def build_supernet(name: str, seed: int = 0, **kwargs: Any) -> SuperNet:
    """Build registered super-network ``name`` (unknown names list the valid ones).

    Weights are initialised from ``torch.manual_seed(seed)`` inside ``fork_rng``, so the same
    name, kwargs and seed give identical weights in any process and the caller's global torch
    RNG state is left untouched.
    """
    factory = SUPERNETS.get(name)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return factory(**kwargs)
