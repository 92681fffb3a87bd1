"""SparseNAS time-to-quality protocol and the reference set (nas_utils.supernets.time_to_quality/reference)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from nas_utils.data import load_dataset
from nas_utils.supernets import build_supernet
from nas_utils.supernets.cache import CachedScorer, EvalCache
from nas_utils.supernets.evaluation import SubnetScorer
from nas_utils.supernets.filtering import SparseSubspace, unique_sample
from nas_utils.supernets.reference import macs_of, reference_front, spread_sample
from nas_utils.supernets.time_to_quality import (
    Curve,
    ProtocolSettings,
    curves_table,
    envelope,
    filter_subspace,
    median_curves,
    run_seed,
    shared_yardstick,
    summarise_seeds,
    warm_up_and_filter,
)

TINY = ProtocolSettings("transformer_1d", mnist1d_samples=400, full_budgets=(1, 2), sparse_budgets=(0.5, 1, 2),
                        warmup_epochs=1, n_early=20, early_val=50, n_score=100, n_yard_full=12, n_yard_kept=6,
                        eval_every=1, calib_samples=64, cv_folds=3, compare=("xgb", "ridge"))


@pytest.fixture(scope="module")
def data():
    return load_dataset("mnist1d", seed=0, n_samples=400)


def test_spread_sample_covers_the_mac_range_and_is_deterministic():
    net = build_supernet("mbv3_1d")
    X = spread_sample(net, 60, seed=3)
    assert np.array_equal(X, spread_sample(net, 60, seed=3))
    assert len(set(net.space.keys(X))) == 60
    macs, uniform = macs_of(net, X), macs_of(net, unique_sample(net.space, np.random.default_rng(0), 60))
    assert macs.min() == macs_of(net, net.space.canonicalize(np.zeros((1, net.space.n_var), dtype=np.int64)))[0]
    # even log-MAC coverage: the cheap quarter of the range is better covered than by uniform sampling
    cut = np.exp(np.log(macs.min()) + 0.25 * (np.log(macs.max()) - np.log(macs.min())))
    assert (macs < cut).sum() >= (uniform < cut).sum()


def test_reference_front_is_cached_and_includes_extra_points(tmp_path, data):
    net = build_supernet("transformer_1d")
    X = spread_sample(net, 10, seed=0)
    extra = unique_sample(net.space, np.random.default_rng(5), 4)
    scorer = CachedScorer(SubnetScorer(net, data.x_test, data.y_test, data.x_train[:64], split="test"),
                          EvalCache(tmp_path / "c.sqlite"))
    ref = reference_front(net, scorer, X, [extra])
    assert ref["on_front"].any() and ref["in_fixed_set"].sum() == 10 and len(ref) >= 10
    again = CachedScorer(scorer.scorer, EvalCache(tmp_path / "c.sqlite"))
    assert reference_front(net, again, X, [extra]).equals(ref) and again.computed == 0


def test_shared_yardstick_full_part_does_not_depend_on_the_kept_region():
    net = build_supernet("resnet_1d")
    pool = unique_sample(net.space, np.random.default_rng(0), 60)
    a = shared_yardstick(net, SparseSubspace(net.space, pool[:20], scored=60), 15, 5, seed=0)
    b = shared_yardstick(net, SparseSubspace(net.space, pool[20:40], scored=60), 15, 5, seed=0)
    assert np.array_equal(a[:15], b[:15]) and len(a) == len(b) == 20


def test_warm_up_and_filtering_never_read_the_test_split(data):
    poisoned = dataclasses.replace(data, x_test=torch.full_like(data.x_test, float("nan")), y_test=data.y_test[:0])
    (_, a), (_, b) = (warm_up_and_filter(TINY, 0, d) for d in (data, poisoned))
    assert np.array_equal(a.sub.X, b.sub.X) and a.early.equals(b.early)
    net = build_supernet("transformer_1d", seed=0)
    a = filter_subspace(net, data, TINY, seed=0)
    b = filter_subspace(net, poisoned, TINY, seed=0)
    assert np.array_equal(a.sub.X, b.sub.X) and a.early_spearman == b.early_spearman
    assert a.early.equals(b.early) and list(a.predictors["predictor"]) == ["xgb", "ridge"]
    assert len(a.early) == TINY.n_early and set(a.overhead) == {"early_measurement", "filtering"}


def test_both_runs_are_judged_on_one_yardstick_and_times_are_consistent(tmp_path, data, monkeypatch):
    from nas_utils.supernets import time_to_quality as ttq

    judged, judge = [], ttq._judge

    def spy(net, d, X, ps, cache):
        judged.append((X.copy(), d.y_test))
        return judge(net, d, X, ps, cache)

    monkeypatch.setattr(ttq, "_judge", spy)
    res = run_seed(TINY, seed=0, cache=EvalCache(tmp_path / "c.sqlite"), data=data)
    # the shared evaluation set: every checkpoint of every run judged on the same rows, on the test split
    assert len(judged) == sum(len(c.time_s) for c in res.curves) - (len(TINY.sparse_budgets) - 1)
    assert all(np.array_equal(X, judged[0][0]) and y is data.y_test for X, y in judged)
    runs = {c.run for c in res.curves}
    assert runs == {"sparse_0.5ep", "sparse_1ep", "sparse_2ep", "full_1ep", "full_2ep"}
    # every run is scored on the same rows: one accuracy column per run, one yardstick table
    assert {f"final_{r}" for r in runs} <= set(res.yardstick.columns)
    assert res.yardstick["kept"].sum() >= 1 and not res.yardstick["kept"].iloc[: TINY.n_yard_full].all()
    sparse = [c for c in res.curves if c.kind == "sparse"]
    overhead = sum(res.overhead.values())
    assert set(res.overhead) == {"warmup", "early_measurement", "filtering"}
    for c in sparse:  # overheads charged before the sparse runs train on; the warm-up state judged once
        assert c.time_s[0] == pytest.approx(overhead) and c.quality[0] == sparse[0].quality[0]
    assert res.t_sparse_max == pytest.approx(max(c.time_s[-1] for c in sparse))
    assert res.t_full <= res.curves[-1].time_s[-1] and res.ceiling == pytest.approx(res.t_full / overhead)
    # the grid's largest showable speedup: full time / the shortest (fractional) budget's checkpoint
    half = next(c for c in sparse if c.run == "sparse_0.5ep")
    assert half.epoch == [1, pytest.approx(1.5)] and res.t_sparse_first == half.time_s[1] < sparse[1].time_s[1]
    assert res.ceiling > res.grid_max == pytest.approx(res.t_full / half.time_s[1])
    table = curves_table([res])
    assert set(table.columns) == {"family", "seed", "run", "kind", "epoch", "train_s", "quality"}
    med = median_curves(table)
    assert list(med.columns) == ["family", "train_s", "full", "sparse"] and med["full"].dropna().is_monotonic_increasing


def test_the_yardstick_of_a_seed_is_the_same_set_for_both_runs_and_its_full_part_for_every_seed(data):
    net = build_supernet("transformer_1d")
    subs = [filter_subspace(net, data, TINY, seed=s).sub for s in (0, 1)]
    yards = [shared_yardstick(net, sub, TINY.n_yard_full, TINY.n_yard_kept, seed=s) for s, sub in enumerate(subs)]
    assert np.array_equal(yards[0][: TINY.n_yard_full], yards[1][: TINY.n_yard_full])
    assert all(sub.contains(y[TINY.n_yard_full:]).all() for sub, y in zip(subs, yards))


def test_envelope_is_the_best_quality_reached_by_each_time():
    pts = pd.DataFrame({"train_s": [1.0, 2.0, 3.0], "quality": [0.2, 0.5, 0.4]})
    out = envelope(pts, np.array([0.5, 1.0, 2.5, 9.0]))
    assert np.isnan(out[0]) and list(out[1:]) == [0.2, 0.5, 0.5]


def test_curve_time_to_and_censored_speedups():
    c = Curve("x")
    for t, q in [(1.0, 0.2), (2.0, 0.5), (3.0, 0.4)]:
        c.add(t, q, 0)
    assert c.time_to(0.45) == 2.0 and c.time_to(0.6) == float("inf")


def test_a_sparse_run_that_never_reaches_the_target_gives_an_upper_bound(data):
    res = run_seed(TINY, seed=1, cache=None, data=data)
    res.t_sparse = float("inf")
    assert not res.reached and res.speedup == pytest.approx(res.t_full / res.t_sparse_max)
    row = summarise_seeds([res]).iloc[0]
    assert row["sparse_reached"] == 0 and row["speedup_bound"] == "upper"
    assert row["speedup"] == pytest.approx(res.speedup) and row["speedup_high"] == float("inf")  # one seed: open
