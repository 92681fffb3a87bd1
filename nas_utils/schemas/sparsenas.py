"""Schema of ``params.yaml: sparsenas`` (stage ``sparsenas``, notebook 01)."""

from __future__ import annotations

from dataclasses import dataclass

from nas_utils import config
from nas_utils.predictors import PREDICTORS
from nas_utils.supernets import SUPERNETS
from nas_utils.supernets.training import TrainSettings


@config.section("sparsenas")
@dataclass(frozen=True)
class SparseNASConfig:
    """Parameters of the early-filtering stage (``params.yaml: sparsenas``)."""

    families: tuple[str, ...]
    mnist1d_samples: int
    epochs: int
    warmup_fraction: float
    batch_size: int
    lr: float
    n_random: int
    kd_weight: float
    sort_channels_every: int
    n_early: int
    n_score: int
    keep_fraction: float
    predictors: tuple[str, ...]
    cv_folds: int
    seed: int
    checkpoint_dir: str

    def __post_init__(self) -> None:
        config.check_nonempty("sparsenas.families", self.families)
        config.check_choices("sparsenas.families", self.families, SUPERNETS.names())
        config.check_range("sparsenas.mnist1d_samples", self.mnist1d_samples, low=200)
        config.check_range("sparsenas.epochs", self.epochs, low=2)
        config.check_range("sparsenas.warmup_fraction", self.warmup_fraction, low=0.01, high=0.9)
        config.check_range("sparsenas.batch_size", self.batch_size, low=1)
        config.check_range("sparsenas.lr", self.lr, low=1e-6, high=1.0)
        config.check_range("sparsenas.n_random", self.n_random, low=0, high=16)
        config.check_range("sparsenas.kd_weight", self.kd_weight, low=0.0, high=1.0)
        config.check_range("sparsenas.sort_channels_every", self.sort_channels_every, low=0)
        config.check_range("sparsenas.cv_folds", self.cv_folds, low=2)
        config.check_range("sparsenas.n_early", self.n_early, low=self.cv_folds)
        config.check_range("sparsenas.n_score", self.n_score, low=10)
        config.check_range("sparsenas.keep_fraction", self.keep_fraction, low=1e-4, high=1.0)
        config.check_nonempty("sparsenas.predictors", self.predictors)
        config.check_choices("sparsenas.predictors", self.predictors, PREDICTORS.names())

    @property
    def warmup_epochs(self) -> int:
        return max(1, min(self.epochs - 1, round(self.warmup_fraction * self.epochs)))

    def train_settings(self) -> TrainSettings:
        return TrainSettings(total_epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, n_random=self.n_random,
                             kd_weight=self.kd_weight, sort_channels_every=self.sort_channels_every, seed=self.seed)
