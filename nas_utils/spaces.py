"""Declarative search spaces: variables with their choices, and every encoding of a member.

A :class:`SearchSpace` is an ordered tuple of :class:`Variable` s. An architecture has four
interchangeable forms, and the space converts between them:

* a **config** dict ``{variable name: choice value}`` (what a super-network consumes),
* an **integer vector** of choice indices (what search algorithms manipulate),
* **one-hot features** (what predictors consume),
* a **canonical string** (what tables, logs and de-duplication use).

Vectorised methods take a 2-D ``(n, n_var)`` array; single-architecture helpers take 1-D.

>>> import numpy as np
>>> from nas_utils.spaces import get_space
>>> nb201 = get_space("nb201")
>>> s = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
>>> x = nb201.from_string(s)
>>> x.tolist()
[3, 3, 4, 1, 3, 1]
>>> nb201.to_string(x) == s
True
>>> nb201.one_hot(x[None]).shape
(1, 30)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nas_utils.errors import InvalidArchitectureError
from nas_utils.registry import Registry

IntMatrix = np.ndarray  # (n, n_var) integer choice indices


@dataclass(frozen=True)
class Variable:
    """One decision: a name and its ordered, distinct choices."""

    name: str
    choices: tuple[Hashable, ...]

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise InvalidArchitectureError(f"variable name must be a non-empty string, got {self.name!r}")
        if len(self.choices) == 0:
            raise InvalidArchitectureError(f"variable {self.name!r} has no choices")
        if len(set(self.choices)) != len(self.choices):
            raise InvalidArchitectureError(f"variable {self.name!r} has repeated choices {self.choices!r}")

    @property
    def n_choices(self) -> int:
        return len(self.choices)


class SearchSpace:
    """A product space of categorical variables.

    Args:
        name: registry name of the space.
        variables: the ordered decision variables.

    Raises:
        InvalidArchitectureError: if the space is empty or two variables share a name.
    """

    def __init__(self, name: str, variables: Sequence[Variable]) -> None:
        if not variables:
            raise InvalidArchitectureError(f"search space {name!r} has no variables")
        names = [v.name for v in variables]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InvalidArchitectureError(f"search space {name!r} repeats variable {dupes[0]!r}")
        self.name = name
        self.variables: tuple[Variable, ...] = tuple(variables)
        self.cardinalities = np.array([v.n_choices for v in self.variables], dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(self.cardinalities)[:-1]])
        self._value_to_index = [{c: i for i, c in enumerate(v.choices)} for v in self.variables]

    # --- size and shape ------------------------------------------------------------------
    @property
    def n_var(self) -> int:
        return len(self.variables)

    @property
    def size(self) -> int:
        """Number of distinct architectures (a Python int: FBNet's 9**22 overflows int64)."""
        return math.prod(int(c) for c in self.cardinalities)

    @property
    def n_features(self) -> int:
        return int(self.cardinalities.sum())

    @property
    def upper(self) -> np.ndarray:
        """Inclusive upper bound of each integer variable (lower bounds are 0)."""
        return self.cardinalities - 1

    def __repr__(self) -> str:
        return f"SearchSpace({self.name!r}, n_var={self.n_var}, size={self.size:.3g})"

    # --- validation ----------------------------------------------------------------------
    def validate(self, X: np.ndarray) -> IntMatrix:
        """Return ``X`` as a 2-D int64 array, or raise if any entry is out of its range."""
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_var:
            raise InvalidArchitectureError(
                f"{self.name}: expected vectors of length {self.n_var}, got shape {tuple(X.shape)}"
            )
        if not np.issubdtype(X.dtype, np.integer):
            if not np.all(np.equal(np.mod(X, 1), 0)):
                raise InvalidArchitectureError(f"{self.name}: architecture vectors must be integers")
        X = X.astype(np.int64)
        bad = (X < 0) | (X > self.upper)
        if bad.any():
            row, col = map(int, np.argwhere(bad)[0])
            var = self.variables[col]
            raise InvalidArchitectureError(
                f"{self.name}: variable {var.name!r} index {X[row, col]} is out of range 0..{var.n_choices - 1}"
            )
        return X

    # --- config dict <-> vector ----------------------------------------------------------
    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """Config dict -> integer vector."""
        missing = [v.name for v in self.variables if v.name not in config]
        extra = sorted(set(config) - {v.name for v in self.variables})
        if missing or extra:
            what = f"missing {missing[0]!r}" if missing else f"unknown variable {extra[0]!r}"
            raise InvalidArchitectureError(f"{self.name}: config has {what}")
        out = np.empty(self.n_var, dtype=np.int64)
        for i, var in enumerate(self.variables):
            value = config[var.name]
            try:
                out[i] = self._value_to_index[i][value]
            except (KeyError, TypeError):
                raise InvalidArchitectureError(
                    f"{self.name}: {var.name}={value!r} is not a valid choice; valid: {list(var.choices)}"
                ) from None
        return out

    def decode(self, x: np.ndarray) -> dict[str, Any]:
        """Integer vector -> config dict."""
        (row,) = self.validate(x)
        return {v.name: v.choices[int(i)] for v, i in zip(self.variables, row)}

    # --- strings ---------------------------------------------------------------------------
    def to_string(self, x: np.ndarray) -> str:
        """Canonical string of one architecture: ``name=value`` pairs joined by ``;``."""
        cfg = self.decode(x)
        return ";".join(f"{k}={v}" for k, v in cfg.items())

    def to_strings(self, X: np.ndarray) -> list[str]:
        return [self.to_string(x) for x in self.validate(X)]

    def from_string(self, s: str) -> np.ndarray:
        """Inverse of :meth:`to_string`; a malformed token names itself in the error."""
        if not isinstance(s, str):
            raise InvalidArchitectureError(f"{self.name}: architecture string expected, got {type(s).__name__}")
        config: dict[str, Any] = {}
        lookup = {v.name: v for v in self.variables}
        for token in s.split(";"):
            name, sep, raw = token.partition("=")
            if not sep or name not in lookup:
                raise InvalidArchitectureError(f"{self.name}: bad token {token!r} in architecture string {s!r}")
            var = lookup[name]
            matches = [c for c in var.choices if str(c) == raw]
            if not matches:
                raise InvalidArchitectureError(
                    f"{self.name}: bad token {token!r}; valid values of {name}: {[str(c) for c in var.choices]}"
                )
            config[name] = matches[0]
        return self.encode(config)

    # --- features --------------------------------------------------------------------------
    def one_hot(self, X: np.ndarray) -> np.ndarray:
        """(n, n_var) integer matrix -> (n, n_features) float32 one-hot features (vectorised)."""
        X = self.validate(X)
        out = np.zeros((X.shape[0], self.n_features), dtype=np.float32)
        rows = np.repeat(np.arange(X.shape[0]), self.n_var)
        out[rows, (X + self._offsets).ravel()] = 1.0
        return out

    def keys(self, X: np.ndarray) -> list[bytes]:
        """One hashable bytes key per row (after :meth:`canonicalize`), for de-duplication."""
        X = np.ascontiguousarray(self.canonicalize(self.validate(X)), dtype=np.int16)
        return [row.tobytes() for row in X]

    def canonicalize(self, X: IntMatrix) -> IntMatrix:
        """Map architectures that are the same network to one representative.

        The default is the identity; spaces with inactive variables (e.g. blocks beyond a
        stage's depth) override it so that de-duplication treats them as one.
        """
        return X

    # --- sampling and variation -----------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> IntMatrix:
        """``n`` architectures drawn uniformly (with replacement) from the space."""
        return rng.integers(0, self.cardinalities, size=(n, self.n_var), dtype=np.int64)

    def sample_unique(self, rng: np.random.Generator, n: int, exclude: set[bytes] | None = None) -> IntMatrix:
        """``n`` distinct architectures not in ``exclude`` (keys from :meth:`keys`)."""
        exclude = set() if exclude is None else set(exclude)
        if n > self.size - len(exclude):
            raise InvalidArchitectureError(f"{self.name}: cannot draw {n} new architectures from {self.size}")
        chosen: list[np.ndarray] = []
        while len(chosen) < n:
            batch = self.sample(rng, max(2 * (n - len(chosen)), 16))
            for x, key in zip(batch, self.keys(batch)):
                if key not in exclude:
                    exclude.add(key)
                    chosen.append(x)
                    if len(chosen) == n:
                        break
        return np.stack(chosen)

    def mutate(self, x: np.ndarray, rng: np.random.Generator, prob: float | None = None) -> np.ndarray:
        """Resample each variable with probability ``prob`` (default ``1/n_var``); at least one changes."""
        (x,) = self.validate(x)
        prob = 1.0 / self.n_var if prob is None else prob
        mask = rng.random(self.n_var) < prob
        mask[rng.integers(self.n_var)] |= not mask.any()
        out = x.copy()
        for i in np.flatnonzero(mask):
            if self.cardinalities[i] > 1:
                shift = rng.integers(1, self.cardinalities[i])
                out[i] = (x[i] + shift) % self.cardinalities[i]
        return out

    def enumerate(self) -> IntMatrix:
        """Every architecture, in mixed-radix order (only for small spaces)."""
        if self.size > 5_000_000:
            raise InvalidArchitectureError(f"{self.name}: {self.size} architectures are too many to enumerate")
        grids = np.meshgrid(*[np.arange(c) for c in self.cardinalities], indexing="ij")
        return np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)


