"""Expected hypervolume gain in two dimensions, in closed form (the acquisition of tactic ``hvgain``).

Objectives are *minimised natural values* (:func:`minimised_log`: error = 100 - accuracy, latency),
each modelled by an independent normal or log-normal predictive marginal. The region a new point
would add to the hypervolume of a front is a union of strips (:func:`front_strips`), so its
expectation is a sum over strips of products of one-dimensional partial expectations
(:func:`partial_expectation`, :func:`expected_gain`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import ndtr

from nas_utils.metrics import Objective, pareto_mask


def minimised_log(F: np.ndarray, objectives: Sequence[Objective]) -> tuple[np.ndarray, list[bool]]:
    """Objectives as minimised natural values ``m`` (error = 100 - acc, latency) and whether ``log m`` is modelled.

    A %-accuracy becomes its error, a positive minimised objective stays; both are modelled in
    log space (log-normal ``m``). Anything else is modelled as is (maximised ones negated).
    """
    F = np.atleast_2d(np.asarray(F, dtype=np.float64))
    M = np.empty_like(F)
    logs = []
    for j, obj in enumerate(objectives):
        if not obj.minimize and obj.unit == "%":
            M[:, j], is_log = np.maximum(100.0 - F[:, j], 1e-3), True
        elif obj.minimize:
            M[:, j], is_log = F[:, j], bool(np.all(F[:, j] > 0))
        else:
            M[:, j], is_log = -F[:, j], False
        logs.append(is_log)
    return M, logs


def partial_expectation(c: np.ndarray, mu: np.ndarray, sd: np.ndarray, log: bool) -> np.ndarray:
    """``E[(c - m)_+]`` for ``m = exp(g)`` (``log``) or ``m = g``, ``g ~ N(mu, sd^2)``; broadcasts.

    Normal: ``sd (z Phi(z) + phi(z))`` with ``z = (c - mu) / sd``; log-normal (the put price of
    Black and Scholes): ``c Phi(d) - exp(mu + sd^2 / 2) Phi(d - sd)`` with ``d = (log c - mu) / sd``.
    Infinite or (log-normal) non-positive ``c`` gives 0.
    """
    sd = np.maximum(sd, 1e-9)
    finite = np.isfinite(c) & (c > 0) if log else np.isfinite(c)
    safe = np.where(finite, c, 1.0)
    if not log:
        z = (safe - mu) / sd
        value = sd * (z * ndtr(z) + np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi))
    else:
        d = (np.log(safe) - mu) / sd
        value = safe * ndtr(d) - np.exp(mu + sd**2 / 2) * ndtr(d - sd)
    return np.where(finite, np.maximum(value, 0.0), 0.0)


def front_strips(front: np.ndarray, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-dominated region of a 2-D minimisation ``front`` inside ``ref`` as strips.

    Strip ``j`` is ``{z : L_j <= z_1 < U_j, z_2 < T_j}``; their union is everything below
    ``ref`` that no front point dominates. Returns ``(L, U, T)``.
    """
    front = front[np.all(front < ref, axis=1)]
    front = front[pareto_mask(front)] if len(front) else front
    front = front[np.argsort(front[:, 0], kind="stable")]
    a, b = front[:, 0], front[:, 1]
    L = np.concatenate([[-np.inf], a])
    U = np.concatenate([a, [ref[0]]])
    T = np.concatenate([[ref[1]], b])
    return L, U, T


def expected_gain(mu: np.ndarray, sd: np.ndarray, logs: Sequence[bool], strips: tuple[np.ndarray, ...]) -> np.ndarray:
    """Expected 2-D hypervolume gain of independent predictive marginals over the strips.

    ``gain(m) = sum_j (U_j - max(m_1, L_j))_+ (T_j - m_2)_+``, and for independent objectives
    ``E[(U - max(m, L))_+] = E[(U - m)_+] - E[(L - m)_+]``, so the expectation is a sum of
    products of :func:`partial_expectation` terms. ``sd = 0`` gives the deterministic gain.
    """
    _, U, T = strips  # U = L[1:] + [ref]: one partial expectation per breakpoint, reused
    mu1, mu2, sd1, sd2 = mu[:, :1], mu[:, 1:2], sd[:, :1], sd[:, 1:2]
    at_u = partial_expectation(U[None], mu1, sd1, logs[0])
    width = at_u - np.hstack([np.zeros((len(mu), 1)), at_u[:, :-1]])
    height = partial_expectation(T[None], mu2, sd2, logs[1])
    return np.sum(np.maximum(width, 0.0) * height, axis=1)
