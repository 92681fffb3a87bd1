"""The ``prepare`` stage: raw HELP / NATS-Bench files -> tidy, typed, validated Parquet tables.

Run as ``python -m nas_utils.prepare`` (the DVC stage does). Inputs live in ``data/raw``
(see ``data/README.md`` for provenance); outputs go to ``data/processed``:

* ``nb201_archs.parquet``: ``arch_index, arch, op0..op5, acc_cifar10, acc_cifar100, acc_imagenet16``
* ``fbnet_archs.parquet``: ``arch_index, arch, layer0..layer21``
* ``latency.parquet``: long format ``space, arch_index, device, latency_ms``

Every raw file is checked against ``data/raw/SHA256SUMS`` first; any missing, corrupt or
inconsistent file stops the stage with one line naming it and what was expected, before any
output is written.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils.latency.benchmark_devices import devices_for
from nas_utils.errors import DataError
from nas_utils.io import write_parquet
from nas_utils.paths import processed_dir, raw_dir
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.spaces import FBNET_LAYERS, NB201Space

N_NB201 = 15_625
N_FBNET = 5_000
_SPACE_DIRS = {"nb201": "nasbench201", "fbnet": "fbnet"}
_ACC_COLUMNS = {
    "acc_cifar10": "CIFAR10TestAccuracy200Epochs",
    "acc_cifar100": "CIFAR100TestAccuracy200Epochs",
    "acc_imagenet16": "ImageNetTestAccuracy200Epochs",
}


def verify_checksums(root: Path) -> None:
    """Compare every file listed in ``root/SHA256SUMS`` with its recorded digest."""
    sums = root / "SHA256SUMS"
    if not sums.exists():
        raise DataError(f"missing checksum list {sums}")
    for line in sums.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        path = root / name.lstrip("*").removeprefix("./")
        if not path.exists():
            raise DataError(f"missing raw data file {path}")
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != digest:
            raise DataError(f"raw data file {path} is corrupt: sha256 {actual[:12]}... != recorded {digest[:12]}...")


def _torch_load(path: Path) -> Any:
    import torch  # local import: only this stage needs torch's unpickler

    if not path.exists():
        raise DataError(f"missing raw data file {path}")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged pickle
        raise DataError(f"cannot read {path}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}") from None


def load_latency_file(path: Path, expected: int) -> np.ndarray:
    """One HELP latency file -> float64 vector of length ``expected`` (finite, non-negative)."""
    values = _torch_load(path)
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{path}: expected a list of {expected} latencies, got {type(values).__name__}") from None
    if arr.shape != (expected,):
        raise DataError(f"{path}: expected {expected} latencies, found {arr.size} (truncated or wrong space?)")
    if not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise DataError(f"{path}: latencies must be finite and non-negative")
    return arr


def nb201_table(root: Path) -> pd.DataFrame:
    """Architectures of NAS-Bench-201 with their NATS-Bench test accuracies, in API index order."""
    space = NB201Space()
    str2idx = _torch_load(root / "help/nasbench201/str_arch2idx.pt")
    if not isinstance(str2idx, dict) or len(str2idx) != N_NB201:
        raise DataError(f"{root / 'help/nasbench201/str_arch2idx.pt'}: expected a dict of {N_NB201} architectures")
    strings = [""] * N_NB201
    for s, i in str2idx.items():
        strings[int(i)] = s
    csv = root / "natsbench/nats_bench.csv"
    if not csv.exists():
        raise DataError(f"missing raw data file {csv}")
    nats = pd.read_csv(csv)
    missing = [c for c in [*_ACC_COLUMNS.values(), "ArchitectureString"] if c not in nats.columns]
    if missing or len(nats) != N_NB201:
        raise DataError(f"{csv}: expected {N_NB201} rows with columns {missing or list(_ACC_COLUMNS.values())}")
    mismatch = np.flatnonzero(nats["ArchitectureString"].to_numpy() != np.array(strings, dtype=object))
    if mismatch.size:
        raise DataError(f"{csv}: row {mismatch[0]} is not HELP's architecture {mismatch[0]} (index orders differ)")
    ops = np.stack([space.from_string(s) for s in strings])
    df = pd.DataFrame({"arch_index": np.arange(N_NB201, dtype=np.int32), "arch": strings})
    for j in range(space.n_var):
        df[f"op{j}"] = ops[:, j].astype(np.int8)
    for col, src in _ACC_COLUMNS.items():
        df[col] = nats[src].astype(np.float64)
    if df.isna().any().any():
        raise DataError(f"{csv}: accuracies contain NaN")
    return df


def fbnet_table(root: Path) -> pd.DataFrame:
    from nas_utils.spaces import FBNetSpace

    space = FBNetSpace()
    path = root / "help/fbnet/metainfo.pt"
    meta = _torch_load(path)
    archs = meta.get("arch") if isinstance(meta, dict) else None
    if not isinstance(archs, list) or len(archs) != N_FBNET:
        raise DataError(f"{path}: expected {N_FBNET} architectures under 'arch'")
    ops = np.array([a["op_idx_list"] for a in archs], dtype=np.int64)
    if ops.shape != (N_FBNET, FBNET_LAYERS):
        raise DataError(f"{path}: expected {FBNET_LAYERS} blocks per architecture, got shape {ops.shape}")
    space.validate(ops)
    df = pd.DataFrame({"arch_index": np.arange(N_FBNET, dtype=np.int32), "arch": space.to_strings(ops)})
    if df["arch"].duplicated().any():
        raise DataError(f"{path}: architectures are not unique")
    for j in range(FBNET_LAYERS):
        df[f"layer{j}"] = ops[:, j].astype(np.int8)
    return df


def latency_table(root: Path) -> pd.DataFrame:
    frames = []
    for space, folder in _SPACE_DIRS.items():
        n = N_NB201 if space == "nb201" else N_FBNET
        for device in devices_for(space):
            lat = load_latency_file(root / "help" / folder / "latency" / f"{device}.pt", n)
            frames.append(
                pd.DataFrame({"space": space, "arch_index": np.arange(n, dtype=np.int32), "device": device, "latency_ms": lat})
            )
    df = pd.concat(frames, ignore_index=True)
    df["space"] = df["space"].astype("category")
    df["device"] = df["device"].astype("category")
    return df


def prepare(raw: Path | None = None, out: Path | None = None) -> dict[str, int]:
    """Validate the raw data and write the processed tables. Returns row counts."""
    raw = raw or raw_dir()
    out = out or processed_dir()
    verify_checksums(raw)
    tables = {"nb201_archs": nb201_table(raw), "fbnet_archs": fbnet_table(raw), "latency": latency_table(raw)}
    for name, df in tables.items():  # validate everything before writing anything
        if df.isna().any().any():
            raise DataError(f"{name}: contains NaN")
    for name, df in tables.items():
        write_parquet(out / f"{name}.parquet", df)
    return {name: len(df) for name, df in tables.items()}


def main(argv: list[str] | None = None) -> int:
    OneLineParser(prog="python -m nas_utils.prepare", description=__doc__.splitlines()[0]).parse_args(argv)
    counts = prepare()
    print("prepared: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    sys.exit(cli())
