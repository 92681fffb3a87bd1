"""Elastic bottleneck ResNet (OFA-ResNet50 in miniature) over 1-D signals (MNIST-1D).

Per stage: depth ``d{s}`` and width multiplier ``w{s}`` (output channels of the stage's
blocks); per block slot: expansion ``e{s}_{b}`` (bottleneck width = round(e * block width)),
as OFA-ResNet50's ``d``/``w``/``e``. The first block of each stage has a projection
shortcut; the others are identity shortcuts.

>>> net = ResNetSuperNet()
>>> net.space.n_var
15
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from nas_utils.spaces import Variable
from nas_utils.supernets.base import SUPERNETS, Arch, ElasticSpace, Step, SuperNet, run_steps, static_copy
from nas_utils.supernets.elastic import _BN, _CONV, DynamicBN, DynamicConv, bn_params, conv_cost, linear_cost


class StaticBottleneck(nn.Module):
    """Plain bottleneck of an extracted sub-network."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None) -> None:
        super().__init__()
        self.body, self.shortcut, self.act = body, shortcut, nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = x if self.shortcut is None else self.shortcut(x)
        return self.act(self.body(x) + skip)


class Bottleneck(nn.Module):
    """Elastic bottleneck: 1x1 (in -> mid), k3 (mid -> mid, stride), 1x1 (mid -> out)."""

    def __init__(self, ndim: int, in_max: int, out_max: int, stride: int, projection: bool, mid_max: int) -> None:
        super().__init__()
        self.ndim, self.stride = ndim, stride
        self.conv1, self.bn1 = DynamicConv(ndim, in_max, mid_max, (1,)), DynamicBN(ndim, mid_max)
        self.conv2 = DynamicConv(ndim, mid_max, mid_max, (3,), stride)
        self.bn2 = DynamicBN(ndim, mid_max)
        self.conv3, self.bn3 = DynamicConv(ndim, mid_max, out_max, (1,)), DynamicBN(ndim, out_max)
        self.projection = projection
        if projection:
            self.short = DynamicConv(ndim, in_max, out_max, (1,), stride)
            self.short_bn = DynamicBN(ndim, out_max)
        self.act = nn.ReLU()
        self.out_ch, self.mid = out_max, mid_max

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.act(self.bn1(self.conv1(x, out_channels=self.mid)))
        y = self.act(self.bn2(self.conv2(y, out_channels=self.mid)))
        y = self.bn3(self.conv3(y, out_channels=self.out_ch))
        skip = self.short_bn(self.short(x, out_channels=self.out_ch)) if self.projection else x
        return self.act(y + skip)

    def export(self, in_ch: int, out_ch: int, mid: int) -> nn.Module:
        body = nn.Sequential(
            self.conv1.export(in_ch, mid), self.bn1.export(mid), nn.ReLU(),
            self.conv2.export(mid, mid), self.bn2.export(mid), nn.ReLU(),
            self.conv3.export(mid, out_ch), self.bn3.export(out_ch),
        )
        short = nn.Sequential(self.short.export(in_ch, out_ch), self.short_bn.export(out_ch)) if self.projection else None
        return StaticBottleneck(body, short)

    def cost(self, in_ch: int, out_ch: int, mid: int, in_len: int) -> tuple[int, int, int]:
        out_len = -(-in_len // self.stride)
        p1, m1 = conv_cost(self.ndim, in_ch, mid, 1, in_len)
        p2, m2 = conv_cost(self.ndim, mid, mid, 3, out_len)
        p3, m3 = conv_cost(self.ndim, mid, out_ch, 1, out_len)
        params, macs = p1 + p2 + p3 + 2 * bn_params(mid) + bn_params(out_ch), m1 + m2 + m3
        if self.projection:
            ps, ms = conv_cost(self.ndim, in_ch, out_ch, 1, out_len)
            params, macs = params + ps + bn_params(out_ch), macs + ms
        return params, macs, out_len


def _width(base: int, mult: float) -> int:
    return max(1, int(round(base * mult)))


@SUPERNETS.register("resnet_1d")
class ResNetSuperNet(SuperNet):
    """Elastic ResNet super-network (1-D by default).

    Args:
        widths: maximum output channels per stage; width_mults: choices of ``w{s}``.
        depths: depth choices; expand_ratios: bottleneck ratio choices.
    """

    def __init__(self, ndim: int = 1, in_channels: int = 1, n_classes: int = 10, input_size: int = 40,
                 stem: int = 16, widths: Sequence[int] = (24, 48, 64), strides: Sequence[int] = (1, 2, 2),
                 depths: Sequence[int] = (1, 2, 3), width_mults: Sequence[float] = (0.5, 0.75, 1.0),
                 expand_ratios: Sequence[float] = (0.25, 0.35, 0.5)) -> None:
        super().__init__()
        self.hparams = dict(ndim=ndim, in_channels=in_channels, n_classes=n_classes, input_size=input_size, stem=stem,
                            widths=list(widths), strides=list(strides), depths=list(depths),
                            width_mults=list(width_mults), expand_ratios=list(expand_ratios))
        self.dataset = "mnist1d" if ndim == 1 else "digits"
        self.ndim, self.input_size, self.n_classes, self.widths = ndim, input_size, n_classes, tuple(widths)
        max_d = max(depths)
        variables = [Variable(f"d{s}", tuple(depths)) for s in range(len(widths))]
        variables += [Variable(f"w{s}", tuple(width_mults)) for s in range(len(widths))]
        groups = []
        for s in range(len(widths)):
            variables += [Variable(f"e{s}_{b}", tuple(expand_ratios)) for b in range(max_d)]
            groups.append((f"d{s}", [[f"e{s}_{b}"] for b in range(max_d)]))
        self.space = ElasticSpace(f"resnet_{ndim}d", variables, groups)
        self.stem = nn.Sequential(_CONV[ndim](in_channels, stem, 3, 1, 1, bias=False), _BN[ndim](stem), nn.ReLU())
        self.stages = nn.ModuleList()
        in_max = stem
        for w, st in zip(widths, strides):
            self.stages.append(nn.ModuleList(
                Bottleneck(ndim, in_max if b == 0 else w, w, st if b == 0 else 1, projection=b == 0,
                           mid_max=_width(w, max(expand_ratios)))
                for b in range(max_d)
            ))
            in_max = w
        self.pool = nn.Sequential(nn.AdaptiveAvgPool1d(1) if ndim == 1 else nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(widths[-1], n_classes)
        self.set_active(self.largest_config())

    def _plan(self, cfg: dict[str, Any]) -> list[tuple[int, int, int, int, int]]:
        """Active blocks as (stage, block, in channels, out channels, mid channels)."""
        plan, in_ch = [], self.hparams["stem"]
        for s in range(len(self.widths)):
            out = _width(self.widths[s], cfg[f"w{s}"])
            for b in range(cfg[f"d{s}"]):
                plan.append((s, b, in_ch, out, _width(out, cfg[f"e{s}_{b}"])))
                in_ch = out
        return plan

    def _apply_active(self, cfg: dict[str, Any]) -> None:
        for s, b, _, out, mid in self._plan(cfg):
            block = self.stages[s][b]
            block.out_ch, block.mid = out, mid

    def steps(self, cfg: dict[str, Any]) -> list[Step]:
        """Stem, every active block (keyed by its slot, output and bottleneck widths), pooling + classifier."""
        steps: list[Step] = [(("stem",), self.stem)]
        steps += [((s, b, out, mid), self.stages[s][b]) for s, b, _, out, mid in self._plan(cfg)]
        return steps + [(("head",), self._head)]

    def _head(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(x)
        return torch.nn.functional.linear(x, self.classifier.weight[:, : x.shape[1]], self.classifier.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_steps(self.steps(self.active_config), x)

    def _build_subnet(self, cfg: dict[str, Any]) -> nn.Module:
        layers: list[nn.Module] = [static_copy(self.stem)]
        plan = self._plan(cfg)
        for s, b, in_ch, out, mid in plan:
            layers.append(self.stages[s][b].export(in_ch, out, mid))
        last = plan[-1][3]
        head = nn.Linear(last, self.n_classes)
        with torch.no_grad():
            head.weight.copy_(self.classifier.weight[:, :last])
            head.bias.copy_(self.classifier.bias)
        return nn.Sequential(*layers, static_copy(self.pool), head)

    def _costs(self, arch: Arch) -> tuple[int, int]:
        cfg = self.config_of(arch)
        hp, length = self.hparams, self.input_size
        params, macs = conv_cost(self.ndim, hp["in_channels"], hp["stem"], 3, length)
        params += bn_params(hp["stem"])
        plan = self._plan(cfg)
        for s, b, in_ch, out, mid in plan:
            p, m, length = self.stages[s][b].cost(in_ch, out, mid, length)
            params, macs = params + p, macs + m
        pl, ml = linear_cost(plan[-1][3], self.n_classes)
        return params + pl, macs + ml

    def count_params(self, arch: Arch) -> int:
        return self._costs(arch)[0]

    def count_macs(self, arch: Arch) -> int:
        return self._costs(arch)[1]
