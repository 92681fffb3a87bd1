"""Stage ``search`` (issue 11): explicit test cells, the run grid on every backend, the tuning record."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nas_utils import config
from nas_utils.experiments import search_comparison as sc
from nas_utils.experiments import search_records
from nas_utils.search import tuning
from nas_utils.search.base import same_settings

ROOT = Path(__file__).resolve().parents[1]

#: Two cells, two cheap tactics, two seeds: the whole grid in a few seconds.
TINY = {"cells": ["cifar10/pixel2", "imagenet16/pixel3"], "tactics": ["random", "nsga2"], "seeds": 2,
        "tactic_seeds": {"nsga2": 1}, "budget": 30, "paper_linas_evals": 20, "timing_budget": 0, "timing_seeds": 0,
        "tactic_params": {}}


def test_default_cells_are_the_preregistered_test_cells() -> None:
    cfg = config.load("search")
    assert cfg.cell_pairs() == list(tuning.TEST_CELLS)
    assert not set(cfg.cell_pairs()) & set(tuning.DEV_CELLS)


def test_paper_profile_runs_ten_seeds_of_every_tactic(tmp_path: Path) -> None:
    from nas_utils.profiles import apply

    (tmp_path / "profiles").mkdir()
    for name in ("params.yaml", "profiles/paper.yaml"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    apply("paper", tmp_path)
    cfg = config.load("search", tmp_path / "params.yaml")
    assert {t: cfg.seeds_of(t) for t in cfg.tactics} == {t: 10 for t in cfg.tactics}
    assert cfg.cells == config.load("search").cells


def test_bad_cell_from_the_stage_command_is_one_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "nas_utils.stage", "search", "notebooks/05_search_comparison.ipynb",
         "--out", str(tmp_path / "out"), "--set", 'cells=["cifar10/gold_6226", "cifar10/tpu9"]'],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().startswith("error: search.cells='cifar10/tpu9' is not valid: device 'tpu9'; valid choices:")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # starts two worker processes
def test_grid_is_identical_on_serial_and_process_backends() -> None:
    cfg = config.load("search", **TINY)
    serial = sc.run_grid(cfg, backend="serial", workers=1)
    process = sc.run_grid(cfg, backend="process", workers=2)
    drop = ["run_time_s", "run_cpu_s"]
    pd.testing.assert_frame_equal(serial[0].drop(columns=drop), process[0].drop(columns=drop))
    pd.testing.assert_frame_equal(serial[1], process[1])
    histories, curves = serial
    assert list(dict.fromkeys(zip(histories["dataset"], histories["device"]))) == cfg.cell_pairs()  # configured order
    assert {"hv", "hv_near", "igd"} <= set(curves.columns) and len(curves) == len(histories)
    assert (curves["hv_near"] <= curves["hv"] + 1e-12).all()  # the near-front view is the stricter one


def _tuning_csv(path: Path, variant: str, cells: list[str]) -> None:
    rows = [{"variant": variant, "cell": c, "seed": s, "final_hv": 0.99, "cpu_s": 1.0 + s, "distinct": 300,
             "evals@0.99": 50.0 + s, "evals@0.995": np.inf, "evals@0.999": np.inf} for c in cells for s in range(2)]
    pd.DataFrame(rows).to_csv(path, index=False)


def test_tuning_record_is_read_from_whatever_files_exist(tmp_path: Path) -> None:
    label = next(iter(tuning.BO_VARIANTS))  # a variant of a known grid: its settings are shown
    _tuning_csv(tmp_path / "tuning_bo.csv", label, [f"{d}/{v}" for d, v in tuning.DEV_CELLS])
    _tuning_csv(tmp_path / "tuning_linas_faithful_grid.csv", "faithful, 20 inner", ["cifar10/pixel2"])
    runs = search_records.load_tuning(tmp_path)
    assert set(runs["tactic"]) == {"bo", "linas_faithful"} and set(runs["source"]) == {"tuning_bo.csv",
                                                                                       "tuning_linas_faithful_grid.csv"}
    rows = search_records.tuning_variants(runs, config.load("search"))
    bo = [r for r in rows if r.tactic == "bo"]
    assert len(bo) == len(tuning.DEV_CELLS) and all(r.dev_cell and r.seeds == 2 for r in bo)
    assert bo[0].settings and bo[0].evals[0].median == 50.5 and bo[0].evals[1].median == np.inf
    (test_row,) = [r for r in rows if r.tactic == "linas_faithful"]
    assert not test_row.dev_cell and test_row.chosen is None  # a test cell: flagged in the report
    assert search_records.load_tuning(tmp_path / "empty").empty


def test_malformed_tuning_record_is_one_line(tmp_path: Path) -> None:
    from nas_utils.errors import HwnasError

    pd.DataFrame({"variant": ["a"], "cell": ["cifar100/1080ti_1"]}).to_csv(tmp_path / "tuning_bo.csv", index=False)
    with pytest.raises(HwnasError, match=r"tuning_bo.csv: not a tuning record \(missing columns cpu_s"):
        search_records.load_tuning(tmp_path)


def test_committed_tuning_records_never_touch_a_test_cell() -> None:
    runs = search_records.load_tuning()
    dev = {f"{d}/{v}" for d, v in tuning.DEV_CELLS}
    assert set(runs.get("cell", pd.Series(dtype=str))) <= dev


def test_summary_round_trip_with_views_igd_tuning_and_faithful_check(tmp_path: Path) -> None:
    from nas_utils.results import SearchSummary
    from nas_utils.sections.search import search_section

    cfg = config.load("search", **{**TINY, "tactics": ["random", "linas_faithful", "linas"],
                                   "tactic_params": {"linas": {"initial": 10, "batch": 10, "inner_evals": 200,
                                                               "inner_population": 10},
                                                     "linas_faithful": {"population": 10, "inner_evals": 100,
                                                                        "predictor": "ridge"}},
                                   "cells": ["cifar10/pixel2"], "thresholds": [0.9, 0.99]})
    histories, curves = sc.run_grid(cfg, backend="serial", workers=1)
    _tuning_csv(tmp_path / "tuning_bo.csv", next(iter(tuning.BO_VARIANTS)), ["cifar100/1080ti_1"])
    summary = sc.summarise(sc.SearchRun(histories, curves, None, search_records.load_tuning(tmp_path)), cfg)
    summary.save(tmp_path / "summary.json")
    assert SearchSummary.load(tmp_path / "summary.json") == summary
    (cell,) = summary.cells
    assert cell.views() == ["space", "near_front"] and set(cell.near_front_ref) == {"accuracy", "latency"}
    assert cell.threshold("random", 0.9, "near_front") is not None and cell.ratio("random", 0.9, view="near_front")
    assert {r.evals for r in cell.igd} == {20, 30} and all(r.median >= 0 for r in cell.igd)
    assert [f.cell for f in summary.faithful] == [f"cifar10/{d}" for d in tuning.DYNAST_EVALS_TO_099]
    assert summary.faithful[0].ours is None and summary.faithful[1].ours == cell.threshold("linas_faithful", 0.99)
    assert summary.tuning and summary.tuning[0].dev_cell and summary.grid_cpu_s.keys() == {"random", "linas_faithful",
                                                                                          "linas"}
    text = "\n".join(search_section(summary, tmp_path))
    assert "near-front reference point" in text and "IGD+" in text and "development cells only" in text
    assert "DyNAS-T 77" in text and "tuning_bo.csv" in text


def test_report_flags_tuning_on_a_test_cell_and_reporting_on_a_dev_cell() -> None:
    from dataclasses import replace

    from nas_utils.sections.search import cells_sentence, tuning_sentence
    from tests import summaries

    s = summaries.search()
    bad = replace(s, tuning=[replace(s.tuning[0], cell="cifar10/pixel2", dev_cell=False)],
                  cells=[summaries.search_cell("cifar100", "1080ti_1")])
    assert "**cifar10/pixel2 is not a development cell.**" in tuning_sentence(bad)[0]
    assert "Warning: cifar100/1080ti_1 is a development cell" in cells_sentence(bad)[0]
    assert "no record touches a test cell" in tuning_sentence(s)[0]


def test_only_the_variant_the_stage_runs_is_marked_chosen() -> None:
    """A variant is chosen when it and params.yaml agree on every key either names, gaps taking the tactic's
    defaults: a variant that leaves out a setting the stage changed (fit_maxiter) is not the one it runs."""
    bo = config.load("search").params_of("bo")
    capped = tuning.BO_VARIANTS["bo mixed, refit every 3rd round, pool 2000, fits capped at 50"][1]
    uncapped = tuning.BO_VARIANTS["bo mixed, refit every 3rd round, pool 2000"][1]
    assert same_settings("bo", capped, bo) is True
    assert same_settings("bo", uncapped, bo) is False
    assert same_settings("bo", {**capped, "n_init": 10}, bo) is True  # naming a default changes nothing
    unset = {k: v for k, v in capped.items() if k != "fit_maxiter"}
    assert same_settings("bo", unset, {**bo, "fit_maxiter": None}) is True  # null (paper profile) = BO's default
    assert same_settings("bo", {"no_such_key": 1}, bo) is None  # a key without a default: unknown
