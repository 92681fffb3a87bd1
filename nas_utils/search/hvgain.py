"""Greedy expected-hypervolume-gain search over every unevaluated architecture (tactic ``hvgain``).

A model-based search for two objectives that spends its validations only where the observed
Pareto front is expected to grow most. Per round, after a small initial design:

1. **Surrogates** (:class:`~nas_utils.search.surrogates.FeatureGP`): one Gaussian process per objective on features that
   cost no validation (:mod:`nas_utils.search.features`), trained on every validated
   architecture and nothing else. Accuracy is modelled as ``log(100 - acc)`` (log error; with
   ``error_shift`` = s, ``log(e - s e_min)``, ``e_min`` the smallest validated error: a shifted
   log that spreads the front's end of the range, where the best errors differ by a few per cent
   of their value) on
   :func:`~nas_utils.search.features.function_features` (live-op one-hot, path summaries and
   path encoding, live FLOPs: functionally identical cells look identical; the path summaries
   weighted by ``stats_weight``, so that the kernel's distance follows how many complete
   skip-only, pool and conv paths a cell has, which decide the accuracy of the conv-free cells at
   the front's fast end); latency as
   ``log(latency)`` (``latency_shift``: shifted likewise; ``latency_log=False``: in milliseconds) on
   :func:`~nas_utils.search.features.cost_features` (all-edge one-hot, op counts, FLOPs: a dead
   convolution still runs). Kernel: ``s1 * RBF(l) + s2 * (x . x' + sigma_0^2)`` (a smooth part plus a
   Bayesian linear model) plus white noise, on features centred over the space (natural 0/1 and
   count scales); hyper-parameters by marginal likelihood (scikit-learn's
   ``GaussianProcessRegressor``), re-fitted every ``refit_every`` rounds and warm-started, the
   length scale bounded to [``min_lengthscale``, ``max_lengthscale``] (on search-biased data an
   unbounded fit collapses to a linear model or to white noise). Optionally (``rank_weight``) the
   accuracy mean is averaged with gradient-boosted trees trained for ranking
   (:func:`~nas_utils.search.surrogates.rank_model_mean`), their disagreement added to the variance.
2. **Candidates**: every unevaluated architecture of the space (NB201: at most 15,625), minus
   mirror images (:func:`~nas_utils.search.features.isomorph_keys`) of validated ones and, with
   ``prune_dead``, the NB201 cells without a live input-to-output path
   (:func:`~nas_utils.search.features.is_dead`: a constant output, chance accuracy, no hypervolume)
   (optionally only those within ``local_radius`` edits of the observed front); on a space
   larger than ``max_candidates``: ``pool_size`` single-edit mutations of the observed front
   plus uniform samples.
3. **Acquisition**: the hypervolume gain of a candidate over the *observed* front, in natural
   units (error = 100 - accuracy, latency), with the HV reference point at 0 % accuracy and
   ``ref_latency`` x the largest latency validated so far (``ref_point="predicted"``: or predicted
   for any candidate, if larger, so that the box holds architectures slower than any validated
   one). ``acquisition="ehvi"``: the exact
   expected gain under the GPs' independent log-normal predictive marginals (closed form in
   two dimensions: a sum over the front's strips of products of one-dimensional partial
   expectations, :func:`~nas_utils.search.ehvi.expected_gain`); ``"ucb"``: the gain of the optimistic point
   ``exp(mu - beta * sigma)`` per objective.
4. **Batch** of ``batch_size``, chosen greedily: after each pick, its predicted median joins the
   front (a believer fantasy), each GP's predictive variances are updated as if the pick had
   been observed (rank-1 update, hyper-parameters fixed), and its mirror image leaves the
   candidate set. Ties (equal gains, e.g. none left) are broken by candidate order, which is
   fixed, so the run depends on the seed only through the initial design. With ``rescore_top``
   (lazy greedy) only the round's best candidates at the first pick are re-scored afterwards.

The initial design (``init="conv_levels"``, :func:`conv_level_design`) spreads ``n_init`` cells
evenly over the number of convolution edges (0..6), never a dead cell with ``prune_dead``;
``"flops"`` takes one from each of ``n_init`` equal-count strata of the live-cell FLOPs proxy
(:func:`nas_utils.search.bo.initial_design`).
Settings (params.yaml ``search.tactic_params.hvgain``) were chosen on the development cells
(``python -m nas_utils.search.tuning hvgain``).

Information budget: validations only (each returns accuracy and latency); no benchmark value of
an unvalidated architecture is read, no other device or dataset is used. Exception, a separate and
labelled track: where the evaluator offers prior knowledge of an objective for every architecture
(:meth:`~nas_utils.evaluators.Evaluator.prior`, e.g. latency predicted from other devices and a few
target measurements, :class:`~nas_utils.transfer.in_loop.PriorLatencyBenchmark`), that value is the
mean of the objective's GP, which then models the residual of the validated values (same kernel and
features); see :mod:`nas_utils.search.prior_track`.

>>> from nas_utils.search import run_search
>>> from nas_utils.search.synthetic import SyntheticProblem
>>> h = run_search("hvgain", SyntheticProblem(), budget=30, seed=0, n_init=10, batch_size=5)
>>> len(h), h["arch"].is_unique, sorted(set(h["source"]))
(30, True, ['hvgain', 'init'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.metrics import Objective, pareto_mask
from nas_utils.search.base import TACTICS, SearchSession, Tactic
from nas_utils.search.bo import initial_design, mutation_pool
from nas_utils.search.ehvi import expected_gain, front_strips, minimised_log
from nas_utils.search.features import (
    CONV1,
    CONV3,
    cost_features,
    function_features,
    is_dead,
    isomorph_keys,
)
from nas_utils.search.surrogates import FeatureGP, rank_model_mean
from nas_utils.spaces import SearchSpace

_FEATURES: dict[str, Callable[..., np.ndarray]] = {"function": function_features, "cost": cost_features}


def conv_level_design(session: SearchSession, rng: np.random.Generator, n: int,
                      prune_dead: bool = False) -> np.ndarray:
    """``n`` unevaluated NB201 cells spread evenly over the number of convolution edges (0..6).

    Equal-count FLOPs strata put almost every draw in the dense middle of the space, yet the
    cells without convolutions (5 % of the space) and with many (1 %) are where latency and
    accuracy models extrapolate worst and where the front's ends lie. Here each level gets
    ``n // 7`` draws (the remainder to randomly chosen levels), uniform within the level;
    ``prune_dead``: over the cells with a live input-to-output path only.
    """
    space = session.space
    n = min(n, session.remaining)
    everything = space.enumerate()
    everything = everything[session.is_new(everything)]
    if prune_dead:
        everything = everything[~is_dead(everything)]
    level = np.isin(everything, (CONV1, CONV3)).sum(axis=1)
    levels = np.unique(level)
    counts = np.full(len(levels), n // len(levels))
    counts[rng.choice(len(levels), n % len(levels), replace=False)] += 1
    picks = [rng.choice(np.flatnonzero(level == v), min(k, int((level == v).sum())), replace=False)
             for v, k in zip(levels, counts)]
    return everything[np.concatenate(picks)]


@TACTICS.register("hvgain")
class HVGain(Tactic):
    """Greedy expected-HV-gain batches over every unevaluated architecture (method: module docstring).

    Args:
        n_init: initial-design architectures.
        init: ``"conv_levels"`` (:func:`conv_level_design`), ``"flops"`` (FLOPs-stratified), both
            NB201 only (uniform elsewhere), or ``"uniform"``.
        batch_size: architectures validated per round.
        acquisition: ``"ehvi"`` (expected gain) or ``"ucb"`` (gain of the optimistic point).
        beta: optimism of ``"ucb"`` in predictive standard deviations.
        ref_latency: HV reference of a minimised objective, as a multiple of its largest
            validated value (an accuracy's reference is 0 %).
        ref_point: ``"validated"`` (the largest validated value, as above) or ``"predicted"`` (the
            larger of that and the largest predicted median over the candidates).
        refit_every: re-select the GP hyper-parameters every this many rounds (1: always).
        min_lengthscale, max_lengthscale: bounds of the RBF length scale (centred features); an
            upper bound keeps the fit on search-biased data from collapsing to a linear model.
        local_radius: if > 0, score only cells within this many edits of the observed front.
        prune_isomorphs: drop mirror images of validated cells from the candidates.
        max_candidates: score every unevaluated architecture on spaces up to this size.
        pool_size: candidate pool (mutations of the front + uniform) on larger spaces.
        sd_scale: multiplies every predictive standard deviation (log space) in the acquisition.
        early_batch_size, early_until: rounds of ``early_batch_size`` (0: ``batch_size``) while
            fewer than ``early_until`` architectures are validated.
        rescore_top: if > 0, lazy greedy batches: after a round's first pick only the
            ``rescore_top`` candidates with the largest first-pick gain are re-scored (gains only
            shrink as the believed front grows, so the others rarely win; 0: re-score all).
        tail_weight, tail_scale: expected gain under the scale mixture ``(1 - w) N(mu, sd^2) +
            w N(mu, (tail_scale sd)^2)`` (heavier tails than the GP's; 0: the GP's marginals).
        rank_weight: if > 0, the accuracy mean is ``(1 - w)`` GP + ``w`` :func:`~nas_utils.search.surrogates.rank_model_mean` (a
            pairwise-ranking tree ensemble), and ``w (1 - w) (difference)^2`` joins the variance
            (the two-model mixture's variance: their disagreement counts as uncertainty).
        calibrate_sd: multiply each GP's predictive standard deviations by the root mean square of
            its leave-one-out standardised residuals when that exceeds 1 (an overconfident fit).
        prune_dead: NB201: never design or propose a cell without a live input-to-output path
            (:func:`~nas_utils.search.features.is_dead`: a constant output, chance accuracy, no
            hypervolume; one such validation is an outlier the accuracy GP extrapolates from).
        stats_weight: weight of the path summaries in the accuracy model's features
            (:func:`~nas_utils.search.features.function_features`).
        error_shift, latency_shift: in [0, 0.95]: model ``log(m - s * min m)`` instead of ``log m`` for the
            error (accuracy) and the latency, ``min m`` the smallest validated value; the expected gain
            is computed in the shifted coordinates (hypervolume is translation-invariant), the
            predictive marginals being shifted log-normals bounded below by ``s * min m``.
        stats_weight_choices, pair_weight_choices: if given, at every fit the weight (``stats_weight`` of
            the accuracy model, ``pair_weight`` of the latency model) is the one of these whose GP has the
            largest log marginal likelihood on the validated architectures (model selection by evidence,
            per cell and round; each choice is a GP of its own, warm-started from its previous fit).
        pair_weight: if > 0, the latency model's features also hold the products of every two
            edges' op one-hots times this weight (:func:`~nas_utils.search.features.edge_pair_features`:
            the GP's linear part becomes a second-order cost model).
        latency_log: model the latency (a minimised, positive objective other than the accuracy) as
            ``log(latency)`` with log-normal marginals (True) or in milliseconds with normal marginals
            (False: a cell's latency is close to a *sum* of its edges' operation times, which the
            GP's linear part fits in natural units); the HV reference is ``ref_latency`` x the
            largest validated latency either way.
        live_weight: if > 0, the latency model's features also hold the live ops' one-hot, counts and
            FLOPs times this weight (:func:`~nas_utils.search.features.cost_features`: for runtimes that
            drop the ops that cannot reach the output); ``output_weight`` likewise with the ops that
            reach the output (:func:`~nas_utils.search.features.output_ops`).
    """

    name = "hvgain"

    def __init__(self, n_init: int = 14, init: str = "conv_levels", batch_size: int = 10, acquisition: str = "ehvi",
                 beta: float = 1.0, ref_latency: float = 1.1, refit_every: int = 1, prune_isomorphs: bool = True,
                 min_lengthscale: float = 2.0, max_lengthscale: float = 8.0, local_radius: int = 0,
                 max_candidates: int = 20_000, pool_size: int = 3000, sd_scale: float = 1.0,
                 early_batch_size: int = 0, early_until: int = 0, rescore_top: int = 0,
                 tail_weight: float = 0.0,
                 tail_scale: float = 3.0, stats_weight: float = 1.0, prune_dead: bool = False,
                 calibrate_sd: bool = False, rank_weight: float = 0.0, pair_weight: float = 0.0,
                 ref_point: str = "validated", error_shift: float = 0.0, latency_shift: float = 0.0,
                 stats_weight_choices: Sequence[float] = (), pair_weight_choices: Sequence[float] = (),
                 latency_log: bool = True, live_weight: float = 0.0, output_weight: float = 0.0) -> None:
        for key, value, low in [("n_init", n_init, 2), ("batch_size", batch_size, 1),
                                ("refit_every", refit_every, 1), ("max_candidates", max_candidates, 1),
                                ("pool_size", pool_size, 1)]:
            if int(value) != value or value < low:
                raise ConfigError(f"hvgain.{key}={value!r} is out of range; valid: integer >= {low}")
        config.check_choice("hvgain.init", init, ("conv_levels", "flops", "uniform"))
        config.check_choice("hvgain.acquisition", acquisition, ("ehvi", "ucb"))
        config.check_choice("hvgain.ref_point", ref_point, ("validated", "predicted"))
        self.ref_point = ref_point
        config.check_range("hvgain.beta", beta, low=0.0)
        config.check_range("hvgain.ref_latency", ref_latency, low=1.0)
        config.check_range("hvgain.min_lengthscale", min_lengthscale, low=1e-3)
        config.check_range("hvgain.max_lengthscale", max_lengthscale, low=min_lengthscale)
        self.min_lengthscale, self.max_lengthscale = float(min_lengthscale), float(max_lengthscale)
        if int(local_radius) != local_radius or local_radius < 0:
            raise ConfigError(f"hvgain.local_radius={local_radius!r} is out of range; valid: integer >= 0")
        self.local_radius = int(local_radius)
        self.n_init, self.init, self.batch_size = int(n_init), init, int(batch_size)
        self.acquisition, self.beta, self.ref_latency = acquisition, float(beta), float(ref_latency)
        self.refit_every, self.prune_isomorphs = int(refit_every), bool(prune_isomorphs)
        self.max_candidates, self.pool_size = int(max_candidates), int(pool_size)
        for key, value in [("early_batch_size", early_batch_size), ("early_until", early_until),
                           ("rescore_top", rescore_top)]:
            if int(value) != value or value < 0:
                raise ConfigError(f"hvgain.{key}={value!r} is out of range; valid: integer >= 0")
        config.check_range("hvgain.sd_scale", sd_scale, low=1e-3)
        self.sd_scale = float(sd_scale)
        self.early_batch_size, self.early_until = int(early_batch_size), int(early_until)
        self.rescore_top = int(rescore_top)
        config.check_range("hvgain.tail_weight", tail_weight, low=0.0, high=1.0)
        config.check_range("hvgain.tail_scale", tail_scale, low=1.0)
        self.tail_weight, self.tail_scale = float(tail_weight), float(tail_scale)
        config.check_range("hvgain.stats_weight", stats_weight, low=0.0)
        self.stats_weight = float(stats_weight)
        self.prune_dead, self.calibrate_sd = bool(prune_dead), bool(calibrate_sd)
        config.check_range("hvgain.rank_weight", rank_weight, low=0.0, high=1.0)
        self.rank_weight = float(rank_weight)
        config.check_range("hvgain.pair_weight", pair_weight, low=0.0)
        self.pair_weight = float(pair_weight)
        config.check_range("hvgain.live_weight", live_weight, low=0.0)
        config.check_range("hvgain.output_weight", output_weight, low=0.0)
        self.live_weight, self.output_weight = float(live_weight), float(output_weight)
        for key, fraction in [("error_shift", error_shift), ("latency_shift", latency_shift)]:
            config.check_range(f"hvgain.{key}", fraction, low=0.0, high=0.95)
        self.error_shift, self.latency_shift = float(error_shift), float(latency_shift)
        self.latency_log = bool(latency_log)
        for key, values in [("stats_weight_choices", stats_weight_choices), ("pair_weight_choices", pair_weight_choices)]:
            for w in values:
                config.check_range(f"hvgain.{key}", w, low=0.0)
        self.weight_choices = {"function": tuple(float(w) for w in stats_weight_choices) or (self.stats_weight,),
                               "cost": tuple(float(w) for w in pair_weight_choices) or (self.pair_weight,)}

    # --- candidates --------------------------------------------------------------------------
    def candidate_set(self, session: SearchSession, rng: np.random.Generator) -> np.ndarray:
        """Unevaluated architectures to score (step 2), mirror images of validated ones removed."""
        space = session.space
        if space.size <= self.max_candidates:
            C = space.enumerate()
            C = C[session.is_new(C)]
        else:
            C = self._pool(session, rng)
        if self.prune_dead and space.name == "nb201" and len(C):
            C = C[~is_dead(C)]
        if self.local_radius and len(C):  # only cells within the radius of the observed front
            M, _ = minimised_log(session.F, session.evaluator.objectives)
            front = session.X[pareto_mask(M)]
            distance = np.min([(C != x).sum(axis=1) for x in front], axis=0)
            C = C[distance <= self.local_radius]
        if self.prune_isomorphs and len(C):
            seen = set(isomorph_keys(space, session.X))
            C = C[np.array([k not in seen for k in isomorph_keys(space, C)], dtype=bool)]
        return C

    def _pool(self, session: SearchSession, rng: np.random.Generator) -> np.ndarray:
        space = session.space
        M, _ = minimised_log(session.F, session.evaluator.objectives)
        return mutation_pool(space, session.X[pareto_mask(M)], session.seen, rng, self.pool_size)

    # --- one round -----------------------------------------------------------------------------
    def propose(self, session: SearchSession, candidates: np.ndarray, q: int, refit: bool) -> np.ndarray:
        """Fit the GPs on the validated architectures and pick ``q`` candidates greedily (steps 1, 3, 4)."""
        space, objectives = session.space, session.evaluator.objectives
        kinds = self._feature_kinds(objectives)
        natural, positive = minimised_log(session.F, objectives)
        logs = [p and (self.latency_log or kind == "function") for p, kind in zip(positive, kinds)]
        shift = self._shift(natural, logs, kinds)
        M = natural - shift  # shifted coordinates (all zero without error_shift / latency_shift)
        G = np.where(logs, np.log(np.maximum(M, 1e-12)), M)
        mu, var = np.empty((len(candidates), 2)), np.empty((len(candidates), 2))
        known_x, known_c = self._known(session, session.X, logs, shift), self._known(session, candidates, logs, shift)
        for j, kind in enumerate(kinds):
            # prior knowledge of an objective (the evaluator's prior) is the GP's mean: it models the residual
            prior_x, prior_c = known_x[j], known_c[j]
            if prior_x is None or prior_c is None:
                prior_x, prior_c = np.zeros(len(session.X)), np.zeros(len(candidates))
            fits = [(gp.fit(scale(session.X), G[:, j] - prior_x, refit), scale) for scale, gp in self._models[j]]
            gp, scale = max(fits, key=lambda fit: fit[0].lml)  # the first of equals: choices in their order
            self._gps[j], self._scales[kind] = gp, scale
            mu[:, j], var[:, j] = gp.predict(scale(candidates))
            mu[:, j] += prior_c
        extra = np.zeros_like(var)  # model disagreement, kept through the batch's variance updates
        if self.rank_weight and "function" in kinds:  # the accuracy objective
            j = kinds.index("function")
            other = rank_model_mean(self._scales["function"](session.X), G[:, j], self._scales["function"](candidates))
            w = self.rank_weight
            extra[:, j] = w * (1 - w) * (mu[:, j] - other) ** 2
            mu[:, j] = (1 - w) * mu[:, j] + w * other
        sd_scale = self.sd_scale * np.array([max(1.0, gp.loo_rms) if self.calibrate_sd else 1.0 for gp in self._gps])
        ref = self._reference(natural, mu, logs, objectives, shift, positive) - shift
        front = M[pareto_mask(M)]
        classes = np.unique(isomorph_keys(space, candidates), return_inverse=True)[1] if self.prune_isomorphs \
            else np.arange(len(candidates))
        open_ = np.ones(len(candidates), dtype=bool)
        picked: list[int] = []
        rows = np.arange(len(candidates))  # candidates re-scored after each pick
        for k in range(min(q, len(candidates))):
            gain = np.full(len(candidates), -np.inf)
            gain[rows] = self._gain(mu[rows], sd_scale * np.sqrt(var[rows] + extra[rows]), logs, front_strips(front, ref))
            gain[~open_] = -np.inf
            best = int(np.argmax(gain))
            if k == 0 and 0 < self.rescore_top < len(candidates):  # lazy greedy: only the round's leaders
                rows = np.sort(np.argsort(-gain, kind="stable")[: self.rescore_top])
            picked.append(best)
            open_ &= classes != classes[best]
            median = np.where(logs, np.exp(mu[best]), mu[best])
            front = np.vstack([front, median])
            for j in range(2):
                var[:, j] = self._gps[j].condition(best)
        return candidates[picked]

    def _shift(self, M: np.ndarray, logs: list[bool], kinds: list[str]) -> np.ndarray:
        """Per objective, what is subtracted before the log: a fraction of its smallest validated value."""
        fraction = np.array([self.error_shift if kind == "function" else self.latency_shift for kind in kinds])
        return np.where(logs, fraction * M.min(axis=0), 0.0)

    def _reference(self, M: np.ndarray, mu: np.ndarray, logs: list[bool], objectives: Sequence[Objective],
                   shift: np.ndarray | None = None, positive: list[bool] | None = None) -> np.ndarray:
        """The HV reference point in natural minimised units (module docstring, step 3); ``mu``: the modelled
        values (logs where ``logs``) of the minimised values less ``shift`` (default: none); ``positive``: the
        objectives whose reference is ``ref_latency`` x the worst value (default: ``logs``)."""
        shift = np.zeros(len(objectives)) if shift is None else shift
        positive = logs if positive is None else positive
        ref = []
        for j, o in enumerate(objectives):
            if not o.minimize and o.unit == "%":
                ref.append(100.0)
                continue
            worst = M[:, j].max()
            if self.ref_point == "predicted" and len(mu):
                worst = max(worst, float((np.exp(mu[:, j]) + shift[j] if logs[j] else mu[:, j]).max()))
            ref.append(self.ref_latency * worst if positive[j] else worst + 0.1 * np.ptp(M[:, j]))
        return np.array(ref)

    @staticmethod
    def _known(session: SearchSession, X: np.ndarray, logs: list[bool], shift: np.ndarray) -> list[np.ndarray | None]:
        """Per objective: the modelled value (log of the shifted minimised one where ``logs``) of every row of ``X``
        if the evaluator's :meth:`~nas_utils.evaluators.Evaluator.prior` knows it for all of them, else None."""
        prior = session.evaluator.prior(X) if len(X) else None
        out: list[np.ndarray | None] = []
        for j, obj in enumerate(session.evaluator.objectives):
            col = None if prior is None else prior[:, j]
            if col is None or not np.all(np.isfinite(col)):
                out.append(None)
                continue
            m = minimised_log(col[:, None], (obj,))[0][:, 0]
            out.append(np.log(np.maximum(m - shift[j], 1e-12)) if logs[j] else m)
        return out

    def _gain(self, mu: np.ndarray, sd: np.ndarray, logs: list[bool], strips: tuple[np.ndarray, ...]) -> np.ndarray:
        if self.acquisition == "ehvi":
            gain = expected_gain(mu, sd, logs, strips)
            if self.tail_weight:  # scale mixture of normals: heavier tails than the GP's
                tail = expected_gain(mu, self.tail_scale * sd, logs, strips)
                gain = (1 - self.tail_weight) * gain + self.tail_weight * tail
            return gain
        optimistic = mu - self.beta * sd
        return expected_gain(optimistic, np.zeros_like(sd), logs, strips)

    def _feature_kinds(self, objectives: Sequence[Objective]) -> list[str]:
        return ["function" if (not o.minimize and o.unit == "%") else "cost" for o in objectives]

    def _standardiser(self, space: SearchSpace, kind: str, weight: float):  # type: ignore[no-untyped-def]
        """Features of ``kind`` (its block weight ``weight``: ``stats_weight`` or ``pair_weight``) centred on
        their mean over the space (no validations), columns kept
        in their natural 0/1 or count scale (per-column scaling would blow up rare path counts).

        On an enumerable space the centred matrix of every architecture is computed once and rows
        are looked up by their mixed-radix index; otherwise features are computed on demand,
        centred by a fixed uniform sample.
        """
        enumerable = space.size <= self.max_candidates
        reference = space.enumerate() if enumerable else space.sample(np.random.default_rng(0), self.pool_size)
        weights = {"function": {"stats_weight": weight},
                   "cost": {"pair_weight": weight, "live_weight": self.live_weight,
                            "output_weight": self.output_weight}}[kind]
        featurise = partial(_FEATURES[kind], **weights)
        Z = featurise(space, reference)
        centre, keep = Z.mean(axis=0), Z.std(axis=0) > 0
        if enumerable:
            table = Z[:, keep] - centre[keep]
            radix = np.cumprod(np.concatenate([[1], space.cardinalities[::-1][:-1]]))[::-1]
            return lambda X: table[space.validate(X) @ radix]
        return lambda X: featurise(space, X)[:, keep] - centre[keep]

    # --- loop ----------------------------------------------------------------------------------
    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        objectives = session.evaluator.objectives
        if len(objectives) != 2:
            raise ConfigError(f"hvgain needs exactly 2 objectives, got {len(objectives)}")
        kinds = self._feature_kinds(objectives)
        # per objective: one (features, GP) model per weight choice of its kind; propose() uses the best-evidence one
        tables = {(kind, w): self._standardiser(session.space, kind, w) for kind in set(kinds) for w in self.weight_choices[kind]}
        self._models = [[(tables[kind, w], FeatureGP(self.min_lengthscale, self.max_lengthscale))
                         for w in self.weight_choices[kind]] for kind in kinds]
        self._scales = {kind: models[0][0] for kind, models in zip(kinds, self._models)}
        self._gps = [models[0][1] for models in self._models]
        if self.init == "conv_levels" and session.space.name == "nb201":
            design = conv_level_design(session, rng, self.n_init, self.prune_dead)
        else:
            design = initial_design(session, rng, self.n_init, "uniform" if self.init == "conv_levels" else self.init)
        session.evaluate(design, iteration=0, source="init")
        iteration = 1
        while not session.done:
            early = self.early_batch_size and len(session.X) < self.early_until
            q = min(self.early_batch_size if early else self.batch_size, session.remaining)
            candidates = self.candidate_set(session, rng)
            refit = (iteration - 1) % self.refit_every == 0
            session.evaluate(self.propose(session, candidates, q, refit), iteration=iteration, source="hvgain")
            iteration += 1