# --- NAS-Bench-201 ---------------------------------------------------------------------------

NB201_OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
# Edge (source node -> target node) of each of the six variables, in NB201 string order.
NB201_EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))


def nb201_reaches_output(on: np.ndarray) -> dict[int, np.ndarray]:
    """Per node, whether it has a path of non-``none`` edges (``on``: (n, 6) booleans) to the output,
    node 3: node 2 via e5; node 1 via e4, or e2 into node 2; node 0 via e3, or through node 1 or 2."""
    to_out = {3: np.ones(len(on), bool)}
    to_out[2] = on[:, 5]
    to_out[1] = on[:, 4] | (on[:, 2] & to_out[2])
    to_out[0] = on[:, 3] | (on[:, 0] & to_out[1]) | (on[:, 1] & to_out[2])
    return to_out


def nb201_output_ops(X: np.ndarray) -> np.ndarray:
    """NB201 op matrix with every edge whose result cannot reach the output set to ``none`` (0).

    What a graph compiler's dead-code elimination keeps: an op on an edge into a node with no path
    to the output is removed, while an op fed only by ``none`` edges (zeros) still runs.
    """
    X = np.asarray(X, dtype=np.int64)
    on = X != 0
    to_out = nb201_reaches_output(on)
    feeds = np.column_stack([on[:, k] & to_out[d] for k, (_, d) in enumerate(NB201_EDGES)])
    return np.where(feeds, X, 0)


