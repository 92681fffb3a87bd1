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

from nas_utils.spaces import NB201_EDGES, SearchSpace

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
    # Reaches the output (node 3): node 2 via e5; node 1 via e4, or e2 into node 2.
    to_out = {3: np.ones(len(X), bool)}
    to_out[2] = on[:, 5]
    to_out[1] = on[:, 4] | (on[:, 2] & to_out[2])
    to_out[0] = on[:, 3] | (on[:, 0] & to_out[1]) | (on[:, 1] & to_out[2])
    live = np.column_stack([on[:, k] & reach[s] & to_out[d] for k, (s, d) in enumerate(NB201_EDGES)])
    return np.where(live, X, NONE)


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


def scalar_features(space: SearchSpace, X: np.ndarray) -> np.ndarray:
    """A few continuous features for mixed GP kernels: live and total FLOPs proxies (NB201) or none."""
    X = space.validate(X)
    if space.name != "nb201":
        return np.empty((len(X), 0))
    return np.column_stack([flops_proxy(live_ops(X)), flops_proxy(X)]) / 54.0  # 54 = six conv3x3 edges
