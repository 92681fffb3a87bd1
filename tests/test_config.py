"""Every class of bad parameter stops with one line naming the key and the valid values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import nas_utils.sections  # noqa: F401  (registers every section)
from nas_utils import config
from nas_utils.errors import ConfigError

BAD_SEARCH = [
    ({"budgt": 10}, "unknown key 'search.budgt'; valid keys: search.datasets"),
    ({"budget": "many"}, "search.budget must be an integer, got str"),
    ({"budget": -5}, r"search.budget=-5 is out of range; valid: \[1, 15625\]"),
    ({"budget": 20_000}, r"search.budget=20000 is out of range"),
    ({"seeds": 0}, r"search.seeds=0 is out of range"),
    ({"workers": 0}, r"search.workers=0 is out of range"),
    ({"tactics": ["linas", "hyperband"]}, "search.tactics='hyperband' is not valid; valid choices: bo, linas"),
    ({"devices": ["gold_6226", "tpu9"]}, "search.devices='tpu9' is not valid; valid choices: 1080ti_1"),
    ({"datasets": ["mnist"]}, "search.datasets='mnist' is not valid; valid choices: cifar10, cifar100, imagenet16"),
    ({"thresholds": [0.99, 1.5]}, r"search.thresholds=1.5 is out of range; valid: \[0.0, 1.0\]"),
    ({"devices": "gold_6226"}, "search.devices must be a list"),
    ({"tactics": []}, "search.tactics must not be empty"),
    ({"paper_linas_evals": 500, "budget": 300}, r"search.paper_linas_evals=500 is out of range; valid: \[1, 300\]"),
    ({"tactic_params": {"simulated_annealing": {}}}, "search.tactic_params='simulated_annealing' is not valid"),
    ({"tactic_params": {"linas": {"batch": 0}}}, r"linas.batch=0 is out of range"),
    ({"tactic_params": {"linas": {"batchsize": 5}}}, "tactic 'linas' has no parameter 'batchsize'; valid: initial, batch"),
    ({"tactic_params": {"linas": {"predictor": "lasso"}}}, "linas.predictor='lasso' is not valid; valid choices: auto"),
    ({"seeds": True}, "search.seeds must be an integer, got bool"),
]


@pytest.mark.parametrize(("values", "match"), BAD_SEARCH)
def test_bad_search_params(values: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        config.parse("search", values)
    assert "\n" not in str(info.value)


def test_bad_params_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="params file not found"):
        config.load("search", tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("search: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        config.load("search", bad)
    other = tmp_path / "other.yaml"
    other.write_text("prepare: {}\n")
    with pytest.raises(ConfigError, match="params file has no section 'search'; sections: prepare"):
        config.load("search", other)


def test_committed_params_are_valid() -> None:
    for name in config.read_params():
        if name in config.SECTIONS:
            config.load(name)


def test_stage_cli_reports_one_line_no_traceback(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "nas_utils.stage", "search", "notebooks/05_search_comparison.ipynb",
         "--out", str(tmp_path / "out"), "--set", "budget=-1"],
        capture_output=True, text=True,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == "error: search.budget=-1 is out of range; valid: [1, 15625]"
    assert not (tmp_path / "out").exists()
