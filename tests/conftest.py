"""Shared fixtures: the processed benchmark tables exist before any test reads them."""

from __future__ import annotations

import os

import pytest
import torch
from threadpoolctl import threadpool_limits

from nas_utils.paths import processed_dir

# One thread everywhere: deterministic, and on a busy 2-core machine intra-op threading makes
# small torch/BLAS workloads (GP fits, MLPs) tens of times slower. Subprocesses inherit this.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
torch.set_num_threads(1)
_BLAS_LIMIT = threadpool_limits(1)


@pytest.fixture(scope="session", autouse=True)
def processed_tables() -> None:
    """A fresh clone has no data/processed (a DVC output): build it once, as `dvc repro prepare` would."""
    needed = ("nb201_archs", "fbnet_archs", "latency")
    if not all((processed_dir() / f"{n}.parquet").exists() for n in needed):
        from nas_utils.prepare import prepare

        prepare()
