"""Multi-objective and ranking metrics, on top of pymoo and scipy.

Conventions: objectives are given in natural units together with :class:`Objective` records
saying which are maximised. Hypervolume is computed in the *minimisation* space (maximised
objectives negated), normalised to [0, 1] per objective by space-wide bounds, with reference
point (1, ..., 1). The *normalised HV* of a set is HV(set) / HV(true front).

>>> import numpy as np
>>> from nas_utils.metrics import Objective, HypervolumeScorer
>>> objs = (Objective("accuracy", minimize=False), Objective("latency", minimize=True))
>>> everything = np.array([[90.0, 10.0], [80.0, 5.0], [70.0, 8.0], [60.0, 4.0]])
>>> scorer = HypervolumeScorer(objs, everything)
>>> float(scorer.normalised(everything))
1.0
>>> bool(scorer.normalised(everything[[2]]) < 1.0)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pymoo.indicators.hv import HV
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
from scipy import stats


@dataclass(frozen=True)
class Objective:
    """A named objective in natural units; ``minimize=False`` for accuracy-like objectives."""

    name: str
    minimize: bool
    unit: str = ""


def to_minimization(F: np.ndarray, objectives: Sequence[Objective]) -> np.ndarray:
    """Negate the maximised columns so that every column is minimised."""
    F = np.atleast_2d(np.asarray(F, dtype=np.float64))
    signs = np.array([1.0 if o.minimize else -1.0 for o in objectives])
    return F * signs


def pareto_mask(F_min: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of a minimisation matrix (pymoo NDS)."""
    F_min = np.atleast_2d(F_min)
    mask = np.zeros(len(F_min), dtype=bool)
    if len(F_min):
        mask[NonDominatedSorting().do(F_min, only_non_dominated_front=True)] = True
    return mask


def pareto_front(F: np.ndarray, objectives: Sequence[Objective]) -> np.ndarray:
    """The non-dominated rows of ``F`` (natural units), sorted by the first objective."""
    F = np.atleast_2d(np.asarray(F, dtype=np.float64))
    front = F[pareto_mask(to_minimization(F, objectives))]
    return front[np.argsort(front[:, 0], kind="stable")]


def nondominated_rank(F_min: np.ndarray) -> np.ndarray:
    """Front number (0 = non-dominated) of each row, by pymoo's non-dominated sorting."""
    ranks = np.empty(len(F_min), dtype=np.int64)
    for r, idx in enumerate(NonDominatedSorting().do(np.atleast_2d(F_min))):
        ranks[idx] = r
    return ranks


class HypervolumeScorer:
    """Normalised hypervolume against fixed bounds and a reference front.

    Args:
        objectives: the objective records (order = columns of every ``F``).
        bounds_from: points (natural units) whose per-objective min/max define the [0, 1]
            normalisation, typically every architecture of the space.
        reference_front: points whose HV is 1.0 (default: the front of ``bounds_from``).
    """

    def __init__(
        self,
        objectives: Sequence[Objective],
        bounds_from: np.ndarray,
        reference_front: np.ndarray | None = None,
    ) -> None:
        self.objectives = tuple(objectives)
        G = to_minimization(bounds_from, self.objectives)
        self.lo, self.hi = G.min(axis=0), G.max(axis=0)
        span = self.hi - self.lo
        self.span = np.where(span > 0, span, 1.0)
        self._hv = HV(ref_point=np.ones(len(self.objectives)))
        ref = bounds_from if reference_front is None else reference_front
        self.reference_hv = self.raw(ref)
        if self.reference_hv <= 0:
            raise ValueError("reference front has zero hypervolume")

    def normalise(self, F: np.ndarray) -> np.ndarray:
        return (to_minimization(F, self.objectives) - self.lo) / self.span

    def raw(self, F: np.ndarray) -> float:
        """HV of ``F`` (natural units) in the normalised minimisation space, ref point 1."""
        Z = self.normalise(F)
        Z = Z[np.all(Z < 1.0, axis=1)]
        return float(self._hv.do(Z)) if len(Z) else 0.0

    def normalised(self, F: np.ndarray) -> float:
        return self.raw(F) / self.reference_hv

    def curve(self, F: np.ndarray) -> np.ndarray:
        """Normalised HV of every prefix ``F[:k]``, k = 1..n (recomputed only when the front grows)."""
        F = np.atleast_2d(np.asarray(F, dtype=np.float64))
        Z = self.normalise(F)
        out = np.zeros(len(F))
        front = np.empty((0, Z.shape[1]))
        value = 0.0
        for k, z in enumerate(Z):
            dominated = len(front) and np.any(np.all(front <= z, axis=1))
            if not dominated and np.all(z < 1.0):
                keep = ~np.all(z <= front, axis=1)
                front = np.vstack([front[keep], z])
                value = float(self._hv.do(front)) / self.reference_hv
            out[k] = value
        return out


def evals_to_threshold(curve: np.ndarray, threshold: float) -> int | None:
    """Smallest number of evaluations whose normalised HV reaches ``threshold`` (None if never)."""
    hit = np.flatnonzero(np.asarray(curve) >= threshold - 1e-12)
    return int(hit[0]) + 1 if hit.size else None


def rank_correlation(predicted: np.ndarray, measured: np.ndarray) -> tuple[float, float]:
    """(Spearman rho, Kendall tau) with average ranks for ties, as scipy computes them."""
    rho = stats.spearmanr(predicted, measured).statistic
    tau = stats.kendalltau(predicted, measured).statistic
    return float(rho), float(tau)
