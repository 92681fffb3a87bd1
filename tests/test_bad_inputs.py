"""The last bad inputs of issue 14: one line naming the value and the valid choices, exit status 2
(130 for Ctrl-C), no traceback, nothing written."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nas_utils.cli import meta_path
from nas_utils.paths import processed_dir, project_root

NOTEBOOK = "notebooks/05_search_comparison.ipynb"


def _run(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=300)


def _one_line_error(out: subprocess.CompletedProcess[str], *fragments: str) -> None:
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2, out.stderr
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--seed", "-1"], ["--seed=-1", "valid: integer >= 0"]),
        (["--param", "batch=[1,"], ["bad override 'batch=[1,'", "not valid YAML", "valid: key=VALUE"]),
        (["--param", "batch={a"], ["bad override 'batch={a'", "not valid YAML"]),
        (["--budget", "0"], ["--budget=0", "valid: integer >= 1"]),
        (["--budget", "20000"], ["--budget=20000", "valid: [1, 15625]"]),
    ],
    ids=["negative-seed", "param-yaml-list", "param-yaml-map", "zero-budget", "budget-over-space"],
)
def test_search_arguments(tmp_path: Path, args: list[str], fragments: list[str]) -> None:
    out = _run(["-m", "nas_utils.cli", "search", "--tactic", "linas", *args, "--out", str(tmp_path / "h.csv")])
    _one_line_error(out, *fragments)
    assert _files(tmp_path) == []


def test_stage_set_malformed_yaml(tmp_path: Path) -> None:
    out = _run(["-m", "nas_utils.stage", "search", NOTEBOOK, "--out", str(tmp_path / "s"), "--set", "budget=[1,"],
               cwd=project_root())
    _one_line_error(out, "bad override 'budget=[1,'", "not valid YAML", "valid: key=VALUE")
    assert _files(tmp_path) == []


def _out_is_directory(tmp_path: Path) -> Path:
    (tmp_path / "d.csv").mkdir()
    return tmp_path / "d.csv"


def _out_under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "f").write_text("x")
    return tmp_path / "f" / "h.csv"


def _out_in_read_only_dir(tmp_path: Path) -> Path:
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    return tmp_path / "ro" / "h.csv"


@pytest.mark.parametrize(
    ("make", "fragments"),
    [
        (_out_is_directory, ["is a directory", "valid: a file path ending in .csv, .json, .parquet"]),
        (_out_under_a_file, ["is not writable", "is a file, not a directory"]),
        (lambda tmp: tmp / "h.txt", ["unknown format '.txt'", "valid: .csv, .json, .parquet"]),
        pytest.param(_out_in_read_only_dir, ["is not writable", "cannot create files"],
                     marks=pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")),
    ],
    ids=["directory", "under-a-file", "unknown-format", "read-only"],
)
def test_out_checked_before_the_search(tmp_path: Path, make: object, fragments: list[str]) -> None:
    out_path = make(tmp_path)  # type: ignore[operator]
    before = _files(tmp_path)
    # weaknas at budget 15000 would run for minutes: the check must come first
    out = _run(["-m", "nas_utils.cli", "search", "--tactic", "weaknas", "--budget", "15000", "--out", str(out_path)])
    _one_line_error(out, *fragments)
    assert _files(tmp_path) == before


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_damaged_processed_table(tmp_path: Path, damage: str) -> None:
    root = tmp_path / "root"
    (root / "data" / "processed").mkdir(parents=True)
    shutil.copy(project_root() / "params.yaml", root / "params.yaml")
    good = (processed_dir() / "nb201_archs.parquet").read_bytes()
    bad = good[: len(good) // 2] if damage == "truncated" else b"PAR1" + bytes(range(256)) * 8
    (root / "data" / "processed" / "nb201_archs.parquet").write_bytes(bad)
    before = _files(tmp_path)
    out = _run(["-m", "nas_utils.cli", "search", "--tactic", "random", "--budget", "10", "--out", str(tmp_path / "h.csv")],
               env={"HWNAS_ROOT": str(root)})
    _one_line_error(out, "nb201_archs.parquet is truncated or corrupt", "run `dvc repro prepare`")
    assert _files(tmp_path) == before


def _interrupt(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Start a long search, send SIGINT once it is searching, return its result."""
    target = tmp_path / "h.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "nas_utils.cli", "search", "--tactic", "linas", "--budget", "2000",
         "--out", str(target), *extra],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        # A shell without job control starts background jobs with SIGINT ignored, and the child
        # would inherit that (Python then installs no KeyboardInterrupt handler): give it the
        # default disposition a terminal's foreground job has.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()  # "<tactic> on <benchmark>: budget ..., seed ... ..." just before the search
    assert "budget 2000" in first, first
    try:
        # let it import torch, evaluate the initial sample and fit a predictor or two (1.5 s was not always
        # enough on a loaded 2-core machine; a 2,000-evaluation LINAS run takes minutes)
        proc.wait(timeout=4.0)
    except subprocess.TimeoutExpired:
        pass
    proc.send_signal(signal.SIGINT)
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()  # a search left running would slow every later test
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), target


def test_ctrl_c_writes_nothing(tmp_path: Path) -> None:
    out, target = _interrupt(tmp_path, "--quiet")
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 130 and len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith("interrupted: linas stopped by Ctrl-C after ") and "nothing written" in lines[0]
    assert _files(tmp_path) == []


