"""Tactic ``hvgain``: the closed-form expected HV gain, determinism, ask/tell, no re-validation,
and that a batch depends on validated architectures only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pymoo.indicators.hv import HV

from nas_utils.errors import ConfigError
from nas_utils.evaluators import TabularBenchmark, load_benchmark
from nas_utils.search import TACTICS, make_tactic, run_search
from nas_utils.search.base import run_ask_tell
from nas_utils.search.features import is_dead, isomorph_keys, output_ops
from nas_utils.search.ehvi import expected_gain, front_strips
from nas_utils.search.surrogates import FeatureGP, rank_model_mean
from nas_utils.search.synthetic import SyntheticProblem

FAST = {"n_init": 10, "batch_size": 5, "pool_size": 500}


@pytest.fixture(scope="module")
def synthetic() -> SyntheticProblem:
    return SyntheticProblem()


@pytest.fixture(scope="module")
def nb201() -> TabularBenchmark:
    return load_benchmark("nb201", "cifar100", "samsung_a50")  # a development cell


def test_registered() -> None:
    assert "hvgain" in TACTICS.names()


def test_deterministic_gain_is_the_hypervolume_increase() -> None:
    rng = np.random.default_rng(0)
    front, ref = rng.uniform(1, 10, (8, 2)), np.array([12.0, 11.0])
    points = rng.uniform(0.5, 12, (40, 2))
    hv = HV(ref_point=ref)
    exact = [hv.do(np.vstack([front, p])) - hv.do(front) for p in points]
    strips = front_strips(front, ref)
    assert np.allclose(expected_gain(points, np.zeros_like(points), [False, False], strips), exact)
    assert np.allclose(expected_gain(np.log(points), np.zeros_like(points), [True, True], strips), exact)


@pytest.mark.parametrize("log", [False, True])
def test_expected_gain_matches_monte_carlo(log: bool) -> None:
    rng = np.random.default_rng(1)
    front, ref = np.array([[2.0, 8.0], [4.0, 5.0], [7.0, 2.0]]), np.array([10.0, 10.0])
    mu, sd = np.array([[3.0, 4.0]]), np.array([[0.8, 1.2]])
    if log:
        mu, sd = np.log(mu), np.array([[0.25, 0.3]])
    draws = mu + sd * rng.standard_normal((4000, 2))
    draws = np.exp(draws) if log else draws
    hv = HV(ref_point=ref)
    base = hv.do(front)
    mc = np.mean([hv.do(np.vstack([front, d])) - base for d in draws])
    value = expected_gain(mu, sd, [log, log], front_strips(front, ref))[0]
    assert value == pytest.approx(mc, rel=0.05)


def test_same_seed_same_history(synthetic: SyntheticProblem, nb201: TabularBenchmark) -> None:
    for problem, budget in ((synthetic, 30), (nb201, 30)):
        a = run_search("hvgain", problem, budget, seed=4, **FAST)
        b = run_search("hvgain", problem, budget, seed=4, **FAST)
        c = run_search("hvgain", problem, budget, seed=5, **FAST)
        pd.testing.assert_frame_equal(a, b)
        assert a["arch"].tolist() != c["arch"].tolist()


def test_ask_tell_equals_run(nb201: TabularBenchmark) -> None:
    reference = run_search("hvgain", nb201, 25, seed=2, **FAST)
    in_twos = run_ask_tell(make_tactic("hvgain", **FAST), nb201, 25, 2, n=2)
    pd.testing.assert_frame_equal(in_twos, reference)


def test_never_revalidates_an_architecture_or_its_mirror(nb201: TabularBenchmark) -> None:
    h = run_search("hvgain", nb201, 60, seed=0, **FAST)
    X = h[[f"x{j}" for j in range(nb201.space.n_var)]].to_numpy()
    assert len(h) == 60 and h["arch"].is_unique
    assert len(set(isomorph_keys(nb201.space, X))) == 60  # mirror images are pruned too
    assert list(h["source"]) == ["init"] * 10 + ["hvgain"] * 50


def test_batches_use_validated_data_only(nb201: TabularBenchmark) -> None:
    """Scrambling the benchmark values of every architecture the run never validated changes nothing."""
    h = run_search("hvgain", nb201, 40, seed=1, **FAST)
    validated = set(nb201.rows(h[[f"x{j}" for j in range(nb201.space.n_var)]].to_numpy()).tolist())
    others = np.array(sorted(set(range(len(nb201.table))) - validated))
    table = nb201.table.copy()
    rng = np.random.default_rng(0)
    table[others] = table[rng.permutation(others)]  # unvalidated rows get other rows' values
    table[others, 0] = 100.0 - table[others, 0] / 2  # and implausible accuracies
    scrambled = TabularBenchmark(nb201.space, nb201.archs, table, nb201.objectives, "scrambled")
    pd.testing.assert_frame_equal(run_search("hvgain", scrambled, 40, seed=1, **FAST), h)


def test_bad_settings_are_one_line_errors() -> None:
    with pytest.raises(ConfigError, match="batch_size"):
        TACTICS.get("hvgain")(batch_size=0)
    with pytest.raises(ConfigError, match="acquisition"):
        TACTICS.get("hvgain")(acquisition="ei")
    with pytest.raises(ConfigError, match="ref_point='space' is not valid; valid choices: validated, predicted"):
        TACTICS.get("hvgain")(ref_point="space")
    for key, value in [("sd_scale", 0.0), ("early_batch_size", -1), ("rescore_top", 1.5), ("tail_weight", 2.0),
                       ("tail_scale", 0.5), ("stats_weight", -1.0), ("rank_weight", 1.5),
                       ("error_shift", 1.0), ("latency_shift", -0.1)]:
        with pytest.raises(ConfigError, match=key):
            TACTICS.get("hvgain")(**{key: value})


#: every session-5 option switched on (values off their defaults)
OPTIONS = {"sd_scale": 1.5, "early_batch_size": 3, "early_until": 16, "rescore_top": 50, "tail_weight": 0.2,
           "tail_scale": 3.0, "stats_weight": 3.0}


def test_options_are_deterministic_per_seed_and_ask_tell_equivalent(nb201: TabularBenchmark) -> None:
    a = run_search("hvgain", nb201, 30, seed=3, **FAST, **OPTIONS)
    pd.testing.assert_frame_equal(a, run_search("hvgain", nb201, 30, seed=3, **FAST, **OPTIONS))
    pd.testing.assert_frame_equal(run_ask_tell(make_tactic("hvgain", **FAST, **OPTIONS), nb201, 30, 3, n=4), a)
    assert a["arch"].is_unique


def test_shifted_log_warp_changes_the_run_and_stays_deterministic(nb201: TabularBenchmark) -> None:
    """``error_shift``/``latency_shift`` (session 14, not adopted): a different model, same guarantees."""
    options = {**FAST, "error_shift": 0.5, "latency_shift": 0.5}
    a = run_search("hvgain", nb201, 30, seed=3, **options)
    pd.testing.assert_frame_equal(run_ask_tell(make_tactic("hvgain", **options), nb201, 30, 3, n=4), a)
    assert a["arch"].is_unique and not a["arch"].equals(run_search("hvgain", nb201, 30, seed=3, **FAST)["arch"])


def test_early_batches_are_smaller(nb201: TabularBenchmark) -> None:
    h = run_search("hvgain", nb201, 30, seed=0, **{**FAST, "early_batch_size": 2, "early_until": 14})
    sizes = h.groupby("iteration").size().tolist()
    assert sizes == [10, 2, 2, 5, 5, 5, 1]  # design 10, then 2s until 14 validations, then 5s


def test_prune_dead_never_designs_or_proposes_a_dead_cell(nb201: TabularBenchmark) -> None:
    h = run_search("hvgain", nb201, 40, seed=0, **{**FAST, "n_init": 14, "init": "conv_levels", "prune_dead": True})
    X = h[[f"x{j}" for j in range(nb201.space.n_var)]].to_numpy()
    assert not is_dead(X).any() and h["arch"].is_unique
    dead = nb201.archs[is_dead(nb201.archs)]
    assert np.allclose(nb201.table[nb201.rows(dead), 0], nb201.table[:, 0].min(), atol=1e-3)  # chance accuracy


def test_calibrated_sd_is_deterministic_and_ask_tell_equivalent(nb201: TabularBenchmark) -> None:
    options = {**FAST, "calibrate_sd": True}
    a = run_search("hvgain", nb201, 30, seed=3, **options)
    pd.testing.assert_frame_equal(run_ask_tell(make_tactic("hvgain", **options), nb201, 30, 3, n=4), a)


def test_feature_gp_predicts_with_the_kernel_its_hyper_parameters_were_fitted_for() -> None:
    """Mean, variance and log marginal likelihood equal scikit-learn's at the fitted hyper-parameters (until
    session 14 the linear part's offset was ``sigma_0`` instead of ``sigma_0^2``)."""
    from sklearn.gaussian_process import GaussianProcessRegressor

    rng = np.random.default_rng(0)
    Z, C = rng.normal(size=(40, 5)), rng.normal(size=(7, 5))
    y = Z[:, 0] + 0.1 * rng.normal(size=40)
    gp = FeatureGP(2.0, 8.0).fit(Z, y)
    assert not np.isclose(np.exp(gp.params[3]), 1.0)  # an offset where sigma_0 and sigma_0^2 differ
    reference = GaussianProcessRegressor(gp.kernel(), optimizer=None, alpha=1e-8).fit(Z, (y - gp.y_mean) / gp.y_std)
    mean, var = gp.predict(C)
    ref_mean, ref_sd = reference.predict(C, return_std=True)
    np.testing.assert_allclose((mean - gp.y_mean) / gp.y_std, ref_mean, atol=1e-10)
    np.testing.assert_allclose(var / gp.y_std**2, ref_sd**2, atol=1e-10)
    assert gp.lml == pytest.approx(reference.log_marginal_likelihood_value_, abs=1e-8)


