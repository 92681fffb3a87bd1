import math

import numpy as np
import pytest

from nas_utils.errors import InvalidArchitectureError
from nas_utils.predictors import make_predictor
from nas_utils.supernets.filtering import SparseSubspace, compare_predictors, features, select_subspace, unique_sample
from nas_utils.supernets import build_supernet



@pytest.fixture(scope="module")
def net():
    return build_supernet("resnet_1d")


def _toy_accuracy(net, X):
    """A deterministic stand-in for early accuracy: grows with log-MACs plus a variable effect."""
    macs = np.array([net.count_macs(x) for x in X])
    return 50 + 5 * np.log(macs) + 3 * X[:, 0]


def test_sparse_subspace_holds_only_valid_configs_and_the_kept_fraction(net, tmp_path):
    rng = np.random.default_rng(0)
    X_early = unique_sample(net.space, rng, 40)
    model = make_predictor("xgb", seed=0, n_estimators=50).fit(features(net.space, X_early), _toy_accuracy(net, X_early))
    X_score = unique_sample(net.space, rng, 300)
    sub, table = select_subspace(net, model, X_score, keep_fraction=0.1)
    assert len(sub) == math.ceil(0.1 * 300) == table["kept"].sum()
    assert sub.kept_fraction == pytest.approx(len(sub) / 300)
    net.space.validate(sub.X)  # every kept config is a member of the full space
    assert np.array_equal(net.space.canonicalize(sub.X), sub.X)
    samples = sub.sample(np.random.default_rng(1), 500)
    assert sub.contains(samples).all()
    assert len(set(net.space.keys(samples))) == len(sub)  # uniform sampler reaches every kept config
    assert sub.contains(sub.smallest()[None])[0]
    sub.save(tmp_path / "s.parquet")
    again = SparseSubspace.load(tmp_path / "s.parquet", net.space)
    assert np.array_equal(again.X, sub.X) and again.scored == 300 and again.smallest_index == sub.smallest_index


def test_subspace_rejects_invalid_or_duplicate_configs(net):
    with pytest.raises(InvalidArchitectureError):
        SparseSubspace(net.space, np.full((1, net.space.n_var), 9), scored=10)
    x = net.space.upper[None]
    with pytest.raises(InvalidArchitectureError, match="duplicate"):
        SparseSubspace(net.space, np.vstack([x, x]), scored=10)


def test_compare_predictors_ranks_a_learnable_signal(net):
    X = unique_sample(net.space, np.random.default_rng(2), 60)
    table, oof = compare_predictors(net.space, X, _toy_accuracy(net, X), ("xgb", "ridge"), folds=3, seed=0)
    assert list(table["predictor"]) == ["xgb", "ridge"]
    assert (table["spearman"] > 0.5).all() and oof["xgb"].shape == (60,)


def test_unique_sample_of_a_small_space_is_distinct_and_capped():
    tnet = build_supernet("transformer_1d")
    X = unique_sample(tnet.space, np.random.default_rng(0), 10**6)
    assert len(set(tnet.space.keys(X))) == len(X) < tnet.space.size
