"""LINAS (DyNAS-T's Lightweight Iterative NAS): predictor-guided NSGA-II in an iterative loop.

Two registered variants share this module:

``linas_faithful`` - Algorithm 1 of the LINAS papers as the DyNAS-T code runs it: a uniform
random population of P, then per loop: fit one DyNAS-T "dynamic" predictor per objective on
every *distinct* architecture evaluated (first occurrence, in order: DyNAS-T's ``import_csv``
drops duplicate rows of its results file before the 5-fold CV), run NSGA-II (DyNAS-T operators,
duplicate vectors eliminated, random initial population, the *same* seed every loop) on the
predictors for ``inner_evals`` predicted evaluations, and validate the whole final inner
population (P distinct vectors, some of them possibly validated before). With
``charge_repeats=True`` (the faithful setting, as DyNAS-T 1.6.0 charges) every member of that
population is validated and paid for, including repeats of earlier validations and duplicates
inside the uniform initial population, so the run is
exactly round(N/P) loops of P validations (N a multiple of P; otherwise the last loop is cut at
the budget). With ``charge_repeats=False`` repeats are answered from the cache for free and the
loop runs until the budget is spent on distinct architectures (this favours the variant over
the reference, which wastes validations on repeats: DyNAS-T 1.6.0 validated only 266-398
distinct architectures out of 500 on NB201). The predictor grid ``"dynast"`` is DyNAS-T's
(Ridge alpha 0.1..10.0 x SVR C 1..100, 5-fold CV on MAPE); ``"compact"`` a 12-point grid.

``linas`` - our improved variant, fixing the quirks listed in ALGORITHMS.md §1.10:
  * candidates already evaluated are never proposed again;
  * the inner NSGA-II is warm-started from the best evaluated architectures (real objectives,
    non-dominated order) and gets a fresh seed every loop;
  * only the ``batch`` best new candidates (predicted non-dominated rank, then crowding) are
    validated per loop, so the predictors are refitted more often;
  * a configurable predictor (default: cross-validated ridge/SVR on a compact grid);
  * with ``reselect_growth > 1`` the "auto" predictor's cross-validated model selection is
    redone only once the training set has grown by that factor since the last selection; in
    between, the selected models are refitted on all evaluations (the selection is the
    expensive part: 5-fold CV over the grid for every objective).

Every inner-search generation calls each predictor once on the whole population (vectorised).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from pymoo.operators.survival.rank_and_crowding.metrics import calc_crowding_distance

from nas_utils import config
from nas_utils.metrics import nondominated_rank, to_minimization
from nas_utils.predictors import PREDICTORS, AutoPredictor, Predictor, make_predictor
from nas_utils.search.base import TACTICS, SearchSession, Tactic
from nas_utils.search.evolution import DEFAULT_OPERATORS, DYNAST_OPERATORS, minimize_vectorised


def fit_predictors(session: SearchSession, name: str, seed: int, grid: str, distinct: bool = False) -> list[Predictor]:
    """One predictor per objective, trained on every evaluation so far (one-hot features).

    Args:
        distinct: train on the first occurrence of each decision vector only (DyNAS-T drops
            duplicate rows of its results file); matters only when the session charges repeats.
    """
    X, F = session.X, session.F
    if distinct:
        rows = first_occurrences(X)
        X, F = X[rows], F[rows]
    features = session.space.one_hot(X)
    predictors = []
    for j in range(len(session.evaluator.objectives)):
        p: Predictor = AutoPredictor(seed=seed, grid=grid) if name == "auto" else make_predictor(name, seed=seed)
        predictors.append(p.fit(features, F[:, j]))
    return predictors


def first_occurrences(X: np.ndarray) -> np.ndarray:
    """Indices of the first occurrence of each distinct row of ``X``, in row order (as
    ``pandas.DataFrame.drop_duplicates`` keeps them)."""
    _, first = np.unique(np.asarray(X), axis=0, return_index=True)
    return np.sort(first)


def predicted_objectives(session: SearchSession, predictors: list[Predictor]):  # type: ignore[no-untyped-def]
    """A vectorised (n, n_var) -> (n, n_obj) minimisation function backed by the predictors."""
    objectives = session.evaluator.objectives

    def fn(X: np.ndarray) -> np.ndarray:
        features = session.space.one_hot(X)
        return to_minimization(np.column_stack([p.predict(features) for p in predictors]), objectives)

    return fn


def rank_candidates(F_min: np.ndarray) -> np.ndarray:
    """Order rows by non-dominated rank, then by decreasing crowding distance within a rank."""
    ranks = nondominated_rank(F_min)
    crowding = np.zeros(len(F_min))
    for r in np.unique(ranks):
        idx = np.flatnonzero(ranks == r)
        crowding[idx] = calc_crowding_distance(F_min[idx]) if len(idx) > 2 else np.inf
    return np.lexsort((-crowding, ranks))


@TACTICS.register("linas_faithful")
class LINASFaithful(Tactic):
    """DyNAS-T's LINAS loop as published (see module docstring for the one forced deviation)."""

    name = "linas_faithful"

    def __init__(self, population: int = 50, inner_evals: int = 20_000, predictor: str = "auto",
                 predictor_grid: str = "dynast", charge_repeats: bool = True, inner_dedup: bool = True,
                 distinct_training: bool = True) -> None:
        """``inner_dedup`` / ``distinct_training`` ``False``: the pre-fix behaviour (inner population
        with repeated vectors; predictors trained on every charged row, repeats included), kept as
        ablation switches for :mod:`nas_utils.search.faithful_check`."""
        config.check_range("linas_faithful.population", population, low=4)
        config.check_range("linas_faithful.inner_evals", inner_evals, low=population)
        config.check_choice("linas_faithful.predictor", predictor, PREDICTORS.names())
        config.check_choice("linas_faithful.predictor_grid", predictor_grid, ("dynast", "compact"))
        self.population = population
        self.inner_evals = inner_evals
        self.predictor, self.grid = predictor, predictor_grid
        self.charge_repeats = bool(charge_repeats)
        self.ops = DYNAST_OPERATORS if inner_dedup else replace(DYNAST_OPERATORS, eliminate_duplicates=False)
        self.distinct_training = bool(distinct_training)

    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        inner_seed = int(rng.integers(2**31))  # DyNAS-T passes the same seed to every loop
        pop = session.space.sample(rng, self.population)  # uniform, duplicates possible (as DyNAS-T)
        loop = 0
        while True:
            before = session.n_evaluated
            session.evaluate(pop, iteration=loop, source="random" if loop == 0 else "predicted")
            if session.n_evaluated == before:  # the inner search proposed nothing new
                session.evaluate(session.sample_new(rng, self.population), iteration=loop, source="random_fill")
            if session.done:  # DyNAS-T fits and searches once more here, for nothing: skipped
                return
            predictors = fit_predictors(session, self.predictor, inner_seed, self.grid, self.distinct_training)
            pop, _ = minimize_vectorised(
                session.space, predicted_objectives(session, predictors), self.population,
                max(1, self.inner_evals // self.population), inner_seed, self.ops,
            )
            loop += 1


@TACTICS.register("linas")
class LINAS(Tactic):
    """Improved LINAS: no repeats, warm-started inner search, fresh seeds, smaller validated batches."""

    name = "linas"

    def __init__(self, initial: int = 50, batch: int = 25, inner_population: int = 50, inner_evals: int = 20_000,
                 predictor: str = "auto", predictor_grid: str = "compact", warm_start: bool = True,
                 mutation_prob: float = 1.0, reselect_growth: float = 1.0, inner_dedup: bool = True) -> None:
        config.check_range("linas.initial", initial, low=2)
        config.check_range("linas.batch", batch, low=1)
        config.check_range("linas.inner_population", inner_population, low=4)
        config.check_range("linas.inner_evals", inner_evals, low=inner_population)
        config.check_choice("linas.predictor", predictor, PREDICTORS.names())
        config.check_choice("linas.predictor_grid", predictor_grid, ("dynast", "compact"))
        config.check_range("linas.mutation_prob", mutation_prob, low=0.0, high=1.0)
        config.check_range("linas.reselect_growth", reselect_growth, low=1.0)
        self.initial, self.batch = initial, batch
        self.reselect_growth = reselect_growth
        self.inner_population, self.inner_evals = inner_population, inner_evals
        self.predictor, self.grid, self.warm_start = predictor, predictor_grid, warm_start
        self.ops = replace(DEFAULT_OPERATORS, mutation_prob=mutation_prob, eliminate_duplicates=inner_dedup)

    def search(self, session: SearchSession, rng: np.random.Generator) -> None:
        session.evaluate(session.sample_new(rng, self.initial), iteration=0, source="random")
        loop = 1
        objectives = session.evaluator.objectives
        selected: tuple[int, list[Predictor]] | None = None  # (training-set size, "auto" predictors)
        while not session.done:
            seed = int(rng.integers(2**31))
            if self.predictor == "auto" and selected is not None and session.n_evaluated < self.reselect_growth * selected[0]:
                features = session.space.one_hot(session.X)
                predictors = [p.refit(features, session.F[:, j]) for j, p in enumerate(selected[1])]  # type: ignore[attr-defined]
            else:
                predictors = fit_predictors(session, self.predictor, seed, self.grid)
                selected = (session.n_evaluated, predictors)
            fn = predicted_objectives(session, predictors)
            elite = None
            if self.warm_start:
                order = rank_candidates(to_minimization(session.F, objectives))
                elite = session.X[order[: self.inner_population]]
            X, F = minimize_vectorised(session.space, fn, self.inner_population,
                                       max(1, self.inner_evals // self.inner_population), seed, self.ops, elite)
            new = session.is_new(X)
            X, F = X[new], F[new]
            chosen = X[rank_candidates(F)[: self.batch]] if len(X) else X
            if len(chosen) < self.batch:  # top up with mutations of the chosen, then uniform samples
                chosen = self._top_up(session, chosen, rng)
            session.evaluate(chosen, iteration=loop, source="predicted")
            loop += 1

    def _top_up(self, session: SearchSession, chosen: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        rows = list(chosen)
        keys = set(session.space.keys(chosen)) | session.seen if len(chosen) else session.seen
        base = chosen if len(chosen) else session.X
        for _ in range(20 * self.batch):
            if len(rows) >= self.batch or not len(base):
                break
            x = session.space.mutate(base[rng.integers(len(base))], rng)
            (key,) = session.space.keys(x[None])
            if key not in keys:
                keys.add(key)
                rows.append(x)
        if len(rows) < self.batch:
            rows.extend(session.space.sample_unique(rng, self.batch - len(rows), exclude=keys))
        return np.array(rows, dtype=np.int64)
