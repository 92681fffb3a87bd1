"""Objective predictors behind one fit/predict interface.

Every predictor maps feature rows (usually ``space.one_hot(X)``) to one objective. They are
built from the registry by name with a seed, so the same name and seed give the same model.

========  ===================================================================================
name      model
========  ===================================================================================
ridge     RidgeCV over DyNAS-T's alpha grid 0.1..10.0 (efficient leave-one-out)
svr       SVR, RBF kernel, gamma='auto', epsilon=0, C=10 (DyNAS-T's kernel settings)
xgb       XGBoost gradient-boosted trees
mlp       scikit-learn MLP (WeakNAS's weak predictor; width/depth/epochs configurable)
auto      DyNAS-T "dynamic predictor": grid search over Ridge and SVR (neg-MAPE, 5-fold; GridSearchCV's result, :func:`grid_search_cv`),
          keeps the better; ``grid="dynast"`` is the published 100x100 grid, ``"compact"``
          a 12-point grid for fast loops
========  ===================================================================================

>>> import numpy as np
>>> from nas_utils.predictors import make_predictor
>>> rng = np.random.default_rng(0)
>>> X = rng.random((60, 4)); y = X @ [1.0, 2.0, 0.0, -1.0] + 5
>>> p = make_predictor("ridge").fit(X, y)
>>> bool(np.corrcoef(p.predict(X), y)[0, 1] > 0.99)
True
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sklearn
from sklearn.base import RegressorMixin, clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from nas_utils.registry import Registry

DYNAST_ALPHAS = np.round(np.arange(0.1, 10.05, 0.1), 1)
DYNAST_CS = np.arange(1, 101, 1)


class Predictor(ABC):
    """Regressor of one objective from feature rows."""

    name: str = "predictor"

    @abstractmethod
    def fit(self, X: np.ndarray, y: np.ndarray) -> Predictor: ...

    @abstractmethod
    def predict(self, X: np.ndarray) -> np.ndarray: ...


class SklearnPredictor(Predictor):
    """Adapter for any scikit-learn-style regressor, with optional DyNAS-T label scaling."""

    def __init__(self, name: str, model: RegressorMixin, power10_scaling: bool = False) -> None:
        self.name = name
        self.model = model
        self.power10_scaling = power10_scaling
        self.scale = 1.0

    def fit(self, X: np.ndarray, y: np.ndarray) -> SklearnPredictor:
        y = np.asarray(y, dtype=np.float64)
        self.scale = power10_scale(y) if self.power10_scaling else 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.fit(np.asarray(X, dtype=np.float64), y / self.scale)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict(np.asarray(X, dtype=np.float64)), dtype=np.float64) * self.scale


def power10_scale(y: np.ndarray) -> float:
    """DyNAS-T label scale ``10**(floor(log10(max|y|)) - 1)`` (1 when all labels are 0)."""
    top = float(np.max(np.abs(y))) if len(y) else 0.0
    return 1.0 if top == 0 else 10.0 ** (math.floor(math.log10(top)) - 1)


PREDICTORS: Registry[Callable[..., Predictor]] = Registry("predictor")


@PREDICTORS.register("ridge")
def ridge(seed: int = 0) -> Predictor:
    return SklearnPredictor("ridge", RidgeCV(alphas=DYNAST_ALPHAS), power10_scaling=True)


@PREDICTORS.register("svr")
def svr(seed: int = 0, C: float = 10.0) -> Predictor:
    return SklearnPredictor("svr", SVR(kernel="rbf", gamma="auto", epsilon=0.0, C=C), power10_scaling=True)


@PREDICTORS.register("xgb")
def xgb(seed: int = 0, n_estimators: int = 300, max_depth: int = 6, learning_rate: float = 0.05) -> Predictor:
    from xgboost import XGBRegressor

    model = XGBRegressor(
        n_estimators=n_estimators, max_depth=max_depth, learning_rate=learning_rate,
        subsample=0.9, colsample_bytree=0.9, random_state=seed, n_jobs=1, tree_method="hist",
    )
    return SklearnPredictor("xgb", model)


@PREDICTORS.register("mlp")
def mlp(seed: int = 0, hidden: Sequence[int] = (1000, 1000, 1000, 1000), max_iter: int = 100) -> Predictor:
    """WeakNAS's MLP: sklearn defaults (ReLU, Adam 1e-3, L2 1e-4) with z-scored labels."""
    model = MLPRegressor(hidden_layer_sizes=tuple(hidden), max_iter=max_iter, random_state=seed)
    return SklearnPredictor("mlp", TransformedTargetRegressor(regressor=model, transformer=StandardScaler()))


