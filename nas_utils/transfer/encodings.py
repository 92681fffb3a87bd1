"""Architecture encodings for latency predictors: graphs, flat one-hot, analytic cost.

* :func:`nb201_graph` -- the op-on-node DAG of ALGORITHMS.md §5.1 (node 0 = input, nodes 1..6 =
  the six edge operations in NB201 string order, node 7 = output), optionally pruned as in
  NASFLAT §4.2: ``none`` nodes are cut, ``skip_connect`` nodes are bypassed (their predecessors
  wired to their successors), and nodes not on an input -> output path are masked out.
* :func:`fbnet_graph` -- the FBNet layer chain ``input -> layer0 -> ... -> layer21 -> output``
  (NASFLAT uses an identity adjacency and drops the first/last layer's op [quirk]; we keep every
  layer, wire the chain, and the model adds a learned per-position embedding).
* :func:`cost_features` -- FLOPs (multiply-accumulates) and parameter count computed
  analytically from the network skeleton (NB201: the published CIFAR macro net; FBNet: the
  HW-NAS-Bench CIFAR-100 skeleton, strides [inferred]).

Every function is vectorised over an ``(n, n_var)`` integer architecture matrix.

>>> import numpy as np
>>> from nas_utils.transfer.encodings import nb201_graph
>>> g = nb201_graph(np.array([[3, 3, 3, 3, 3, 3]]))     # all nor_conv_3x3
>>> g.adj.shape, int(g.adj.sum()), bool(g.mask.all())
((1, 8, 8), 10, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nas_utils.spaces import FBNET_BLOCKS, FBNET_LAYERS, NB201_OPS, nb201_output_ops

#: node-type ids shared by both spaces: 0 = input, 1 = output, 2 + op index = operation nodes.
INPUT, OUTPUT, OP0 = 0, 1, 2
#: op-on-node edges for NB201 string edge order e0=(0,1) e1=(0,2) e2=(1,2) e3=(0,3) e4=(1,3) e5=(2,3).
NB201_NODE_EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (0, 2), (0, 4), (1, 3), (1, 5), (2, 6), (3, 6), (4, 7), (5, 7), (6, 7),
)
_NONE, _SKIP = OP0 + NB201_OPS.index("none"), OP0 + NB201_OPS.index("skip_connect")


@dataclass(frozen=True)
class GraphBatch:
    """Batched DAGs with a fixed node count.

    Attributes:
        ops: (n, N) int64 node-type ids (see :data:`INPUT`, :data:`OUTPUT`, :data:`OP0`).
        adj: (n, N, N) float32, ``adj[b, i, j] = 1`` for an edge i -> j.
        mask: (n, N) bool, nodes that take part in the computation.
        n_types: number of node-type ids.
    """

    ops: np.ndarray
    adj: np.ndarray
    mask: np.ndarray
    n_types: int

    def __len__(self) -> int:
        return len(self.ops)

    def take(self, idx: np.ndarray) -> GraphBatch:
        return GraphBatch(self.ops[idx], self.adj[idx], self.mask[idx], self.n_types)

    def keys(self) -> np.ndarray:
        """Index of each graph's first identical graph (same ops on active nodes, same edges)."""
        flat = np.concatenate([np.where(self.mask, self.ops, -1), self.adj.reshape(len(self), -1)], axis=1)
        _, first, inverse = np.unique(flat, axis=0, return_index=True, return_inverse=True)
        return first[inverse.ravel()]


def nb201_graph(X: np.ndarray, prune: bool = False) -> GraphBatch:
    """The 8-node op-on-node graph of each NB201 cell (optionally NASFLAT-pruned)."""
    X = np.asarray(X, dtype=np.int64)
    n = len(X)
    ops = np.concatenate([np.full((n, 1), INPUT), X + OP0, np.full((n, 1), OUTPUT)], axis=1)
    adj = np.zeros((n, 8, 8), dtype=bool)
    for i, j in NB201_NODE_EDGES:
        adj[:, i, j] = True
    mask = np.ones((n, 8), dtype=bool)
    if prune:
        cut = ops == _NONE
        adj[cut] = False
        adj.transpose(0, 2, 1)[cut] = False
        for s in range(1, 7):  # topological order, so chains of skips collapse correctly
            bypass = ops[:, s] == _SKIP
            through = adj[:, :, s, None] & adj[:, None, s, :]
            adj |= through & bypass[:, None, None]
            adj[bypass, s, :] = False
            adj[bypass, :, s] = False
        reach_from_in = _closure(adj)[:, 0, :]
        reach_to_out = _closure(adj)[:, :, 7]
        mask = (reach_from_in & reach_to_out) | (np.arange(8) == 0) | (np.arange(8) == 7)
        adj &= mask[:, :, None] & mask[:, None, :]
    return GraphBatch(ops, adj.astype(np.float32), mask, OP0 + len(NB201_OPS))


