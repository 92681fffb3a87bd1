"""Batched sub-network evaluation and the on-disk evaluation cache (nas_utils.supernets.evaluation/cache)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from nas_utils.data import TensorLoader, load_dataset
from nas_utils.supernets import SuperNetEvaluator, build_supernet
from nas_utils.supernets.cache import CachedScorer, EvalCache
from nas_utils.supernets.evaluation import SubnetScorer, weights_digest
from nas_utils.supernets.filtering import unique_sample
from nas_utils.supernets.subspace import TiedSpace


@pytest.fixture(scope="module")
def data():
    return load_dataset("mnist1d", seed=0, n_samples=400)


def _trained_like(family: str) -> torch.nn.Module:
    """A super-network whose batch-norm statistics are not the defaults (as after training)."""
    net = build_supernet(family, seed=1)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
    return net


@pytest.mark.parametrize("family", ["mbv3_1d", "resnet_1d", "transformer_1d"])
def test_batched_scorer_equals_extract_and_evaluate_and_leaves_the_net_unchanged(family, data):
    net = _trained_like(family)
    X = unique_sample(net.space, np.random.default_rng(0), 4)
    before = weights_digest(net)
    fast = SubnetScorer(net, data.x_val, data.y_val, calib=data.x_train[:96], calib_chunk=64).accuracy(X)
    assert weights_digest(net) == before
    slow = [net.evaluate(x, TensorLoader(data.x_val, data.y_val, 50), data.x_train[:96], calib_batch_size=64) for x in X]
    np.testing.assert_allclose(fast, slow, atol=1e-9)


@pytest.mark.parametrize("family, ties", [("mbv3_1d", ("k*", "e0_*", "e1_*", "e2_*")), ("resnet_1d", ("e*",)),
                                           ("transformer_1d", ())])
def test_a_batch_sharing_leading_steps_gives_exactly_the_counts_of_single_evaluations(family, ties, data):
    """Sub-networks of a tied space share stems and leading blocks; evaluating them as one batch
    (each shared step once) must count exactly what evaluating each alone counts, also with
    several calibration chunks (cumulative batch-norm average) and duplicate rows."""
    net = _trained_like(family)
    space = TiedSpace(net.space, ties)
    nets = space.networks()
    X = space.expand(nets[np.random.default_rng(4).choice(len(nets), 40, replace=False)])
    X = np.vstack([X, X[:3]])
    scorer = SubnetScorer(net, data.x_val, data.y_val, calib=data.x_train[:96], calib_chunk=40, chunk=32)
    steps = [tuple(k for k, _ in net.steps(net.config_of(x))) for x in X]
    assert len({s[:2] for s in steps}) < len(set(steps))  # the batch does share leading steps
    before = weights_digest(net)
    batched = scorer.correct(X)
    assert weights_digest(net) == before
    np.testing.assert_array_equal(batched, [scorer.correct(x[None])[0] for x in X])
    assert sorted(scorer.order(X)) == list(range(len(X)))


def test_cache_returns_identical_results_and_skips_work(tmp_path, data):
    net = _trained_like("transformer_1d")
    X = unique_sample(net.space, np.random.default_rng(1), 6)
    cache = EvalCache(tmp_path / "evals.sqlite")
    first = CachedScorer(SubnetScorer(net, data.x_val, data.y_val, data.x_train[:64]), cache)
    a = first.accuracy(X)
    assert first.computed == 6 and len(cache) == 6
    again = CachedScorer(SubnetScorer(net, data.x_val, data.y_val, data.x_train[:64]), EvalCache(tmp_path / "evals.sqlite"))
    b = again.accuracy(X[::-1])
    assert again.computed == 0 and again.hits == 6
    np.testing.assert_array_equal(a[::-1], b)


def test_cache_is_invalidated_by_new_weights_and_new_settings(tmp_path, data):
    net = _trained_like("transformer_1d")
    X = unique_sample(net.space, np.random.default_rng(2), 3)
    cache = EvalCache(tmp_path / "evals.sqlite")
    CachedScorer(SubnetScorer(net, data.x_val, data.y_val, data.x_train[:64]), cache).accuracy(X)
    with torch.no_grad():
        next(net.parameters()).add_(0.01)  # a new checkpoint
    changed = CachedScorer(SubnetScorer(net, data.x_val, data.y_val, data.x_train[:64]), cache)
    changed.accuracy(X)
    assert changed.computed == 3
    other_split = CachedScorer(SubnetScorer(net, data.x_test, data.y_test, data.x_train[:64], split="test"), cache)
    other_split.accuracy(X)
    assert other_split.computed == 3 and len(cache) == 9


def test_supernet_evaluator_uses_the_disk_cache(tmp_path, data):
    net = _trained_like("resnet_1d")
    loader = TensorLoader(data.x_val, data.y_val, 256)
    X = unique_sample(net.space, np.random.default_rng(3), 4)
    F1 = SuperNetEvaluator(net, loader, calib=data.x_train[:64], cache=tmp_path / "c.sqlite").evaluate(X)
    ev = SuperNetEvaluator(net, loader, calib=data.x_train[:64], cache=tmp_path / "c.sqlite")
    F2 = ev.evaluate(X)
    np.testing.assert_array_equal(F1, F2)
    assert ev._scorer is not None and ev._scorer.computed == 0


_WRITER = textwrap.dedent("""
    import sys, itertools
    from nas_utils.supernets.cache import EvalCache
    cache = EvalCache(sys.argv[1])
    print("ready", flush=True)
    for i in itertools.count():
        archs = [f"a{i}_{j}" for j in range(50)]
        cache.put_many("w", "s", archs, [j for j in range(50)], 100)