def neg_mape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """``-mean_absolute_percentage_error(y_true, y_pred)`` for 1-D float64 arrays, computed as
    scikit-learn computes it (same operations, same order: bit-identical) without its input checks."""
    mape = np.abs(y_pred - y_true) / np.maximum(np.abs(y_true), np.finfo(np.float64).eps)
    return -float(np.average(np.average(mape.reshape(-1, 1), axis=0)))


def grid_search_cv(model: Any, grid: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray,
                   folds: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[float, Any]:
    """``GridSearchCV(model, grid, scoring="neg_mean_absolute_percentage_error", cv=folds)``, lean.

    The same fits on the same folds, the same mean fold score per grid point, the first best
    point (GridSearchCV's ``rank_test_score`` tie rule; a failed fit scores NaN and ranks last),
    refitted on all rows; returns ``(best mean score, refitted estimator)``. It skips
    GridSearchCV's per-fit scaffolding (joblib dispatch, cloning through ``get_params``, input
    re-validation, scorer wrappers), which costs several times the fits themselves on the
    small (<= 500 x 30) problems of the LINAS loops.
    """
    (param, values), = grid.items()
    base = model.get_params()
    scores = np.empty((len(values), len(folds)))
    with sklearn.config_context(assume_finite=True, skip_parameter_validation=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, value in enumerate(values):
            for k, (train, test) in enumerate(folds):
                try:
                    fitted = type(model)(**{**base, param: value}).fit(X[train], y[train])
                    scores[i, k] = neg_mape(y[test], fitted.predict(X[test]))
                except Exception:  # noqa: BLE001 - GridSearchCV's error_score=np.nan
                    scores[i, k] = np.nan
        means = np.average(scores, axis=1)
        if np.all(np.isnan(means)):
            raise ValueError(f"every {type(model).__name__} fit failed in the cross-validation")
        best = int(np.argmax(np.where(np.isnan(means), -np.inf, means)))
        return float(means[best]), type(model)(**{**base, param: values[best]}).fit(X, y)


class AutoPredictor(Predictor):
    """DyNAS-T's dynamic predictor: cross-validated choice between Ridge and RBF-SVR.

    Args:
        grid: ``"dynast"`` (alpha 0.1..10.0 step 0.1, C 1..100 step 1: 200 candidates x 5
            folds, as published) or ``"compact"`` (6 alphas x 6 Cs).
        folds: number of unshuffled CV folds (capped by the sample count).
    """

    name = "auto"

    def __init__(self, seed: int = 0, grid: str = "compact", folds: int = 5) -> None:
        if grid not in ("dynast", "compact"):
            raise ValueError(f"grid must be 'dynast' or 'compact', got {grid!r}")
        self.grid, self.folds = grid, folds
        self.best: SklearnPredictor | None = None
        self.chosen = ""

    def _candidates(self) -> list[tuple[str, Any, dict[str, Any]]]:
        if self.grid == "dynast":
            alphas, cs = DYNAST_ALPHAS, DYNAST_CS
        else:
            alphas, cs = np.array([0.1, 0.3, 1.0, 3.0, 10.0, 30.0]), np.array([1, 3, 10, 30, 100, 300])
        return [
            ("ridge", Ridge(max_iter=1_000_000), {"alpha": alphas}),
            ("svr", SVR(kernel="rbf", gamma="auto", epsilon=0.0, max_iter=1_000_000), {"C": cs}),
        ]

    def fit(self, X: np.ndarray, y: np.ndarray) -> AutoPredictor:
        y = np.asarray(y, dtype=np.float64)
        X = np.asarray(X, dtype=np.float64)
        scale = power10_scale(y)
        folds = list(KFold(max(2, min(self.folds, len(y)))).split(X))
        best_score, best = -np.inf, None
        for name, model, grid in self._candidates():
            score, estimator = grid_search_cv(model, grid, X, y / scale, folds)
            if score > best_score:
                best_score, best = score, (name, estimator)
        assert best is not None
        self.chosen = best[0]
        self.best = SklearnPredictor(best[0], best[1], power10_scaling=True)
        self.best.scale = scale
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.best is None:
            raise RuntimeError("AutoPredictor.predict called before fit")
        return self.best.predict(X)

    def refit(self, X: np.ndarray, y: np.ndarray) -> SklearnPredictor:
        """The model chosen by the last cross-validation, refitted on new data (no new selection)."""
        if self.best is None:
            raise RuntimeError("AutoPredictor.refit called before fit")
        return SklearnPredictor(self.chosen, clone(self.best.model), power10_scaling=True).fit(X, y)


PREDICTORS.add("auto", AutoPredictor)


def make_predictor(name: str, seed: int = 0, **kwargs: Any) -> Predictor:
    """Build registered predictor ``name`` (unknown names list the valid ones)."""
    return PREDICTORS.get(name)(seed=seed, **kwargs)
