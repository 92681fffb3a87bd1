"""Offline, real datasets as tensors: MNIST-1D (generated locally) and scikit-learn digits.

Nothing downloads: MNIST-1D is generated with the ``mnist1d`` package's own generator
(``get_dataset_args`` + ``make_dataset``, never its download path) and scikit-learn's digits
ship with scikit-learn. A seed fixes the generation and the train/validation split.

=========  ===========================  ==========  ====================================
name       per-sample input shape       classes     splits (default sizes)
=========  ===========================  ==========  ====================================
mnist1d    (1, 40)  one channel, 40 steps  10       train/val from mnist1d's train part,
                                                    test = mnist1d's test part
digits     (1, 8, 8) grey image         10          stratified 60/20/20 of 1,797 images
=========  ===========================  ==========  ====================================

>>> from nas_utils.data import load_dataset, TensorLoader
>>> d = load_dataset("digits", seed=0)
>>> d.input_shape, d.n_classes, len(d.x_train) + len(d.x_val) + len(d.x_test)
((1, 8, 8), 10, 1797)
>>> xb, yb = next(iter(TensorLoader(d.x_train, d.y_train, batch_size=32, shuffle=True, seed=0)))
>>> tuple(xb.shape)
(32, 1, 8, 8)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from nas_utils.errors import DataError
from nas_utils.registry import Registry


@dataclass(frozen=True)
class Splits:
    """Train / validation / test tensors of one dataset (float32 inputs, int64 labels)."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one sample (channels first)."""
        return tuple(self.x_train.shape[1:])


DATASETS: Registry[Callable[..., Splits]] = Registry("dataset")


def _split(x: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Stratified split: ``fraction`` of every class goes to the second part."""
    second = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        idx = rng.permutation(idx)
        second[idx[: int(round(fraction * len(idx)))]] = True
    return x[~second], y[~second], x[second], y[second]


def _tensors(name: str, parts: tuple[np.ndarray, ...], n_classes: int) -> Splits:
    xs = [torch.from_numpy(np.ascontiguousarray(p, dtype=np.float32)) for p in parts[0::2]]
    ys = [torch.from_numpy(np.asarray(p, dtype=np.int64)) for p in parts[1::2]]
    return Splits(name, xs[0], ys[0], xs[1], ys[1], xs[2], ys[2], n_classes)


@DATASETS.register("mnist1d")
@functools.lru_cache(maxsize=4)
def mnist1d(seed: int = 0, n_samples: int = 5000, val_fraction: float = 0.2) -> Splits:
    """MNIST-1D generated locally: ``n_samples`` signals of 40 steps, 80/20 train/test.

    The generator seeds NumPy's global RNG itself; we restore the caller's global state
    afterwards so that nothing else is affected.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    if n_samples < 100:
        raise DataError(f"mnist1d: n_samples={n_samples} is too small; use at least 100")
    args = get_dataset_args()
    args.num_samples, args.seed = int(n_samples), int(seed)
    state = np.random.get_state()
    try:
        raw = make_dataset(args)
    finally:
        np.random.set_state(state)
    rng = np.random.default_rng(seed)
    x_tr, y_tr, x_val, y_val = _split(raw["x"][:, None, :], raw["y"], val_fraction, rng)
    return _tensors("mnist1d", (x_tr, y_tr, x_val, y_val, raw["x_test"][:, None, :], raw["y_test"]), 10)


@DATASETS.register("digits")
@functools.lru_cache(maxsize=4)
def digits(seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2) -> Splits:
    """scikit-learn's 8x8 digits, scaled to [0, 1], stratified train/val/test split."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x = (data.images / 16.0)[:, None, :, :]
    rng = np.random.default_rng(seed)
    x_rest, y_rest, x_te, y_te = _split(x, data.target, test_fraction, rng)
    x_tr, y_tr, x_val, y_val = _split(x_rest, y_rest, val_fraction / (1 - test_fraction), rng)
    return _tensors("digits", (x_tr, y_tr, x_val, y_val, x_te, y_te), 10)


def load_dataset(name: str, seed: int = 0, **kwargs: object) -> Splits:
    """Build registered dataset ``name`` (unknown names list the valid ones)."""
    return DATASETS.get(name)(seed=seed, **kwargs)


class TensorLoader:
    """A minimal, deterministic mini-batch iterable over in-memory tensors.

    Each pass (epoch) shuffles with its own generator seeded by ``seed + epoch``, so epoch
    ``k`` sees the same order whether or not training was resumed from a checkpoint.

    Args:
        x, y: inputs and labels (same length).
        batch_size: rows per batch (the last batch may be smaller).
        shuffle: shuffle each pass.
        seed: base seed of the shuffling.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int = 128, shuffle: bool = False, seed: int = 0) -> None:
        if len(x) != len(y):
            raise DataError(f"inputs and labels differ in length: {len(x)} vs {len(y)}")
        if batch_size < 1:
            raise DataError(f"batch_size={batch_size} must be >= 1")
        self.x, self.y, self.batch_size, self.shuffle, self.seed = x, y, batch_size, shuffle, seed
        self.epoch = 0

    def __len__(self) -> int:
        return (len(self.x) + self.batch_size - 1) // self.batch_size

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(len(self.x), generator=g)
            self.epoch += 1
        else:
            order = torch.arange(len(self.x))
        for start in range(0, len(self.x), self.batch_size):
            idx = order[start : start + self.batch_size]
            yield self.x[idx], self.y[idx]