def test_weights_chosen_by_evidence(nb201: TabularBenchmark) -> None:
    """One choice is the fixed weight (same run); several: deterministic, ask/tell-equivalent, bad ones refused."""
    fixed = run_search("hvgain", nb201, 30, seed=3, **FAST, stats_weight=3.0)
    pd.testing.assert_frame_equal(run_search("hvgain", nb201, 30, seed=3, **FAST, stats_weight_choices=[3.0]), fixed)
    options = {**FAST, "stats_weight_choices": [1.0, 3.0], "pair_weight_choices": [0.0, 0.5]}
    a = run_search("hvgain", nb201, 30, seed=3, **options)
    pd.testing.assert_frame_equal(run_ask_tell(make_tactic("hvgain", **options), nb201, 30, 3, n=4), a)
    assert a["arch"].is_unique
    with pytest.raises(ConfigError, match="stats_weight_choices"):
        TACTICS.get("hvgain")(stats_weight_choices=[1.0, -2.0])


def test_leave_one_out_rms_of_a_well_specified_gp_is_near_one() -> None:
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(200, 3))
    y = Z @ np.array([1.0, -0.5, 0.2]) + 0.3 * rng.standard_normal(200)
    assert FeatureGP(0.1, 1e3).fit(Z, y).loo_rms == pytest.approx(1.0, abs=0.2)


