"""Bootstrap intervals over seeds, with censored runs (never reached a threshold) handled honestly.

A run that never reaches a threshold within its budget has an unknown count, larger than the
budget: it is passed as ``inf``. We bootstrap (``scipy.stats.bootstrap``, percentile method,
seeded) twice, with the censored values replaced by the smallest value they could take
(``censor_at``, e.g. ``budget + 1``) and by a huge one. A quantity that comes out the same
both times does not depend on the censored values and is exact; one that differs is reported
as a bound: the lower end of an interval takes the smaller value, the upper end the larger
(``inf`` when it grows with the censored values), and a point estimate is flagged ``"lower"``
(it is at least this) or ``"upper"`` (at most this).

>>> import numpy as np
>>> ci = bootstrap_ci([10, 12, 14, 16, 18, np.inf], censor_at=301)
>>> ci.estimate, ci.bound
(15.0, 'exact')
>>> r = ratio_ci([100, 120, np.inf, np.inf, np.inf], [10, 11, 12, 13, 14], censor_at=301)
>>> r.bound, r.high
('lower', inf)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

Statistic = Callable[..., float]
Bound = Literal["exact", "lower", "upper", "undefined"]

#: Stand-in for "never reached": far above any budget, finite so statistics stay defined.
_HUGE = 1e12


@dataclass(frozen=True)
class Interval:
    """A statistic and its bootstrap interval; ``bound`` says how to read ``estimate``.

    ``low``/``high`` may be ``0``/``inf`` where censoring leaves that end open.
    """

    estimate: float
    low: float
    high: float
    bound: Bound = "exact"
    confidence: float = 0.95

    @property
    def defined(self) -> bool:
        return self.bound != "undefined"


UNDEFINED = Interval(float("nan"), float("nan"), float("nan"), "undefined")


def _censor(x: npt.ArrayLike, value: float) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    return np.where(np.isfinite(a), a, value)


def _percentile_ci(data: tuple[np.ndarray, ...], statistic: Statistic, confidence: float, n_resamples: int,
                   seed: int, paired: bool = False) -> tuple[float, float, float]:
    """Point estimate and percentile interval; ``paired``: the arrays are columns of one sample of units,
    resampled together (``statistic`` then takes the arrays only), else independent groups (vectorised over
    ``axis``)."""
    point = float(statistic(*data))
    if any(len(d) < 2 for d in data):  # one run cannot be resampled: the interval is open
        return point, -np.inf, np.inf
    if all(len(np.unique(d)) == 1 for d in data):  # no spread: the bootstrap is degenerate
        return point, point, point
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sps.bootstrap(data, statistic if paired else lambda *d, axis: statistic(*d, axis=axis),
                            n_resamples=n_resamples, confidence_level=confidence, method="percentile", paired=paired,
                            vectorized=not paired, random_state=np.random.default_rng(seed))
    alpha = (1 - confidence) / 2
    dist = np.asarray(res.bootstrap_distribution, dtype=float)
    dist = dist[~np.isnan(dist)]  # resamples where the statistic is undefined (a rank correlation of tied values)
    low, high = np.quantile(dist, [alpha, 1 - alpha], method="inverted_cdf")
    return point, float(low), float(high)


def _combine(small: tuple[float, float, float], big: tuple[float, float, float]) -> Interval:
    """Merge the two censoring extremes into an honest (conservative) interval."""
    def same(a: float, b: float) -> bool:
        return bool(np.isclose(a, b, rtol=1e-9, atol=0.0))

    (e0, l0, h0), (e1, l1, h1) = small, big
    low = l0 if same(l0, l1) else min(l0, l1)
    high = h0 if same(h0, h1) else (np.inf if h1 > h0 else max(h0, h1))
    if same(e0, e1):
        return Interval(e0, low, high)
    return Interval(e0, low if low > 1e-9 else 0.0, high, "lower" if e1 > e0 else "upper")


def bootstrap_ci(samples: npt.ArrayLike, statistic: Statistic = np.median, *, censor_at: float | None = None,
                 confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0) -> Interval:
    """``statistic`` of ``samples`` (one value per seed) with its percentile bootstrap interval.

    Args:
        samples: one value per independent run; ``inf`` marks a censored run.
        statistic: a NumPy reduction taking ``axis`` (``np.median``, ``np.mean``).
        censor_at: smallest value a censored run could have had (e.g. ``budget + 1``);
            required when ``samples`` holds ``inf``.
        confidence, n_resamples, seed: of ``scipy.stats.bootstrap`` (fixed seed: deterministic).

    Returns:
        an :class:`Interval`; ``inf`` estimate with ``bound="lower"`` at ``censor_at`` when the
        statistic itself is censored.
    """
    a = np.asarray(samples, dtype=float)
    if len(a) == 0:
        return UNDEFINED
    if np.all(np.isfinite(a)):
        return Interval(*_percentile_ci((a,), statistic, confidence, n_resamples, seed), confidence=confidence)
    if censor_at is None:
        raise ValueError("samples hold censored (inf) values: pass censor_at")
    small = _percentile_ci((_censor(a, censor_at),), statistic, confidence, n_resamples, seed)
    big = _percentile_ci((_censor(a, _HUGE),), statistic, confidence, n_resamples, seed)
    return _combine(small, big)


def paired_ci(data: tuple[npt.ArrayLike, ...], statistic: Callable[..., float], *, confidence: float = 0.95,
              n_resamples: int = 2000, seed: int = 0) -> Interval:
    """``statistic(*data)`` with its percentile bootstrap interval, resampling the *units* (rows) of
    equal-length arrays together, e.g. the sub-networks of a two-pass latency check for their Spearman.

    >>> x = np.arange(20.0)
    >>> ci = paired_ci((x, x + 4 * np.sin(x)), lambda a, b: float(sps.spearmanr(a, b).statistic))
    >>> round(ci.estimate, 3), ci.low < ci.estimate < ci.high
    (0.899, True)
    """
    arrays = tuple(np.asarray(d, dtype=float) for d in data)
    if not arrays or len(arrays[0]) < 2:
        return UNDEFINED
    return Interval(*_percentile_ci(arrays, statistic, confidence, n_resamples, seed, paired=True),
                    confidence=confidence)


def censored_ci(data: tuple[np.ndarray, ...], statistic_for: Callable[[float], Statistic], *, censor_at: float,
                confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0) -> Interval:
    """A statistic of independent groups of seeds that meets censored counts only inside itself.

    ``statistic_for(never)`` is the statistic (vectorised over ``axis``, one argument per group of ``data``)
    with a never-reached count standing for ``never``; it is bootstrapped with ``never = censor_at`` and with
    a huge value, and the two are combined by the module's rule (a censored estimate is a bound).
    """
    if any(len(d) == 0 for d in data):
        return UNDEFINED
    small = _percentile_ci(data, statistic_for(censor_at), confidence, n_resamples, seed)
    big = _percentile_ci(data, statistic_for(_HUGE), confidence, n_resamples, seed)
    return _combine(small, big)


def ratio_ci(num_samples: npt.ArrayLike, den_samples: npt.ArrayLike, statistic: Statistic = np.median, *,
             censor_at: float | None = None, confidence: float = 0.95, n_resamples: int = 2000,
             seed: int = 0) -> Interval:
    """``statistic(num) / statistic(den)`` over two independent groups of seeds, with its interval.

    Each group is resampled independently (``paired=False``). Censored runs (``inf``) follow
    the module's rule: a ratio whose numerator is censored is a lower bound (its upper end
    ``inf``), one whose denominator is censored an upper bound (its lower end ``0``). When both
    statistics are censored the ratio is ``"undefined"``.
    """
    num, den = np.asarray(num_samples, dtype=float), np.asarray(den_samples, dtype=float)
    if len(num) == 0 or len(den) == 0:
        return UNDEFINED
    if not np.isfinite(statistic(num)) and not np.isfinite(statistic(den)):
        return UNDEFINED

    def ratio(n: np.ndarray, d: np.ndarray, axis: int = -1) -> float:
        return statistic(n, axis=axis) / statistic(d, axis=axis)

    if np.all(np.isfinite(num)) and np.all(np.isfinite(den)):
        e, lo, hi = _percentile_ci((num, den), ratio, confidence, n_resamples, seed)
        return Interval(e, max(lo, 0.0), hi, confidence=confidence)  # counts and times: a ratio is >= 0
    if censor_at is None:
        raise ValueError("samples hold censored (inf) values: pass censor_at")
    # Numerator and denominator censoring push the ratio in opposite directions: bound each end
    # by the extreme that is conservative for it.
    runs = [_percentile_ci((_censor(num, cn), _censor(den, cd)), ratio, confidence, n_resamples, seed)
            for cn, cd in ((censor_at, censor_at), (_HUGE, censor_at), (censor_at, _HUGE), (_HUGE, _HUGE))]
    base = runs[0]
    ests, lows, highs = zip(*runs)
    low = min(lows)
    high = max(highs)
    high = high if np.isclose(high, base[2], rtol=1e-9) else np.inf
    low = low if np.isclose(low, base[1], rtol=1e-9) or low > 1e-6 else 0.0
    e = base[0]
    if all(np.isclose(x, e, rtol=1e-9) for x in ests):
        return Interval(e, low, high, confidence=confidence)
    up, down = max(ests) > e * (1 + 1e-9), min(ests) < e * (1 - 1e-9)
    bound: Bound = "undefined" if up and down else ("lower" if up else "upper")
    return Interval(e, low, high, bound, confidence)
