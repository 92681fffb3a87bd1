import numpy as np

from nas_utils.evaluators import load_benchmark
from nas_utils.transfer.in_loop import PredictedLatencyEvaluator, PriorLatencyBenchmark, predicted_search


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


def test_prior_knowledge_is_offered_for_latency_only_and_hvgain_uses_it():
    """The predicted evaluator knows every latency before a validation (NaN accuracy); hvgain then models accuracy
    only: its batches follow the prior (a different prior, a different run) and are deterministic per seed."""
    import pandas as pd

    from nas_utils.search import run_search

    bench = load_benchmark("nb201", "cifar100", "samsung_a50")  # a development cell
    assert bench.prior(bench.archs[:2]) is None  # nothing known a priori by default
    prior = PredictedLatencyEvaluator(bench, bench.table[:, 1]).prior(bench.archs[[3, 7]])
    assert np.isnan(prior[:, 0]).all() and np.array_equal(prior[:, 1], bench.table[[3, 7], 1])
    fast = {"n_init": 10, "batch_size": 5, "prune_dead": True}
    exact = run_search("hvgain", PredictedLatencyEvaluator(bench, bench.table[:, 1]), 30, seed=0, **fast)
    pd.testing.assert_frame_equal(
        exact, run_search("hvgain", PredictedLatencyEvaluator(bench, bench.table[:, 1]), 30, seed=0, **fast))
    flipped = run_search("hvgain", PredictedLatencyEvaluator(bench, bench.table[:, 1].max() - bench.table[:, 1] + 1),
                         30, seed=0, **fast)
    assert exact["arch"].iloc[:10].tolist() == flipped["arch"].iloc[:10].tolist()  # the same design
    assert exact["arch"].iloc[10:].tolist() != flipped["arch"].iloc[10:].tolist()  # then the prior decides


def test_prior_latency_benchmark_answers_true_objectives_and_offers_the_prediction():
    bench = load_benchmark("nb201", "cifar10", "pixel2")
    pred = np.arange(len(bench.table), dtype=float) + 1
    ev = PriorLatencyBenchmark(bench, pred)
    np.testing.assert_array_equal(ev.evaluate(bench.archs[[3, 7]]), bench.table[[3, 7]])  # validated: measured
    np.testing.assert_array_equal(ev.prior(bench.archs[[3, 7]])[:, 1], [4.0, 8.0])
    assert ev.scorer() is bench.scorer() and ev.n_evaluations == 2


def test_loop_settings_rule_picks_the_highest_median_saving_and_ties_keep_the_current_setting():
    import pandas as pd

    from nas_utils.transfer.loop_settings import GRID, setting_rows, summary_table

    assert len(GRID) == 12 and (10, 10) in GRID and (20, 0) in GRID  # 0: the whole predicted front

    def runs(savings: dict[tuple[int, int], list[float]]) -> pd.DataFrame:
        return pd.DataFrame([{"k": k, "front_budget": f, "saving": x, "measured": k + max(f, 5), "hv": 0.99,
                              "censored": False} for (k, f), xs in savings.items() for x in xs])

    best = summary_table(runs({(10, 10): [9.0, 10.0, 11.0], (5, 5): [12.0, 13.0, 14.0]}), current=(10, 10))
    assert best.loc[best.chosen, ["k", "front_budget"]].values.tolist() == [[5, 5]]
    tie = summary_table(runs({(5, 5): [9.0, 10.0, 11.0], (10, 10): [9.0, 10.0, 11.0]}), current=(10, 10))
    assert tie.loc[tie.chosen, ["k", "front_budget"]].values.tolist() == [[10, 10]]
    rows = setting_rows(tie)
    assert [r.chosen for r in rows] == [False, True] and rows[1].median_saving == 10.0


def test_a_censored_seed_counts_at_least_one_more_than_the_baseline_budget():
    from dataclasses import replace

    from nas_utils import config
    from nas_utils.transfer import in_loop

    cfg = config.parse("predictors", dict(config.read_params()["predictors"]))
    spec = replace(in_loop.LoopSpec.from_config(cfg), seeds=1, baseline_budget=5)  # the baseline cannot reach it
    row = in_loop.run_cell("cifar100", "samsung_a50", spec, cfg.settings(), cfg.seed).iloc[0]
    assert bool(row.censored) and row.saving == (5 + 1) / row.measured


def test_a_tie_without_the_current_setting_goes_to_the_first_in_grid_order_whatever_the_row_order():
    import pandas as pd

    from nas_utils.transfer.loop_settings import summary_table

    runs = pd.DataFrame([{"k": k, "front_budget": f, "saving": x, "measured": k + f, "hv": 0.97, "censored": False}
                         for k, f in [(5, 10), (10, 10), (5, 5)] for x in ([14.0, 14.2, 14.4] if k == 5 else [9.0])])
    table = summary_table(runs)  # rows arrive as (5, 10), (10, 10), (5, 5); the registered current is (10, 10)
    assert table[["k", "front_budget"]].values.tolist() == [[5, 5], [5, 10], [10, 10]]
    assert table.loc[table.chosen, ["k", "front_budget"]].values.tolist() == [[5, 5]]
