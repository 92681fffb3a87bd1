"""Validation-free architecture features for surrogate models (nothing here costs an evaluation).

For NAS-Bench-201 cells (:func:`nb201_features`), computed from the cell's graph alone:

* the 30-d one-hot of the six edge operations (what every predictor sees);
* the one-hot of the *live* operations: an edge is live when its op is not ``none``, its source
  is reachable from the input and its target reaches the output through non-``none`` edges;
  dead edges are set to ``none``, so cells that compute the same function share this block;
* op counts over all edges and over live edges (``skip``, ``conv1x1``, ``conv3x3``, ``pool``),
  and a FLOPs proxy ``9 * conv3x3 + conv1x1`` for both (every NB201 stage has the same
  ``C^2 * H * W``, so this is proportional to the convolution FLOPs and parameters of the net);
* the path encoding: for each of the four input-to-output paths (0-3, 0-1-3, 0-2-3, 0-1-2-3)
  whose edges are all non-``none``, a count of its op sequence (4 + 16 + 64 = 84 bins). Counting
  sequences regardless of which path carries them makes cells that differ only by swapping the
  two intermediate nodes look identical.

For any other space :func:`features` returns the one-hot encoding.

>>> import numpy as np
>>> from nas_utils.spaces import get_space
>>> space = get_space("nb201")
>>> X = space.from_string("|none~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_1x1~2|")[None]
>>> live_ops(X).tolist()  # edge 1->2 is dead: node 1 receives nothing
[[0, 3, 0, 1, 0, 2]]
>>> float(flops_proxy(live_ops(X))[0]), float(flops_proxy(X)[0])
(10.0, 19.0)
"""

from __future__ import annotations

import itertools

import numpy as np

from nas_utils.spaces import NB201_EDGES, SearchSpace, nb201_output_ops, nb201_reaches_output

NONE, SKIP, CONV1, CONV3, POOL = range(5)
#: Edge indices (into NB201_EDGES) of each input-to-output path.
NB201_PATHS: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))


def live_ops(X: np.ndarray) -> np.ndarray:
    """NB201 op matrix with every dead edge (see module docstring) set to ``none``."""
    X = np.asarray(X, dtype=np.int64)
    on = X != NONE
    # Reachable from the input (node 0): node 1 via e0; node 2 via e1, or e2 from node 1.
    reach = {0: np.ones(len(X), bool)}
    reach[1] = on[:, 0]
    reach[2] = on[:, 1] | (reach[1] & on[:, 2])
    to_out = nb201_reaches_output(on)
    live = np.column_stack([on[:, k] & reach[s] & to_out[d] for k, (s, d) in enumerate(NB201_EDGES)])
    return np.where(live, X, NONE)


def output_ops(X: np.ndarray) -> np.ndarray:
    """NB201 op matrix with every edge whose result cannot reach the output set to ``none``
    (:func:`nas_utils.spaces.nb201_output_ops`). Unlike :func:`live_ops`, input reachability is not
    required: a runtime that drops dead code still runs an op fed only by zeros."""
    return nb201_output_ops(X)


def is_dead(X: np.ndarray) -> np.ndarray:
    """Whether each NB201 cell has no live edge: no input-to-output path, so its output is constant
    (chance accuracy, e.g. 1 % on CIFAR-100, whatever its ops)."""
    return np.all(live_ops(X) == NONE, axis=1)


def op_counts(X: np.ndarray) -> np.ndarray:
    """(n, 4) counts of skip, conv1x1, conv3x3 and pool edges."""
    X = np.asarray(X, dtype=np.int64)
    return np.column_stack([(X == op).sum(axis=1) for op in (SKIP, CONV1, CONV3, POOL)]).astype(np.float64)


def flops_proxy(X: np.ndarray) -> np.ndarray:
    """``9 * (#conv3x3) + (#conv1x1)``: proportional to the net's convolution FLOPs and weights."""
    counts = op_counts(X)
    return 9.0 * counts[:, 2] + counts[:, 1]


_SEQUENCES = [seq for length in (1, 2, 3) for seq in itertools.product((SKIP, CONV1, CONV3, POOL), repeat=length)]
_SEQ_INDEX = {seq: i for i, seq in enumerate(_SEQUENCES)}


