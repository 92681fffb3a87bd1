"""Issue 12: the two scoring protocols, trials that re-seed pre-training, HELP, the stack."""

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from nas_utils.spaces import get_space
from nas_utils.transfer import encodings
from nas_utils.transfer.data import TaskData
from nas_utils.errors import ConfigError
from nas_utils.transfer.help import (Help, HelpNet, HelpSpec, fbnet_help_inputs, help_forward, modulate,
                                    nb201_help_aggregation, nb201_help_inputs)
from nas_utils.transfer.methods import TransferMethod, TransferSettings, make_method
from nas_utils.transfer.models import ArchTensors
from nas_utils.transfer.stacking import BLOCK_WEIGHTED, BLOCK_WEIGHTS, combine, regression_features
from nas_utils.transfer.study import PROTOCOLS, run_trials
from nas_utils.transfer.tasks import DEV_TASKS, TEST_TARGETS, TransferTask, get_task

TINY = TransferSettings(pretrain_epochs=1, finetune_epochs=2, hidden=8, layers=1, scratch_mlp_hidden=8)


@pytest.fixture(scope="module")
def data() -> TaskData:
    return _tiny(60)


def _tiny(step: int) -> TaskData:
    space = get_space("nb201")
    X = space.enumerate()[::step]
    g = encodings.nb201_graph(X)
    macs = encodings.cost_features("nb201", X)[:, 0]
    lat = macs[:, None] * (1 + np.arange(5)) / 1e6 + np.random.default_rng(0).random((len(X), 5))
    _, inverse = np.unique(g.keys(), return_inverse=True)
    task = TransferTask("tiny", "nb201", ("1080ti_1", "1080ti_32", "silver_4114"), ("pixel2", "gold_6226"), "test")
    return TaskData(task=task, X=X, archs=ArchTensors(g, space.one_hot(X), encodings.supplementary("nb201", X)),
                    onehot=space.one_hot(X), cost=encodings.cost_features("nb201", X), src_lat=lat[:, :3],
                    tgt_lat=lat[:, 3:], help_ref=np.arange(10), pretrain_pool=np.arange(len(X)),
                    n_pretrain=len(X) // 4, unique_rows=np.unique(g.keys()), unique_inverse=inverse.ravel())


class FirstRowsRight(TransferMethod):
    """Predicts the true latency on rows 0..127 and its reverse elsewhere; records prepare seeds."""

    name = "first_rows_right"

    def __init__(self) -> None:
        self.seeds: list[int] = []

    def prepare(self, data: TaskData, seed: int) -> None:
        self.seeds.append(seed)

    def predict(self, data: TaskData, target: int, idx: np.ndarray, seed: int) -> np.ndarray:
        y = data.tgt_lat[:, target].copy()
        y[128:] = -y[128:]
        return y


def test_nasflat_protocol_scores_the_first_128_architectures_only(data):
    df = run_trials(data, [FirstRowsRight()], [5], trials=1, sampler="random", seed=0)
    by = df.groupby("protocol").spearman.mean()
    assert by["nasflat_128"] == pytest.approx(1.0)
    expected = np.mean([stats.spearmanr(FirstRowsRight().predict(data, t, np.arange(5), 0), data.tgt_lat[:, t]).statistic
                        for t in range(2)])
    assert by["all_archs"] == pytest.approx(expected) and expected < 0.9
    assert PROTOCOLS["nasflat_128"].rows(len(data.X)) == slice(0, 128)


def test_nasflat_protocol_carries_fine_tuned_weights_between_targets(data):
    m = make_method("mlp", TINY)
    m.prepare(data, 0)
    idx = np.arange(0, 60, 3)
    fresh = [m.predict(data, 1, idx, 0) for _ in range(2)]
    np.testing.assert_array_equal(fresh[0], fresh[1])  # ours: every fine-tuning starts from pre-training
    m.set_carry_over(True)
    m.predict(data, 0, idx, 0)
    carried = m.predict(data, 1, idx, 0)
    assert not np.allclose(carried, fresh[0])  # starts from the weights fine-tuned on target 0
    m.set_carry_over(False)
    np.testing.assert_array_equal(m.predict(data, 1, idx, 0), fresh[0])


def test_trials_re_seed_pre_training(data):
    stub = FirstRowsRight()
    run_trials(data, [stub], [5], trials=3, sampler="random", seed=10)
    assert stub.seeds == [10, 11, 12]
    assert not np.array_equal(data.pretrain_rows(10), data.pretrain_rows(11))
    m = make_method("mlp", TINY)
    m.prepare(data, 10)
    w10 = [p.detach().clone() for p in m.pretrained.parameters()]
    m.prepare(data, 11)
    assert any(not torch.equal(a, b) for a, b in zip(w10, m.pretrained.parameters()))


def _help(data: TaskData, seed: int, steps: int = 2) -> Help:
    h = Help(HelpSpec(episodes=3, tasks_per_episode=2, support=5, query=20, mc=2, hidden=16, inner_steps=steps))
    h.prepare(data, seed)
    return h


def test_help_adapts_to_the_support_samples_and_is_deterministic_per_seed(data):
    idx = np.arange(20, 30)
    h = _help(data, 0)
    adapted = h.predict(data, 0, idx, 0)
    h.spec = HelpSpec(**{**h.spec.__dict__, "inner_steps": 0})
    assert not np.allclose(adapted, h.predict(data, 0, idx, 0))  # the support step changes the prediction
    np.testing.assert_array_equal(_help(data, 0).predict(data, 0, idx, 0), adapted)
    assert not np.allclose(_help(data, 1).predict(data, 0, idx, 0), adapted)


def _help_reference(net: HelpNet, feat: torch.Tensor, hw: torch.Tensor) -> torch.Tensor:
    """HELP's MetaLearner as its code writes it: one device, every node aggregated at every layer,
    GraphConvolution ``A (H W) + b`` (bias after aggregation), read out at the global node."""
    x, a = feat, nb201_help_aggregation().expand(len(feat), 9, 9)
    for layer in net.gc:
        x = torch.relu(a @ (x @ layer.weight) + layer.bias)
    z = torch.relu(net.fc_hw2(torch.relu(net.fc_hw1(hw)))).expand(len(feat), -1)
    out = torch.relu(net.fc3(torch.cat([x[:, -1], z], dim=1)))
    return net.fc5(torch.relu(net.fc4(out))).squeeze(1)


def test_help_forward_regroups_helps_arithmetic_over_devices():
    """The batched, aggregate-first forward equals HELP's per-device formula, device by device."""
    torch.manual_seed(0)
    net = HelpNet("nb201", 8, h=6)
    feat = nb201_help_inputs(np.array([[0, 1, 2, 3, 4, 0], [4, 4, 4, 4, 4, 4], [1, 2, 0, 3, 1, 2]]))
    assert float(net.gc[0].weight.detach().abs().max()) <= 0.05  # HELP's U(+-0.05) init
    hws, z = torch.rand(2, 10), torch.randn(2, (2 * 6 + 1) * 3)
    params = modulate(dict(net.named_parameters()), z, 6, 0.5)
    batched = help_forward(params, feat.expand(2, -1, -1, -1), hws[:, None], "nb201")
    for dev in range(2):
        for name, p in net.named_parameters():
            p.data.copy_(params[name][dev])
        torch.testing.assert_close(batched[dev], _help_reference(net, feat, hws[dev:dev + 1]))
        torch.testing.assert_close(net(feat, hws[dev]), batched[dev])


def test_help_scores_the_asked_rows_alone_as_predict_does(data):
    h, idx, rows = _help(data, 0), np.arange(20, 30), np.arange(100, 140)
    np.testing.assert_allclose(h.predict_rows(data, 0, idx, 3, rows), h.predict(data, 0, idx, 3)[rows], rtol=1e-5)


def test_help_stop_scores_what_a_shorter_run_ends_with_and_leaves_training_unchanged(data):
    idx = np.arange(20, 30)
    seen = {}
    spec = HelpSpec(episodes=4, tasks_per_episode=2, support=5, query=20, mc=2, hidden=16)
    long = Help(spec)
    long.prepare(data, 0, stops=(2,), on_stop=lambda e: seen.setdefault(e, long.predict(data, 0, idx, 0)))
    short = Help(HelpSpec(**{**spec.__dict__, "episodes": 2}))
    short.prepare(data, 0)
    np.testing.assert_array_equal(seen[2], short.predict(data, 0, idx, 0))
    plain = Help(spec)
    plain.prepare(data, 0)
    np.testing.assert_array_equal(long.predict(data, 0, idx, 0), plain.predict(data, 0, idx, 0))


def test_help_scales_the_target_support_like_its_code_or_by_what_was_measured(data):
    h, idx = _help(data, 0), np.arange(20, 30)
    pool = h.predict(data, 0, idx, 0)
    h.spec = HelpSpec(**{**h.spec.__dict__, "target_scale": "measured"})
    assert not np.allclose(pool, h.predict(data, 0, idx, 0))
    with pytest.raises(ConfigError, match="valid: pool, measured"):
        Help(HelpSpec(target_scale="log"))


def test_help_inputs_have_the_published_shapes():
    feat, agg = nb201_help_inputs(np.array([[3, 3, 3, 3, 3, 3]])), nb201_help_aggregation()
    assert feat.shape == (1, 9, 8) and agg.shape == (9, 9)
    assert float(agg[8].sum()) == 9.0 and float(agg[:8, 8].sum()) == 0.0  # the global node reads every node, none reads it
    assert agg[7, :8].tolist() == [0, 0, 0, 0, 1, 1, 1, 1]  # output node: its three predecessors and itself
    assert fbnet_help_inputs(np.zeros((2, 22), dtype=int)).shape == (2, 132)


def test_stack_weights_by_validated_rank_accuracy():
    preds = {"good": np.array([1.0, 2.0, 3.0, 4.0]), "bad": np.array([4.0, 3.0, 2.0, 1.0])}
    np.testing.assert_allclose(combine(preds, {"good": 0.8, "bad": 0.1}, np.inf), [0, 1 / 3, 2 / 3, 1])
    mixed = combine(preds, {"good": 0.8, "bad": 0.4}, 1.0)
    assert stats.spearmanr(mixed, preds["good"]).statistic == pytest.approx(1.0)


def test_block_weighted_features_scale_the_operation_block_against_the_sources(data):
    feats = regression_features(data)
    n_src = feats["source"].shape[1]
    for name, w in zip(BLOCK_WEIGHTED, BLOCK_WEIGHTS):
        F = feats[name]
        np.testing.assert_allclose(F[:, :n_src], feats[BLOCK_WEIGHTED[0]][:, :n_src])
        assert F[:, :n_src].std(axis=0) == pytest.approx(1.0)
        spread = F[:, n_src:].std(axis=0)
        assert spread[spread > 0] == pytest.approx(w)  # constant columns stay zero
    m = make_method("stack_linear_blocks", TINY)
    m.prepare(data, 0)
    assert np.isfinite(m.predict(data, 0, np.arange(0, 200, 10), 0)).all()
    assert set(BLOCK_WEIGHTED) <= set(m.last_cv)


def test_development_tasks_never_hold_out_a_test_target():
    for name in DEV_TASKS:
        t = get_task(name)
        assert not {(t.space, d) for d in t.targets} & TEST_TARGETS


def test_every_method_reports_its_registry_name():
    from nas_utils.transfer.methods import METHODS

    for name in METHODS.names():
        assert make_method(name, TINY).name == name


def test_a_help_trial_job_scores_what_run_trials_scores_for_that_trial():
    """The stage splits HELP's trials into jobs of their own: the same rows as one run_trials call, under the
    main table's protocols at ``network_ks`` where ND is a task, and under HELP's own protocol."""
    from types import SimpleNamespace

    from nas_utils.experiments.predictor_transfer import Job, _study_job

    data = _tiny(12)  # 1,303 architectures: HELP's train pool and a 403-architecture query pool
    settings = TransferSettings(help_episodes=2)
    protocols = ("all_archs", "nasflat_128")
    for tasks, ks in ((("ND",), [20]), ((), [])):  # ND in the main table, or the ablation task only
        cfg = SimpleNamespace(settings=lambda: settings, seed=3, trials=2, ks=[5, 20], network_ks=[20],
                              sampler="random", protocols=protocols, tasks=tasks)
        whole = run_trials(data, [make_method("help", settings)], ks, 2, "random", 3, protocols, 10)
        for trial in range(2):
            (job,) = _study_job(cfg, Job("help", "ND", trial), data)  # type: ignore[arg-type]
            pd.testing.assert_frame_equal(job, whole[whole.trial == trial].reset_index(drop=True))
        assert whole.spearman.notna().all()
        assert set(whole.protocol) == {"help_800", *(protocols if ks else ())}
        assert len(whole) == 2 * len(data.task.targets) * (1 + len(protocols) * len(ks))


def test_helps_budget_record_runs_a_test_task_only_post_hoc():
    from nas_utils.transfer import help_budget

    with pytest.raises(ValueError, match="not a development task"):
        help_budget.episode_table("ND")
    with pytest.raises(ValueError, match="not a development task"):
        help_budget.episode_table("FD", post_hoc=True)  # only the task the record names
    assert help_budget.record_path(post_hoc=True).name == "help_episodes_ND_posthoc.csv"


def test_helps_fbnet_record_holds_the_stages_help_jobs_and_the_stage_uses_only_rows_made_like_its_own(tmp_path):
    """The record beside the stage: HELP's trial jobs on the FBNet tasks where the stage does not run HELP,
    read back only where made with the stage's settings and HELP's FBNet budget."""
    from dataclasses import replace

    from nas_utils import config
    from nas_utils.experiments import predictor_transfer as pt

    cfg = config.load("predictors")
    fbnet = [t for t in cfg.tasks if get_task(t).space == "fbnet"]
    assert [(j.kind, j.task, j.trial) for j in pt.help_record_jobs(cfg)] == [
        ("help", t, i) for t in fbnet for i in range(cfg.trials)]
    assert pt.help_record_jobs(replace(cfg, methods=(*cfg.methods, "help"))) == []  # the stage runs HELP itself
    row = {"task": "F1", "space": "fbnet", "target": "fpga", "method": pt.HELP_RECORD_METHOD, "k": 20, "trial": 0,
           "sampler": cfg.sampler, "protocol": "all_archs", "spearman": 0.5, "kendall": 0.4}
    path = tmp_path / "help_fbnet.csv"
    pd.DataFrame([{**row, "settings": pt.help_record_settings(cfg)},
                  {**row, "task": "F2", "settings": pt.help_record_settings(cfg, episodes=500)},  # a cheap budget
                  {**row, "task": "ND", "settings": pt.help_record_settings(cfg)}]).to_csv(path, index=False)
    used = pt.help_record_rows(cfg, path)
    assert list(used.task) == ["F1"] and "settings" not in used
    assert pt.help_record_rows(replace(cfg, seed=cfg.seed + 1), path).empty
    assert pt.help_record_rows(cfg, tmp_path / "absent.csv").empty


def test_paired_comparison_reads_each_space_apart() -> None:
    """A variant that changes NB201 only (the output-op block) shows its NB201 difference undiluted by the FBNet
    tasks it cannot touch (the third registration's lesson), beside the mean over all tasks."""
    from nas_utils.transfer.development import paired_comparison
    from nas_utils.transfer.stacking import LINEAR_BLOCKS, LINEAR_BLOCKS_OUT

    t = paired_comparison({"base": LINEAR_BLOCKS, "out": LINEAR_BLOCKS_OUT}, "base", k=5, trials=2,
                          tasks=("dev_ND", "dev_FD"))
    out = t.loc["out"]
    assert out["diff_fbnet"] == out["diff_fbnet_low"] == out["diff_fbnet_high"] == 0  # FBNet: identical predictions
    assert out["diff_nb201"] == pytest.approx(out["dev_ND"] - t.loc["base", "dev_ND"], abs=1e-4)
    assert out["diff"] == pytest.approx((out["diff_nb201"] + out["diff_fbnet"]) / 2, abs=1e-4)
    assert "diff_nb201" not in paired_comparison({"base": LINEAR_BLOCKS}, "base", k=5, trials=2, tasks=("dev_ND",))
