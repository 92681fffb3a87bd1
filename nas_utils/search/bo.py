"""Multi-objective Bayesian optimisation with BoTorch over a categorical space (tactic ``bo``).

The method, per iteration, after an initial design of ``n_init`` architectures (``init="uniform"``:
uniform random without repetition; ``"flops"``: one uniform draw from each of ``n_init``
equal-count strata of the space sorted by the validation-free FLOPs proxy of the live cell, so
the design spans small to large networks; NB201 only, uniform elsewhere):

1. **Outcome warping**, objectives in BoTorch's *maximisation* convention: an accuracy in %
   becomes ``-log(100 - acc)`` (log error), a positive minimised objective (latency) becomes
   ``-log(latency)``; each GP then standardises its outcome (``Standardize``). Both benchmarks'
   objectives are heavy-tailed (a few very slow or very poor cells), which the log tames.
2. **Surrogate**: one exact GP per objective (``ModelListGP``), fitted by marginal likelihood
   (``fit_gpytorch_mll``). ``kernel="categorical"`` (default): BoTorch's ``CategoricalKernel``
   (ARD Hamming-distance kernel, ``exp(-mean_i [x_i != x'_i] / l_i)``) on the integer choice
   codes, under a ``ScaleKernel``; ``"mixed"``: ``MixedSingleTaskGP`` (sum and product of the
   categorical kernel and a Matern kernel) on the codes plus validation-free continuous features
   (NB201: live and total FLOPs proxies, :mod:`nas_utils.search.features`); ``"onehot"``: the
   BoTorch default kernel on the one-hot encoding (the previous tactic's model).
3. **Reference point**: fixed once, after the initial design (:meth:`BayesOpt.reference_point`):
   accuracy 0 % and 1.1 x the design's largest latency, warped like the outcomes, so that, as
   in the metric's space-wide box, no low-accuracy but fast architecture is outside the box.
4. **Candidates** (``candidates="all"``): every unevaluated architecture (NB201: up to 15,625;
   a GP posterior over all of them is cheap). ``"pool"`` (and ``"all"`` on a space larger than
   ``max_candidates``): a BANANAS-style pool of ``pool_size`` architectures, half single-edit
   mutations of the observed Pareto set, half uniform samples, all unevaluated.
5. **Acquisition and batch** of ``batch_size`` (q <= 10 recommended):
   ``acquisition="ehvi"`` (default): analytic expected hypervolume improvement (BoTorch
   ``ExpectedHypervolumeImprovement``, exact for independent GPs) over every candidate, the
   batch chosen by sequential greedy *fantasies* (Kriging believer): after each pick the model is
   conditioned on its posterior mean (``condition_on_observations``: the variance near the
   pick shrinks, hyper-parameters fixed) and that mean joins the front of the partitioning.
   ``"qlognehvi"``: BoTorch's ``qLogNoisyExpectedHypervolumeImprovement`` (quasi-MC,
   ``mc_samples``, pruned baseline) with ``optimize_acqf_discrete``'s sequential greedy over the
   candidates (its joint posterior makes it costly on all 15,625; use ``candidates="pool"``).

Determinism: everything runs in float64 inside ``torch.random.fork_rng()`` with a torch seed
drawn from the tactic's RNG, so BoTorch's internally seeded pieces are reproducible and the
caller's global torch RNG state is left untouched. ``torch_threads`` (default ``None``: leave
torch's setting) is restored after the run.

>>> from nas_utils.search import run_search
>>> from nas_utils.search.synthetic import SyntheticProblem
>>> h = run_search("bo", SyntheticProblem(), budget=24, seed=0, n_init=12, batch_size=6, candidates="pool", pool_size=300)
>>> len(h), h["arch"].is_unique, sorted(set(h["source"]))
(24, True, ['bo', 'init'])
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.metrics import Objective, pareto_mask, to_minimization
from nas_utils.search.base import TACTICS, SearchSession, Tactic
from nas_utils.search.features import flops_proxy, live_ops, scalar_features
from nas_utils.spaces import SearchSpace

if TYPE_CHECKING:  # torch/BoTorch are imported when a BO run starts, not when tactics register
    import torch
    from botorch.models import ModelListGP

_SEED_HIGH = 2**31 - 1


@contextmanager
def _torch_scope(seed: int, threads: int | None) -> Iterator[None]:
    """Fork the global torch RNG (restored on exit), seed it, optionally pin the thread count."""
    import torch

    from nas_utils.runtime import torch_threads

    with torch.random.fork_rng(devices=[]), torch_threads(threads):
        torch.manual_seed(seed)
        yield


def decode_one_hot(space: SearchSpace, Z: np.ndarray) -> np.ndarray:
    """Integer architectures from one-hot rows (inverse of ``space.one_hot``)."""
    ends = np.cumsum(space.cardinalities)
    starts = ends - space.cardinalities
    return np.stack([Z[:, a:b].argmax(axis=1) for a, b in zip(starts, ends)], axis=1).astype(np.int64)


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
    """Objectives (natural units) -> maximised, log-warped outcomes (see module docstring, step 1)."""
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
    import torch

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


def initial_design(session: SearchSession, rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """``n`` unevaluated architectures: uniform, or one per FLOPs stratum (see module docstring)."""
    space = session.space
    n = min(n, session.remaining)
    if kind == "uniform" or space.name != "nb201":
        return session.sample_new(rng, n)
    everything = space.enumerate()
    everything = everything[session.is_new(everything)]
    order = np.argsort(flops_proxy(live_ops(everything)), kind="stable")
    strata = np.array_split(order, n)
    return everything[[int(rng.choice(stratum)) for stratum in strata]]


class _Moments:
    """Marginal posterior moments of one GP over a fixed candidate set, with believer updates.

    ``mean``/``variance`` are in the model's outcome units (Standardize undone). ``condition(i)``
    applies the rank-1 update of observing candidate ``i`` at its posterior mean with the GP's
    noise: var(c) -= cov(c, x_i)^2 / (var(x_i) + noise), covariances kept for later picks.
    """

    def __init__(self, gp: Any, C: torch.Tensor) -> None:
        import torch

        with torch.no_grad():
            X = gp.train_inputs[0]
            noise = gp.likelihood.noise.reshape(-1)[0]
            K = gp.covar_module(X, X).to_dense() + noise * torch.eye(len(X), dtype=X.dtype)
            L = torch.linalg.cholesky(K)
            self.kernel, self.C, self.noise = gp.covar_module, C, noise
            self.A = torch.linalg.solve_triangular(L, gp.covar_module(X, C).to_dense(), upper=False)  # (n, c)
            prior_mean = gp.mean_module.constant.reshape(())
            alpha = torch.linalg.solve_triangular(L, (gp.train_targets - prior_mean).reshape(-1, 1), upper=False)
            scale = gp.outcome_transform.stdvs.reshape(()) if hasattr(gp, "outcome_transform") else torch.tensor(1.0)
            shift = gp.outcome_transform.means.reshape(()) if hasattr(gp, "outcome_transform") else torch.tensor(0.0)
            self.scale = scale
            self.mean = ((self.A.T @ alpha).reshape(-1) + prior_mean) * scale + shift
            prior = self._prior_diag()
            self._var_std = (prior - (self.A**2).sum(dim=0)).clamp_min(1e-12)
            self._picked: list[torch.Tensor] = []  # posterior covariance columns of earlier picks

    def _prior_diag(self) -> torch.Tensor:
        import torch

        with torch.no_grad():
            C = self.C.unsqueeze(-2)  # batch of 1-point sets: k(c, c) without an n x n matrix
            return torch.cat([self.kernel(C[i : i + 4096], C[i : i + 4096]).to_dense().reshape(-1)
                              for i in range(0, len(C), 4096)])

    @property
    def variance(self) -> torch.Tensor:
        return self._var_std * self.scale**2

    def condition(self, i: int) -> None:
        import torch

        with torch.no_grad():
            col = self.kernel(self.C, self.C[i : i + 1]).to_dense().reshape(-1) - self.A.T @ self.A[:, i]
            for prev in self._picked:  # earlier rank-1 updates, in order
                col = col - prev * prev[i]
            col = col / torch.sqrt(col[i].clamp_min(1e-12) + self.noise)
            self._picked.append(col)
            self._var_std = (self._var_std - col**2).clamp_min(1e-12)


class _MomentModel:
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


@TACTICS.register("bo")
class BayesOpt(Tactic):
    """BoTorch multi-objective BO on a categorical space (method: module docstring).

    Args:
        n_init: initial-design architectures before the first GP fit.
        init: ``"uniform"`` or ``"flops"`` (FLOPs-stratified) initial design.
        batch_size: architectures chosen per acquisition round (q).
        acquisition: ``"ehvi"`` (analytic EHVI + Kriging-believer fantasies) or ``"qlognehvi"``.
        candidates: ``"all"`` unevaluated architectures, or a BANANAS-style ``"pool"``.
        kernel: ``"categorical"``, ``"mixed"`` or ``"onehot"``.
        warp_outcomes: log-warp error and latency (step 1); ``False``: raw values.
        acquire_in: ``"warped"``: EHVI in the warped outcome space; ``"natural"``: the GP moments
            are mapped back to natural units (log-normal moments) and EHVI is computed there, the
            space the normalised-HV metric lives in (only differs when outcomes are warped).
        pool_size: size of the ``"pool"`` candidate set.
        max_candidates: ``"all"`` falls back to ``"pool"`` on spaces larger than this.
        mc_samples: quasi-MC samples of qLogNEHVI.
        fit_maxiter: L-BFGS iterations per GP hyper-parameter fit (``None``: BoTorch's default).
        warm_start: start each fit from the previous iteration's hyper-parameters.
        chunk: candidates per acquisition forward pass (memory bound only).
        torch_threads: torch intra-op threads during the run (``None``: unchanged).
    """

    name = "bo"

    def __init__(
        self,
        n_init: int = 10,
        init: str = "uniform",
        batch_size: int = 10,
        acquisition: str = "ehvi",
        candidates: str = "all",
        kernel: str = "categorical",
        warp_outcomes: bool = True,
        acquire_in: str = "warped",
        pool_size: int = 2000,
        max_candidates: int = 100_000,
        mc_samples: int = 64,
        fit_maxiter: int | None = None,
        warm_start: bool = True,
        chunk: int = 4096,
        torch_threads: int | None = None,
    ) -> None:
        for key, value, low in [
            ("n_init", n_init, 2), ("batch_size", batch_size, 1), ("pool_size", pool_size, 1),
            ("max_candidates", max_candidates, 1), ("mc_samples", mc_samples, 1), ("chunk", chunk, 1),
        ]:
            if int(value) != value or value < low:
                raise ConfigError(f"bo.{key}={value!r} is out of range; valid: integer >= {low}")
        config.check_choice("bo.init", init, ("uniform", "flops"))
        config.check_choice("bo.acquisition", acquisition, ("ehvi", "qlognehvi"))
        config.check_choice("bo.candidates", candidates, ("all", "pool"))
        config.check_choice("bo.kernel", kernel, ("categorical", "mixed", "onehot"))
        config.check_choice("bo.acquire_in", acquire_in, ("warped", "natural"))
        if fit_maxiter is not None and (int(fit_maxiter) != fit_maxiter or fit_maxiter < 1):
            raise ConfigError(f"bo.fit_maxiter={fit_maxiter!r} is out of range; valid: None or integer >= 1")
        if torch_threads is not None and torch_threads < 1:
            raise ConfigError(f"bo.torch_threads={torch_threads!r} is out of range; valid: None or >= 1")
        self.n_init, self.init, self.batch_size = int(n_init), init, int(batch_size)
        self.acquisition, self.candidates, self.kernel = acquisition, candidates, kernel
        self.warp_outcomes, self.acquire_in = bool(warp_outcomes), acquire_in
        self.pool_size, self.max_candidates = int(pool_size), int(max_candidates)
        self.mc_samples, self.chunk = int(mc_samples), int(chunk)
        self.fit_maxiter, self.warm_start = fit_maxiter, bool(warm_start)
        self.torch_threads = torch_threads
        self._model: ModelListGP | None = None
        self._ref: np.ndarray | None = None

    # --- candidates --------------------------------------------------------------------------
    def candidate_set(self, session: SearchSession, rng: np.random.Generator) -> np.ndarray:
        """The architectures the acquisition is maximised over (step 4; none evaluated yet)."""
        space = session.space
        if self.candidates == "all" and space.size <= self.max_candidates:
            everything = space.enumerate()
            return everything[session.is_new(everything)]
        return self._pool(session, rng)

    def _pool(self, session: SearchSession, rng: np.random.Generator) -> np.ndarray:
        space = session.space
        n_left = space.size - session.n_evaluated
        if n_left <= self.pool_size:
            everything = space.enumerate()
            return everything[session.is_new(everything)]
        front = session.X[pareto_mask(-self._outcomes(session))]
        keys = session.seen
        rows: list[np.ndarray] = []
        for _ in range(20 * self.pool_size):
            if len(rows) >= self.pool_size // 2:
                break
            x = space.mutate(front[rng.integers(len(front))], rng)
            (key,) = space.keys(x[None])
            if key not in keys:
                keys.add(key)
                rows.append(x)
        uniform = space.sample_unique(rng, self.pool_size - len(rows), exclude=keys)
        return np.vstack([np.array(rows, dtype=np.int64).reshape(-1, space.n_var), uniform])

    # --- model -------------------------------------------------------------------------------
    def _outcomes(self, session: SearchSession) -> np.ndarray:
        objectives = session.evaluator.objectives
        if self.warp_outcomes:
            return warp(session.F, objectives)
        return np.column_stack([-c if o.minimize else c for o, c in zip(objectives, session.F.T)])

    def encode(self, space: SearchSpace, X: np.ndarray) -> np.ndarray:
        """GP inputs: integer codes (categorical), codes + continuous features (mixed), or one-hot."""
        if self.kernel == "onehot":
            return space.one_hot(X).astype(np.float64)
        codes = space.validate(X).astype(np.float64)
        if self.kernel == "mixed":
            return np.hstack([codes, scalar_features(space, X)])
        return codes

    def fit_model(self, space: SearchSpace, train_X: torch.Tensor, train_Y: torch.Tensor,
                  previous: ModelListGP | None = None) -> ModelListGP:
        """One standardised-outcome GP per objective (step 2), fitted by marginal likelihood."""
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import MixedSingleTaskGP, ModelListGP, SingleTaskGP
        from botorch.models.kernels.categorical import CategoricalKernel
        from botorch.models.transforms.outcome import Standardize
        from gpytorch.kernels import ScaleKernel
        from gpytorch.mlls import SumMarginalLogLikelihood

        def one(y: torch.Tensor) -> Any:
            if self.kernel == "categorical":
                covar = ScaleKernel(CategoricalKernel(ard_num_dims=space.n_var))
                return SingleTaskGP(train_X, y, covar_module=covar, outcome_transform=Standardize(m=1))
            if self.kernel == "mixed" and train_X.shape[1] > space.n_var:
                return MixedSingleTaskGP(train_X, y, cat_dims=list(range(space.n_var)),
                                         outcome_transform=Standardize(m=1))
            if self.kernel == "mixed":  # no continuous features on this space: categorical only
                covar = ScaleKernel(CategoricalKernel(ard_num_dims=space.n_var))
                return SingleTaskGP(train_X, y, covar_module=covar, outcome_transform=Standardize(m=1))
            return SingleTaskGP(train_X, y, outcome_transform=Standardize(m=1))

        model = ModelListGP(*[one(train_Y[:, j : j + 1]) for j in range(train_Y.shape[1])])
        if self.warm_start and previous is not None:
            for new, old in zip(model.models, previous.models):
                state = {k: v for k, v in old.state_dict().items() if "outcome_transform" not in k}
                new.load_state_dict(state, strict=False)
        options = {"maxiter": self.fit_maxiter} if self.fit_maxiter else {}
        fit_gpytorch_mll(SumMarginalLogLikelihood(model.likelihood, model), optimizer_kwargs={"options": options})
        return model

    # --- acquisition -------------------------------------------------------------------------
    def propose(self, session: SearchSession, rng: np.random.Generator, candidates: np.ndarray, q: int) -> np.ndarray:
        """Fit the surrogates on every evaluation and choose ``q`` of ``candidates`` (step 5)."""
        import torch

        space = session.space
        train_X = torch.as_tensor(self.encode(space, session.X), dtype=torch.float64)
        Y = self._outcomes(session)
        natural = self.acquire_in == "natural" and self.warp_outcomes
        kinds = warp_kinds(session.F, session.evaluator.objectives) if natural else None
        Y_acq = -to_minimization(session.F, session.evaluator.objectives) if natural else Y
        if self._ref is None:  # step 3: fixed once, from the initial design
            self._ref = self.reference_point(session, natural)
        train_Y = torch.as_tensor(Y, dtype=torch.float64)
        model = self._model = self.fit_model(space, train_X, train_Y, self._model)
        choices = torch.as_tensor(self.encode(space, candidates), dtype=torch.float64)
        q = min(q, len(candidates))
        if self.acquisition == "ehvi":
            picked = self._greedy_ehvi(model, torch.as_tensor(Y_acq, dtype=torch.float64), choices, q, kinds)
        else:
            picked = self._qlognehvi(model, train_X, choices, q, rng)
        return candidates[picked]

    def reference_point(self, session: SearchSession, natural: bool) -> np.ndarray:
        """The fixed reference point of step 3, in the acquisition's maximised outcome space.

        Natural units first: an accuracy in % at 0 (nothing that beats chance-or-worse is left out,
        as with the metric's space-wide reference), a minimised objective at 1.1 x the largest
        value of the initial design, any other objective at the design's worst minus 10 % of its
        range; then warped like the outcomes (unless the acquisition runs in natural units).
        """
        objectives = session.evaluator.objectives
        F = session.F
        ref = np.empty(len(objectives))
        for j, obj in enumerate(objectives):
            col = F[:, j]
            if not obj.minimize and obj.unit == "%":
                ref[j] = 0.0
            elif obj.minimize and np.all(col > 0):
                ref[j] = 1.1 * col.max()
            else:
                span = col.max() - col.min()
                ref[j] = col.max() + 0.1 * span if obj.minimize else col.min() - 0.1 * span
        if natural or not self.warp_outcomes:
            return -to_minimization(ref[None], objectives)[0]
        return warp(ref[None], objectives, warp_kinds(F, objectives))[0]

    def _greedy_ehvi(self, model: ModelListGP, train_Y: torch.Tensor, choices: torch.Tensor, q: int,
                     kinds: Sequence[str] | None = None) -> list[int]:
        """Sequential greedy analytic EHVI with Kriging-believer fantasies over all ``choices``.

        The believer's fantasy leaves every posterior mean unchanged and shrinks the variances
        by a rank-1 update per pick (exactly what ``condition_on_observations`` with fixed
        hyper-parameters does), computed here from each GP's kernel so that only marginal
        variances of the candidates are ever formed (a joint posterior over 15,625 candidates
        would be a 15,625^2 matrix). BoTorch's ``ExpectedHypervolumeImprovement`` then scores the
        candidates from these moments.
        """
        import torch
        from botorch.acquisition.multi_objective.analytic import ExpectedHypervolumeImprovement
        from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning

        ref = torch.as_tensor(self._ref, dtype=torch.float64)
        moments = [_Moments(gp, choices) for gp in model.models]
        warped_mean = torch.stack([m.mean for m in moments], dim=-1)
        mean = warped_mean if kinds is None else natural_moments(warped_mean, torch.stack([m.variance for m in moments], -1), kinds)[0]
        shim = _MomentModel(mean)
        Y = train_Y
        picked: list[int] = []
        index = torch.arange(len(choices), dtype=torch.float64).reshape(-1, 1, 1)
        for _ in range(q):
            variance = torch.stack([m.variance for m in moments], dim=-1)
            if kinds is not None:
                shim.mean, variance = natural_moments(warped_mean, variance, kinds)
                mean = shim.mean
            shim.variance = variance
            partitioning = FastNondominatedPartitioning(ref_point=ref, Y=Y)
            acqf = ExpectedHypervolumeImprovement(model=shim, ref_point=ref.tolist(),  # type: ignore[arg-type]
                                                  partitioning=partitioning)  # type: ignore[arg-type]
            with torch.no_grad():
                values = acqf(index)
            if picked:
                values[picked] = -torch.inf
            best = int(torch.argmax(values))
            picked.append(best)
            for m in moments:
                m.condition(best)
            Y = torch.cat([Y, mean[best : best + 1]])
        return picked

    def _qlognehvi(self, model: ModelListGP, train_X: torch.Tensor, choices: torch.Tensor, q: int,
                   rng: np.random.Generator) -> list[int]:
        import torch
        from botorch.acquisition.multi_objective import logei
        from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement

        # BoTorch >= 0.18 JIT-compiles an optional fused C++ kernel on first use, guarded by a
        # file lock in ~/.cache/torch_extensions; a process killed mid-compile leaves the lock
        # behind and every later run waits forever. Mark the load as attempted so BoTorch uses
        # its pure-PyTorch implementation (same acquisition, no compiler, no lock).
        logei._load_attempted = True
        from botorch.optim.optimize import optimize_acqf_discrete
        from botorch.sampling.normal import SobolQMCNormalSampler

        sampler = SobolQMCNormalSampler(torch.Size([self.mc_samples]), seed=int(rng.integers(0, _SEED_HIGH)))
        acqf = qLogNoisyExpectedHypervolumeImprovement(
            model=model, ref_point=np.asarray(self._ref).tolist(), X_baseline=train_X, sampler=sampler, prune_baseline=True
        )
        with torch.no_grad():
            chosen, _ = optimize_acqf_discrete(acqf, q=q, choices=choices, max_batch_size=self.chunk, unique=True)
        index = {tuple(row): i for i, row in enumerate(choices.tolist())}
        return [index[tuple(row)] for row in chosen.tolist()]

    # --- loop --------------------------------------------------------------------------------
    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        with _torch_scope(int(rng.integers(0, _SEED_HIGH)), self.torch_threads), warnings.catch_warnings():
            # BoTorch's numerical notes (jitter added, small-sample fits) are expected here.
            warnings.filterwarnings("ignore", module=r"(botorch|gpytorch|linear_operator)\b")
            self._search(session, rng)

    def _search(self, session: SearchSession, rng: np.random.Generator) -> None:
        self._model, self._ref = None, None
        session.evaluate(initial_design(session, rng, self.n_init, self.init), iteration=0, source="init")
        iteration = 1
        while not session.done:
            q = min(self.batch_size, session.remaining)
            candidates = self.candidate_set(session, rng)
            session.evaluate(self.propose(session, rng, candidates, q), iteration=iteration, source="bo")
            iteration += 1
