"""Evaluation backends: parallel evaluation gives exactly the serial results."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from nas_utils.backends import BackendEvaluator, make_backend
from nas_utils.data import TensorLoader, load_dataset
from nas_utils.errors import HwnasError, UnknownNameError
from nas_utils.search import run_search
from nas_utils.search.synthetic import SyntheticProblem
from nas_utils.supernets import SuperNetEvaluator, build_supernet


def supernet_evaluator() -> SuperNetEvaluator:
    data = load_dataset("digits")
    return SuperNetEvaluator(build_supernet("mbv3_2d"), TensorLoader(data.x_val[:64], data.y_val[:64], 64),
                             latency="macs", calib=data.x_train[:64])


def test_serial_backend_matches_the_wrapped_evaluator() -> None:
    inner = SyntheticProblem()
    X = inner.space.sample(np.random.default_rng(0), 8)
    ev = BackendEvaluator(inner, "serial")
    np.testing.assert_array_equal(ev.evaluate(X), inner.evaluate(X))


def test_process_backend_search_equals_serial_search() -> None:
    """Same tactic, seed and budget: identical histories with 1 serial and 2 process workers."""
    serial = BackendEvaluator(supernet_evaluator(), "serial")
    parallel = BackendEvaluator(supernet_evaluator(), "process", workers=2)
    try:
        a = run_search("random", serial, budget=8, seed=3, batch_size=4)
        b = run_search("random", parallel, budget=8, seed=3, batch_size=4)
    finally:
        parallel.close()
    assert parallel.n_computed == 8
    assert a.equals(b)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is an optional extra")
def test_ray_backend_equals_serial() -> None:
    inner = supernet_evaluator()
    X = inner.space.sample(np.random.default_rng(1), 4)
    try:
        ev = BackendEvaluator(inner, "ray", workers=2)
    except HwnasError as exc:  # a loaded machine can time Ray's start-up out
        pytest.skip(str(exc))
    try:
        F = ev.evaluate(X)
    finally:
        ev.close()
    np.testing.assert_array_equal(F, supernet_evaluator().evaluate(X))


def test_shared_cache_charges_the_first_computation_cost() -> None:
    ev = BackendEvaluator(SyntheticProblem(), "serial")
    X = ev.space.sample_unique(np.random.default_rng(0), 5)
    ev.evaluate(X)
    first = ev.charged_eval_s
    ev.reset_accounting()
    ev.evaluate(X)
    assert ev.n_computed == 5 and ev.charged_eval_s == pytest.approx(first)


def test_unknown_backend_lists_valid_names() -> None:
    with pytest.raises(UnknownNameError, match="process, ray, serial"):
        make_backend("dask")


def test_ray_workers_get_the_pinned_blas_kernels(monkeypatch) -> None:
    """Ray workers import numpy before any project code, so the pin travels in Ray's runtime_env."""
    import importlib.machinery
    import sys
    import types

    from nas_utils.backends import RayBackend

    calls: list[dict] = []
    fake = types.ModuleType("ray")
    fake.__spec__ = importlib.machinery.ModuleSpec("ray", None)
    fake.is_initialized = lambda: False  # type: ignore[attr-defined]
    fake.init = lambda **kw: calls.append(kw)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ray", fake)
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    RayBackend(workers=2)._init_ray()
    assert calls[0]["runtime_env"] == {"env_vars": {"OPENBLAS_CORETYPE": "Haswell"}}
