"""GP pieces of the BO tactic (:mod:`nas_utils.search.bo`): outcome warping, kernels, posterior moments.

* **Outcome warping** (:func:`warp_kinds`, :func:`warp`, :func:`natural_moments`): objectives
  become maximised, log-warped outcomes (``-log(100 - acc)`` for an accuracy in %,
  ``-log(latency)`` for a positive minimised objective); :func:`natural_moments` maps Gaussian
  moments of a warped outcome back to natural units (log-normal moments).
* **Kernels** (:func:`covar_module`): BoTorch's ``CategoricalKernel`` (ARD Hamming kernel,
  ``exp(-mean_i [x_i != x'_i] / l_i)``) on the integer choice codes, alone (``"categorical"``) or
  in ``MixedSingleTaskGP``'s sum-and-product form with an RBF kernel on continuous features
  (``"mixed"``). :class:`HammingKernel` computes the same values as ``CategoricalKernel`` by one
  matrix product of weighted one-hot codes, so an ``n x c`` kernel matrix costs ``n c d K`` flops
  without the ``n x c x d`` intermediate (15,625 candidates x 300 observations: ~15 ms).
* **Posterior moments with believer fantasies** (:class:`PosteriorMoments`): the marginal
  posterior mean and variance of one exact GP over a fixed candidate set, and the rank-1 variance
  update of observing a candidate at its posterior mean (a Kriging-believer fantasy, what
  ``condition_on_observations`` with fixed hyper-parameters does), without ever forming the
  ``c x c`` joint covariance; :class:`MomentModel` serves those moments to BoTorch's analytic
  ``ExpectedHypervolumeImprovement``.

>>> import numpy as np, torch
>>> from nas_utils.search.gp import HammingKernel
>>> from botorch.models.kernels.categorical import CategoricalKernel
>>> x = torch.as_tensor(np.random.default_rng(0).integers(0, 5, (7, 6)), dtype=torch.float64)
>>> fast, slow = HammingKernel(ard_num_dims=6).double(), CategoricalKernel(ard_num_dims=6).double()
>>> bool(torch.allclose(fast(x, x[:3]).to_dense(), slow(x, x[:3]).to_dense()))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from botorch.models.kernels.categorical import CategoricalKernel

from nas_utils.metrics import Objective

if TYPE_CHECKING:
    from gpytorch.kernels import Kernel


# --- outcome warping ---------------------------------------------------------------------------
def warp_kinds(F: np.ndarray, objectives: Sequence[Objective]) -> list[str]:
    """Per objective: ``"log_error"`` (accuracy in %), ``"log"`` (positive, minimised) or ``"none"``."""
    F = np.atleast_2d(np.asarray(F, dtype=np.float64))
    kinds = []
    for j, obj in enumerate(objectives):
        if not obj.minimize and obj.unit == "%":
            kinds.append("log_error")
        elif obj.minimize and np.all(F[:, j] > 0):
            kinds.append("log")
        else:
            kinds.append("none")
    return kinds


def warp(F: np.ndarray, objectives: Sequence[Objective], kinds: Sequence[str] | None = None) -> np.ndarray:
    """Objectives (natural units) -> maximised, log-warped outcomes (see module docstring)."""
    F = np.atleast_2d(np.asarray(F, dtype=np.float64))
    kinds = warp_kinds(F, objectives) if kinds is None else kinds
    out = np.empty_like(F)
    for j, (obj, kind) in enumerate(zip(objectives, kinds)):
        col = F[:, j]
        if kind == "log_error":
            out[:, j] = -np.log(np.maximum(100.0 - col, 1e-3))
        elif kind == "log":
            out[:, j] = -np.log(col)
        else:
            out[:, j] = -col if obj.minimize else col
    return out


def natural_moments(mean: torch.Tensor, var: torch.Tensor, kinds: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance, in natural units (maximisation convention), of log-warped Gaussian outcomes.

    A warped outcome ``y ~ N(mu, s^2)`` is ``-log(e)`` for an error or latency ``e``, so ``e`` is
    log-normal: ``E[e] = exp(-mu + s^2/2)``, ``Var[e] = exp(-2 mu + s^2) (exp(s^2) - 1)``; the
    natural maximised outcome is ``100 - e`` (accuracy) or ``-e`` (latency).
    """
    means, variances = [], []
    for j, kind in enumerate(kinds):
        mu, s2 = mean[..., j], var[..., j]
        if kind == "none":
            means.append(mu)
            variances.append(s2)
            continue
        e_mean = torch.exp(-mu + s2 / 2)
        variances.append(torch.exp(-2 * mu + s2) * torch.expm1(s2))
        means.append(100.0 - e_mean if kind == "log_error" else -e_mean)
    return torch.stack(means, dim=-1), torch.stack(variances, dim=-1)


