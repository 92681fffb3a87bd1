"""Pre-trainable latency predictors with a per-device hardware embedding.

Two architecture encoders share one head:

* ``gnn`` -- a graph network over the architecture DAG (NASFLAT style): learned operation and
  node-position embeddings, concatenated at every node with the device's hardware embedding,
  message passing along both edge directions with a hardware/op-conditioned sigmoid gate, and
  a sum+mean readout over the active nodes (latency is roughly additive over operations).
* ``mlp`` -- an MLP on the flat one-hot encoding concatenated with the hardware embedding.

Two device representations:

* ``table`` -- one learned row per device (``nn.Embedding``); a new device's row is copied
  from the source device whose latencies correlate best with the new device's k samples.
* ``help``  -- HELP's: the device's min-max-scaled latencies on 10 fixed reference
  architectures, mapped by a small MLP (costs 10 extra measurements on a new device).

Training minimises NASFLAT's pairwise hinge ranking loss, with pairs formed only *within* a
device (NASFLAT also pairs across devices, whose labels are scaled independently [quirk]).
Everything is batched tensor code; RNG use is confined to ``torch.random.fork_rng`` blocks
seeded explicitly, so the global RNG state is untouched.

>>> import torch
>>> from nas_utils.transfer.models import pairwise_hinge
>>> y = torch.tensor([1.0, 2.0, 3.0]); dev = torch.zeros(3, dtype=torch.long)
>>> float(pairwise_hinge(y, y, dev))
0.0
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nas_utils.transfer.encodings import GraphBatch


@dataclass(frozen=True)
class ModelSpec:
    """Architecture and device representation of a transferable predictor."""

    encoder: str = "gnn"  # gnn | mlp
    device_repr: str = "table"  # table | help
    supplementary: bool = True  # feed analytic log-FLOPs/log-params
    hidden: int = 64
    layers: int = 3
    hw_dim: int = 8


class ArchTensors:
    """Every encoding of every architecture of a space, as tensors indexed by row."""

    def __init__(self, graph: GraphBatch, flat: np.ndarray, supp: np.ndarray) -> None:
        self.ops = torch.as_tensor(graph.ops, dtype=torch.long)
        self.adj = torch.as_tensor(graph.adj, dtype=torch.float32)
        self.mask = torch.as_tensor(graph.mask, dtype=torch.float32)
        self.flat = torch.as_tensor(flat, dtype=torch.float32)
        self.supp = torch.as_tensor(supp, dtype=torch.float32)
        self.n_types = graph.n_types
        self.n_nodes = graph.ops.shape[1]

    def __len__(self) -> int:
        return len(self.ops)


class LatencyNet(nn.Module):
    """Score (higher = slower) of architecture rows on devices; see the module docstring."""

    def __init__(self, spec: ModelSpec, archs: ArchTensors, n_devices: int, help_dim: int = 10) -> None:
        super().__init__()
        self.spec = spec
        h, hw = spec.hidden, spec.hw_dim
        if spec.device_repr == "table":
            self.hw_table = nn.Embedding(n_devices, hw)
        else:
            self.hw_net = nn.Sequential(nn.Linear(help_dim, 32), nn.ReLU(), nn.Linear(32, hw))
        supp_dim = archs.supp.shape[1] if spec.supplementary else 0
        if spec.encoder == "gnn":
            self.op_emb = nn.Embedding(archs.n_types, h)
            self.pos_emb = nn.Embedding(archs.n_nodes, h)
            self.inp = nn.Linear(h + hw, h)
            self.ctx = nn.Linear(h + hw, h * spec.layers)
            self.msg = nn.ModuleList(nn.Linear(3 * h, h) for _ in range(spec.layers))
            self.norm = nn.ModuleList(nn.LayerNorm(h) for _ in range(spec.layers))
            head_in = 2 * h
        else:
            self.body = nn.Sequential(nn.Linear(archs.flat.shape[1] + hw, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU())
            head_in = h
        self.head = nn.Sequential(nn.Linear(head_in + hw + supp_dim, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
                                  nn.Linear(h, 1))

    def device_vector(self, dev: torch.Tensor, help_vec: torch.Tensor | None) -> torch.Tensor:
        if self.spec.device_repr == "table":
            return self.hw_table(dev)
        assert help_vec is not None
        return self.hw_net(help_vec[dev])

    def forward(self, archs: ArchTensors, rows: torch.Tensor, dev: torch.Tensor,
                help_vec: torch.Tensor | None = None) -> torch.Tensor:
        z = self.device_vector(dev, help_vec)
        if self.spec.encoder == "gnn":
            feat = self._graph(archs, rows, z)
        else:
            feat = self.body(torch.cat([archs.flat[rows], z], dim=1))
        parts = [feat, z] + ([archs.supp[rows]] if self.spec.supplementary else [])
        return self.head(torch.cat(parts, dim=1)).squeeze(1)

    def _graph(self, archs: ArchTensors, rows: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        ops, adj, mask = archs.ops[rows], archs.adj[rows], archs.mask[rows].unsqueeze(-1)
        n_nodes = ops.shape[1]
        node = self.op_emb(ops) + self.pos_emb.weight[:n_nodes]
        node_ctx = torch.cat([node, z.unsqueeze(1).expand(-1, n_nodes, -1)], dim=2)
        h = torch.relu(self.inp(node_ctx)) * mask
        gates = torch.sigmoid(self.ctx(node_ctx)).chunk(self.spec.layers, dim=2)
        adj_t = adj.transpose(1, 2)
        for msg, norm, gate in zip(self.msg, self.norm, gates):
            m = torch.cat([h, adj_t @ h, adj @ h], dim=2)  # self, from predecessors, from successors
            h = (h + gate * torch.relu(norm(msg(m)))) * mask
        total = h.sum(dim=1)
        return torch.cat([total, total / mask.sum(dim=1).clamp(min=1.0)], dim=1)


def pairwise_hinge(score: torch.Tensor, y: torch.Tensor, dev: torch.Tensor, margin: float = 0.1) -> torch.Tensor:
    """Mean of ``max(0, margin - sgn(y_i - y_j)(s_i - s_j))`` over same-device pairs with y_i != y_j."""
    dy = y.unsqueeze(1) - y.unsqueeze(0)
    valid = (dev.unsqueeze(1) == dev.unsqueeze(0)) & (dy != 0)
    valid = torch.triu(valid, diagonal=1)
    if not valid.any():
        return score.sum() * 0.0
    ds = score.unsqueeze(1) - score.unsqueeze(0)
    return torch.relu(margin - torch.sign(dy) * ds)[valid].mean()


@dataclass(frozen=True)
class TrainSpec:
    epochs: int
    lr: float
    batch_size: int
    weight_decay: float = 1e-5


def train(model: LatencyNet, archs: ArchTensors, rows: np.ndarray, dev: np.ndarray, y: np.ndarray,
          spec: TrainSpec, seed: int, help_vec: torch.Tensor | None = None) -> LatencyNet:
    """Train ``model`` in place on (row, device, label) triples with the pairwise hinge loss.

    AdamW with cosine annealing to 1e-6 (NASFLAT's schedule); mini-batches are shuffled by a
    generator seeded with ``seed``.
    """
    rows_t = torch.as_tensor(rows, dtype=torch.long)
    dev_t = torch.as_tensor(dev, dtype=torch.long)
    y_t = torch.as_tensor(y, dtype=torch.float32)
    n = len(rows_t)
    steps_per_epoch = max(1, -(-n // spec.batch_size))
    opt = torch.optim.AdamW(model.parameters(), lr=spec.lr, weight_decay=spec.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=spec.epochs * steps_per_epoch, eta_min=1e-6)
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model.train()
        for _ in range(spec.epochs):
            perm = torch.randperm(n, generator=gen)
            for b in range(steps_per_epoch):
                idx = perm[b * spec.batch_size:(b + 1) * spec.batch_size]
                if len(idx) < 2:
                    continue
                loss = pairwise_hinge(model(archs, rows_t[idx], dev_t[idx], help_vec), y_t[idx], dev_t[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
    model.eval()
    return model


@torch.no_grad()
def predict(model: LatencyNet, archs: ArchTensors, rows: np.ndarray, device: int,
            help_vec: torch.Tensor | None = None, batch: int = 4096) -> np.ndarray:
    """Scores of architecture ``rows`` on device index ``device`` (eval mode, batched)."""
    model.eval()
    rows_t = torch.as_tensor(rows, dtype=torch.long)
    out = []
    for s in range(0, len(rows_t), batch):
        r = rows_t[s:s + batch]
        out.append(model(archs, r, torch.full((len(r),), device, dtype=torch.long), help_vec))
    return torch.cat(out).numpy().astype(np.float64)


def build(spec: ModelSpec, archs: ArchTensors, n_devices: int, seed: int) -> LatencyNet:
    """A freshly initialised model (initialisation seeded, global RNG untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return LatencyNet(spec, archs, n_devices)


def fresh_copy(model: LatencyNet) -> LatencyNet:
    """An independent deep copy (fine-tuning never touches the pre-trained weights)."""
    return copy.deepcopy(model)


def minmax(y: np.ndarray) -> np.ndarray:
    """Min-max scale to [0, 1] (constant input -> zeros)."""
    y = np.asarray(y, dtype=np.float64)
    span = y.max() - y.min()
    return (y - y.min()) / span if span > 0 else np.zeros_like(y)
