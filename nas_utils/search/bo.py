"""Multi-objective Bayesian optimisation with BoTorch (tactic ``bo``).

The standard BoTorch multi-objective recipe (the library's MOBO tutorial) run over a discrete
architecture space:

1. an initial design of ``n_init`` architectures drawn uniformly at random without repetition
   (on a categorical space a Sobol design of the integer codes adds nothing over uniform
   sampling once rounded, so the tactic's own NumPy RNG draws it);
2. per iteration: one exact GP per objective (``SingleTaskGP`` with BoTorch's default
   kernel and priors, outcomes standardised with ``Standardize``) in a ``ModelListGP``, fitted
   by ``fit_gpytorch_mll`` on the one-hot encoding of every evaluated architecture; objectives
   in BoTorch's *maximisation* convention (latency negated);
3. acquisition ``qLogNoisyExpectedHypervolumeImprovement`` (qLogNEHVI, ``prune_baseline=True``,
   quasi-MC with ``mc_samples`` Sobol base samples) with the reference point from
   ``infer_reference_point`` on the observed Pareto set (nadir minus 10 % of the range, the
   heuristic BoTorch recommends when no reference point is known);
4. ``optimize_acqf_discrete`` picks a batch of ``batch_size`` by sequential greedy
   conditioning (each pick is added to ``X_pending``) over the candidate set: every
   unevaluated architecture when at most ``pool_size`` remain, else a fresh uniform pool of
   ``pool_size`` unevaluated ones per iteration (tactic RNG).

Determinism: everything runs in float64 inside ``torch.random.fork_rng()`` with a torch seed
drawn from the tactic's RNG, so BoTorch's internally-seeded samplers (baseline pruning, the QMC
sampler, fitting retries) are reproducible and the caller's global torch RNG state is left
untouched. The acquisition sampler gets its own seed per iteration.

Cost knobs (no change to model or acquisition): ``pool_size`` bounds the acquisition
evaluations per iteration, ``batch_size`` the number of GP refits, ``mc_samples`` the QMC
samples. Measured on NB201, BoTorch's default hyper-parameter fit (L-BFGS-B to convergence from
the prior-based initialisation, ~1,000 function evaluations per GP for 30 ARD lengthscales)
dominates the run time, so by default each fit starts from the previous iteration's
hyper-parameters (``warm_start``, like Ax's ``warm_start_refitting``) and L-BFGS-B is capped at
``fit_maxiter`` iterations; ``fit_maxiter=None, warm_start=False`` is the plain library default.
``torch_threads`` (default ``None``: leave torch's setting) is restored after the run.

>>> from nas_utils.search import run_search
>>> from nas_utils.search.synthetic import SyntheticProblem
>>> h = run_search("bo", SyntheticProblem(), budget=24, seed=0, n_init=12, batch_size=6, pool_size=300)
>>> len(h), h["arch"].is_unique, sorted(set(h["source"]))
(24, True, ['bo', 'init'])
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from nas_utils.errors import ConfigError
from nas_utils.metrics import to_minimization
from nas_utils.search.base import TACTICS, SearchSession, Tactic
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


@TACTICS.register("bo")
class BayesOpt(Tactic):
    """BoTorch qLogNEHVI over GP surrogates of every objective, on the one-hot encoding.

    Args:
        n_init: uniform random architectures before the first GP fit.
        batch_size: architectures chosen per acquisition round (sequential greedy).
        pool_size: candidates scored per round (all unevaluated ones if at most this many).
        mc_samples: quasi-MC samples of the acquisition function (BoTorch tutorial: 128).
        max_batch_size: candidates per acquisition forward pass (memory bound only).
        fit_maxiter: L-BFGS iterations per GP hyper-parameter fit (``None``: BoTorch's default).
        warm_start: start each fit from the previous iteration's hyper-parameters.
        torch_threads: torch intra-op threads during the run (``None``: unchanged).
    """

    name = "bo"

    def __init__(
        self,
        n_init: int = 20,
        batch_size: int = 10,
        pool_size: int = 2000,
        mc_samples: int = 128,
        max_batch_size: int = 2048,
        fit_maxiter: int | None = 200,
        warm_start: bool = True,
        torch_threads: int | None = None,
    ) -> None:
        for key, value, low in [
            ("n_init", n_init, 2), ("batch_size", batch_size, 1), ("pool_size", pool_size, 1),
            ("mc_samples", mc_samples, 1), ("max_batch_size", max_batch_size, 1),
        ]:
            if int(value) != value or value < low:
                raise ConfigError(f"bo.{key}={value!r} is out of range; valid: integer >= {low}")
        if fit_maxiter is not None and (int(fit_maxiter) != fit_maxiter or fit_maxiter < 1):
            raise ConfigError(f"bo.fit_maxiter={fit_maxiter!r} is out of range; valid: None or integer >= 1")
        if torch_threads is not None and torch_threads < 1:
            raise ConfigError(f"bo.torch_threads={torch_threads!r} is out of range; valid: None or >= 1")
        self.n_init, self.batch_size, self.pool_size = int(n_init), int(batch_size), int(pool_size)
        self.mc_samples, self.max_batch_size = int(mc_samples), int(max_batch_size)
        self.fit_maxiter, self.warm_start = fit_maxiter, bool(warm_start)
        self.torch_threads = torch_threads
        self._model: ModelListGP | None = None

    # --- pieces ------------------------------------------------------------------------------
    def _candidates(self, session: SearchSession, rng: np.random.Generator) -> np.ndarray:
        space = session.space
        n_left = space.size - session.n_evaluated
        if n_left <= self.pool_size:
            everything = space.enumerate()
            return everything[session.is_new(everything)]
        return space.sample_unique(rng, self.pool_size, exclude=session.seen)

    def fit_model(
        self, train_X: torch.Tensor, train_Y: torch.Tensor, previous: ModelListGP | None = None
    ) -> ModelListGP:
        """One standardised-outcome ``SingleTaskGP`` per objective, fitted by marginal likelihood.

        With ``warm_start`` the hyper-parameters of ``previous`` (last iteration's model) are
        the L-BFGS starting point; the outcome standardisation is always recomputed.
        """
        from botorch.fit import fit_gpytorch_mll
        from botorch.models import ModelListGP, SingleTaskGP
        from botorch.models.transforms.outcome import Standardize
        from gpytorch.mlls import SumMarginalLogLikelihood

        model = ModelListGP(*[
            SingleTaskGP(train_X, train_Y[:, j : j + 1], outcome_transform=Standardize(m=1))
            for j in range(train_Y.shape[1])
        ])
        if self.warm_start and previous is not None:
            for new, old in zip(model.models, previous.models):
                state = {k: v for k, v in old.state_dict().items() if "outcome_transform" not in k}
                new.load_state_dict(state, strict=False)
        options = {"maxiter": self.fit_maxiter} if self.fit_maxiter else {}
        fit_gpytorch_mll(SumMarginalLogLikelihood(model.likelihood, model), optimizer_kwargs={"options": options})
        return model

    def propose(
        self, session: SearchSession, rng: np.random.Generator, candidates: np.ndarray, q: int
    ) -> np.ndarray:
        """Fit the surrogates on every evaluation and choose ``q`` of ``candidates`` by qLogNEHVI."""
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
        from botorch.utils.multi_objective.hypervolume import infer_reference_point
        from botorch.utils.multi_objective.pareto import is_non_dominated

        space = session.space
        train_X = torch.as_tensor(space.one_hot(session.X), dtype=torch.float64)
        train_Y = torch.as_tensor(-to_minimization(session.F, session.evaluator.objectives), dtype=torch.float64)
        model = self._model = self.fit_model(train_X, train_Y, self._model)
        ref_point = infer_reference_point(train_Y[is_non_dominated(train_Y)])
        sampler = SobolQMCNormalSampler(torch.Size([self.mc_samples]), seed=int(rng.integers(0, _SEED_HIGH)))
        acqf = qLogNoisyExpectedHypervolumeImprovement(
            model=model, ref_point=ref_point, X_baseline=train_X, sampler=sampler, prune_baseline=True
        )
        choices = torch.as_tensor(space.one_hot(candidates), dtype=torch.float64)
        with torch.no_grad():
            chosen, _ = optimize_acqf_discrete(
                acqf, q=q, choices=choices, max_batch_size=self.max_batch_size, unique=True
            )
        return decode_one_hot(space, chosen.numpy())

    # --- loop --------------------------------------------------------------------------------
    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        with _torch_scope(int(rng.integers(0, _SEED_HIGH)), self.torch_threads), warnings.catch_warnings():
            # BoTorch's numerical notes (jitter added, small-sample fits) are expected here.
            warnings.filterwarnings("ignore", module=r"(botorch|gpytorch|linear_operator)\b")
            self._search(session, rng)

    def _search(self, session: SearchSession, rng: np.random.Generator) -> None:
        self._model = None
        session.evaluate(session.sample_new(rng, self.n_init), iteration=0, source="init")
        iteration = 1
        while not session.done:
            q = min(self.batch_size, session.remaining)
            candidates = self._candidates(session, rng)
            session.evaluate(self.propose(session, rng, candidates, q), iteration=iteration, source="bo")
            iteration += 1
