"""Typed stage summaries: exact JSON round trip, and stale files detected with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests import summaries

from nas_utils.results import SearchSummary, StaleSummaryError


@pytest.mark.parametrize("name", sorted(summaries.ALL))
def test_round_trip_is_exact(name: str, tmp_path: Path) -> None:
    s = summaries.ALL[name]()
    assert type(s).from_json(s.to_json()) == s
    s.save(tmp_path / "summary.json")
    assert type(s).load(tmp_path / "summary.json") == s
    json.loads((tmp_path / "summary.json").read_text())  # strict JSON: no NaN/Infinity tokens


def test_thresholds_are_values_not_keys() -> None:
    data = summaries.search().to_json()
    keys = json.dumps(data)
    assert "evals_0.99" not in keys and "@0.99" not in keys
    assert {r["threshold"] for r in data["cells"][0]["thresholds"]} == {0.99, 0.995}


def test_lookups_by_value() -> None:
    cell = summaries.search().cells[0]
    assert cell.threshold("weaknas", 0.99).never
    assert cell.ratio("weaknas", 0.995).bound == "lower"
    assert cell.ratio("weaknas", 0.5) is None


def test_old_format_file_is_stale_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps({"cells": {"cifar10/pixel2": {"tactics": {}}}, "budget": 300}))
    with pytest.raises(StaleSummaryError, match=r"older version of stage 'search'.*rerun `dvc repro search`") as exc:
        SearchSummary.load(path, stage="search")
    assert "\n" not in str(exc.value)


def test_wrong_field_type_is_stale(tmp_path: Path) -> None:
    data = summaries.search().to_json()
    data["budget"] = "many"
    (tmp_path / "s.json").write_text(json.dumps(data))
    with pytest.raises(StaleSummaryError, match="does not match SearchSummary"):
        SearchSummary.load(tmp_path / "s.json")


def test_results_import_neither_torch_nor_pandas() -> None:
    import subprocess
    import sys

    code = "import sys, nas_utils.results; print('torch' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
