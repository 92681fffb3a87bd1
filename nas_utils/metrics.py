"""Multi-objective and ranking metrics, on top of pymoo and scipy.

Conventions: objectives are given in natural units together with :class:`Objective` records
saying which are maximised. Hypervolume is computed in the *minimisation* space (maximised
objectives negated), normalised to [0, 1] per objective by space-wide bounds. The *normalised
HV* of a set is HV(set) / HV(true front). Three views of how close a set is to the true front:

* **space-wide HV** (:class:`HypervolumeScorer`, the default): reference point (1, ..., 1), the
  worst value of each objective over the whole space. The true front fills most of that box
  (0.965-0.990 on NB201 x HELP), so thresholds sit in a compressed band.
* **near-front HV** (:func:`near_front_scorer`): reference point at the *median accuracy of
  the space* and the true front's largest latency plus 10 % of the front's latency range (in
  general: maximised objectives at their space-wide median, minimised ones at the front's
  nadir plus 10 % of its range). Only front members better than a median architecture count,
  as in DyNAS-T's plots (reference top-1 70 %, 70 ms for MobileNetV3), so the same threshold
  is much harder to reach.
* **IGD+** (:class:`IGDPlusScorer`, pymoo's ``IGDPlus``): mean modified distance from every
  true-front member to the set, in the same normalised space (0 = the front is found; lower is
  better); a distance, not a ratio, so it reports how far the misses are.

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

from collections.abc import Iterator, Sequence
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
        reference_point: HV reference point in natural units (default: the worst value of
            each objective in ``bounds_from``, i.e. (1, ..., 1) once normalised).
    """

    def __init__(
        self,
        objectives: Sequence[Objective],
        bounds_from: np.ndarray,
        reference_front: np.ndarray | None = None,
        reference_point: np.ndarray | None = None,
    ) -> None:
        self.objectives = tuple(objectives)
        G = to_minimization(bounds_from, self.objectives)
        self.lo, self.hi = G.min(axis=0), G.max(axis=0)
        span = self.hi - self.lo
        self.span = np.where(span > 0, span, 1.0)
        self.ref = np.ones(len(self.objectives)) if reference_point is None else self.normalise(reference_point)[0]
        self._hv = HV(ref_point=self.ref)
        ref = bounds_from if reference_front is None else reference_front
        self.reference_hv = self.raw(ref)
        if self.reference_hv <= 0:
            raise ValueError("reference front has zero hypervolume")

    def normalise(self, F: np.ndarray) -> np.ndarray:
        return (to_minimization(F, self.objectives) - self.lo) / self.span

    def raw(self, F: np.ndarray) -> float:
        """HV of ``F`` (natural units) in the normalised minimisation space, at the reference point."""
        Z = self.normalise(F)
        Z = Z[np.all(Z < self.ref, axis=1)]
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
            if not dominated and np.all(z < self.ref):
                keep = ~np.all(z <= front, axis=1)
                front = np.vstack([front[keep], z])
                value = float(self._hv.do(front)) / self.reference_hv
            out[k] = value
        return out


def near_front_reference_point(objectives: Sequence[Objective], everything: np.ndarray) -> np.ndarray:
    """The near-front reference point (natural units) of the module docstring.

    Maximised objectives: the median over ``everything``; minimised objectives: the largest
    value on the true front plus 10 % of the front's range.
    """
    everything = np.atleast_2d(np.asarray(everything, dtype=np.float64))
    front = pareto_front(everything, objectives)
    ref = np.empty(len(objectives))
    for j, obj in enumerate(objectives):
        if obj.minimize:
            ref[j] = front[:, j].max() + 0.1 * (front[:, j].max() - front[:, j].min())
        else:
            ref[j] = float(np.median(everything[:, j]))
    return ref


def near_front_scorer(objectives: Sequence[Objective], everything: np.ndarray) -> HypervolumeScorer:
    """HV scorer with the near-front reference point (same normalisation as the space-wide one)."""
    return HypervolumeScorer(objectives, everything, reference_point=near_front_reference_point(objectives, everything))


class IGDPlusScorer:
    """IGD+ (pymoo ``IGDPlus``) to the true front, in the space-wide normalised minimisation space.

    Args:
        objectives: the objective records.
        everything: every architecture's objectives (natural units): bounds and true front.
    """

    def __init__(self, objectives: Sequence[Objective], everything: np.ndarray) -> None:
        from pymoo.indicators.igd_plus import IGDPlus

        self._space = HypervolumeScorer(objectives, everything)
        self.objectives = tuple(objectives)
        front = self._space.normalise(pareto_front(everything, objectives))
        self._igd = IGDPlus(front)

    def value(self, F: np.ndarray) -> float:
        Z = self._space.normalise(F)
        return float(self._igd.do(Z[pareto_mask(Z)]))

    def curve(self, F: np.ndarray) -> np.ndarray:
        """IGD+ of every prefix ``F[:k]`` (recomputed only when the observed front changes)."""
        Z = self._space.normalise(np.atleast_2d(np.asarray(F, dtype=np.float64)))
        out = np.empty(len(Z))
        front = np.empty((0, Z.shape[1]))
        value = np.inf
        for k, z in enumerate(Z):
            if not (len(front) and np.any(np.all(front <= z, axis=1))):
                front = np.vstack([front[~np.all(z <= front, axis=1)], z])
                value = float(self._igd.do(front))
            out[k] = value
        return out


