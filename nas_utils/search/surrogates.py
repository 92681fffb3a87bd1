"""Surrogate models of tactic ``hvgain``: a Gaussian process on fixed features with cheap
batch updates (:class:`FeatureGP`) and a pairwise-ranking tree ensemble (:func:`rank_model_mean`)."""

from __future__ import annotations

import warnings

import numpy as np


class FeatureGP:
    """GP regression with kernel ``s1 RBF(l) + s2 (x . x' + sigma_0^2) + noise`` on fixed features.

    ``sigma_0`` is scikit-learn's ``DotProduct.sigma_0`` (attribute ``c = sigma_0^2``). Until session 14
    the predictions used ``+ sigma_0`` instead (a kernel other than the one whose marginal likelihood chose the
    hyper-parameters); every ``hvgain`` result since carries the fix.

    ``fit`` selects the hyper-parameters with scikit-learn (marginal likelihood, L-BFGS, warm
    start from the previous fit) or keeps them (``refit=False``); ``predict`` gives predictive
    means and variances (noise included) over a fixed candidate matrix; ``condition(i)``
    shrinks those variances as if candidate ``i`` had been observed (Kriging believer).
    """

    def __init__(self, min_lengthscale: float = 0.1, max_lengthscale: float = 1e3) -> None:
        self.params: np.ndarray | None = None  # log of (s1, l, s2, c, noise)
        self.min_lengthscale, self.max_lengthscale = min_lengthscale, max_lengthscale

    def kernel(self):  # type: ignore[no-untyped-def]
        from sklearn.gaussian_process.kernels import (
            RBF,
            ConstantKernel,
            DotProduct,
            WhiteKernel,
        )

        s1, ell, s2, c, noise = np.exp(self.params) if self.params is not None else (1.0, min(max(5.0, self.min_lengthscale), self.max_lengthscale), 0.01, 1.0, 0.1)
        return (ConstantKernel(s1, (1e-3, 1e2)) * RBF(ell, (self.min_lengthscale, self.max_lengthscale))
                + ConstantKernel(s2, (1e-6, 1e1)) * DotProduct(c, (1e-3, 1e3))
                + WhiteKernel(noise, (1e-5, 1e1)))

    def fit(self, Z: np.ndarray, y: np.ndarray, refit: bool = True) -> FeatureGP:
        from sklearn.gaussian_process import GaussianProcessRegressor

        self.y_mean, self.y_std = float(y.mean()), float(y.std()) or 1.0
        t = (y - self.y_mean) / self.y_std
        if refit or self.params is None:
            gp = GaussianProcessRegressor(self.kernel(), normalize_y=False, random_state=0)
            with warnings.catch_warnings():  # bound hits and convergence notes are expected
                warnings.simplefilter("ignore")
                gp.fit(Z, t)
            self.params = np.asarray(gp.kernel_.theta)
        s1, ell, s2, sigma_0, noise = np.exp(self.params)
        self.s1, self.ell, self.s2, self.c, self.noise = s1, ell, s2, sigma_0**2, noise  # c: the kernel's offset
        self.Z = Z
        K = self._k(Z, Z) + noise * np.eye(len(Z))
        self.chol = np.linalg.cholesky(K + 1e-8 * np.eye(len(Z)))
        self.alpha = np.linalg.solve(self.chol.T, np.linalg.solve(self.chol, t))
        # log marginal likelihood of the standardised targets at these hyper-parameters (model evidence)
        self.lml = float(-0.5 * t @ self.alpha - np.log(np.diag(self.chol)).sum() - 0.5 * len(t) * np.log(2 * np.pi))
        return self

    @property
    def loo_rms(self) -> float:
        """Root mean square of the standardised leave-one-out residuals of the last fit (> 1: the predictive
        sd is overconfident); computed on demand (``calibrate_sd``), one triangular inverse."""
        inv_chol = np.linalg.inv(self.chol)
        loo_z = self.alpha / np.sqrt(np.maximum((inv_chol**2).sum(axis=0), 1e-12))  # alpha_i / sqrt(K^-1_ii)
        return float(np.sqrt(np.mean(loo_z**2)))

    def _k(self, A: np.ndarray, B: np.ndarray, a2: np.ndarray | None = None) -> np.ndarray:
        """Kernel matrix ``k(A, B)``; ``a2``: ``A``'s squared row norms, if already known.

        In place, operation for operation the textbook ``s1 exp(-d2 / (2 l^2)) + s2 (A B^T + c)`` (``c = sigma_0^2``)
        (equal bits), without its four ``|A| x |B|`` temporaries.
        """
        AB = A @ B.T
        d2 = np.add(((A**2).sum(1) if a2 is None else a2)[:, None], (B**2).sum(1)[None])
        d2 -= 2 * AB
        np.maximum(d2, 0.0, out=d2)
        d2 *= -0.5
        d2 /= self.ell**2
        np.exp(d2, out=d2)
        d2 *= self.s1
        AB += self.c
        AB *= self.s2
        d2 += AB
        return d2

    def predict(self, C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predictive mean and variance (observation noise included) over candidates ``C``."""
        from scipy.linalg import solve_triangular

        self.C, self._c2 = C, (C**2).sum(1)  # the candidates' squared norms, reused by every condition()
        K_xc = self._k(self.Z, C)
        self.V = solve_triangular(self.chol, K_xc, lower=True)  # (n, c)
        prior = self.s1 + self.s2 * (self._c2 + self.c) + self.noise
        self.var = np.maximum(prior - (self.V**2).sum(0), 1e-9)
        self._picked: list[np.ndarray] = []
        mean = K_xc.T @ self.alpha
        return self.y_mean + self.y_std * mean, self.var * self.y_std**2

    def condition(self, i: int) -> np.ndarray:
        """Variances after observing candidate ``i`` (hyper-parameters and means unchanged)."""
        cov = self._k(self.C, self.C[i : i + 1], self._c2)[:, 0] - self.V.T @ self.V[:, i]
        for prev in self._picked:  # earlier rank-1 updates, in order
            cov = cov - prev * prev[i]
        col = cov / np.sqrt(max(cov[i], 0.0) + self.noise)
        self._picked.append(col)
        self.var = np.maximum(self.var - col**2, 1e-9)
        return self.var * self.y_std**2


def rank_model_mean(Z: np.ndarray, y: np.ndarray, C: np.ndarray) -> np.ndarray:
    """A second accuracy model's mean on ``y``'s scale: gradient-boosted trees trained for ranking.

    XGBoost ``rank:pairwise`` (one query group: every validated architecture against every
    other) scores the candidates ``C``; the scores are mapped to ``y``'s scale by the least-squares
    line of ``y`` on the training scores.
    """
    from xgboost import XGBRanker

    model = XGBRanker(objective="rank:pairwise", n_estimators=100, max_depth=4, learning_rate=0.1,
                      subsample=1.0, n_jobs=1, random_state=0, tree_method="hist")
    model.fit(Z, -y, qid=np.zeros(len(y), dtype=np.int64))  # higher relevance = lower y (log error)
    fitted = model.predict(Z)
    slope, intercept = np.polyfit(fitted, y, 1) if np.ptp(fitted) > 0 else (0.0, float(y.mean()))
    return slope * model.predict(C) + intercept