""")


def test_a_killed_writer_leaves_the_cache_consistent(tmp_path):
    path = tmp_path / "evals.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[1], env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    cache = EvalCache(path)
    assert cache.integrity_ok()
    n = len(cache)
    assert n > 0 and n % 50 == 0  # whole batches only
    batches = n // 50
    got = cache.get_many("w", "s", [f"a{i}_{j}" for i in range(batches) for j in range(50)])
    assert got == {f"a{i}_{j}": j for i in range(batches) for j in range(50)}


_SEARCH = textwrap.dedent("""
    import sys
    import torch
    from nas_utils.data import TensorLoader, load_dataset
    from nas_utils.search import run_search
    from nas_utils.supernets import SuperNetEvaluator, build_supernet
    torch.set_num_threads(1)
    d = load_dataset("mnist1d", seed=0, n_samples=300)
    ev = SuperNetEvaluator(build_supernet("transformer_1d", seed=2), TensorLoader(d.x_val, d.y_val, 256),
                           calib=d.x_train[:64], cache=sys.argv[1])
    ev._accuracy(ev.space.upper[None])
    print("ready", flush=True)
    run_search("random", ev, budget=5000, seed=0)
""")


def test_a_killed_search_leaves_only_correct_entries(tmp_path, data):
    path = tmp_path / "evals.sqlite"
    root = str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen([sys.executable, "-c", _SEARCH, str(path)], stdout=subprocess.PIPE, text=True, cwd=root,
                            env={**os.environ, "PYTHONPATH": root})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 120
    while len(EvalCache(path)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    cache = EvalCache(path)
    assert cache.integrity_ok() and len(cache) >= 3
    d = load_dataset("mnist1d", seed=0, n_samples=300)
    net = build_supernet("transformer_1d", seed=2)
    fresh = CachedScorer(SubnetScorer(net, d.x_val, d.y_val, d.x_train[:64]), None)
    import sqlite3

    with sqlite3.connect(path) as con:
        archs, stored = zip(*con.execute("SELECT arch, correct FROM evals"))
    X = np.stack([net.space.from_string(a) for a in archs])
    np.testing.assert_array_equal(fresh.correct(X), np.array(stored))
