from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from nas_utils.cli import main


def _hwnas(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "nas_utils.cli", *args], capture_output=True, text=True)


def test_help_lists_registries() -> None:
    out = _hwnas("--help")
    assert out.returncode == 0
    for word in ("linas", "weaknas", "bo", "gold_6226", "raspi4", "cifar100"):
        assert word in out.stdout


def test_search_writes_history(tmp_path: Path) -> None:
    target = tmp_path / "h.csv"
    assert main(["search", "--tactic", "nsga2", "--device", "pixel2", "--budget", "80", "--seed", "1", "--out", str(target)]) == 0
    history = pd.read_csv(target)
    assert len(history) == 80 and history["arch"].is_unique


def test_bad_inputs_are_one_line_errors() -> None:
    out = _hwnas("search", "--tactic", "linas", "--param", "batch=abc")
    assert out.returncode == 2 and out.stderr.strip() == "error: linas.batch must be an integer, got str 'abc'"
    out = _hwnas("search", "--tactic", "hyperband")
    assert out.returncode == 2 and "invalid choice: 'hyperband'" in out.stderr and "Traceback" not in out.stderr
    out = _hwnas("profile", "huge")
    assert out.returncode == 2 and out.stderr.startswith("error: unknown profile 'huge'; valid choices: paper")
