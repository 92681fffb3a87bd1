import numpy as np

from nas_utils.evaluators import load_benchmark
from nas_utils.transfer.in_loop import PredictedLatencyEvaluator, predicted_search


def test_predicted_evaluator_swaps_only_latency():
    bench = load_benchmark("nb201", "cifar10", "pixel2")
    pred = np.arange(len(bench.table), dtype=float)
    ev = PredictedLatencyEvaluator(bench, pred)
    X = bench.archs[[3, 7]]
    F = ev.evaluate(X)
    np.testing.assert_array_equal(F[:, 0], bench.table[[3, 7], 0])
    np.testing.assert_array_equal(F[:, 1], [3.0, 7.0])
    assert ev.n_evaluations == 2 and bench.n_evaluations == 0  # the device is never asked


def test_predicted_search_counts_samples_and_front():
    bench = load_benchmark("nb201", "cifar10", "pixel2")
    samples = np.arange(10)
    res = predicted_search(bench, bench.table[:, 1], samples, "random", budget=60, seed=0)
    assert res.measured <= 10 + res.front_size and res.measured >= res.front_size
    assert 0 < res.hv <= 1