class NB201Space(SearchSpace):
    """The NAS-Bench-201 cell: six edges, five operations each (NB201 API op order).

    Strings use the benchmark's own format
    ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` (edges in the order of :data:`NB201_EDGES`).
    """

    def __init__(self) -> None:
        super().__init__("nb201", [Variable(f"edge{i}->{j}", NB201_OPS) for i, j in NB201_EDGES])

    def to_string(self, x: np.ndarray) -> str:
        (row,) = self.validate(x)
        ops = [NB201_OPS[int(i)] for i in row]
        nodes = [[(ops[k], src) for k, (src, dst) in enumerate(NB201_EDGES) if dst == d] for d in (1, 2, 3)]
        return "+".join("|" + "|".join(f"{op}~{src}" for op, src in node) + "|" for node in nodes)

    def from_string(self, s: str) -> np.ndarray:
        if not isinstance(s, str):
            raise InvalidArchitectureError(f"nb201: architecture string expected, got {type(s).__name__}")
        nodes = s.split("+")
        if len(nodes) != 3:
            raise InvalidArchitectureError(f"nb201: expected 3 '+'-separated nodes in {s!r}, got {len(nodes)}")
        out = []
        for dst, node in enumerate(nodes, start=1):
            if not (node.startswith("|") and node.endswith("|")):
                raise InvalidArchitectureError(f"nb201: bad node {node!r} in {s!r} (must be wrapped in '|')")
            tokens = node[1:-1].split("|")
            if len(tokens) != dst:
                raise InvalidArchitectureError(f"nb201: node {node!r} must have {dst} edge(s) in {s!r}")
            for src, token in enumerate(tokens):
                op, sep, idx = token.partition("~")
                if not sep or op not in NB201_OPS or idx != str(src):
                    raise InvalidArchitectureError(
                        f"nb201: bad token {token!r} in {s!r}; expected '<op>~{src}' with op in {list(NB201_OPS)}"
                    )
                out.append(NB201_OPS.index(op))
        return np.array(out, dtype=np.int64)


# --- FBNet (HW-NAS-Bench subset used by HELP) -------------------------------------------------

FBNET_BLOCKS: tuple[str, ...] = (
    "k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip",
)
FBNET_LAYERS = 22


class FBNetSpace(SearchSpace):
    """FBNet macro space: 22 searchable layers, 9 candidate blocks each.

    Strings are the 22 block names joined by ``-`` (e.g. ``k3_e1-skip-...``).
    """

    def __init__(self) -> None:
        super().__init__("fbnet", [Variable(f"layer{i}", FBNET_BLOCKS) for i in range(FBNET_LAYERS)])

    def to_string(self, x: np.ndarray) -> str:
        (row,) = self.validate(x)
        return "-".join(FBNET_BLOCKS[int(i)] for i in row)

    def from_string(self, s: str) -> np.ndarray:
        if not isinstance(s, str):
            raise InvalidArchitectureError(f"fbnet: architecture string expected, got {type(s).__name__}")
        tokens = s.split("-")
        if len(tokens) != FBNET_LAYERS:
            raise InvalidArchitectureError(f"fbnet: expected {FBNET_LAYERS} '-'-separated blocks in {s!r}, got {len(tokens)}")
        for token in tokens:
            if token not in FBNET_BLOCKS:
                raise InvalidArchitectureError(f"fbnet: bad token {token!r}; valid blocks: {list(FBNET_BLOCKS)}")
        return np.array([FBNET_BLOCKS.index(t) for t in tokens], dtype=np.int64)


SPACES: Registry[Callable[[], SearchSpace]] = Registry("search space")
SPACES.add("nb201", NB201Space)
SPACES.add("fbnet", FBNetSpace)


def get_space(name: str) -> SearchSpace:
    """Build the registered space ``name``."""
    return SPACES.get(name)()