def test_ctrl_c_keep_partial(tmp_path: Path) -> None:
    out, target = _interrupt(tmp_path, "--keep-partial", "--quiet")
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 130 and len(lines) == 1 and f"partial history -> {target}" in lines[0], out.stderr
    history = pd.read_csv(target)
    meta = json.loads(meta_path(target).read_text())
    assert 0 < len(history) < 2000 and history["eval"].tolist() == list(range(1, len(history) + 1))
    assert meta["complete"] is False and meta["budget"] == 2000
    assert _files(tmp_path) == sorted([target.name, meta_path(target).name])  # no temporary files left


def test_ctrl_c_with_progress_bar_ends_on_its_own_line(tmp_path: Path) -> None:
    """With the progress bar on, the bar is cleared and the message is a line of its own."""
    out, _ = _interrupt(tmp_path)
    last = out.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert out.returncode == 130 and last.startswith("interrupted: linas stopped by Ctrl-C after "), out.stderr


# Every `python -m nas_utils...` research script (records, checks, tuning): a bad argument is one line naming
# the value and the valid choices, exit status 2, no traceback, nothing written. In-process (no subprocess).
SCRIPTS = [
    ("nas_utils.search.tuning", ["hvgain", "--only", "zzz"], ["--only='zzz' selects no variant", "valid labels:"]),
    ("nas_utils.search.tuning", ["hvgain", "--seeds", "0"], ["--seeds=0", "valid: [1, inf]"]),
    ("nas_utils.search.tuning", ["nogrid"], ["invalid choice: 'nogrid'", "'hvgain'"]),
    ("nas_utils.transfer.dead_op_check", ["--trials", "1"], ["--trials=1 is out of range", "valid: an integer >= 2"]),
    ("nas_utils.search.tuning", ["hvgain", "--cells", "test"], ["--cells=test tunes on the test cells",
                                                               "valid: --cells dev, or --cells test --post-hoc"]),
    ("nas_utils.search.faithful_check", ["--devices", "foo"], ["--devices='foo'", "gold_6226"]),
    ("nas_utils.search.faithful_check", ["--variants", "x"], ["--variants='x'", "faithful"]),
    ("nas_utils.search.prior_track", ["--prior", "nope"], ["--prior='nope'", "transfer"]),
    ("nas_utils.experiments.search_seeds", ["--seeds", "0"], ["--seeds=0"]),
    ("nas_utils.experiments.supernet_variants", ["linas", "--checkpoints", "zz"], ["--checkpoints='zz'", "dev, test"]),
    ("nas_utils.latency.rounds_check", ["--repeats", "0"], ["--repeats=0"]),
    ("nas_utils.supernets.time_to_quality", ["--family", "nope", "--out", "{tmp}/ttq"], ["--family='nope'", "mbv3_1d"]),
    ("nas_utils.supernets.time_to_quality", ["--family", "mbv3_1d", "--out", "{tmp}/ttq", "--settings", "{bad"],
     ["not valid JSON", "n_early"]),
    ("nas_utils.supernets.time_to_quality", ["--family", "mbv3_1d", "--out", "{tmp}/ttq", "--settings", '{"epochs": 3}'],
     ["'epochs' is not valid", "n_early"]),
    ("nas_utils.transfer.help_budget", ["--trials", "0", "--out", "{tmp}/h.csv"], ["--trials=0"]),
    ("nas_utils.transfer.help_budget", ["--scales", "pool,log", "--out", "{tmp}/h.csv"], ["--scales='log'", "pool, measured"]),
    ("nas_utils.transfer.loop_settings", ["--seeds", "0", "--out", "{tmp}/l.csv"], ["--seeds=0"]),
    ("nas_utils.experiments.help_record", ["--out", "{tmp}/h.csv", "--bogus"], ["unrecognized arguments: --bogus"]),
    ("nas_utils.stage", ["search", NOTEBOOK], ["required: --out"]),
    ("nas_utils.report_check", ["--bogus"], ["unrecognized arguments: --bogus"]),
    ("nas_utils.reproducibility", ["frob"], ["invalid choice: 'frob'", "'snapshot'"]),
    ("nas_utils.cpu_speed", ["--readings", "0"], ["--readings=0 is out of range", "valid: an integer >= 1"]),
    ("nas_utils.cpu_speed", ["--readings", "2", "--every", "-1"], ["--every=-1.0", "valid: seconds >= 0"]),
    ("nas_utils.experiments.cpu_speed_check", ["--minutes", "-1", "--out", "{tmp}/c.csv"], ["--minutes=-1.0", "valid: [0.0, inf]"]),
]


@pytest.mark.parametrize(("module", "argv", "fragments"), SCRIPTS,
                         ids=[f"{m.rsplit('.', 1)[1]}-{'-'.join(a)[:30]}" for m, a, _ in SCRIPTS])
def test_research_scripts_reject_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str], module: str,
                                               argv: list[str], fragments: list[str]) -> None:
    import importlib

    from nas_utils.scripts import script_cli

    mod = importlib.import_module(module)
    entry = getattr(mod, "cli", None) or script_cli(mod.main)
    try:
        status = entry([a.replace("{tmp}", str(tmp_path)) for a in argv])
    except SystemExit as exc:  # a usage error from the parser
        status = exc.code
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert status == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert _files(tmp_path) == []
