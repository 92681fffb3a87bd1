"""Schema of ``params.yaml: supernet`` (stage ``supernet``, notebook 02: time-to-quality runs and speedups)."""

from __future__ import annotations

from dataclasses import dataclass

from nas_utils import config


@config.section("supernet")
@dataclass(frozen=True)
class SupernetConfig:
    """Parameters of the SparseNAS time-to-quality comparison (``params.yaml: supernet``)."""

    early_dir: str
    checkpoint_dir: str
    full_budgets: tuple[int, ...]
    sparse_budgets: tuple[int | float, ...]  # epochs after the warm-up; fractions of an epoch allowed
    eval_every: int
    n_yard_full: int
    n_yard_kept: int
    hv_tolerance: float
    seed: int

    def __post_init__(self) -> None:
        config.check_nonempty("supernet.full_budgets", self.full_budgets)
        config.check_nonempty("supernet.sparse_budgets", self.sparse_budgets)
        for full in self.full_budgets:
            config.check_range("supernet.full_budgets", full, low=1)
        for sparse in self.sparse_budgets:
            config.check_range("supernet.sparse_budgets", sparse, low=0.05)  # at least a few steps
        config.check_range("supernet.eval_every", self.eval_every, low=1)
        config.check_range("supernet.n_yard_full", self.n_yard_full, low=2)
        config.check_range("supernet.n_yard_kept", self.n_yard_kept, low=0)
        config.check_range("supernet.hv_tolerance", self.hv_tolerance, low=0.0, high=0.5)
