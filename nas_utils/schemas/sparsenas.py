"""Schema of ``params.yaml: sparsenas`` (stage ``sparsenas``, notebook 01: warm-up, early predictor, filtering)."""

from __future__ import annotations

from dataclasses import dataclass

from nas_utils import config
from nas_utils.predictors import PREDICTORS
from nas_utils.supernets import SUPERNETS


@config.section("sparsenas")
@dataclass(frozen=True)
class SparseNASConfig:
    """Parameters of the SparseNAS warm-up and early filtering (``params.yaml: sparsenas``).

    Every seed in ``seed .. seed + seeds - 1`` is one independent SparseNAS run (its own
    initial weights, warm-up, early sample and kept sub-space); the data are generated once with ``seed``.
    """

    families: tuple[str, ...]
    mnist1d_samples: int
    seeds: int
    batch_size: int
    lr: float
    n_random: int
    kd_weight: float
    sort_channels_every: int
    warmup_epochs: int
    n_early: int
    early_val: int
    calib_samples: int
    n_score: int
    keep_fraction: float
    predictor: str
    predictors: tuple[str, ...]
    cv_folds: int
    seed: int
    checkpoint_dir: str

    def __post_init__(self) -> None:
        config.check_nonempty("sparsenas.families", self.families)
        config.check_choices("sparsenas.families", self.families, SUPERNETS.names())
        config.check_range("sparsenas.mnist1d_samples", self.mnist1d_samples, low=200)
        config.check_range("sparsenas.seeds", self.seeds, low=1)
        config.check_range("sparsenas.batch_size", self.batch_size, low=1)
        config.check_range("sparsenas.lr", self.lr, low=1e-6, high=1.0)
        config.check_range("sparsenas.n_random", self.n_random, low=0, high=16)
        config.check_range("sparsenas.kd_weight", self.kd_weight, low=0.0, high=1.0)
        config.check_range("sparsenas.sort_channels_every", self.sort_channels_every, low=0)
        config.check_range("sparsenas.warmup_epochs", self.warmup_epochs, low=1)
        config.check_range("sparsenas.cv_folds", self.cv_folds, low=2)
        config.check_range("sparsenas.n_early", self.n_early, low=self.cv_folds)
        config.check_range("sparsenas.early_val", self.early_val, low=0)
        config.check_range("sparsenas.calib_samples", self.calib_samples, low=1)
        config.check_range("sparsenas.n_score", self.n_score, low=10)
        config.check_range("sparsenas.keep_fraction", self.keep_fraction, low=1e-4, high=1.0)
        config.check_choice("sparsenas.predictor", self.predictor, PREDICTORS.names())
        config.check_choices("sparsenas.predictors", self.predictors, PREDICTORS.names())

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.seed, self.seed + self.seeds))

    def train(self) -> dict[str, object]:
        """The :class:`~nas_utils.supernets.training.TrainSettings` fields both runs share."""
        return {"batch_size": self.batch_size, "lr": self.lr, "n_random": self.n_random, "kd_weight": self.kd_weight,
                "sort_channels_every": self.sort_channels_every}
