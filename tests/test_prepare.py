from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import torch

from nas_utils.errors import DataError
from nas_utils.paths import raw_dir
from nas_utils.prepare import N_NB201, load_latency_file, prepare, verify_checksums


@pytest.fixture()
def raw_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "raw"
    shutil.copytree(raw_dir(), dst)
    return dst


def _rehash(root: Path) -> None:
    lines = []
    for line in (root / "SHA256SUMS").read_text().splitlines():
        _, name = line.split(maxsplit=1)
        lines.append(f"{hashlib.sha256((root / name).read_bytes()).hexdigest()}  {name}")
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def test_prepare_writes_validated_tables(raw_copy: Path, tmp_path: Path) -> None:
    counts = prepare(raw_copy, tmp_path / "out")
    assert counts == {"nb201_archs": 15_625, "fbnet_archs": 5_000, "latency": 27 * (15_625 + 5_000)}


def test_truncated_latency_file_is_rejected_by_checksum(raw_copy: Path, tmp_path: Path) -> None:
    victim = raw_copy / "help/nasbench201/latency/pixel2.pt"
    victim.write_bytes(victim.read_bytes()[:1000])
    with pytest.raises(DataError, match="pixel2.pt is corrupt") as info:
        prepare(raw_copy, tmp_path / "out")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_short_latency_list_is_rejected_even_with_valid_checksums(raw_copy: Path, tmp_path: Path) -> None:
    victim = raw_copy / "help/nasbench201/latency/raspi4.pt"
    torch.save(torch.load(victim)[:15_000], victim)
    _rehash(raw_copy)
    with pytest.raises(DataError, match=r"raspi4.pt: expected 15625 latencies, found 15000"):
        prepare(raw_copy, tmp_path / "out")
    with pytest.raises(DataError, match="expected 15625"):
        load_latency_file(victim, N_NB201)


def test_unreadable_and_missing_files(raw_copy: Path, tmp_path: Path) -> None:
    victim = raw_copy / "help/fbnet/latency/fpga.pt"
    victim.write_bytes(b"not a pickle")
    _rehash(raw_copy)
    with pytest.raises(DataError, match="cannot read .*fpga.pt"):
        prepare(raw_copy, tmp_path / "out")
    victim.unlink()
    with pytest.raises(DataError, match="missing raw data file .*fpga.pt"):
        verify_checksums(raw_copy)
