"""SparseNAS early filtering: predict good sub-networks early, keep a sparse sub-space.

After a short warm-up of super-network training on the full space (Huang et al., KBS 2024),
the performance gap between sub-networks is already visible. So:

1. measure the *early accuracy* of ``N`` sampled sub-networks (:func:`measure_accuracies`);
2. fit early predictors on one-hot features of the canonical configs and compare them by
   out-of-fold rank correlation (:func:`compare_predictors`; XGBoost and an MLP by default);
3. score a large sample of the space with the chosen predictor and keep the predicted top
   fraction (:func:`select_subspace`). Because the sub-networks that matter form an
   accuracy/latency trade-off, "top" means best non-dominated rank of (predicted accuracy,
   MACs), ties broken by predicted accuracy - the kept set spans the whole front instead of
   only the largest networks (our choice; the paper's exact criterion is not public);
4. continue training on the :class:`SparseSubspace`, which samples its kept configs
   uniformly (it satisfies :class:`~nas_utils.supernets.training.ConfigSampler`).

>>> import numpy as np
>>> from nas_utils.spaces import SearchSpace, Variable
>>> space = SearchSpace("toy", [Variable("a", (1, 2, 3)), Variable("b", (1, 2))])
>>> sub = SparseSubspace(space, space.enumerate()[:2], scored=6)
>>> sub.kept_fraction, sub.sample(np.random.default_rng(0), 3).shape
(0.3333333333333333, (3, 2))
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import KFold
from nas_utils.progress import bar

from nas_utils.errors import InvalidArchitectureError
from nas_utils.evaluators import ACCURACY
from nas_utils.io import write_parquet
from nas_utils.metrics import nondominated_rank, rank_correlation, to_minimization
from nas_utils.predictors import Predictor, make_predictor
from nas_utils.spaces import IntMatrix, SearchSpace
from nas_utils.supernets.base import SuperNet
from nas_utils.supernets.evaluation import SubnetScorer
from nas_utils.supernets.reference import MACS, unique_sample  # noqa: F401  (re-exported)



@dataclass
class SparseSubspace:
    """An explicit list of kept (canonical) configs, sampled uniformly.

    Args:
        space: the full search space (every kept row must be valid in it).
        X: (k, n_var) kept architectures.
        scored: how many architectures were scored to choose them (kept fraction = k / scored).
        smallest_index: row of the cheapest kept config (the sandwich rule's "smallest").
    """

    space: SearchSpace
    X: IntMatrix
    scored: int
    smallest_index: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.X = self.space.canonicalize(self.space.validate(self.X))
        if len(self.X) == 0:
            raise InvalidArchitectureError(f"{self.space.name}: a sparse sub-space needs at least one config")
        if len(set(self.space.keys(self.X))) != len(self.X):
            raise InvalidArchitectureError(f"{self.space.name}: sparse sub-space has duplicate configs")
        if self.scored < len(self.X):
            raise InvalidArchitectureError(f"{self.space.name}: kept {len(self.X)} of only {self.scored} scored")
        self._keys = set(self.space.keys(self.X))

    @property
    def kept_fraction(self) -> float:
        return len(self.X) / self.scored

    def __len__(self) -> int:
        return len(self.X)

    def sample(self, rng: np.random.Generator, n: int) -> IntMatrix:
        """``n`` kept configs, uniformly with replacement."""
        return self.X[rng.integers(0, len(self.X), size=n)]

    def smallest(self) -> np.ndarray:
        return self.X[self.smallest_index]

    def contains(self, X: np.ndarray) -> np.ndarray:
        return np.array([k in self._keys for k in self.space.keys(X)], dtype=bool)

    def save(self, path: str | Path) -> None:
        """Parquet: one row per kept config (canonical string), with ``scored`` and ``smallest``."""
        df = pd.DataFrame({"arch": self.space.to_strings(self.X), "scored": self.scored,
                           "smallest": np.arange(len(self.X)) == self.smallest_index})
        write_parquet(path, df)

    @classmethod
    def load(cls, path: str | Path, space: SearchSpace) -> SparseSubspace:
        df = pd.read_parquet(path)
        X = np.stack([space.from_string(s) for s in df["arch"]])
        return cls(space, X, int(df["scored"].iloc[0]), int(np.flatnonzero(df["smallest"].to_numpy())[0]))


def features(space: SearchSpace, X: np.ndarray) -> np.ndarray:
    """Predictor features: one-hot of the canonical config (inactive blocks all in slot 0)."""
    return space.one_hot(space.canonicalize(space.validate(X)))


def measure_accuracies(net: SuperNet, X: np.ndarray, loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
                       calib: torch.Tensor | None = None, progress: bool = False) -> np.ndarray:
    """Validation accuracy (%) of every row of ``X`` from the current shared weights.

    With a tensor loader (``loader.x``, ``loader.y``) and calibration inputs, the batched
    :class:`~nas_utils.supernets.evaluation.SubnetScorer` computes the same numbers.
    """
    X = net.space.validate(X)
    x, y, cal = getattr(loader, "x", None), getattr(loader, "y", None), calib if calib is not None else net.calib_x
    if x is not None and y is not None and cal is not None:
        scorer = SubnetScorer(net, x, y, cal)
        return np.concatenate([scorer.accuracy(X[i : i + 1])
                               for i in bar(range(len(X)), desc=f"{net.name} accuracy", leave=False, disable=not progress)])
    rows = bar(X, desc=f"{net.name} accuracy", leave=False, disable=not progress)
    return np.array([net.evaluate(x, loader, calib) for x in rows])


def compare_predictors(space: SearchSpace, X: np.ndarray, y: np.ndarray, names: Sequence[str] = ("xgb", "mlp"),
                       folds: int = 5, seed: int = 0, options: dict[str, dict[str, Any]] | None = None,
                       ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Out-of-fold rank correlation of each early predictor.

    Returns:
        A table (predictor, spearman, kendall) and each predictor's out-of-fold predictions.
    """
    options = options or {}
    F, y = features(space, X), np.asarray(y, dtype=np.float64)
    splits = list(KFold(min(folds, len(y)), shuffle=True, random_state=seed).split(F))
    rows, preds = [], {}
    for name in names:
        oof = np.empty(len(y))
        for train, test in splits:
            model = make_predictor(name, seed=seed, **options.get(name, {})).fit(F[train], y[train])
            oof[test] = model.predict(F[test])
        rho, tau = rank_correlation(oof, y)
        rows.append({"predictor": name, "spearman": rho, "kendall": tau})
        preds[name] = oof
    return pd.DataFrame(rows), preds


def select_subspace(net: SuperNet, predictor: Predictor, X: np.ndarray, keep_fraction: float,
                    ) -> tuple[SparseSubspace, pd.DataFrame]:
    """Keep the predicted top ``keep_fraction`` of the scored sample ``X``.

    Ranking: non-dominated rank of (predicted accuracy, MACs), then predicted accuracy.

    Returns:
        The sub-space and a table of every scored architecture (prediction, MACs, rank, kept).
    """
    if not 0.0 < keep_fraction <= 1.0:
        raise InvalidArchitectureError(f"keep_fraction={keep_fraction} must be in (0, 1]")
    space = net.space
    X = space.canonicalize(space.validate(X))
    pred = predictor.predict(features(space, X))
    macs = np.array([net.count_macs(x) for x in X]) / 1e6
    front = nondominated_rank(to_minimization(np.column_stack([pred, macs]), (ACCURACY, MACS)))
    order = np.lexsort((-pred, front))
    k = max(1, math.ceil(keep_fraction * len(X)))
    kept = np.zeros(len(X), dtype=bool)
    kept[order[:k]] = True
    Xk = X[kept]
    sub = SparseSubspace(space, Xk, scored=len(X), smallest_index=int(np.argmin(macs[kept])))
    table = pd.DataFrame({"arch": space.to_strings(X), "predicted": pred, "macs": macs, "front": front, "kept": kept})
    return sub, table