def test_rank_ensemble_is_deterministic_and_ask_tell_equivalent(nb201: TabularBenchmark) -> None:
    options = {**FAST, "rank_weight": 0.5}
    a = run_search("hvgain", nb201, 25, seed=1, **options)
    pd.testing.assert_frame_equal(run_search("hvgain", nb201, 25, seed=1, **options), a)
    pd.testing.assert_frame_equal(run_ask_tell(make_tactic("hvgain", **options), nb201, 25, 1, n=5), a)
    assert a["arch"].is_unique


def test_rank_model_mean_orders_like_the_target() -> None:
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(120, 4))
    y = Z[:, 0] + 0.1 * rng.standard_normal(120)
    pred = rank_model_mean(Z[:80], y[:80], Z[80:])
    assert np.corrcoef(pred, y[80:])[0, 1] > 0.8


def test_exactly_one_tuning_variant_is_the_configured_setting() -> None:
    from nas_utils import config
    from nas_utils.search.base import same_settings
    from nas_utils.search.tuning import HVGAIN_VARIANTS, SCREENED_ON_SEED_0, _specs

    configured = config.read_params(config.project_root() / "params.yaml")["search"]["tactic_params"]["hvgain"]
    assert [label for label, (_, p) in HVGAIN_VARIANTS.items() if same_settings("hvgain", p, configured)] == [
        "hvgain s5 + no dead cells, conv-level init 21"]
    assert {label for label in SCREENED_ON_SEED_0 if label.startswith("hvgain")} <= set(HVGAIN_VARIANTS)
    label = "hvgain s5 + no dead cells, conv-level init 21"
    chosen = {label: HVGAIN_VARIANTS[label]}
    assert sorted({run.seed for run in _specs(chosen, 3, 300, first_seed=3)}) == [3, 4, 5]