def _closure(adj: np.ndarray) -> np.ndarray:
    """Transitive closure (paths of length >= 1) of batched boolean adjacency matrices."""
    reach = adj.copy()
    for _ in range(adj.shape[1]):
        nxt = reach | (reach.astype(np.int32) @ adj.astype(np.int32) > 0)
        if np.array_equal(nxt, reach):
            break
        reach = nxt
    return reach


def fbnet_graph(X: np.ndarray) -> GraphBatch:
    """The FBNet chain: input node, the 22 layers (their block types), output node."""
    X = np.asarray(X, dtype=np.int64)
    n, N = len(X), FBNET_LAYERS + 2
    ops = np.concatenate([np.full((n, 1), INPUT), X + OP0, np.full((n, 1), OUTPUT)], axis=1)
    adj = np.zeros((n, N, N), dtype=np.float32)
    adj[:, np.arange(N - 1), np.arange(1, N)] = 1.0
    return GraphBatch(ops, adj, np.ones((n, N), dtype=bool), OP0 + len(FBNET_BLOCKS))


def graph(space: str, X: np.ndarray, prune: bool = False) -> GraphBatch:
    """The DAG encoding of ``space`` (``prune`` only affects NB201)."""
    return nb201_graph(X, prune) if space == "nb201" else fbnet_graph(X)


# --- analytic FLOPs and parameters -----------------------------------------------------------


