import numpy as np
import pytest
import torch

from nas_utils.data import TensorLoader, load_dataset
from nas_utils.errors import DataError, UnknownNameError


def test_digits_splits_are_disjoint_and_stratified():
    d = load_dataset("digits", seed=0)
    assert d.input_shape == (1, 8, 8) and d.n_classes == 10
    assert len(d.x_train) + len(d.x_val) + len(d.x_test) == 1797
    assert set(d.y_val.tolist()) == set(range(10))


def test_mnist1d_is_generated_offline_deterministically_without_touching_global_rng():
    state = np.random.get_state()[1].copy()
    a = load_dataset("mnist1d", seed=3, n_samples=300)
    assert np.array_equal(np.random.get_state()[1], state)
    b = load_dataset("mnist1d", seed=3, n_samples=300)
    assert a.input_shape == (1, 40)
    assert torch.equal(a.x_train, b.x_train) and len(a.x_test) == 60


def test_unknown_dataset_and_bad_loader():
    with pytest.raises(UnknownNameError, match="valid choices: digits, mnist1d"):
        load_dataset("cifar")
    with pytest.raises(DataError):
        TensorLoader(torch.zeros(3, 1), torch.zeros(2), 2)


def test_loader_order_depends_only_on_seed_and_epoch():
    x, y = torch.arange(10.0)[:, None], torch.arange(10)
    a = TensorLoader(x, y, 4, shuffle=True, seed=1)
    first = [yb.tolist() for _, yb in a]
    b = TensorLoader(x, y, 4, shuffle=True, seed=1)
    b.set_epoch(0)
    assert [yb.tolist() for _, yb in b] == first
    assert sorted(sum(first, [])) == list(range(10))
