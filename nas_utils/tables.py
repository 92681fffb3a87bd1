"""Read access to the processed benchmark tables (outputs of the ``prepare`` stage).

>>> from nas_utils.tables import load_archs, load_latency
>>> X = load_archs("nb201"); X.shape                          # doctest: +SKIP
(15625, 6)
>>> load_latency("nb201", ["gold_6226", "pixel2"]).shape     # doctest: +SKIP
(15625, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from nas_utils.latency.benchmark_devices import devices_for
from nas_utils.errors import UnknownNameError
from nas_utils.io import read_parquet
from nas_utils.paths import processed_dir

DATASETS = {"cifar10": "acc_cifar10", "cifar100": "acc_cifar100", "imagenet16": "acc_imagenet16"}
_ARCH_TABLES = {"nb201": ("nb201_archs", "op"), "fbnet": ("fbnet_archs", "layer")}


REBUILD = "run `dvc repro prepare` (or `python -m nas_utils.prepare`)"


def _read(name: str) -> pd.DataFrame:
    """A processed table; missing, truncated or corrupt -> one DataError line naming the fix."""
    path = processed_dir() / f"{name}.parquet"
    mtime = path.stat().st_mtime_ns if path.exists() else 0
    return _read_cached(str(path), mtime)


@lru_cache(maxsize=8)
def _read_cached(path: str, _mtime: int) -> pd.DataFrame:
    return read_parquet(path, REBUILD)


def arch_table(space: str) -> pd.DataFrame:
    if space not in _ARCH_TABLES:
        raise UnknownNameError("tabular space", space, _ARCH_TABLES)
    return _read(_ARCH_TABLES[space][0])


def load_archs(space: str) -> np.ndarray:
    """Integer architecture matrix of ``space`` in benchmark index order."""
    df = arch_table(space)
    prefix = _ARCH_TABLES[space][1]
    cols = [c for c in df.columns if c.startswith(prefix) and c[len(prefix):].isdigit()]
    return df[cols].to_numpy(dtype=np.int64)


def load_accuracy(space: str, dataset: str) -> np.ndarray:
    """Test accuracy (%) of every architecture, benchmark index order (NB201 only)."""
    if space != "nb201":
        raise UnknownNameError("space with accuracy data", space, ["nb201"])
    if dataset not in DATASETS:
        raise UnknownNameError("dataset", dataset, DATASETS)
    return arch_table(space)[DATASETS[dataset]].to_numpy(dtype=np.float64)


def load_latency(space: str, devices: Sequence[str]) -> np.ndarray:
    """(n_arch, len(devices)) latency matrix in ms, benchmark index order."""
    valid = devices_for(space)
    for d in devices:
        if d not in valid:
            raise UnknownNameError(f"device for space {space}", d, valid)
    wide = _latency_wide(space)
    return wide[list(devices)].to_numpy(dtype=np.float64)


def _latency_wide(space: str) -> pd.DataFrame:
    df = _read("latency")
    sub = df[df["space"] == space]
    wide = sub.pivot(index="arch_index", columns="device", values="latency_ms")
    wide.columns = wide.columns.astype(str)
    return wide.sort_index()