# --- kernels -----------------------------------------------------------------------------------
class HammingKernel(CategoricalKernel):
    """``CategoricalKernel`` (same parameters and values) computed by a one-hot matrix product.

    With integer codes ``x`` and inverse lengthscales ``w``, ``sum_i w_i [x_i != x'_i] =
    <onehot(x) * w, 1 - onehot(x')>``, one ``(n, dK) x (dK, c)`` product of non-negative terms
    (no cancellation however small a lengthscale; ``K``: the largest code + 1). ``diag=True`` is the elementwise form; ``last_dim_is_batch`` falls back to
    BoTorch's implementation.
    """

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, diag: bool = False,
                last_dim_is_batch: bool = False, **params: Any) -> torch.Tensor:
        if last_dim_is_batch:
            return super().forward(x1, x2, diag=diag, last_dim_is_batch=True)
        w = 1.0 / self.lengthscale  # (..., 1, d)
        d = x1.shape[-1]
        if diag:
            return torch.exp(-((x1 != x2).to(w.dtype) * w).sum(-1) / d)
        k = int(torch.maximum(x1.max(), x2.max())) + 1
        a = torch.nn.functional.one_hot(x1.long(), k).to(w.dtype) * w.unsqueeze(-1)  # (..., n, d, k)
        b = 1.0 - torch.nn.functional.one_hot(x2.long(), k).to(w.dtype)  # (..., c, d, k): 1 where x2_i != v
        return torch.exp(-(a.flatten(-2) @ b.flatten(-2).transpose(-1, -2)) / d)  # (..., n, c)


def covar_module(kind: str, n_cat: int, n_cont: int) -> Kernel:
    """The GP kernel of tactic ``bo`` on ``n_cat`` integer codes followed by ``n_cont`` continuous features.

    ``"categorical"`` (or no continuous features): ``Scale(Hamming)``. ``"mixed"``: BoTorch's
    ``MixedSingleTaskGP`` kernel, ``Scale(RBF_1 + Scale(Hamming_1)) + Scale(RBF_2 * Hamming_2)``,
    RBF lengthscales with BoTorch's dimension-scaled log-normal prior, Hamming lengthscales >= 1e-6.
    """
    from botorch.models.utils.gpytorch_modules import get_covar_module_with_dim_scaled_prior
    from gpytorch.constraints import GreaterThan
    from gpytorch.kernels import ScaleKernel

    if kind == "categorical" or n_cont == 0:
        return ScaleKernel(HammingKernel(ard_num_dims=n_cat))
    cat, cont = list(range(n_cat)), list(range(n_cat, n_cat + n_cont))

    def hamming() -> HammingKernel:
        return HammingKernel(ard_num_dims=n_cat, active_dims=cat, lengthscale_constraint=GreaterThan(1e-06))

    def rbf() -> Kernel:
        return get_covar_module_with_dim_scaled_prior(ard_num_dims=n_cont, active_dims=cont)

    return ScaleKernel(rbf() + ScaleKernel(hamming())) + ScaleKernel(rbf() * hamming())


# --- posterior moments and believer fantasies ------------------------------------------------
class PosteriorMoments:
    """Marginal posterior moments of one exact GP over a fixed candidate set, with believer updates.

    ``mean``/``variance`` are in the model's outcome units (``Standardize`` undone).
    ``condition(i)`` applies the rank-1 update of observing candidate ``i`` at its posterior mean
    with the GP's noise: ``var(c) -= cov(c, x_i)^2 / (var(x_i) + noise)``, the posterior
    covariance columns of earlier picks kept for later ones.
    """

    def __init__(self, gp: Any, C: torch.Tensor) -> None:
        with torch.no_grad():
            X = gp.train_inputs[0]
            noise = gp.likelihood.noise.reshape(-1)[0]
            K = gp.covar_module(X, X).to_dense() + noise * torch.eye(len(X), dtype=X.dtype)
            L = torch.linalg.cholesky(K)
            self.kernel, self.C, self.noise = gp.covar_module, C, noise
            self.A = torch.linalg.solve_triangular(L, gp.covar_module(X, C).to_dense(), upper=False)  # (n, c)
            prior_mean = gp.mean_module.constant.reshape(())
            alpha = torch.linalg.solve_triangular(L, (gp.train_targets - prior_mean).reshape(-1, 1), upper=False)
            transform = getattr(gp, "outcome_transform", None)
            self.scale = transform.stdvs.reshape(()) if transform is not None else torch.tensor(1.0)
            shift = transform.means.reshape(()) if transform is not None else torch.tensor(0.0)
            self.mean = ((self.A.T @ alpha).reshape(-1) + prior_mean) * self.scale + shift
            prior = self.kernel(C, C, diag=True).reshape(-1)
            self._var_std = (prior - (self.A**2).sum(dim=0)).clamp_min(1e-12)
            self._picked: list[torch.Tensor] = []

    @property
    def variance(self) -> torch.Tensor:
        return self._var_std * self.scale**2

    def condition(self, i: int) -> None:
        """Believer fantasy: observe candidate ``i`` at its posterior mean (variances shrink)."""
        with torch.no_grad():
            col = self.kernel(self.C, self.C[i : i + 1]).to_dense().reshape(-1) - self.A.T @ self.A[:, i]
            for prev in self._picked:  # earlier rank-1 updates, in order
                col = col - prev * prev[i]
            col = col / torch.sqrt(col[i].clamp_min(1e-12) + self.noise)
            self._picked.append(col)
            self._var_std = (self._var_std - col**2).clamp_min(1e-12)


class MomentModel:
    """The two attributes BoTorch's analytic EHVI reads from a model, served from precomputed moments.

    Inputs are candidate indices (shape ``b x 1 x 1``); ``variance`` is replaced after each pick.
    """

    num_outputs = 2
    _is_ensemble = False

    def __init__(self, mean: torch.Tensor) -> None:
        self.mean = mean
        self.variance = mean

    def posterior(self, X: torch.Tensor, posterior_transform: Any = None) -> Any:
        from types import SimpleNamespace

        idx = X.reshape(-1).long()
        return SimpleNamespace(mean=self.mean[idx].unsqueeze(-2), variance=self.variance[idx].unsqueeze(-2))
