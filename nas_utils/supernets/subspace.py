"""A tied sub-space of a super-network's space, small enough to tabulate once per checkpoint.

Searching a trained super-network costs one real evaluation (BN re-calibration + validation
pass, ~0.03-0.1 s on one core) per new sub-network, and the true Pareto front of a space of
10^7-10^10 networks is unknown. A :class:`TiedSpace` keeps the super-network's variables but
*ties* groups of them to one shared choice (every variable whose name matches a glob, e.g.
``k*``: one kernel size for every block), as OFA-style per-stage settings do. The product of
the remaining choices is a few thousand networks: every one is evaluated once (cached on disk
by weights, settings and architecture), so the search runs on an exhaustive table, the
reference front is the *exact* front of the space searched, and a rerun of an unchanged
checkpoint is a table look-up (:func:`nas_utils.experiments.search_supernet.tabulate`).

Tied coordinates: one integer per free variable and one per group (the choices of the group's
first variable; every member must offer the same choices). :meth:`TiedSpace.expand` maps them to
the super-network's coordinates; :meth:`TiedSpace.canonicalize` maps tied rows that denote the
same network (e.g. settings of inactive blocks) to one representative, the first in
enumeration order.

>>> from nas_utils.supernets import build_supernet
>>> space = TiedSpace(build_supernet("resnet_1d").space, ("e*",))
>>> space.size, [v.name for v in space.variables]
(2187, ['d0', 'd1', 'd2', 'w0', 'w1', 'w2', 'e*'])
>>> space.expand(space.upper[None]).tolist()[0][-3:]
[2, 2, 2]
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

import numpy as np

from nas_utils.errors import ConfigError
from nas_utils.spaces import IntMatrix, SearchSpace, Variable

#: Larger tied spaces cannot be tabulated on one machine in a stage's time.
MAX_NETWORKS = 200_000


class TiedSpace(SearchSpace):
    """``base`` with every group of variables matching one glob of ``ties`` sharing one choice.

    Args:
        base: the super-network's space.
        ties: glob patterns over variable names; each pattern with matches forms one group
            (a variable belongs to the first pattern it matches). ``()``: the base space itself.

    Raises:
        ConfigError: a pattern matches no variable, a group's members offer different choices,
            or the tied space is too large to enumerate.
    """

    def __init__(self, base: SearchSpace, ties: Sequence[str] = ()) -> None:
        names = [v.name for v in base.variables]
        owner: dict[int, int] = {}
        for g, pattern in enumerate(ties):
            hits = [i for i, n in enumerate(names) if fnmatch.fnmatchcase(n, pattern) and i not in owner]
            if not hits:
                raise ConfigError(f"tie pattern {pattern!r} matches no free variable of {base.name}; "
                                  f"valid names: {names}")
            choices = {base.variables[i].choices for i in hits}
            if len(choices) > 1:
                raise ConfigError(f"tie pattern {pattern!r} groups variables with different choices in {base.name}")
            owner.update({i: g for i in hits})
        # Tied coordinate j -> the base variables it sets (free variables and groups in base order).
        self.members: list[list[int]] = []
        variables: list[Variable] = []
        seen: dict[int, int] = {}
        for i, var in enumerate(base.variables):
            if i not in owner:
                self.members.append([i])
                variables.append(var)
            elif owner[i] not in seen:
                seen[owner[i]] = len(self.members)
                self.members.append([j for j in range(len(names)) if owner.get(j) == owner[i]])
                variables.append(Variable(ties[owner[i]], var.choices))
        super().__init__(f"{base.name}[tied]" if ties else base.name, variables)
        self.base, self.ties = base, tuple(ties)
        if self.size > MAX_NETWORKS:
            raise ConfigError(f"the tied space of {base.name} has {self.size} networks (ties {list(ties)}); "
                              f"at most {MAX_NETWORKS} can be tabulated: tie more variables")
        self._columns = np.array([m for members in self.members for m in members])
        self._repeat = np.array([len(m) for m in self.members])
        self._canon: np.ndarray | None = None

    def expand(self, X: np.ndarray) -> IntMatrix:
        """Tied rows -> the super-network's (canonical) rows."""
        X = super().validate(X)
        out = np.empty((len(X), self.base.n_var), dtype=np.int64)
        out[:, self._columns] = np.repeat(X, self._repeat, axis=1)
        return self.base.canonicalize(out)

    def _codes(self, X: np.ndarray) -> np.ndarray:
        radix = np.concatenate([np.cumprod(self.cardinalities[::-1])[::-1][1:], [1]])
        return np.asarray(X, dtype=np.int64) @ radix

    def canonicalize(self, X: IntMatrix) -> IntMatrix:
        """The first row (in :meth:`enumerate` order) that denotes the same network as each row."""
        if self._canon is None:
            every = super().enumerate()
            keys = self.base.keys(self.expand(every))
            first: dict[bytes, int] = {}
            self._canon = np.array([first.setdefault(k, i) for i, k in enumerate(keys)], dtype=np.int64)
            self._every = every
        return self._every[self._canon[self._codes(X)]]

    def networks(self) -> IntMatrix:
        """One tied row per distinct network (the canonical representatives), in enumeration order."""
        every = self.canonicalize(super().enumerate())
        _, first = np.unique(self._codes(every), return_index=True)
        return every[np.sort(first)]

    def describe(self) -> str:
        """E.g. ``d0, d1, d2, w0-w2 free; e* tied`` (for the report)."""
        free = [v.name for v, m in zip(self.variables, self.members) if len(m) == 1 and v.name not in self.ties]
        tied = [f"{p} ({len(m)} variables)" for p, m in zip([v.name for v in self.variables], self.members)
                if p in self.ties]
        return f"{len(free)} free variables" + (f"; tied: {', '.join(tied)}" if tied else " (the full space)")
