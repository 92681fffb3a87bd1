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
   (``fit_gpytorch_mll``) in the first round and then every ``refit_every``-th round (warm
   started from the last fit); in the rounds between, the GPs keep the last hyper-parameters and
   are only conditioned on the grown data (an exact posterior; no optimisation). Kernels
   (:func:`nas_utils.search.gp.covar_module`): ``kernel="categorical"``: BoTorch's
   ``CategoricalKernel`` (ARD Hamming-distance kernel, ``exp(-mean_i [x_i != x'_i] / l_i)``) on
   the integer choice codes, under a ``ScaleKernel``; ``"mixed"``: ``MixedSingleTaskGP``'s kernel
   (sum and product of the categorical kernel and an RBF kernel) on the codes plus
   validation-free continuous features (NB201: live and total FLOPs proxies,
   :mod:`nas_utils.search.features`); ``"onehot"``: the BoTorch default kernel on the one-hot
   encoding (the previous tactic's model). The categorical kernel is evaluated by a one-hot
   matrix product (:class:`nas_utils.search.gp.HammingKernel`, same values as BoTorch's).
3. **Reference point**: fixed once, after the initial design (:meth:`BayesOpt.reference_point`):
   accuracy 0 % and ``ref_latency`` (1.1) x the design's largest latency, warped like the
   outcomes, so that, as in the metric's space-wide box, no low-accuracy but fast architecture
   is outside the box.
4. **Candidates** (``candidates="all"``): every unevaluated architecture (NB201: up to 15,625;
   a GP posterior over all of them is cheap). ``"pool"`` (and ``"all"`` on a space larger than
   ``max_candidates``): a BANANAS-style pool of ``pool_size`` architectures, half single-edit
   mutations of the observed Pareto set, half uniform samples, all unevaluated.
5. **Acquisition and batch** of ``batch_size`` (q <= 10 recommended):
   ``acquisition="ehvi"`` (default): analytic expected hypervolume improvement (BoTorch
   ``ExpectedHypervolumeImprovement``, exact for independent GPs) over every candidate, the
   batch chosen by sequential greedy *fantasies* (Kriging believer): after each pick the model is
   conditioned on its posterior mean (``condition_on_observations``: the variance near the
   pick shrinks, hyper-parameters fixed; rank-1 updates of the candidates' marginal variances,
   :class:`nas_utils.search.gp.PosteriorMoments`) and that mean joins the front of the
   partitioning.
   ``"qlognehvi"``: BoTorch's ``qLogNoisyExpectedHypervolumeImprovement`` (quasi-MC,
   ``mc_samples``, pruned baseline) with ``optimize_acqf_discrete``'s sequential greedy over the
   candidates (its joint posterior makes it costly on all 15,625; use ``candidates="pool"``).
   ``"qnparego"``: qNParEGO as in BoTorch's multi-objective tutorial: each of the ``q`` picks
   maximises ``qLogNParEGO`` (the augmented Chebyshev scalarisation of the GP samples under its
   own random weights, drawn uniformly from the simplex; objectives normalised by the baseline's
   posterior mean) with the earlier picks of the batch as pending points (the sequential scheme
   of ``optimize_acqf_list``), over the candidates.

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
from nas_utils.metrics import pareto_mask, to_minimization
from nas_utils.search.base import TACTICS, SearchSession, Tactic
from nas_utils.search.features import flops_proxy, live_ops, scalar_features
from nas_utils.spaces import SearchSpace

if TYPE_CHECKING:  # torch/BoTorch are imported when a BO run starts, not when tactics register
    import torch
    from botorch.models import ModelListGP

_SEED_HIGH = 2**31 - 1


@contextmanager
def _torch_scope(seed: int, threads: int | None) -> Iterator[None]:
    """Fork the global torch RNG (restored on exit), seed it, optionally pin the thread count.

    Argument validation of ``torch.distributions`` and gpytorch's debug checks are off inside
    (restored on exit): they re-check every GP marginal-likelihood evaluation of the fits and
    change no value (~7 % of a fit's CPU time).
    """
    import gpytorch
    import torch

    from nas_utils.runtime import torch_threads

    validate = torch.distributions.Distribution._validate_args
    try:
        torch.distributions.Distribution.set_default_validate_args(False)
        with torch.random.fork_rng(devices=[]), torch_threads(threads), gpytorch.settings.debug(False):
            torch.manual_seed(seed)
            yield
    finally:
        torch.distributions.Distribution.set_default_validate_args(validate)


def decode_one_hot(space: SearchSpace, Z: np.ndarray) -> np.ndarray:
    """Integer architectures from one-hot rows (inverse of ``space.one_hot``)."""
    ends = np.cumsum(space.cardinalities)
    starts = ends - space.cardinalities
    return np.stack([Z[:, a:b].argmax(axis=1) for a, b in zip(starts, ends)], axis=1).astype(np.int64)


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


def mutation_pool(space: SearchSpace, front: np.ndarray, seen: set[bytes], rng: np.random.Generator,
                  size: int) -> np.ndarray:
    """A BANANAS-style candidate pool of ``size`` unseen architectures: up to half single mutations
    of random members of ``front``, the rest uniform samples (``seen`` gains every key drawn)."""
    rows: list[np.ndarray] = []
    for _ in range(20 * size):
        if len(rows) >= size // 2:
            break
        x = space.mutate(front[rng.integers(len(front))], rng)
        (key,) = space.keys(x[None])
        if key not in seen:
            seen.add(key)
            rows.append(x)
    uniform = space.sample_unique(rng, min(size - len(rows), space.size - len(seen)), exclude=seen)
    return np.vstack([np.array(rows, dtype=np.int64).reshape(-1, space.n_var), uniform])


@TACTICS.register("bo")
class BayesOpt(Tactic):
    """BoTorch multi-objective BO on a categorical space (method: module docstring).

    Args:
        n_init: initial-design architectures before the first GP fit.
        init: ``"uniform"`` or ``"flops"`` (FLOPs-stratified) initial design.
        batch_size: architectures chosen per acquisition round (q).
        acquisition: ``"ehvi"`` (analytic EHVI + Kriging-believer fantasies), ``"qlognehvi"`` or
            ``"qnparego"``.
        candidates: ``"all"`` unevaluated architectures, or a BANANAS-style ``"pool"``.
        kernel: ``"categorical"``, ``"mixed"`` or ``"onehot"``.
        ordinal: ``"mixed"`` kernel only: on a space other than NB201, its continuous block is each
            variable's choice index scaled to [0, 1] (:func:`~nas_utils.search.features.ordinal_features`:
            the super-networks' choices are ordered); ``False``: no continuous block there (the mixed
            kernel is then the categorical one). NB201 keeps its FLOPs proxies either way.
        warp_outcomes: log-warp error and latency (step 1); ``False``: raw values.
        acquire_in: ``"warped"``: EHVI in the warped outcome space; ``"natural"``: the GP moments
            are mapped back to natural units (log-normal moments) and EHVI is computed there, the
            space the normalised-HV metric lives in (only differs when outcomes are warped).
        pool_size: size of the ``"pool"`` candidate set.
        ref_latency: HV reference of a positive minimised objective (latency), as a multiple of
            its largest value in the initial design (step 3).
        max_candidates: ``"all"`` falls back to ``"pool"`` on spaces larger than this.
        mc_samples: quasi-MC samples of qLogNEHVI and qNParEGO.
        fit_maxiter: L-BFGS iterations per GP hyper-parameter fit (``None``: BoTorch's default).
        refit_every: fit the GP hyper-parameters in the first round and every ``refit_every``-th
            round after it; in the rounds between, the GPs keep the last fitted hyper-parameters
            and are only conditioned on the grown data (1: refit every round).
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
        ordinal: bool = False,
        warp_outcomes: bool = True,
        acquire_in: str = "warped",
        pool_size: int = 2000,
        ref_latency: float = 1.1,
        max_candidates: int = 100_000,
        mc_samples: int = 64,
        fit_maxiter: int | None = None,
        refit_every: int = 1,
        warm_start: bool = True,
        chunk: int = 4096,
        torch_threads: int | None = None,
    ) -> None:
        for key, value, low in [
            ("n_init", n_init, 2), ("batch_size", batch_size, 1), ("pool_size", pool_size, 1),
            ("max_candidates", max_candidates, 1), ("mc_samples", mc_samples, 1), ("chunk", chunk, 1),
            ("refit_every", refit_every, 1),
        ]:
            if int(value) != value or value < low:
                raise ConfigError(f"bo.{key}={value!r} is out of range; valid: integer >= {low}")
        config.check_choice("bo.init", init, ("uniform", "flops"))
        config.check_choice("bo.acquisition", acquisition, ("ehvi", "qlognehvi", "qnparego"))
        config.check_choice("bo.candidates", candidates, ("all", "pool"))
        config.check_choice("bo.kernel", kernel, ("categorical", "mixed", "onehot"))
        config.check_choice("bo.acquire_in", acquire_in, ("warped", "natural"))
        if ordinal and kernel != "mixed":
            raise ConfigError(f"bo.ordinal=True needs kernel='mixed' (got {kernel!r}); valid: ordinal=False or kernel=mixed")
        config.check_range("bo.ref_latency", ref_latency, low=1.0)
        if fit_maxiter is not None and (int(fit_maxiter) != fit_maxiter or fit_maxiter < 1):
            raise ConfigError(f"bo.fit_maxiter={fit_maxiter!r} is out of range; valid: None or integer >= 1")
        if torch_threads is not None and torch_threads < 1:
            raise ConfigError(f"bo.torch_threads={torch_threads!r} is out of range; valid: None or >= 1")
        self.n_init, self.init, self.batch_size = int(n_init), init, int(batch_size)
        self.acquisition, self.candidates, self.kernel, self.ordinal = acquisition, candidates, kernel, bool(ordinal)
        self.warp_outcomes, self.acquire_in = bool(warp_outcomes), acquire_in
        self.pool_size, self.max_candidates = int(pool_size), int(max_candidates)
        self.ref_latency = float(ref_latency)
        self.mc_samples, self.chunk = int(mc_samples), int(chunk)
        self.fit_maxiter, self.refit_every, self.warm_start = fit_maxiter, int(refit_every), bool(warm_start)
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
        return mutation_pool(space, front, session.seen, rng, self.pool_size)

    # --- model -------------------------------------------------------------------------------
    def _outcomes(self, session: SearchSession) -> np.ndarray:
        from nas_utils.search.gp import warp

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
            return np.hstack([codes, scalar_features(space, X, self.ordinal)])
        return codes

    def fit_model(self, space: SearchSpace, train_X: torch.Tensor, train_Y: torch.Tensor,
                  previous: ModelListGP | None = None, refit: bool = True) -> ModelListGP:
        """One standardised-outcome GP per objective (step 2).

        ``refit``: fit the hyper-parameters by marginal likelihood (from ``previous``'s values
        when ``warm_start``); otherwise take ``previous``'s hyper-parameters as they are and only
        condition on the data (exact GP posterior, no optimisation).
        """
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import ModelListGP, SingleTaskGP
        from botorch.models.transforms.outcome import Standardize
        from gpytorch.mlls import SumMarginalLogLikelihood

        from nas_utils.search.gp import covar_module

        def one(y: torch.Tensor) -> Any:
            if self.kernel == "onehot":
                return SingleTaskGP(train_X, y, outcome_transform=Standardize(m=1))
            covar = covar_module(self.kernel, space.n_var, train_X.shape[1] - space.n_var)
            return SingleTaskGP(train_X, y, covar_module=covar, outcome_transform=Standardize(m=1))

        model = ModelListGP(*[one(train_Y[:, j : j + 1]) for j in range(train_Y.shape[1])])
        if previous is not None and (self.warm_start or not refit):
            for new, old in zip(model.models, previous.models):
                state = {k: v for k, v in old.state_dict().items() if "outcome_transform" not in k}
                new.load_state_dict(state, strict=False)
        if refit or previous is None:
            options = {"maxiter": self.fit_maxiter} if self.fit_maxiter else {}
            fit_gpytorch_mll(SumMarginalLogLikelihood(model.likelihood, model), optimizer_kwargs={"options": options})
        return model.eval()

    # --- acquisition -------------------------------------------------------------------------
    def propose(self, session: SearchSession, rng: np.random.Generator, candidates: np.ndarray, q: int) -> np.ndarray:
        """Fit the surrogates on every evaluation and choose ``q`` of ``candidates`` (step 5)."""
        import torch

        space = session.space
        train_X = torch.as_tensor(self.encode(space, session.X), dtype=torch.float64)
        Y = self._outcomes(session)
        from nas_utils.search.gp import warp_kinds

        natural = self.acquire_in == "natural" and self.warp_outcomes
        kinds = warp_kinds(session.F, session.evaluator.objectives) if natural else None
        Y_acq = -to_minimization(session.F, session.evaluator.objectives) if natural else Y
        if self._ref is None:  # step 3: fixed once, from the initial design
            self._ref = self.reference_point(session, natural)
        train_Y = torch.as_tensor(Y, dtype=torch.float64)
        refit = self._rounds % self.refit_every == 0
        model = self._model = self.fit_model(space, train_X, train_Y, self._model, refit=refit)
        self._rounds += 1
        choices = torch.as_tensor(self.encode(space, candidates), dtype=torch.float64)
        q = min(q, len(candidates))
        if self.acquisition == "ehvi":
            picked = self._greedy_ehvi(model, torch.as_tensor(Y_acq, dtype=torch.float64), choices, q, kinds)
        elif self.acquisition == "qlognehvi":
            picked = self._qlognehvi(model, train_X, choices, q, rng)
        else:
            picked = self._qnparego(model, train_X, choices, q, rng)
        return candidates[picked]

    def reference_point(self, session: SearchSession, natural: bool) -> np.ndarray:
        """The fixed reference point of step 3, in the acquisition's maximised outcome space.

        Natural units first: an accuracy in % at 0 (nothing that beats chance-or-worse is left out,
        as with the metric's space-wide reference), a positive minimised objective at
        ``ref_latency`` x the largest value of the initial design, any other objective at the
        design's worst minus 10 % of its range; then warped like the outcomes (unless the
        acquisition runs in natural units).
        """
        objectives = session.evaluator.objectives
        F = session.F
        ref = np.empty(len(objectives))
        for j, obj in enumerate(objectives):
            col = F[:, j]
            if not obj.minimize and obj.unit == "%":
                ref[j] = 0.0
            elif obj.minimize and np.all(col > 0):
                ref[j] = self.ref_latency * col.max()
            else:
                span = col.max() - col.min()
                ref[j] = col.max() + 0.1 * span if obj.minimize else col.min() - 0.1 * span
        if natural or not self.warp_outcomes:
            return -to_minimization(ref[None], objectives)[0]
        from nas_utils.search.gp import warp, warp_kinds

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

        from nas_utils.search.gp import MomentModel, PosteriorMoments, natural_moments

        ref = torch.as_tensor(self._ref, dtype=torch.float64)
        moments = [PosteriorMoments(gp, choices) for gp in model.models]
        warped_mean = torch.stack([m.mean for m in moments], dim=-1)
        mean = warped_mean if kinds is None else natural_moments(warped_mean, torch.stack([m.variance for m in moments], -1), kinds)[0]
        shim = MomentModel(mean)
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

    def _qnparego(self, model: ModelListGP, train_X: torch.Tensor, choices: torch.Tensor, q: int,
                  rng: np.random.Generator) -> list[int]:
        """qNParEGO's batch: ``q`` sequential picks, each under fresh random Chebyshev weights."""
        import torch
        from botorch.acquisition.multi_objective.parego import qLogNParEGO
        from botorch.sampling.normal import SobolQMCNormalSampler

        n_obj = len(model.models)
        picked: list[int] = []
        for _ in range(q):
            weights = torch.as_tensor(rng.dirichlet(np.ones(n_obj)), dtype=torch.float64)  # uniform on the simplex
            sampler = SobolQMCNormalSampler(torch.Size([self.mc_samples]), seed=int(rng.integers(0, _SEED_HIGH)))
            acqf = qLogNParEGO(model=model, X_baseline=train_X, scalarization_weights=weights, sampler=sampler,
                               prune_baseline=True, X_pending=choices[picked] if picked else None)
            with torch.no_grad():
                values = torch.cat([acqf(part.unsqueeze(1)) for part in choices.split(self.chunk)])
            if picked:
                values[picked] = -torch.inf
            picked.append(int(torch.argmax(values)))
        return picked

    # --- loop --------------------------------------------------------------------------------
    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        with _torch_scope(int(rng.integers(0, _SEED_HIGH)), self.torch_threads), warnings.catch_warnings():
            # BoTorch's numerical notes (jitter added, small-sample fits) are expected here.
            warnings.filterwarnings("ignore", module=r"(botorch|gpytorch|linear_operator)\b")
            self._search(session, rng)

    def _search(self, session: SearchSession, rng: np.random.Generator) -> None:
        self._model, self._ref, self._rounds = None, None, 0
        session.evaluate(initial_design(session, rng, self.n_init, self.init), iteration=0, source="init")
        iteration = 1
        while not session.done:
            q = min(self.batch_size, session.remaining)
            candidates = self.candidate_set(session, rng)
            session.evaluate(self.propose(session, rng, candidates, q), iteration=iteration, source="bo")
            iteration += 1
