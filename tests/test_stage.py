"""The stage runner: a failing notebook leaves no declared output behind; the report builds."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nas_utils.errors import HwnasError
from nas_utils.stage import run_notebook


def _notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("budget: int = 300  # real evaluations\nout_dir: str = 'x'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_failing_notebook_leaves_no_output(tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "boom.ipynb", "raise RuntimeError('disk on fire')")
    out = tmp_path / "out"
    with pytest.raises(HwnasError, match="boom.ipynb failed in cell .*RuntimeError: disk on fire"):
        run_notebook("search", nb, out)
    assert sorted(p.name for p in out.iterdir()) == ["boom.failed.ipynb"]


def test_report_builds_without_any_stage_output(tmp_path: Path) -> None:
    from nas_utils.report import build

    text = build(tmp_path)
    assert "search: not run" in text and "How this was produced" in text


@pytest.mark.slow
def test_killed_stage_leaves_no_output_and_rerun_completes(tmp_path: Path) -> None:
    """SIGKILL mid-way: nothing declared is left for a later stage; the rerun publishes it all."""
    import os
    import signal
    import subprocess
    import sys
    import time

    body = ("import json, os, time, pathlib\n"
            "pathlib.Path(out_dir, 'summary.json').write_text(json.dumps({'budget': budget}))\n"
            "time.sleep(float(os.environ.get('HWNAS_TEST_SLEEP', '0')))")
    nb = _notebook(tmp_path / "slow.ipynb", body)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "nas_utils.stage", "search", str(nb), "--out", str(out)]
    proc = subprocess.Popen(cmd, env={**os.environ, "HWNAS_TEST_SLEEP": "120"}, start_new_session=True)
    try:
        deadline = time.time() + 120
        while not (out / ".staging" / "summary.json").exists():
            assert time.time() < deadline and proc.poll() is None, "stage never started writing"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert not (out / "summary.json").exists() and not (out / "slow.ipynb").exists()
    subprocess.run(cmd, check=True, env={**os.environ, "HWNAS_TEST_SLEEP": "0"})
    assert sorted(p.name for p in out.iterdir()) == ["run_info.json", "slow.html", "slow.ipynb", "summary.json"]


@pytest.mark.slow
def test_progress_streams_to_stderr_not_into_the_notebook(tmp_path: Path) -> None:
    """`dvc repro` shows the notebook's bars (run i of n) on stderr; the executed notebook has none."""
    import subprocess
    import sys

    body = "from nas_utils.progress import bar\nfor _ in bar(range(3), desc='tiny runs'):\n    pass"
    nb = _notebook(tmp_path / "bars.ipynb", body)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "nas_utils.stage", "search", str(nb), "--out", str(out)],
                          capture_output=True, text=True, check=True)
    assert "tiny runs" in done.stderr and "3/3" in done.stderr
    outputs = [o for cell in nbformat.read(out / "bars.ipynb", as_version=4).cells for o in cell.get("outputs", [])]
    assert "tiny runs" not in str(outputs)


@pytest.mark.slow
def test_run_info_records_cpu_seconds_and_the_machine_speed(tmp_path: Path) -> None:
    """The notebook's CPU seconds count its worker processes; the speed probe runs before and after."""
    import json

    body = ("import time\nfrom concurrent.futures import ProcessPoolExecutor\n"
            "def burn(s):\n    end = time.process_time() + s\n    while time.process_time() < end:\n        pass\n"
            "with ProcessPoolExecutor(1) as pool:\n    pool.submit(burn, 1.0).result()\n")
    nb = _notebook(tmp_path / "burn.ipynb", body)
    out = tmp_path / "out"
    run_notebook("search", nb, out)
    info = json.loads((out / "run_info.json").read_text())
    assert info["cpu_time_s"] >= 1.0 and (info["steal_s"] is None or info["steal_s"] >= 0)
    for reading in info["cpu_speed"].values():
        assert reading["index"] > 0 and set(reading["times_s"]) == {"python", "blas", "torch"}
