"""Profiles keep params.yaml's comments and have a way back; DVC's own `exp run -S` works too."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.profiles import apply

ROOT = Path(__file__).resolve().parents[1]


def _project(tmp_path: Path) -> Path:
    (tmp_path / "profiles").mkdir()
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    shutil.copy(ROOT / "profiles" / "paper.yaml", tmp_path / "profiles" / "paper.yaml")
    return tmp_path


def _comments(text: str) -> list[str]:
    return [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]


def test_paper_round_trip_keeps_every_comment_and_restores_the_file(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = (root / "params.yaml").read_text()
    apply("paper", root)
    paper = (root / "params.yaml").read_text()
    assert _comments(paper) == _comments(before), "a comment line was lost or changed"
    merged = yaml.safe_load(paper)
    assert merged["search"]["budget"] == 1000 and merged["search"]["tactic_params"]["linas"]["inner_evals"] == 20000
    for name in config.all_schemas():  # the merged file is a valid params file
        config.load(name, root / "params.yaml")
    with pytest.raises(ConfigError, match="a profile is applied already"):
        apply("paper", root)
    apply("default", root)
    assert (root / "params.yaml").read_text() == before
    assert not (root / "profiles" / ".undo.yaml").exists()
    assert "already holds the default" in apply("default", root)


def test_unknown_profile_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown profile 'huge'; valid choices: paper, default"):
        apply("huge", _project(tmp_path))


# --- DVC entry points from the venv alone ----------------------------------------------------

VENV_BIN = Path(sys.executable).parent
BARE_PATH = "/usr/bin:/bin"  # no venv on PATH: what `.venv/bin/dvc exp run` sees without `make`


def _venv_project(tmp_path: Path) -> Path:
    """A tiny DVC project with the launcher and a `.venv` link to this interpreter's venv."""
    shutil.copytree(ROOT / "tools", tmp_path / "tools")
    shutil.copy(ROOT / "params.yaml", tmp_path / "params.yaml")
    (tmp_path / ".venv").symlink_to(VENV_BIN.parent)
    return tmp_path


def test_launcher_picks_the_project_venv(tmp_path: Path) -> None:
    root = _venv_project(tmp_path)
    env = {"PATH": BARE_PATH, "HOME": str(tmp_path)}
    out = subprocess.run([str(root / "tools" / "py"), "-c", "import sys, pandas; print(sys.prefix)"],
                         capture_output=True, text=True, env=env, cwd=root, check=True)
    assert Path(out.stdout.strip()).resolve() == VENV_BIN.parent.resolve()


@pytest.mark.slow
def test_dvc_exp_run_set_param_from_the_venv_alone(tmp_path: Path) -> None:
    """`.venv/bin/dvc exp run -S search.budget=200` with no venv on PATH: the stage runs the venv's
    Python (it imports yaml), the experiment records the new value, params.yaml keeps its comments."""
    root = _venv_project(tmp_path)
    (root / "probe.py").write_text("import json, yaml\np = yaml.safe_load(open('params.yaml'))\n"
                                   "json.dump({'budget': p['search']['budget']}, open('headline.json', 'w'))\n")
    (root / "dvc.yaml").write_text(
        "stages:\n  probe:\n"
        "    cmd: tools/py probe.py\n"
        "    deps: [probe.py]\n"
        "    params: [search.budget]\n"
        "    metrics:\n      - headline.json:\n          cache: false\n")
    env = {"PATH": BARE_PATH, "HOME": str(tmp_path), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t", "DVC_NO_ANALYTICS": "1"}
    dvc = str(root / ".venv" / "bin" / "dvc")

    def run(*cmd: str) -> str:
        return subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=True).stdout

    run("git", "init", "-q")
    run(dvc, "init", "-q")
    run("git", "add", "-A")
    run("git", "commit", "-qm", "init")
    before = (root / "params.yaml").read_text()
    run(dvc, "exp", "run", "-S", "search.budget=200")
    assert json.loads((root / "headline.json").read_text()) == {"budget": 200}
    after = (root / "params.yaml").read_text()
    assert _comments(after) == _comments(before) and yaml.safe_load(after)["search"]["budget"] == 200
    shown = json.loads(run(dvc, "exp", "show", "--json"))
    assert "200" in json.dumps(shown)