def test_edge_pairs_are_the_products_of_two_edges_ops() -> None:
    from nas_utils.search.features import cost_features, edge_pair_features
    from nas_utils.spaces import get_space

    space = get_space("nb201")
    X = space.enumerate()[[0, 777, 15_624]]
    P = edge_pair_features(space, X)
    assert P.shape == (3, 375) and (P.sum(axis=1) == 15).all()  # one op pair per edge pair
    first = X[:, 0] * 5 + X[:, 1]  # edge pair (0, 1) is the first block of 25
    assert (P[np.arange(3), first] == 1).all()
    assert np.array_equal(cost_features(space, X, pair_weight=0.5)[:, -375:], 0.5 * P)
    assert cost_features(space, X).shape[1] == cost_features(space, X, pair_weight=0.5).shape[1] - 375


def test_predicted_reference_covers_the_slowest_predicted_candidate() -> None:
    """``ref_point="predicted"``: the latency reference is ref_latency x the larger of the slowest validated and the
    slowest predicted median; ``"validated"`` ignores the predictions; an accuracy's reference stays 100 % error."""
    from nas_utils.metrics import Objective

    objectives = (Objective("accuracy", minimize=False, unit="%"), Objective("latency", minimize=True, unit="ms"))
    M = np.array([[10.0, 2.0], [20.0, 1.0]])  # validated, minimised units (error, latency)
    mu = np.log(np.array([[15.0, 3.0], [12.0, 1.5]]))  # predicted medians, modelled in log units
    validated = TACTICS.get("hvgain")(ref_point="validated")._reference(M, mu, [True, True], objectives)
    predicted = TACTICS.get("hvgain")(ref_point="predicted")._reference(M, mu, [True, True], objectives)
    np.testing.assert_allclose(validated, [100.0, 1.1 * 2.0])
    np.testing.assert_allclose(predicted, [100.0, 1.1 * 3.0])


def test_latency_in_ms_changes_the_model_not_the_reference(nb201: TabularBenchmark) -> None:
    """``latency_log=False`` (session 18): latency modelled in ms with normal marginals; the reference stays
    ref_latency x the slowest latency (validated or predicted in ms); same guarantees as every option."""
    from nas_utils.metrics import Objective

    objectives = (Objective("accuracy", minimize=False, unit="%"), Objective("latency", minimize=True, unit="ms"))
    M = np.array([[10.0, 2.0], [20.0, 1.0]])
    mu = np.column_stack([np.log([15.0, 12.0]), [3.0, 1.5]])  # error in logs, latency in ms
    in_ms = TACTICS.get("hvgain")(ref_point="predicted", latency_log=False)
    np.testing.assert_allclose(in_ms._reference(M, mu, [True, False], objectives, positive=[True, True]), [100.0, 3.3])
    options = {**FAST, "latency_log": False}
    a = run_search("hvgain", nb201, 30, seed=3, **options)
    pd.testing.assert_frame_equal(run_ask_tell(make_tactic("hvgain", **options), nb201, 30, 3, n=4), a)
    assert a["arch"].is_unique and not a["arch"].equals(run_search("hvgain", nb201, 30, seed=3, **FAST)["arch"])


