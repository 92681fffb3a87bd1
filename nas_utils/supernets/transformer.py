"""Elastic Transformer encoder (HAT / DyNAS-T BERT-style elastic dims) over MNIST-1D sequences.

The 40-step signal is cut into ``40 / patch`` tokens of ``patch`` values each, embedded
linearly, plus a learned position embedding. Elastic: embedding width ``embed`` (shared by
all layers), number of layers ``layers``, per layer slot the number of attention heads
``h{i}`` (fixed head dimension, as HAT) and the FFN width ``f{i}``. Pre-LN encoder layers,
mean pooling, linear classifier. No batch norm, so BN re-calibration is a no-op.

>>> net = TransformerSuperNet()
>>> net.space.n_var
8
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nas_utils.spaces import Variable
from nas_utils.supernets.base import SUPERNETS, Arch, ElasticSpace, Step, SuperNet, run_steps
from nas_utils.supernets.elastic import DynamicLayerNorm, DynamicLinear, linear_cost


class Tokens(nn.Module):
    """(N, 1, L) signal -> (N, L / patch, patch) tokens."""

    def __init__(self, patch: int) -> None:
        super().__init__()
        self.patch = patch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], -1, self.patch)


class Attention(nn.Module):
    """Plain multi-head self-attention of an extracted sub-network (ONNX-friendly ops only)."""

    def __init__(self, q: nn.Linear, k: nn.Linear, v: nn.Linear, out: nn.Linear, heads: int, head_dim: int) -> None:
        super().__init__()
        self.q, self.k, self.v, self.out, self.heads, self.head_dim = q, k, v, out, heads, head_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _attend(self.q(x), self.k(x), self.v(x), self.heads, self.head_dim, self.out)

    def extra_macs(self, x: torch.Tensor, y: torch.Tensor) -> int:
        """QK^T and AV matmuls (counted by :func:`profile_macs`)."""
        n, t = x.shape[0], x.shape[1]
        return 2 * n * t * t * self.heads * self.head_dim


def _attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, head_dim: int, out: Any) -> torch.Tensor:
    n, t = q.shape[0], q.shape[1]
    q, k, v = (z.reshape(n, t, heads, head_dim).transpose(1, 2) for z in (q, k, v))
    a = torch.softmax(q @ k.transpose(-2, -1) / head_dim**0.5, dim=-1)
    return out((a @ v).transpose(1, 2).reshape(n, t, heads * head_dim))


class StaticLayer(nn.Module):
    """Plain pre-LN encoder layer."""

    def __init__(self, ln1: nn.Module, attn: nn.Module, ln2: nn.Module, ffn: nn.Module) -> None:
        super().__init__()
        self.ln1, self.attn, self.ln2, self.ffn = ln1, attn, ln2, ffn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))


class ElasticLayer(nn.Module):
    def __init__(self, embed: int, heads: int, head_dim: int, ffn: int) -> None:
        super().__init__()
        inner = heads * head_dim
        self.ln1, self.ln2 = DynamicLayerNorm(embed), DynamicLayerNorm(embed)
        self.q, self.k, self.v = DynamicLinear(embed, inner), DynamicLinear(embed, inner), DynamicLinear(embed, inner)
        self.out = DynamicLinear(inner, embed)
        self.fc1, self.fc2 = DynamicLinear(embed, ffn), DynamicLinear(ffn, embed)
        self.head_dim, self.heads, self.ffn = head_dim, heads, ffn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e, inner = x.shape[-1], self.heads * self.head_dim
        h = self.ln1(x)
        x = x + _attend(self.q(h, inner), self.k(h, inner), self.v(h, inner), self.heads, self.head_dim,
                        lambda z: self.out(z, e))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x), self.ffn)), e)

    def export(self, embed: int, heads: int, ffn: int) -> StaticLayer:
        inner = heads * self.head_dim
        attn = Attention(self.q.export(embed, inner), self.k.export(embed, inner), self.v.export(embed, inner),
                         self.out.export(inner, embed), heads, self.head_dim)
        mlp = nn.Sequential(self.fc1.export(embed, ffn), nn.GELU(), self.fc2.export(ffn, embed))
        return StaticLayer(self.ln1.export(embed), attn, self.ln2.export(embed), mlp)

    def cost(self, embed: int, heads: int, ffn: int, tokens: int) -> tuple[int, int]:
        inner = heads * self.head_dim
        params, macs = 4 * embed, 2 * tokens * tokens * inner  # two layer norms; attention matmuls
        for fi, fo in ((embed, inner), (embed, inner), (embed, inner), (inner, embed), (embed, ffn), (ffn, embed)):
            p, m = linear_cost(fi, fo, tokens)
            params, macs = params + p, macs + m
        return params, macs


class Head(nn.Module):
    """Final layer norm, mean pooling over tokens, linear classifier."""

    def __init__(self, ln: nn.Module, classifier: nn.Module) -> None:
        super().__init__()
        self.ln, self.classifier = ln, classifier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.ln(x).mean(dim=1))


class Embed(nn.Module):
    """Tokens -> linear embedding + learned positions (plain, for sub-networks)."""

    def __init__(self, tokens: nn.Module, proj: nn.Linear, pos: torch.Tensor) -> None:
        super().__init__()
        self.tokens, self.proj, self.pos = tokens, proj, nn.Parameter(pos)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(self.tokens(x)) + self.pos


@SUPERNETS.register("transformer_1d")
class TransformerSuperNet(SuperNet):
    """Elastic Transformer encoder super-network.

    Args:
        seq_len, patch: signal length and values per token.
        embed_dims, layer_counts, head_counts, ffn_dims: choices of the elastic dimensions.
        head_dim: fixed per-head dimension.
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 10, seq_len: int = 40, patch: int = 4,
                 embed_dims: Sequence[int] = (32, 48, 64), layer_counts: Sequence[int] = (1, 2, 3),
                 head_counts: Sequence[int] = (1, 2, 4), ffn_dims: Sequence[int] = (32, 64, 128), head_dim: int = 8) -> None:
        super().__init__()
        self.hparams = dict(in_channels=in_channels, n_classes=n_classes, seq_len=seq_len, patch=patch,
                            embed_dims=list(embed_dims), layer_counts=list(layer_counts), head_counts=list(head_counts),
                            ffn_dims=list(ffn_dims), head_dim=head_dim)
        self.dataset = "mnist1d"
        self.n_classes, self.patch, self.tokens_n = n_classes, patch, seq_len // patch
        n_layers = max(layer_counts)
        variables = [Variable("embed", tuple(embed_dims)), Variable("layers", tuple(layer_counts))]
        for i in range(n_layers):
            variables += [Variable(f"h{i}", tuple(head_counts)), Variable(f"f{i}", tuple(ffn_dims))]
        self.space = ElasticSpace("transformer_1d", variables, [("layers", [[f"h{i}", f"f{i}"] for i in range(n_layers)])])
        e_max = max(embed_dims)
        self.tokens = Tokens(patch)
        self.embed = DynamicLinear(patch * in_channels, e_max)
        self.pos = nn.Parameter(torch.randn(self.tokens_n, e_max) * 0.02)
        self.layers = nn.ModuleList(ElasticLayer(e_max, max(head_counts), head_dim, max(ffn_dims)) for _ in range(n_layers))
        self.ln = DynamicLayerNorm(e_max)
        self.classifier = DynamicLinear(e_max, n_classes)
        self.set_active(self.largest_config())

    def _apply_active(self, cfg: dict[str, Any]) -> None:
        for i, layer in enumerate(self.layers):
            layer.heads, layer.ffn = cfg[f"h{i}"], cfg[f"f{i}"]

    def steps(self, cfg: dict[str, Any]) -> list[Step]:
        """Embedding (keyed by its width), every active layer (slot, heads, FFN width), head."""
        e = cfg["embed"]
        steps: list[Step] = [(("embed", e), lambda x: self.embed(self.tokens(x), e) + self.pos[:, :e])]
        steps += [((i, cfg[f"h{i}"], cfg[f"f{i}"]), layer) for i, layer in enumerate(self.layers[: cfg["layers"]])]
        return steps + [(("head",), self._head)]

    def _head(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.ln(x).mean(dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_steps(self.steps(self.active_config), x)

    def _build_subnet(self, cfg: dict[str, Any]) -> nn.Module:
        e = cfg["embed"]
        embed = Embed(Tokens(self.patch), self.embed.export(self.embed.linear.in_features, e), self.pos[:, :e].detach().clone())
        layers = [self.layers[i].export(e, cfg[f"h{i}"], cfg[f"f{i}"]) for i in range(cfg["layers"])]
        head = Head(self.ln.export(e), self.classifier.export(e, self.n_classes))
        return nn.Sequential(embed, *layers, head)

    def _costs(self, arch: Arch) -> tuple[int, int]:
        cfg = self.config_of(arch)
        e, t = cfg["embed"], self.tokens_n
        params, macs = linear_cost(self.embed.linear.in_features, e, t)
        params += t * e
        for i in range(cfg["layers"]):
            p, m = self.layers[i].cost(e, cfg[f"h{i}"], cfg[f"f{i}"], t)
            params, macs = params + p, macs + m
        p, m = linear_cost(e, self.n_classes)
        return params + 2 * e + p, macs + m

    def count_params(self, arch: Arch) -> int:
        return self._costs(arch)[0]

    def count_macs(self, arch: Arch) -> int:
        return self._costs(arch)[1]
