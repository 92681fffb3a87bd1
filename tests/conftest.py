"""Shared fixtures: the processed benchmark tables exist before any test reads them."""

from __future__ import annotations

import pytest

from nas_utils.paths import processed_dir


@pytest.fixture(scope="session", autouse=True)
def processed_tables() -> None:
    """A fresh clone has no data/processed (a DVC output): build it once, as `dvc repro prepare` would."""
    needed = ("nb201_archs", "fbnet_archs", "latency")
    if not all((processed_dir() / f"{n}.parquet").exists() for n in needed):
        from nas_utils.prepare import prepare

        prepare()