def path_counts(X: np.ndarray) -> np.ndarray:
    """(n, 84) counts of the op sequences along the complete input-to-output paths."""
    X = np.asarray(X, dtype=np.int64)
    out = np.zeros((len(X), len(_SEQUENCES)))
    for path in NB201_PATHS:
        ops = X[:, list(path)]
        complete = np.all(ops != NONE, axis=1)
        for row in np.flatnonzero(complete):
            out[row, _SEQ_INDEX[tuple(int(o) for o in ops[row])]] += 1
    return out


def nb201_features(space: SearchSpace, X: np.ndarray) -> np.ndarray:
    """The validation-free NB201 feature matrix of the module docstring (float64)."""
    X = space.validate(X)
    live = live_ops(X)
    return np.hstack([
        space.one_hot(X), space.one_hot(live), op_counts(X), op_counts(live),
        flops_proxy(X)[:, None], flops_proxy(live)[:, None], path_counts(X),
    ]).astype(np.float64)


def features(space: SearchSpace, X: np.ndarray) -> np.ndarray:
    """Validation-free features of ``X``: :func:`nb201_features` on NB201, else the one-hot."""
    if space.name == "nb201":
        return nb201_features(space, X)
    return space.one_hot(X).astype(np.float64)


def scalar_features(space: SearchSpace, X: np.ndarray, ordinal: bool = False) -> np.ndarray:
    """A few continuous features for mixed GP kernels: live and total FLOPs proxies (NB201); on any other
    space none, or with ``ordinal`` each variable's choice index scaled to [0, 1] (:func:`ordinal_features`)."""
    X = space.validate(X)
    if space.name != "nb201":
        return ordinal_features(space, X) if ordinal else np.empty((len(X), 0))
    return np.column_stack([flops_proxy(live_ops(X)), flops_proxy(X)]) / 54.0  # 54 = six conv3x3 edges


def ordinal_features(space: SearchSpace, X: np.ndarray) -> np.ndarray:
    """Each variable's choice index scaled to [0, 1]: a distance for spaces whose choices are ordered, as a
    super-network's (depths, widths, kernel sizes, expansions, in ascending order). NB201's operations are not."""
    return space.validate(X) / np.maximum(space.cardinalities - 1, 1)


def function_features(space: SearchSpace, X: np.ndarray, path_weight: float = 0.5,
                      stats_weight: float = 1.0) -> np.ndarray:
    """Features of what a cell *computes* (for accuracy models): equal for functionally identical cells.

    NB201: the live-op one-hot, live op counts, the live FLOPs proxy (in conv3x3 units), the
    path summaries of :func:`path_stats` (weighted by ``stats_weight``: a larger weight makes an
    RBF kernel's distance, hence its similarity, follow these summaries more closely) and the path
    encoding (weighted by ``path_weight``);
    dead edges and a swap of the two intermediate nodes change none of the path features.
    Else the one-hot.
    """
    X = space.validate(X)
    if space.name != "nb201":
        return space.one_hot(X).astype(np.float64)
    live = live_ops(X)
    return np.hstack([space.one_hot(live), op_counts(live), flops_proxy(live)[:, None] / 9.0,
                      stats_weight * path_stats(live), path_weight * path_counts(live)]).astype(np.float64)


def cost_features(space: SearchSpace, X: np.ndarray, pair_weight: float = 0.0,
                  live_weight: float = 0.0, output_weight: float = 0.0) -> np.ndarray:
    """Features of what a cell *executes* (for latency models): every edge counts, dead or live.

    NB201: the one-hot of all six edges, op counts and the FLOPs proxy (a dead convolution still
    runs; the FLOPs proxy in conv3x3 units), and with ``pair_weight > 0`` the
    :func:`edge_pair_features` times that weight; with ``live_weight > 0`` also the same three
    blocks of the live ops (:func:`live_ops`) times that weight, for runtimes that drop what cannot
    reach the output (of the 27 HELP devices, raspi4 and pixel3 do: a dead cell runs in ~0.1 ms
    there, in 64-81 % of a live cell's time on the others); ``output_weight`` likewise with the ops
    that reach the output (:func:`output_ops`: what such a runtime keeps); else the one-hot.
    """
    X = space.validate(X)
    if space.name != "nb201":
        return space.one_hot(X).astype(np.float64)
    blocks = [space.one_hot(X), op_counts(X), flops_proxy(X)[:, None] / 9.0]
    if pair_weight > 0:
        blocks.append(pair_weight * edge_pair_features(space, X))
    for weight, kept in [(live_weight, live_ops), (output_weight, output_ops)]:
        if weight > 0:
            ops = kept(X)
            blocks += [weight * space.one_hot(ops), weight * op_counts(ops), weight * flops_proxy(ops)[:, None] / 9.0]
    return np.hstack(blocks).astype(np.float64)


