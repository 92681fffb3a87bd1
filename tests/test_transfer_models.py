import numpy as np
import pytest
import torch

from nas_utils.errors import ConfigError
from nas_utils.spaces import get_space
from nas_utils.transfer import encodings
from nas_utils.transfer.data import TaskData
from nas_utils.transfer.methods import METHODS, TransferSettings, make_method
from nas_utils.transfer.models import ArchTensors, pairwise_hinge
from nas_utils.transfer.study import run_trials, summarise
from nas_utils.transfer.tasks import TransferTask

TINY = TransferSettings(pretrain_epochs=1, finetune_epochs=2, hidden=8, layers=1, scratch_mlp_hidden=8,
                        help_episodes=2)


@pytest.fixture(scope="module")
def data() -> TaskData:
    space = get_space("nb201")
    X = space.enumerate()[::80]
    g = encodings.nb201_graph(X)
    macs = encodings.cost_features("nb201", X)[:, 0]
    noise = np.random.default_rng(0).random((len(X), 5))
    lat = macs[:, None] * (1 + np.arange(5)) / 1e6 + noise
    _, inverse = np.unique(g.keys(), return_inverse=True)
    task = TransferTask("tiny", "nb201", ("1080ti_1", "1080ti_32", "silver_4114"), ("pixel2", "gold_6226"), "test")
    return TaskData(task=task, X=X, archs=ArchTensors(g, space.one_hot(X), encodings.supplementary("nb201", X)),
                    onehot=space.one_hot(X), cost=encodings.cost_features("nb201", X), src_lat=lat[:, :3],
                    tgt_lat=lat[:, 3:], help_ref=np.arange(10), pretrain_pool=np.arange(len(X)), n_pretrain=len(X) // 6,
                    unique_rows=np.unique(g.keys()), unique_inverse=inverse.ravel())


def test_ranking_loss_is_zero_for_perfect_order_and_positive_otherwise():
    y = torch.tensor([0.1, 0.5, 0.9, 2.0])
    dev = torch.zeros(4, dtype=torch.long)
    assert float(pairwise_hinge(y * 10, y, dev)) == 0.0
    assert float(pairwise_hinge(-y, y, dev)) > 0.1
    # pairs across devices are not compared
    assert float(pairwise_hinge(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]), torch.tensor([0, 1]))) == 0.0


@pytest.mark.parametrize("name", ["mlp", "gnn", "gnn_help"])
def test_finetuning_starts_from_a_fresh_copy(data, name):
    m = make_method(name, TINY)
    m.prepare(data, seed=0)
    before = {k: v.clone() for k, v in m.pretrained.state_dict().items()}
    idx_a, idx_b = np.arange(0, 50, 5), np.arange(3, 190, 20)
    first = m.predict(data, 0, idx_a, seed=1)
    m.predict(data, 1, idx_b, seed=2)  # another target and trial in between
    again = m.predict(data, 0, idx_a, seed=1)
    np.testing.assert_array_equal(first, again)
    for k, v in m.pretrained.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_every_method_scores_every_architecture(data):
    for name in METHODS.names():
        m = make_method(name, TINY)
        m.prepare(data, seed=0)
        assert m.predict(data, 0, np.arange(0, 100, 10), seed=0).shape == (len(data.X),)


def test_study_rows_and_determinism(data):
    methods = [make_method(n, TINY) for n in ("flops", "nearest_source", "mlp")]
    a = run_trials(data, methods, [5, 10], 2, "kmeans_cosine", seed=0)
    b = run_trials(data, methods, [5, 10], 2, "kmeans_cosine", seed=0)
    assert len(a) == 2 * 2 * 2 * 3 * 2  # targets x ks x trials x methods x protocols
    np.testing.assert_array_equal(a.spearman.to_numpy(), b.spearman.to_numpy())
    s = summarise(a)
    assert set(s.columns) >= {"spearman", "spearman_std", "ci_low", "ci_high", "trials"} and (s.trials == 2).all()
    assert (s.ci_low <= s.spearman).all() and (s.spearman <= s.ci_high).all()
    with pytest.raises(ConfigError, match="k=9999 is out of range"):
        run_trials(data, methods, [9999], 1, "random", seed=0)