def evals_to_igd(curve: np.ndarray, threshold: float) -> int | None:
    """Smallest number of evaluations whose IGD+ is at most ``threshold`` (None if never)."""
    hit = np.flatnonzero(np.asarray(curve) <= threshold + 1e-12)
    return int(hit[0]) + 1 if hit.size else None


def evals_to_threshold(curve: np.ndarray, threshold: float) -> int | None:
    """Smallest number of evaluations whose normalised HV reaches ``threshold`` (None if never)."""
    hit = np.flatnonzero(np.asarray(curve) >= threshold - 1e-12)
    return int(hit[0]) + 1 if hit.size else None


def greedy_hv_order(scorer: HypervolumeScorer, F: np.ndarray) -> Iterator[tuple[int, float]]:
    """Rows of ``F`` (natural units) in greedy HV order: each time the row that adds the most normalised
    HV to those already taken (the first of equal gains), with the normalised HV once it is taken."""
    F = np.atleast_2d(np.asarray(F, dtype=np.float64))
    chosen: list[int] = []
    remaining = list(range(len(F)))
    while remaining:
        gains = [scorer.normalised(F[chosen + [i]]) for i in remaining]
        best = int(np.argmax(gains))
        chosen.append(remaining.pop(best))
        yield chosen[-1], gains[best]


def greedy_oracle_evals(scorer: HypervolumeScorer, front: np.ndarray, thresholds: Sequence[float]) -> list[int | None]:
    """Evaluations an oracle that knows the true front needs to reach each normalised-HV threshold.

    The oracle validates only members of ``front`` (natural units), each time the one that adds the
    most HV to those chosen so far (greedy; exact minimum-cardinality selection is a set-cover-like
    problem, and in two objectives greedy is within a point or two of it on NB201). It is the
    physical limit a search tactic is measured against: no tactic can see a front point before
    validating it. ``None`` where the whole front stays below a threshold.

    >>> objs = (Objective("accuracy", minimize=False), Objective("latency", minimize=True))
    >>> everything = np.array([[90.0, 10.0], [80.0, 5.0], [70.0, 8.0], [60.0, 4.0], [50.0, 12.0]])
    >>> s = HypervolumeScorer(objs, everything)
    >>> greedy_oracle_evals(s, pareto_front(everything, objs), [1.0, 0.5, 0.9])
    [3, 1, 2]
    """
    reached: dict[float, int] = {}
    for n, (_, value) in enumerate(greedy_hv_order(scorer, front), start=1):
        reached.update({t: n for t in thresholds if t not in reached and value >= t - 1e-12})
        if len(reached) == len(set(thresholds)):
            break
    return [reached.get(t) for t in thresholds]


def missing_hv_by_band(scorer: HypervolumeScorer, front: np.ndarray, found: np.ndarray, bands: int = 3,
                       by: int = -1) -> tuple[float, list[float]]:
    """Where the hypervolume a found set still misses lies along the true front.

    The true ``front`` is cut into ``bands`` equal-count bands along objective ``by`` (best values
    first, e.g. fastest first for latency). Returns the gap ``1 - normalised HV(found)`` and, per
    band, the share of that gap which adding all of the band's members would close (shares of
    overlapping bands need not sum to 1; all 0 when nothing is missing).

    >>> objs = (Objective("accuracy", minimize=False), Objective("latency", minimize=True))
    >>> everything = np.array([[90.0, 10.0], [80.0, 5.0], [70.0, 8.0], [60.0, 4.0], [50.0, 12.0]])
    >>> s = HypervolumeScorer(objs, everything)
    >>> front = pareto_front(everything, objs)
    >>> gap, shares = missing_hv_by_band(s, front, front[1:], bands=3)   # front: fastest first; it is missing
    >>> round(gap, 3), [round(x, 2) for x in shares]
    (0.042, [1.0, 0.0, 0.0])
    """
    front = np.atleast_2d(np.asarray(front, dtype=np.float64))
    found = np.asarray(found, dtype=np.float64).reshape(-1, front.shape[1])
    hv = scorer.normalised(found) if len(found) else 0.0
    gap = max(0.0, 1.0 - hv)
    if gap <= 1e-12:
        return 0.0, [0.0] * bands
    order = np.argsort(to_minimization(front, scorer.objectives)[:, by], kind="stable")
    shares = [(scorer.normalised(np.vstack([found, front[idx]])) - hv) / gap if len(idx) else 0.0
              for idx in np.array_split(order, bands)]
    return float(gap), [float(x) for x in shares]


def rank_correlation(predicted: np.ndarray, measured: np.ndarray) -> tuple[float, float]:
    """(Spearman rho, Kendall tau) with average ranks for ties, as scipy computes them."""
    rho = stats.spearmanr(predicted, measured).statistic
    tau = stats.kendalltau(predicted, measured).statistic
    return float(rho), float(tau)
