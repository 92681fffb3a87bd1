from __future__ import annotations

import numpy as np
import pytest

from nas_utils.errors import UnknownNameError
from nas_utils.evaluators import load_benchmark
from nas_utils.metrics import rank_correlation
from nas_utils.predictors import PREDICTORS, make_predictor, power10_scale

SMALL = {"mlp": {"hidden": (32, 32), "max_iter": 50}}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    bench = load_benchmark("nb201", "cifar10", "gold_6226")
    X = bench.space.sample_unique(np.random.default_rng(0), 150)
    test = bench.space.sample_unique(np.random.default_rng(1), 500)
    return bench.space.one_hot(X), bench.evaluate(X)[:, 1], bench.space.one_hot(test), bench.evaluate(test)[:, 1]


@pytest.mark.parametrize("name", PREDICTORS.names())
def test_predictor_learns_latency_and_is_deterministic(name: str, data) -> None:  # type: ignore[no-untyped-def]
    X, y, Xt, yt = data
    p1 = make_predictor(name, seed=3, **SMALL.get(name, {})).fit(X, y)
    p2 = make_predictor(name, seed=3, **SMALL.get(name, {})).fit(X, y)
    pred = p1.predict(Xt)
    assert pred.shape == (len(Xt),)
    assert np.array_equal(pred, p2.predict(Xt))
    assert rank_correlation(pred, yt)[0] > 0.7


def test_unknown_predictor_and_scaling() -> None:
    with pytest.raises(UnknownNameError, match="unknown predictor 'lasso'; valid choices: auto, mlp"):
        make_predictor("lasso")
    assert power10_scale(np.array([76.0])) == 1.0
    assert power10_scale(np.array([2.4e8])) == 1e7
    assert power10_scale(np.zeros(3)) == 1.0


def test_auto_grid_search_equals_gridsearchcv(data) -> None:  # type: ignore[no-untyped-def]
    """The lean grid search of ``auto`` gives GridSearchCV's best score, point and model, bit for bit."""
    import warnings

    from sklearn.metrics import mean_absolute_percentage_error
    from sklearn.model_selection import GridSearchCV, KFold

    from nas_utils.predictors import AutoPredictor, grid_search_cv, neg_mape

    X, y, Xt, _ = data
    X, y = X[:80].astype(np.float64), y[:80] / power10_scale(y[:80])
    assert neg_mape(y[:30], y[30:60]) == -mean_absolute_percentage_error(y[:30], y[30:60])
    for _, model, grid in AutoPredictor(grid="compact")._candidates():
        score, fitted = grid_search_cv(model, grid, X, y, list(KFold(5).split(X)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = GridSearchCV(model, grid, scoring="neg_mean_absolute_percentage_error", cv=KFold(5)).fit(X, y)
        assert score == reference.best_score_
        assert fitted.get_params() == reference.best_estimator_.get_params()
        assert np.array_equal(fitted.predict(Xt), reference.best_estimator_.predict(Xt))