def test_output_ops_keep_what_reaches_the_output_and_live_ops_also_need_the_input() -> None:
    """Edges (0,1),(0,2),(1,2),(0,3),(1,3),(2,3); ops 0 none, 1 skip, 3 conv3x3. In ``[3,0,0,1,3,3]`` the conv on
    edge (0,1) feeds node 1, and node 1 feeds the output, so it stays; in ``[3,0,0,1,0,3]`` node 1 reaches nothing,
    so that conv goes. Node 2 has no input edge: its conv into the output is kept by ``output_ops`` (a runtime runs
    it on zeros) but not by ``live_ops`` (no input-to-output path)."""
    from nas_utils.search.features import cost_features, live_ops, output_ops
    from nas_utils.spaces import get_space

    X = np.array([[3, 0, 0, 1, 3, 3], [3, 0, 0, 1, 0, 3]])
    np.testing.assert_array_equal(output_ops(X), [[3, 0, 0, 1, 3, 3], [0, 0, 0, 1, 0, 3]])
    np.testing.assert_array_equal(live_ops(X), [[3, 0, 0, 1, 3, 0], [0, 0, 0, 1, 0, 0]])
    space = get_space("nb201")
    base = cost_features(space, X)
    for key, kept in [("live_weight", live_ops), ("output_weight", output_ops)]:
        extra = cost_features(space, X, **{key: 2.0})[:, base.shape[1]:]
        np.testing.assert_array_equal(extra, 2.0 * cost_features(space, kept(X)))  # the same three blocks, weighted
    both = cost_features(space, X, live_weight=1.0, output_weight=1.0)
    assert both.shape[1] == 3 * base.shape[1]


def test_latency_feature_options_are_deterministic_and_checked(nb201: TabularBenchmark) -> None:
    for key in ("live_weight", "output_weight"):
        with pytest.raises(ConfigError, match=key):
            TACTICS.get("hvgain")(**{key: -1.0})
        a = run_search("hvgain", nb201, 30, seed=3, **FAST, **{key: 1.0})
        pd.testing.assert_frame_equal(a, run_search("hvgain", nb201, 30, seed=3, **FAST, **{key: 1.0}))
        assert a["arch"].is_unique


def test_op_features_with_output_ops_add_the_kept_ops_and_leave_the_registered_columns() -> None:
    from nas_utils.spaces import get_space
    from nas_utils.transfer.encodings import op_features

    X = get_space("nb201").enumerate()[[0, 4321, 15_624]]
    base, extended = op_features("nb201", X), op_features("nb201", X, output_ops=True)
    assert extended.shape[1] == base.shape[1] + 35
    np.testing.assert_array_equal(extended[:, :35], base[:, :35])  # the registered columns, then the new block
    np.testing.assert_array_equal(extended[:, -2:], base[:, -2:])
    np.testing.assert_array_equal(extended[:, 35:70], op_features("nb201", output_ops(X))[:, :35])


def test_dead_op_development_task_holds_out_a_source_never_a_test_target() -> None:
    from nas_utils.transfer.tasks import DEAD_OP_DEV_TASK, DEV_TASKS, TEST_TARGETS, get_task

    task = get_task(DEAD_OP_DEV_TASK)
    assert task.targets == ("pixel3",) and "pixel3" in get_task("ND").sources and "pixel3" not in task.sources
    assert ("nb201", "pixel3") not in TEST_TARGETS and DEAD_OP_DEV_TASK not in DEV_TASKS
