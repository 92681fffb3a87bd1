import dataclasses
import math

import pytest
import torch

from nas_utils.data import Splits, load_dataset
from nas_utils.errors import CheckpointError
from nas_utils.supernets import build_supernet
from nas_utils.supernets.training import Trainer, TrainSettings


@pytest.fixture(scope="module")
def tiny() -> Splits:
    d = load_dataset("digits", seed=0)
    return dataclasses.replace(d, x_train=d.x_train[:160], y_train=d.y_train[:160])


def _train(data, epochs, settings):
    net = build_supernet("mbv3_2d", seed=0, widths=(8, 12), head=16)
    trainer = Trainer(net, data, settings)
    trainer.fit(epochs)
    return net, trainer


def test_two_epochs_twice_with_the_same_seed_give_identical_weights(tiny):
    s = TrainSettings(total_epochs=2, batch_size=64, n_random=1)
    a, _ = _train(tiny, 2, s)
    b, _ = _train(tiny, 2, s)
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k


def test_retraining_with_the_same_seed_writes_the_same_checkpoint_bytes(tiny, tmp_path):
    """Epoch timings differ between runs but stay out of the file, so its DVC hash is stable."""
    s = TrainSettings(total_epochs=1, batch_size=64, n_random=1)
    for name in ("a.pt", "b.pt"):
        _, trainer = _train(tiny, 1, s)
        assert trainer.log[0]["train_cpu_s"] > 0  # measured, kept in memory for the stage's summary
        trainer.save(tmp_path / name)
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "b.pt").read_bytes()


def test_resuming_from_a_checkpoint_equals_training_straight_through(tiny, tmp_path):
    s = TrainSettings(total_epochs=2, batch_size=64, n_random=1)
    straight, _ = _train(tiny, 2, s)
    half, trainer = _train(tiny, 1, s)
    trainer.save(tmp_path / "half.pt")
    # A different init: everything must come from the checkpoint.
    resumed = Trainer(build_supernet("mbv3_2d", seed=123, widths=(8, 12), head=16), tiny, s)
    resumed.load(tmp_path / "half.pt")
    resumed.fit(1)
    for (k, va), vb in zip(straight.state_dict().items(), resumed.net.state_dict().values()):
        assert torch.allclose(va, vb, atol=1e-6), k
    other = Trainer(build_supernet("mbv3_2d", widths=(8, 12), head=16), tiny, dataclasses.replace(s, lr=0.1))
    with pytest.raises(CheckpointError, match="half.pt: training settings mismatch: lr"):
        other.load(tmp_path / "half.pt")


def test_training_improves_the_largest_network(tiny):
    s = TrainSettings(total_epochs=3, batch_size=32, n_random=1)
    net, _ = _train(tiny, 0, s)
    from nas_utils.data import TensorLoader
    val = TensorLoader(tiny.x_val, tiny.y_val, 512)
    before = net.evaluate(net.largest_config(), val)
    Trainer(net, tiny, s).fit(3)
    assert net.evaluate(net.largest_config(), val) > before


def test_a_held_warm_up_continues_with_any_budget_and_its_own_cosine(tiny, tmp_path):
    """SparseNAS schedules: the warm-up holds the peak rate, so one checkpoint serves every budget."""
    warm = TrainSettings(total_epochs=2, batch_size=64, n_random=1, hold_epochs=1)
    _, trainer = _train(tiny, 1, warm)
    assert trainer._lr(0) == trainer._lr(len(trainer.loader) - 1) == warm.lr  # held at the peak
    trainer.save(tmp_path / "warm.pt")
    longer = dataclasses.replace(warm, total_epochs=4)
    cont = Trainer(build_supernet("mbv3_2d", seed=5, widths=(8, 12), head=16), tiny, longer)
    with pytest.raises(CheckpointError, match="total_epochs"):
        cont.load(tmp_path / "warm.pt")
    cont.load(tmp_path / "warm.pt", horizon=True)
    steps = len(cont.loader)
    assert cont.epoch == 1 and cont._lr(steps) == pytest.approx(warm.lr)  # the cosine starts after the hold
    assert cont._lr(4 * steps) == pytest.approx(0.0)
    assert cont._lr(2 * steps) == pytest.approx(0.5 * warm.lr * (1 + math.cos(math.pi / 3)))
    with pytest.raises(CheckpointError, match="batch_size"):
        Trainer(build_supernet("mbv3_2d", seed=5, widths=(8, 12), head=16), tiny,
                dataclasses.replace(longer, batch_size=32)).load(tmp_path / "warm.pt", horizon=True)


def test_a_fractional_horizon_stops_inside_its_last_epoch_at_rate_zero(tiny, tmp_path):
    """A SparseNAS continuation shorter than an epoch: its own cosine over round(total x batches) steps."""
    warm = TrainSettings(total_epochs=2, batch_size=32, n_random=1, hold_epochs=1)  # 160 / 32 = 5 batches
    _, trainer = _train(tiny, 1, warm)
    trainer.save(tmp_path / "warm.pt")
    short = dataclasses.replace(warm, total_epochs=1.4)  # 1 held epoch + 2 of 5 batches
    cont = Trainer(build_supernet("mbv3_2d", seed=5, widths=(8, 12), head=16), tiny, short)
    cont.load(tmp_path / "warm.pt", horizon=True)
    rates = []
    cont._lr = lambda step, lr=cont._lr: rates.append(lr(step)) or lr(step)  # type: ignore[method-assign]
    cont.fit(1)
    assert cont.total_steps == 7 and len(rates) == 2 and rates[-1] == pytest.approx(0.5 * warm.lr)
    assert cont._lr(7) == pytest.approx(0.0) and cont.epoch == 2 and cont.epochs_done == pytest.approx(1.4)
    # whole epochs are untouched: an integer horizon trains every batch and counts whole epochs
    _, whole = _train(tiny, 2, warm)
    assert whole.epochs_done == 2 and isinstance(whole.epochs_done, int)
