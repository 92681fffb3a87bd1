"""Shared fixtures: the processed benchmark tables exist before any test reads them."""

from __future__ import annotations

import os
from pathlib import Path

import nas_utils  # noqa: F401  (first: pins the BLAS kernels before numpy loads them)
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


# Notebook 05 with tiny parameters: executed once per suite, shared by the tests that read it.
SEARCH_TINY = {
    "cells": ["cifar10/pixel2"], "tactics": ["random", "nsga2", "linas", "weaknas"], "seeds": 2, "budget": 40,
    "paper_linas_evals": 30, "timing_budget": 30, "timing_seeds": 1,
    "tactic_params": {"linas": {"initial": 20, "batch": 10, "inner_evals": 500, "inner_population": 20},
                      "weaknas": {"mlp_width": 16, "mlp_depth": 2, "mlp_max_iter": 30}},
}


@pytest.fixture(scope="session")
def search_notebook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Output folder of notebook 05 run once as a stage (``SEARCH_TINY``, one worker process)."""
    from nas_utils.stage import run_notebook

    out = tmp_path_factory.mktemp("search_notebook")
    patch = pytest.MonkeyPatch()
    patch.setenv("HWNAS_WORKERS", "1")
    try:
        run_notebook("search", "notebooks/05_search_comparison.ipynb", out, overrides=SEARCH_TINY)
    finally:
        patch.undo()
    return out
