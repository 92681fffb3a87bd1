"""Elastic layers: one weight tensor at maximum size, sliced to the active sub-network.

Each layer has ``forward(x, ...active sizes)`` for weight-sharing training and
``export(...active sizes) -> plain nn.Module`` holding a *copy* of the active weights, so
extracted sub-networks are ordinary PyTorch (and ONNX-exportable).

* :class:`DynamicConv` (1-D or 2-D): elastic input/output channels and, for depthwise
  convolutions, an elastic kernel size with OFA's *kernel transformation*: a smaller kernel is
  the centre of the next larger one multiplied by a learned (k^d x k^d) matrix, shared across
  channels and initialised to the identity.
* :class:`DynamicBN`: the first ``C`` channels' affine parameters and running statistics.
* :class:`DynamicLinear`, :class:`DynamicLayerNorm`: leading slices of features.

>>> import torch
>>> conv = DynamicConv(1, 8, 8, kernel_sizes=(3, 5), depthwise=True)
>>> y = conv(torch.randn(2, 4, 10), channels=4, kernel_size=3)
>>> plain = conv.export(channels=4, kernel_size=3)
>>> bool(torch.allclose(plain(torch.zeros(1, 4, 10)), torch.zeros(1, 4, 10)))
True
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

_CONV = {1: nn.Conv1d, 2: nn.Conv2d}
_CONV_F = {1: F.conv1d, 2: F.conv2d}
_BN = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d}


class DynamicConv(nn.Module):
    """Convolution with elastic channels (and elastic kernel size when depthwise).

    Args:
        ndim: 1 or 2 spatial dimensions.
        in_channels, out_channels: maximum channels (equal for depthwise).
        kernel_sizes: candidate odd kernel sizes; the largest is stored.
        stride: stride; padding is ``k // 2`` ("same" for stride 1).
        depthwise: one filter per channel (``groups = channels``).
    """

    def __init__(
        self, ndim: int, in_channels: int, out_channels: int, kernel_sizes: Sequence[int] = (1,),
        stride: int = 1, depthwise: bool = False,
    ) -> None:
        super().__init__()
        self.ndim, self.stride, self.depthwise = ndim, stride, depthwise
        self.kernel_sizes = tuple(sorted(kernel_sizes))
        k = self.kernel_sizes[-1]
        fan_in = 1 if depthwise else in_channels
        self.weight = nn.Parameter(torch.empty(out_channels, fan_in, *([k] * ndim)))
        nn.init.kaiming_normal_(self.weight, mode="fan_out")
        # OFA kernel transformation: one matrix per smaller kernel size (named by its size).
        self.transforms = nn.ParameterDict(
            {str(ks): nn.Parameter(torch.eye(ks**ndim)) for ks in self.kernel_sizes[:-1]}
        )

    def active_weight(self, in_channels: int, out_channels: int, kernel_size: int | None = None) -> torch.Tensor:
        k_max = self.kernel_sizes[-1]
        kernel_size = k_max if kernel_size is None else kernel_size
        w = self.weight[:out_channels] if self.depthwise else self.weight[:out_channels, :in_channels]
        # Shrink step by step from the largest kernel, as OFA does (7 -> 5 -> 3).
        for ks in reversed(self.kernel_sizes[:-1]):
            if ks < kernel_size:
                break
            current = w.shape[-1]
            lo = (current - ks) // 2
            for axis in range(self.ndim):
                w = w.narrow(2 + axis, lo, ks)
            shape = w.shape
            w = (w.reshape(shape[0], shape[1], -1) @ self.transforms[str(ks)]).reshape(shape)
        return w

    def forward(self, x: torch.Tensor, channels: int | None = None, kernel_size: int | None = None,
                out_channels: int | None = None) -> torch.Tensor:
        in_ch = x.shape[1]
        out_ch = in_ch if self.depthwise else (out_channels if out_channels is not None else self.weight.shape[0])
        w = self.active_weight(in_ch, out_ch, kernel_size)
        k = w.shape[-1]
        groups = in_ch if self.depthwise else 1
        return _CONV_F[self.ndim](x, w, None, self.stride, k // 2, 1, groups)

    def export(self, in_channels: int | None = None, out_channels: int | None = None, kernel_size: int | None = None,
               channels: int | None = None) -> nn.Module:
        if channels is not None:
            in_channels = out_channels = channels
        assert in_channels is not None and out_channels is not None
        with torch.no_grad():
            w = self.active_weight(in_channels, out_channels, kernel_size).clone()
        k = w.shape[-1]
        groups = in_channels if self.depthwise else 1
        conv = _CONV[self.ndim](in_channels, out_channels, k, self.stride, k // 2, groups=groups, bias=False)
        conv.weight.data.copy_(w)
        return conv


class DynamicBN(nn.Module):
    """Batch norm over the first ``C`` channels of a maximum-width batch norm."""

    def __init__(self, ndim: int, channels: int) -> None:
        super().__init__()
        self.ndim = ndim
        self.bn = _BN[ndim](channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c, bn = x.shape[1], self.bn
        if c == bn.num_features:
            return bn(x)
        if bn.training and bn.track_running_stats:
            bn.num_batches_tracked.add_(1)
        momentum = 0.0 if bn.momentum is None else bn.momentum
        # Slicing the running buffers updates the shared storage in place (OFA behaviour).
        return F.batch_norm(
            x, bn.running_mean[:c], bn.running_var[:c], bn.weight[:c], bn.bias[:c],
            bn.training or not bn.track_running_stats, momentum, bn.eps,
        )

    def export(self, channels: int) -> nn.Module:
        out = _BN[self.ndim](channels, eps=self.bn.eps, momentum=self.bn.momentum)
        with torch.no_grad():
            out.weight.copy_(self.bn.weight[:channels])
            out.bias.copy_(self.bn.bias[:channels])
            out.running_mean.copy_(self.bn.running_mean[:channels])
            out.running_var.copy_(self.bn.running_var[:channels])
            out.num_batches_tracked.copy_(self.bn.num_batches_tracked)
        return out


class DynamicLinear(nn.Module):
    """Linear layer using the leading ``in`` inputs and ``out`` outputs of a maximum layer."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, bias=bias)

    def forward(self, x: torch.Tensor, out_features: int | None = None) -> torch.Tensor:
        out = self.linear.out_features if out_features is None else out_features
        w = self.linear.weight[:out, : x.shape[-1]]
        b = None if self.linear.bias is None else self.linear.bias[:out]
        return F.linear(x, w, b)

    def export(self, in_features: int, out_features: int) -> nn.Linear:
        out = nn.Linear(in_features, out_features, bias=self.linear.bias is not None)
        with torch.no_grad():
            out.weight.copy_(self.linear.weight[:out_features, :in_features])
            if out.bias is not None:
                out.bias.copy_(self.linear.bias[:out_features])
        return out


class DynamicLayerNorm(nn.Module):
    """Layer norm over the leading ``E`` features of a maximum-width layer norm."""

    def __init__(self, features: int) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e = x.shape[-1]
        return F.layer_norm(x, (e,), self.ln.weight[:e], self.ln.bias[:e], self.ln.eps)

    def export(self, features: int) -> nn.LayerNorm:
        out = nn.LayerNorm(features, eps=self.ln.eps)
        with torch.no_grad():
            out.weight.copy_(self.ln.weight[:features])
            out.bias.copy_(self.ln.bias[:features])
        return out


def conv_cost(ndim: int, in_ch: int, out_ch: int, k: int, out_len: int, depthwise: bool = False) -> tuple[int, int]:
    """(params, MACs per sample) of a bias-free convolution; ``out_len`` is the output side."""
    fan_in = 1 if depthwise else in_ch
    params = out_ch * fan_in * k**ndim
    return params, params * out_len**ndim


def bn_params(channels: int) -> int:
    return 2 * channels


def linear_cost(in_f: int, out_f: int, tokens: int = 1, bias: bool = True) -> tuple[int, int]:
    return in_f * out_f + (out_f if bias else 0), in_f * out_f * tokens