def edge_pair_features(space: SearchSpace, X: np.ndarray) -> np.ndarray:
    """(n, 375) products of the op one-hots of every two different edges (NB201: 15 edge pairs x 25 op pairs).

    A linear model on them is a second-order model of the cost: on a device two ops cost more or
    less together than apart (shared inputs, fused kernels, cache reuse). Fitted to all 15,625 cells
    of each of the 23 HELP devices that are no search test cell, a ridge on :func:`cost_features`
    explains 83-98 % of the log-latency variance, with these products 88-99.9 %. In ``hvgain``'s
    latency GP (``pair_weight``) they did not pay on the development cells (session 8, tuning record:
    -16 % validations to HV 0.995 on seeds 0-2, -3.5 % over seeds 0-9, 50 % more CPU); not adopted.
    """
    X = space.validate(X)
    onehot = space.one_hot(X).astype(np.float64)
    k = space.cardinalities
    starts = np.concatenate([[0], np.cumsum(k)[:-1]])
    blocks = [(onehot[:, starts[a]:starts[a] + k[a], None] * onehot[:, None, starts[b]:starts[b] + k[b]]).reshape(len(X), -1)
              for a, b in itertools.combinations(range(len(k)), 2)]
    return np.hstack(blocks)


def isomorph_keys(space: SearchSpace, X: np.ndarray) -> list[bytes]:
    """One key per row, equal for cells that are the same network up to relabelling (NB201).

    NB201: when edge 1->2 is ``none`` the two intermediate nodes are interchangeable, so the
    cell and its mirror ``(e1, e0, none, e3, e5, e4)`` run the same operations on the same
    graph (same function *and* same cost); the key is the smaller of the two codes. Other
    spaces: :meth:`SearchSpace.keys`.
    """
    X = space.validate(X)
    if space.name != "nb201":
        return space.keys(X)
    mirror = X[:, [1, 0, 2, 3, 5, 4]]
    swap = (X[:, 2] == NONE) & (_code(mirror) < _code(X))
    canon = np.where(swap[:, None], mirror, X)
    return space.keys(canon)


def _code(X: np.ndarray) -> np.ndarray:
    """Mixed-radix integer code of each NB201 row (for ordering)."""
    return X @ (5 ** np.arange(X.shape[1])[::-1])


def path_stats(X: np.ndarray) -> np.ndarray:
    """(n, 13) summaries of the complete input-to-output paths of NB201 cells (live ops).

    Over the (up to four) paths whose edges are all non-``none``: their number, the number of
    paths without a convolution (pure skip/pool shortcuts) and without any op but ``skip``; the
    max, min and sum over paths of their convolutions; the max and sum of conv3x3s; the max
    and sum of pools; the longest path's length and the most convolutions on a path with no
    pool. Unlike the 84-bin path encoding these generalise across op sequences seen rarely.
    """
    X = np.asarray(X, dtype=np.int64)
    n = len(X)
    stats = {k: np.zeros((n, len(NB201_PATHS))) for k in ("on", "conv", "conv3", "pool", "len", "skiponly")}
    for p, path in enumerate(NB201_PATHS):
        ops = X[:, list(path)]
        on = np.all(ops != NONE, axis=1)
        stats["on"][:, p] = on
        stats["conv"][:, p] = on * np.isin(ops, (CONV1, CONV3)).sum(axis=1)
        stats["conv3"][:, p] = on * (ops == CONV3).sum(axis=1)
        stats["pool"][:, p] = on * (ops == POOL).sum(axis=1)
        stats["len"][:, p] = on * len(path)
        stats["skiponly"][:, p] = on & np.all(ops == SKIP, axis=1)
    on = stats["on"].astype(bool)
    conv_on = np.where(on, stats["conv"], np.inf)
    no_pool = on & (stats["pool"] == 0)
    return np.column_stack([
        on.sum(1), (on & (stats["conv"] == 0)).sum(1), stats["skiponly"].sum(1),
        stats["conv"].max(1), np.where(on.any(1), conv_on.min(1), 0.0), stats["conv"].sum(1),
        stats["conv3"].max(1), stats["conv3"].sum(1), stats["pool"].max(1), stats["pool"].sum(1),
        stats["len"].max(1), np.where(no_pool, stats["conv"], 0.0).max(1),
        (on & (stats["pool"] > 0)).sum(1),
    ]).astype(np.float64)