def _nb201_cost(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(MACs, params) of the NB201 CIFAR-10 network (C=16, 5 cells per stage)."""
    per_op_w = np.array([0.0, 0.0, 1.0, 9.0, 0.0])  # conv weight per C^2, op order NB201_OPS
    per_op_bn = np.array([0.0, 0.0, 2.0, 2.0, 0.0])  # BN params per C
    w = per_op_w[X].sum(axis=1)
    bn = per_op_bn[X].sum(axis=1)
    macs = np.full(len(X), 3 * 16 * 9 * 32 * 32, dtype=np.float64)  # stem
    params = np.full(len(X), 3 * 16 * 9 + 32, dtype=np.float64)
    for stage, (C, H) in enumerate(((16, 32), (32, 16), (64, 8))):
        macs += 5 * w * C * C * H * H
        params += 5 * (w * C * C + bn * C)
        if stage < 2:  # residual reduction block C -> 2C, stride 2
            h = H // 2
            macs += (9 * C * 2 * C + 9 * 4 * C * C + 2 * C * C) * h * h
            params += 9 * C * 2 * C + 9 * 4 * C * C + 2 * C * C + 8 * C
    params += 2 * 64 + 64 * 10 + 10  # last BN and classifier
    macs += 64 * 10
    return macs, params


# FBNet (HW-NAS-Bench CIFAR-100) skeleton [inferred from the FBNet paper]: stage sizes, widths, strides.
_FB_STAGES = ((1, 16, 1), (4, 24, 1), (4, 32, 2), (4, 64, 2), (4, 112, 1), (4, 184, 2), (1, 352, 1))
_FB_BLOCK = {b: (int(b[1]), int(b.split("_")[1][1:]), 2 if b.endswith("g2") else 1)
             for b in FBNET_BLOCKS if b != "skip"}  # name -> (kernel, expansion, groups)


def _fbnet_layer_tables() -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer: (MACs, params) of each of the 9 blocks at that position of the skeleton."""
    tables = []
    c_in, res = 16, 32
    for count, c_out, stride in _FB_STAGES:
        for i in range(count):
            s = stride if i == 0 else 1
            r_out = res // s
            table_m, table_p = np.zeros(len(FBNET_BLOCKS)), np.zeros(len(FBNET_BLOCKS))
            for b, name in enumerate(FBNET_BLOCKS):
                if name == "skip":  # identity, or a 1x1 projection when the shape changes
                    same = c_in == c_out and s == 1
                    table_p[b] = 0 if same else c_in * c_out
                    table_m[b] = 0 if same else c_in * c_out * r_out * r_out
                    continue
                k, e, g = _FB_BLOCK[name]
                mid = e * c_in
                table_p[b] = c_in * mid / g + k * k * mid + mid * c_out / g
                table_m[b] = c_in * mid / g * res * res + (k * k * mid + mid * c_out / g) * r_out * r_out
            tables.append((table_m, table_p))
            c_in, res = c_out, r_out
    return tables


def _fbnet_layer_costs(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, 22) MACs and (n, 22) params of every layer of every FBNet architecture."""
    tables = _fbnet_layer_tables()
    macs = np.stack([m[X[:, j]] for j, (m, _) in enumerate(tables)], axis=1)
    params = np.stack([p[X[:, j]] for j, (_, p) in enumerate(tables)], axis=1)
    return macs, params


def _fbnet_cost(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(MACs, params) of the FBNet CIFAR-100 network (stem 3x3 -> 22 blocks -> 1x1 1504 -> FC)."""
    layer_macs, layer_params = _fbnet_layer_costs(X)
    c_last, res_last = _FB_STAGES[-1][1], 4
    macs = 3 * 16 * 9 * 32 * 32 + layer_macs.sum(axis=1) + c_last * 1504 * res_last * res_last + 1504 * 100
    params = 3 * 16 * 9 + layer_params.sum(axis=1) + c_last * 1504 + 1504 * 100 + 100
    return macs, params


def cost_features(space: str, X: np.ndarray) -> np.ndarray:
    """(n, 2) analytic [MACs, params] of every architecture (natural units)."""
    X = np.asarray(X, dtype=np.int64)
    macs, params = _nb201_cost(X) if space == "nb201" else _fbnet_cost(X)
    return np.column_stack([macs, params])


def supplementary(space: str, X: np.ndarray) -> np.ndarray:
    """Standardised log-FLOPs and log-params: the supplementary encoding fed to predictors."""
    Z = np.log1p(cost_features(space, X))
    return ((Z - Z.mean(axis=0)) / np.where(Z.std(axis=0) > 0, Z.std(axis=0), 1.0)).astype(np.float32)


# --- per-layer operation features (issue 12 §3) ----------------------------------------------

#: FBNet stage of each of the 22 layers (stage sizes 1, 4, 4, 4, 4, 4, 1).
FBNET_STAGE_OF_LAYER = np.repeat(np.arange(len(_FB_STAGES)), [c for c, _, _ in _FB_STAGES])


def _nb201_op_columns(X: np.ndarray) -> list[np.ndarray]:
    """Count of each NB201 operation (5) and the operation one-hot of each edge (30)."""
    counts = np.stack([(X == o).sum(axis=1) for o in range(len(NB201_OPS))], axis=1)
    return [counts, (X[:, :, None] == np.arange(len(NB201_OPS))).reshape(len(X), -1)]


def op_features(space: str, X: np.ndarray, output_ops: bool = False) -> np.ndarray:
    """Per-layer operation features for latency regression on few samples.

    FBNet: count of each block type (9), non-skip layers per stage (7), log-MACs per stage (7),
    log-MACs and log-params of the network (2) = 25 columns -- on a GPU at batch size 1 latency
    is dominated by kernel launches (non-skip layers), elsewhere by the MACs of each stage.
    NB201: count of each operation (5), the operation one-hot of each edge (30), log-MACs and
    log-params (2) = 37 columns; with ``output_ops``, the same 35 operation columns once more for the ops
    that reach the output (:func:`nas_utils.spaces.nb201_output_ops`), before the costs: for runtimes
    that drop the others (raspi4, pixel3 among the HELP devices).
    """
    X = np.asarray(X, dtype=np.int64)
    log_cost = np.log1p(cost_features(space, X))
    if space == "nb201":
        kept = _nb201_op_columns(nb201_output_ops(X)) if output_ops else []
        return np.column_stack([*_nb201_op_columns(X), *kept, log_cost]).astype(np.float64)
    skip = FBNET_BLOCKS.index("skip")
    counts = np.stack([(X == b).sum(axis=1) for b in range(len(FBNET_BLOCKS))], axis=1)
    layer_macs, _ = _fbnet_layer_costs(X)
    stages = range(len(_FB_STAGES))
    nonskip = np.stack([(X[:, FBNET_STAGE_OF_LAYER == s] != skip).sum(axis=1) for s in stages], axis=1)
    stage_macs = np.stack([layer_macs[:, FBNET_STAGE_OF_LAYER == s].sum(axis=1) for s in stages], axis=1)
    return np.column_stack([counts, nonskip, np.log1p(stage_macs), log_cost]).astype(np.float64)
