"""Evaluators answer objectives for architectures and count every real evaluation.

An :class:`Evaluator` owns a search space and an ordered tuple of objectives. Search tactics
only ever call :meth:`Evaluator.evaluate` on integer architecture matrices; whether the
numbers come from a lookup table, a trained super-network or a device measurement is the
evaluator's business. Adding a new source of truth is one subclass.

>>> from nas_utils.evaluators import load_benchmark
>>> bench = load_benchmark("nb201", "cifar10", "gold_6226")      # doctest: +SKIP
>>> bench.evaluate(bench.space.sample(np.random.default_rng(0), 3)).shape  # doctest: +SKIP
(3, 2)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from nas_utils.latency.benchmark_devices import devices_for
from nas_utils.errors import UnknownNameError
from nas_utils.metrics import HypervolumeScorer, Objective, pareto_front
from nas_utils.spaces import SearchSpace, get_space
from nas_utils.tables import DATASETS, load_accuracy, load_archs, load_latency

ACCURACY = Objective("accuracy", minimize=False, unit="%")
LATENCY = Objective("latency", minimize=True, unit="ms")


class Evaluator(ABC):
    """Base class: validate, count, delegate to :meth:`_evaluate`."""

    space: SearchSpace
    objectives: tuple[Objective, ...]

    def __init__(self, space: SearchSpace, objectives: Sequence[Objective]) -> None:
        self.space = space
        self.objectives = tuple(objectives)
        self.n_evaluations = 0

    def evaluate(self, X: np.ndarray) -> np.ndarray:
        """Objectives (natural units, shape ``(n, n_obj)``) of the architectures ``X``."""
        X = self.space.validate(X)
        F = np.asarray(self._evaluate(X), dtype=np.float64).reshape(len(X), len(self.objectives))
        self.n_evaluations += len(X)
        return F

    @abstractmethod
    def _evaluate(self, X: np.ndarray) -> np.ndarray: ...

    def scorer(self) -> HypervolumeScorer | None:
        """Hypervolume scorer with the evaluator's reference bounds, if it knows them."""
        return None

    def prior(self, X: np.ndarray) -> np.ndarray | None:
        """Objective values known *without* a validation (prior knowledge, e.g. latency predicted from
        other devices), shape ``(n, n_obj)`` with NaN where unknown; None (the default): nothing known.

        A tactic may read it to choose candidates (``hvgain`` does); it never counts as an evaluation.
        """
        return None

    @property
    def name(self) -> str:
        return type(self).__name__


class TabularBenchmark(Evaluator):
    """Exhaustively tabulated space: every architecture's objectives are known in advance.

    Args:
        space: the search space (its ``enumerate()`` order need not match the table).
        archs: (n, n_var) table architectures; must cover the whole space exactly once.
        F: (n, n_obj) objectives of ``archs``.
        objectives: objective records.
        label: short description (e.g. ``nb201/cifar10/gold_6226``).
    """

    def __init__(
        self, space: SearchSpace, archs: np.ndarray, F: np.ndarray, objectives: Sequence[Objective], label: str
    ) -> None:
        super().__init__(space, objectives)
        archs = space.validate(archs)
        if len(archs) != space.size:
            raise ValueError(f"{label}: table has {len(archs)} rows, space has {space.size}")
        self.label = label
        self._radix = np.concatenate([np.cumprod(space.cardinalities[::-1])[::-1][1:], [1]])
        self._row_of_code = np.full(space.size, -1, dtype=np.int64)
        self._row_of_code[archs @ self._radix] = np.arange(len(archs))
        if (self._row_of_code < 0).any():
            raise ValueError(f"{label}: table does not cover the space (duplicate architectures)")
        self.archs = archs
        self.table = np.asarray(F, dtype=np.float64)
        self._scorer = HypervolumeScorer(self.objectives, self.table)

    def rows(self, X: np.ndarray) -> np.ndarray:
        """Benchmark index of each architecture."""
        return self._row_of_code[self.space.validate(X) @ self._radix]

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        return self.table[self.rows(X)]

    def scorer(self) -> HypervolumeScorer:
        return self._scorer

    def true_front(self) -> np.ndarray:
        """The Pareto front of the whole space (natural units)."""
        return pareto_front(self.table, self.objectives)

    @property
    def name(self) -> str:
        return self.label


def load_benchmark(space: str, dataset: str, device: str) -> TabularBenchmark:
    """Accuracy-on-``dataset`` vs latency-on-``device`` over the whole NAS-Bench-201 space.

    Raises:
        UnknownNameError: for an unknown space, dataset or device, listing the valid ones.
    """
    if space != "nb201":
        raise UnknownNameError("tabular benchmark space", space, ["nb201"])
    if dataset not in DATASETS:
        raise UnknownNameError("dataset", dataset, DATASETS)
    if device not in devices_for(space):
        raise UnknownNameError("device", device, devices_for(space))
    F = np.column_stack([load_accuracy(space, dataset), load_latency(space, [device])[:, 0]])
    return TabularBenchmark(get_space(space), load_archs(space), F, (ACCURACY, LATENCY), f"{space}/{dataset}/{device}")
