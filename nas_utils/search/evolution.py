"""pymoo NSGA-II on integer search spaces: operator settings and a vectorised inner search.

Two uses share this module: the ``nsga2`` tactic (NSGA-II on real evaluations, ask/tell) and
LINAS's inner loop (NSGA-II on predicted objectives, many generations, one vectorised
predictor call per generation - never one architecture at a time).

Operator semantics are pymoo >= 0.6: ``mutation_prob`` is the probability that an offspring
is mutated at all, and ``mutation_prob_var`` (default ``1/n_var``) the per-variable rate inside
a mutated offspring. DyNAS-T passes ``PM(prob=0.02)``, which under 0.6 means almost no mutation
(:data:`DYNAST_OPERATORS` keeps that for the faithful LINAS variant; DyNAS-T 1.6.0 requires
pymoo >= 0.6.0, so this *is* DyNAS-T's behaviour, not a version artefact).

Duplicate elimination: DyNAS-T passes ``eliminate_duplicates=True`` (pymoo's
``DefaultDuplicateElimination``: equal decision vectors), so every population holds distinct
architectures. ``GAOperators.eliminate_duplicates=True`` (the default, and
:data:`DYNAST_OPERATORS`) does the same with a hash of the rounded integer vector
(:func:`vector_key`: same decisions as pymoo's distance check on integer vectors, cheaper).
``False`` reproduces this project's behaviour before session 6, pymoo's
``HashDuplicateElimination()`` with its default key, which hashes the *Individual objects*
(identity hashes) and so removed no equal vectors (now keyed by :func:`identity_key`, the same
decisions without the default key's bare ``except:``, which swallowed Ctrl-C): the ``nsga2`` baseline's populations and
LINAS's inner populations and batches could hold repeats (kept as a switch for the record of
that fix, ``data/preregistration/search/``).

>>> import numpy as np
>>> from nas_utils.spaces import get_space
>>> from nas_utils.search.evolution import minimize_vectorised
>>> space = get_space("nb201")
>>> X, F = minimize_vectorised(space, lambda X: np.c_[X.sum(1), -X.sum(1)], pop_size=20, n_gen=5, seed=0)
>>> X.shape[1], F.shape[1]
(6, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.duplicate import HashDuplicateElimination
from pymoo.core.problem import Problem
from pymoo.operators.crossover.sbx import SBX
from pymoo.operators.mutation.pm import PM
from pymoo.operators.repair.rounding import RoundingRepair
from pymoo.operators.sampling.rnd import IntegerRandomSampling
from pymoo.optimize import minimize

from nas_utils.spaces import SearchSpace

VectorisedObjectives = Callable[[np.ndarray], np.ndarray]  # (n, n_var) int -> (n, n_obj) minimised


@dataclass(frozen=True)
class GAOperators:
    """SBX crossover + polynomial mutation with rounding repair (DyNAS-T's operator family)."""

    crossover_prob: float = 0.9
    crossover_eta: float = 15.0
    mutation_prob: float = 1.0
    mutation_prob_var: float | None = None  # None -> 1 / n_var
    mutation_eta: float = 20.0
    eliminate_duplicates: bool = True  # equal vectors removed (DyNAS-T); False: the pre-fix no-op (module docstring)


#: NSGA-II as DyNAS-T configures it (SBX 0.9/15, PM 0.02/20, duplicate vectors eliminated) under pymoo 0.6.
DYNAST_OPERATORS = GAOperators(mutation_prob=0.02)
#: Standard NSGA-II practice: every offspring mutated at rate 1/n_var.
DEFAULT_OPERATORS = GAOperators()


class IntegerProblem(Problem):
    """A pymoo problem over the integer vectors of ``space``, objectives from a vectorised function."""

    def __init__(self, space: SearchSpace, n_obj: int, fn: VectorisedObjectives | None = None) -> None:
        super().__init__(n_var=space.n_var, n_obj=n_obj, xl=np.zeros(space.n_var), xu=space.upper.astype(float), vtype=int)
        self.fn = fn

    def _evaluate(self, x: np.ndarray, out: dict, *args: object, **kwargs: object) -> None:
        if self.fn is None:
            raise RuntimeError("IntegerProblem without a function is for ask/tell use only")
        out["F"] = self.fn(np.rint(x).astype(np.int64))


def vector_key(item: object) -> object:
    """Duplicate key of a pymoo ``Individual``: the bytes of its rounded integer vector.

    pymoo's ``HashDuplicateElimination`` applies its key twice (to the individual, then to that
    value), so a key is returned unchanged.
    """
    if isinstance(item, bytes):
        return item
    return np.rint(np.asarray(item.X, dtype=np.float64)).astype(np.int64).tobytes()  # type: ignore[attr-defined]


def identity_key(item: object) -> object:
    """The pre-fix duplicate key: the Individual object itself (identity), so nothing is removed.

    Same decisions as pymoo's default ``to_hash`` key, without its bare ``except:``, which could
    swallow a Ctrl-C (``KeyboardInterrupt``) arriving inside it.
    """
    return item


def make_nsga2(pop_size: int, ops: GAOperators = DEFAULT_OPERATORS, sampling: object | None = None) -> NSGA2:
    """NSGA-II with integer sampling, SBX + PM with rounding repair, duplicate vectors eliminated
    (``ops.eliminate_duplicates``; ``False``: the pre-fix no-op, see the module docstring)."""
    return NSGA2(
        pop_size=pop_size,
        sampling=IntegerRandomSampling() if sampling is None else sampling,
        crossover=SBX(prob=ops.crossover_prob, eta=ops.crossover_eta, vtype=float, repair=RoundingRepair()),
        mutation=PM(prob=ops.mutation_prob, prob_var=ops.mutation_prob_var, eta=ops.mutation_eta,
                    vtype=float, repair=RoundingRepair()),
        eliminate_duplicates=(HashDuplicateElimination(func=vector_key) if ops.eliminate_duplicates
                              else HashDuplicateElimination(func=identity_key)),
    )


def minimize_vectorised(
    space: SearchSpace,
    fn: VectorisedObjectives,
    pop_size: int,
    n_gen: int,
    seed: int,
    ops: GAOperators = DEFAULT_OPERATORS,
    initial: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run NSGA-II on ``fn`` for ``n_gen`` generations; return the final population (X, F).

    Args:
        initial: optional warm-start rows; topped up with uniform samples to ``pop_size``.
    """
    n_obj = int(np.asarray(fn(space.sample(np.random.default_rng(0), 1))).shape[1])
    sampling = None
    if initial is not None and len(initial):
        rng = np.random.default_rng(seed)
        rows = np.unique(space.validate(initial), axis=0)[:pop_size]
        extra = space.sample(rng, pop_size - len(rows)) if len(rows) < pop_size else np.empty((0, space.n_var), int)
        sampling = np.vstack([rows, extra]).astype(float)
    res = minimize(IntegerProblem(space, n_obj, fn), make_nsga2(pop_size, ops, sampling), ("n_gen", n_gen),
                   seed=seed, verbose=False)
    X = np.rint(res.pop.get("X")).astype(np.int64)
    return X, np.asarray(res.pop.get("F"), dtype=np.float64)
