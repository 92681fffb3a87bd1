"""Elastic MobileNetV3-style CNN (OFA-MBv3 in miniature), 1-D for MNIST-1D or 2-D for digits.

Per stage: depth ``d{s}``; per block slot: kernel size ``k{s}_{b}`` and expansion ratio
``e{s}_{b}`` of an inverted-residual block (1x1 expand, depthwise k, 1x1 project). Elastic
kernels use OFA's kernel transformation; :meth:`MBV3SuperNet.sort_channels` applies OFA's
channel sorting (hidden channels by L1 importance), which leaves the largest network's function
unchanged and puts the most important channels where small expansions keep them.
Squeeze-excitation is omitted (too costly for the 2-core budget; stated in the docs).

>>> net = MBV3SuperNet(ndim=1)
>>> net.space.n_var, net.count_macs(net.largest_config()) > net.count_macs(net.smallest_config())
(21, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from nas_utils.spaces import Variable
from nas_utils.supernets.base import SUPERNETS, Arch, ElasticSpace, Step, SuperNet, run_steps, static_copy
from nas_utils.supernets.elastic import _BN, _CONV, DynamicBN, DynamicConv, bn_params, conv_cost, linear_cost


class StaticBlock(nn.Module):
    """A plain block of an extracted sub-network, with an optional residual connection."""

    def __init__(self, body: nn.Module, residual: bool) -> None:
        super().__init__()
        self.body, self.residual = body, residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y if self.residual else y


class MBBlock(nn.Module):
    """Elastic inverted-residual block with fixed input/output widths."""

    def __init__(self, ndim: int, in_ch: int, out_ch: int, stride: int, kernel_sizes: Sequence[int],
                 expand_ratios: Sequence[int], act: type[nn.Module]) -> None:
        super().__init__()
        self.ndim, self.in_ch, self.out_ch, self.stride = ndim, in_ch, out_ch, stride
        hidden = in_ch * max(expand_ratios)
        self.expand = DynamicConv(ndim, in_ch, hidden, (1,))
        self.bn1 = DynamicBN(ndim, hidden)
        self.dw = DynamicConv(ndim, hidden, hidden, kernel_sizes, stride, depthwise=True)
        self.bn2 = DynamicBN(ndim, hidden)
        self.project = DynamicConv(ndim, hidden, out_ch, (1,))
        self.bn3 = DynamicBN(ndim, out_ch)
        self.act = act()
        self.residual = stride == 1 and in_ch == out_ch
        self.kernel_size, self.expand_ratio = max(kernel_sizes), max(expand_ratios)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.in_ch * self.expand_ratio
        y = self.act(self.bn1(self.expand(x, out_channels=hidden)))
        y = self.act(self.bn2(self.dw(y, kernel_size=self.kernel_size)))
        y = self.bn3(self.project(y))
        return x + y if self.residual else y

    def export(self, kernel_size: int, expand_ratio: int) -> nn.Module:
        h = self.in_ch * expand_ratio
        body = nn.Sequential(
            self.expand.export(self.in_ch, h), self.bn1.export(h), static_copy(self.act),
            self.dw.export(channels=h, kernel_size=kernel_size), self.bn2.export(h), static_copy(self.act),
            self.project.export(h, self.out_ch), self.bn3.export(self.out_ch),
        )
        return StaticBlock(body, self.residual)

    def cost(self, kernel_size: int, expand_ratio: int, in_len: int) -> tuple[int, int, int]:
        """(params, MACs, output length) of the block at one configuration."""
        h, out_len = self.in_ch * expand_ratio, -(-in_len // self.stride)
        p1, m1 = conv_cost(self.ndim, self.in_ch, h, 1, in_len)
        p2, m2 = conv_cost(self.ndim, h, h, kernel_size, out_len, depthwise=True)
        p3, m3 = conv_cost(self.ndim, h, self.out_ch, 1, out_len)
        params = p1 + p2 + p3 + bn_params(h) * 2 + bn_params(self.out_ch)
        return params, m1 + m2 + m3, out_len

    @torch.no_grad()
    def sort_channels(self, optimizer: torch.optim.Optimizer | None = None) -> None:
        """OFA channel sorting: order hidden channels by the L1 norm of their projection weights.

        The same permutation is applied to the optimizer's per-parameter state (momentum,
        Adam moments), so training continues exactly as if nothing had moved.
        """
        w = self.project.weight
        importance = w.abs().sum(dim=tuple(d for d in range(w.dim()) if d != 1))
        order = torch.argsort(importance, descending=True, stable=True)
        moves = [(self.expand.weight, 0), (self.dw.weight, 0), (self.project.weight, 1)]
        moves += [(t, 0) for bn in (self.bn1, self.bn2) for t in (bn.bn.weight, bn.bn.bias)]
        for param, dim in moves:
            _permute(param, order, dim, optimizer)
        for bn in (self.bn1, self.bn2):
            for buf in (bn.bn.running_mean, bn.bn.running_var):
                buf.copy_(buf[order])


def _permute(param: torch.Tensor, order: torch.Tensor, dim: int, optimizer: torch.optim.Optimizer | None) -> None:
    param.copy_(param.index_select(dim, order))
    state = optimizer.state.get(param, {}) if optimizer is not None else {}
    for value in state.values():
        if isinstance(value, torch.Tensor) and value.shape == param.shape:
            value.copy_(value.index_select(dim, order))


@SUPERNETS.register("mbv3_1d")
class MBV3SuperNet(SuperNet):
    """Elastic MobileNetV3-style super-network.

    Args:
        ndim: 1 (MNIST-1D signals, input ``(1, 40)``) or 2 (digits images, ``(1, 8, 8)``).
        in_channels, n_classes, input_size: data shape (side length of the input).
        stem: stem channels; widths/strides: per stage; depths: depth choices.
        kernel_sizes, expand_ratios: per-block choices.
        head: width of the final 1x1 convolution.
    """

    def __init__(self, ndim: int = 1, in_channels: int = 1, n_classes: int = 10, input_size: int = 40,
                 stem: int = 16, widths: Sequence[int] = (16, 24, 32), strides: Sequence[int] = (1, 2, 2),
                 depths: Sequence[int] = (1, 2, 3), kernel_sizes: Sequence[int] = (3, 5, 7),
                 expand_ratios: Sequence[int] = (2, 3, 4), head: int = 64) -> None:
        super().__init__()
        self.hparams = dict(ndim=ndim, in_channels=in_channels, n_classes=n_classes, input_size=input_size, stem=stem,
                            widths=list(widths), strides=list(strides), depths=list(depths),
                            kernel_sizes=list(kernel_sizes), expand_ratios=list(expand_ratios), head=head)
        self.dataset = "mnist1d" if ndim == 1 else "digits"
        self.ndim, self.input_size, self.n_classes = ndim, input_size, n_classes
        max_d = max(depths)
        variables, groups = [], []
        for s in range(len(widths)):
            variables.append(Variable(f"d{s}", tuple(depths)))
        for s in range(len(widths)):
            blocks = []
            for b in range(max_d):
                variables += [Variable(f"k{s}_{b}", tuple(kernel_sizes)), Variable(f"e{s}_{b}", tuple(expand_ratios))]
                blocks.append([f"k{s}_{b}", f"e{s}_{b}"])
            groups.append((f"d{s}", blocks))
        self.space = ElasticSpace(f"mbv3_{ndim}d", variables, groups)
        self.stem = nn.Sequential(_CONV[ndim](in_channels, stem, 3, 1, 1, bias=False), _BN[ndim](stem), nn.Hardswish())
        self.stages = nn.ModuleList()
        in_ch = stem
        for s, (w, st) in enumerate(zip(widths, strides)):
            act = nn.ReLU if s == 0 else nn.Hardswish
            self.stages.append(nn.ModuleList(
                MBBlock(ndim, in_ch if b == 0 else w, w, st if b == 0 else 1, kernel_sizes, expand_ratios, act)
                for b in range(max_d)
            ))
            in_ch = w
        pool = nn.AdaptiveAvgPool1d(1) if ndim == 1 else nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(_CONV[ndim](in_ch, head, 1, bias=False), _BN[ndim](head), nn.Hardswish(), pool,
                                  nn.Flatten(), nn.Linear(head, n_classes))
        self.set_active(self.largest_config())

    def _apply_active(self, cfg: dict[str, Any]) -> None:
        for s, stage in enumerate(self.stages):
            for b, block in enumerate(stage):
                block.kernel_size, block.expand_ratio = cfg[f"k{s}_{b}"], cfg[f"e{s}_{b}"]

    def steps(self, cfg: dict[str, Any]) -> list[Step]:
        """Stem, every active block (keyed by its slot, kernel and expansion), head."""
        steps: list[Step] = [(("stem",), self.stem)]
        for s, stage in enumerate(self.stages):
            for b, block in enumerate(stage[: cfg[f"d{s}"]]):
                steps.append(((s, b, cfg[f"k{s}_{b}"], cfg[f"e{s}_{b}"]), block))
        return steps + [(("head",), self.head)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_steps(self.steps(self.active_config), x)

    def _build_subnet(self, cfg: dict[str, Any]) -> nn.Module:
        layers: list[nn.Module] = [static_copy(self.stem)]
        for s, stage in enumerate(self.stages):
            for b, block in enumerate(stage[: cfg[f"d{s}"]]):
                layers.append(block.export(cfg[f"k{s}_{b}"], cfg[f"e{s}_{b}"]))
        layers.append(static_copy(self.head))
        return nn.Sequential(*layers)

    def _costs(self, arch: Arch) -> tuple[int, int]:
        cfg = self.config_of(arch)
        hp = self.hparams
        length = self.input_size
        params, macs = conv_cost(self.ndim, hp["in_channels"], hp["stem"], 3, length)
        params += bn_params(hp["stem"])
        for s, stage in enumerate(self.stages):
            for b, block in enumerate(stage[: cfg[f"d{s}"]]):
                p, m, length = block.cost(cfg[f"k{s}_{b}"], cfg[f"e{s}_{b}"], length)
                params, macs = params + p, macs + m
        p, m = conv_cost(self.ndim, hp["widths"][-1], hp["head"], 1, length)
        pl, ml = linear_cost(hp["head"], self.n_classes)
        return params + p + bn_params(hp["head"]) + pl, macs + m + ml

    def count_params(self, arch: Arch) -> int:
        return self._costs(arch)[0]

    def count_macs(self, arch: Arch) -> int:
        return self._costs(arch)[1]

    def sort_channels(self, optimizer: torch.optim.Optimizer | None = None) -> None:
        """Apply OFA channel sorting to every block (function-preserving for the largest net)."""
        for stage in self.stages:
            for block in stage:
                block.sort_channels(optimizer)


@SUPERNETS.register("mbv3_2d")
def mbv3_2d(**kwargs: Any) -> MBV3SuperNet:
    """The 2-D variant on scikit-learn digits (8x8 images): two stages, stride 1 then 2."""
    defaults: dict[str, Any] = dict(ndim=2, input_size=8, stem=8, widths=(16, 24), strides=(1, 2), head=48)
    defaults.update(kwargs)
    return MBV3SuperNet(**defaults)
