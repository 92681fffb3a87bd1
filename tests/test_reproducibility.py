"""Run-to-run determinism: the same parameters give identical tables (issue 6, section 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from nas_utils import reproducibility as rp
from nas_utils.stage import run_notebook
from tests.conftest import SEARCH_TINY


def _write_run(root: Path, hv: float, seconds: float) -> None:
    (root / "reports" / "search").mkdir(parents=True)
    (root / "reports" / "latency").mkdir(parents=True)
    pd.DataFrame({"eval": [1, 2], "hv": [0.5, hv], "run_time_s": [seconds, seconds]}).to_parquet(
        root / "reports" / "search" / "curves.parquet")
    (root / "reports" / "search" / "summary.json").write_text(json.dumps({"hv": hv, "timing": {"median_s": seconds}}))
    (root / "reports" / "latency" / "latency.parquet").parent.mkdir(exist_ok=True)
    pd.DataFrame({"latency_ms": [seconds]}).to_parquet(root / "reports" / "latency" / "latency.parquet")


def test_timing_fields_are_ignored_and_results_are_not(tmp_path: Path) -> None:
    a, b, c = (tmp_path / n for n in "abc")
    _write_run(a, hv=0.9, seconds=1.0)
    _write_run(b, hv=0.9, seconds=7.0)   # same results, other wall times and latencies
    _write_run(c, hv=0.8, seconds=1.0)   # a result changed
    snap = {n: rp.snapshot([p / "reports"], root=p) for n, p in zip("abc", (a, b, c))}
    same = rp.compare(snap["a"], snap["b"])
    assert same["differ"] == [] and same["missing"] == []
    assert same["differ_measured"] == ["reports/latency/latency.parquet"]
    changed = rp.compare(snap["a"], snap["c"])
    assert changed["differ"] == ["reports/search/curves.parquet", "reports/search/summary.json"]


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_run(tmp_path / "a", hv=0.9, seconds=1.0)
    _write_run(tmp_path / "c", hv=0.8, seconds=1.0)
    for n in "ac":
        snap = rp.snapshot([tmp_path / n / "reports"], root=tmp_path / n)
        (tmp_path / f"{n}.json").write_text(json.dumps(snap))
    assert rp.main(["compare", str(tmp_path / "a.json"), str(tmp_path / "a.json")]) == 0
    assert rp.main(["compare", str(tmp_path / "a.json"), str(tmp_path / "c.json")]) == 1
    assert rp.main(["compare", str(tmp_path / "a.json"), str(tmp_path / "nope.json")]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("error: ")


@pytest.mark.slow
def test_search_stage_twice_gives_identical_tables(tmp_path: Path, search_notebook: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The search notebook run twice (fresh kernels; 1 then 2 worker processes) writes identical
    tables: results depend neither on the run nor on the runtime setting HWNAS_WORKERS."""
    monkeypatch.setenv("HWNAS_WORKERS", "2")
    run_notebook("search", "notebooks/05_search_comparison.ipynb", tmp_path, overrides=SEARCH_TINY)
    snaps = [rp.snapshot([out], root=out) for out in (search_notebook, tmp_path)]
    result = rp.compare(*snaps)
    assert result["differ"] == [] and result["missing"] == []
    assert {"histories.parquet", "curves.parquet", "summary.json"} <= set(result["identical"])


def test_importing_the_package_first_pins_openblas_kernels() -> None:
    """``import nas_utils`` before numpy: OpenBLAS loads with the Haswell kernels on any x86-64 CPU with
    AVX2; a kernel chosen in the environment is kept."""
    import os
    import platform
    import subprocess
    import sys

    import pytest

    import nas_utils

    flags = open("/proc/cpuinfo").read() if os.path.exists("/proc/cpuinfo") else ""
    if platform.machine() != "x86_64" or " avx2" not in flags:
        pytest.skip("no x86-64 CPU with AVX2")
    code = ("import nas_utils, numpy, threadpoolctl; "
            "print([i.get('architecture') for i in threadpoolctl.threadpool_info() if i['internal_api'] == 'openblas'][0])")
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    pinned = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert pinned.stdout.strip() == nas_utils.BLAS_CORETYPE
    chosen = subprocess.run([sys.executable, "-c", code], env={**env, "OPENBLAS_CORETYPE": "Sandybridge"},
                            capture_output=True, text=True, check=True)
    assert chosen.stdout.strip() == "Sandybridge"
