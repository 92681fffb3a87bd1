"""The seed record beside stage ``search``: its rows, its summary (current settings only) and the record loop
with workers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.experiments.search_comparison import RunSpec
from nas_utils.experiments.search_records import record_agreement, seed_record_summary
from nas_utils.experiments.search_seeds import cli, drop_tactics, record_row, record_specs
from nas_utils.search.records import decode_steps, encode_steps, extend_record, settings_key


def _square(n: int) -> dict[str, int]:
    return {"n": n, "square": n * n}


def test_the_record_loop_gives_the_same_rows_with_two_workers(tmp_path) -> None:
    one = extend_record(str(tmp_path / "one.csv"), range(5), _square, lambda n: n, lambda r: int(r["n"]))
    two = extend_record(str(tmp_path / "two.csv"), range(5), _square, lambda n: n, lambda r: int(r["n"]), workers=2)
    assert one == two and pd.read_csv(tmp_path / "two.csv")["square"].tolist() == [0, 1, 4, 9, 16]


def test_specs_cover_every_tactic_on_the_test_cells_only() -> None:
    cfg = config.load("search")
    specs = record_specs(cfg, 3)
    assert len(specs) == len(cfg.tactics) * 4 * 3  # the four test cells
    assert {(s.dataset, s.device) for s in specs} == {("cifar10", "gold_6226"), ("cifar10", "pixel2"),
                                                      ("cifar10", "raspi4"), ("imagenet16", "pixel3")}
    assert all(dict(s.params) == cfg.params_of(s.tactic) for s in specs)


def test_a_row_holds_every_threshold_in_both_views_and_is_deterministic() -> None:
    spec = RunSpec("random", "cifar10", "pixel2", 0, 40, ())
    row = record_row(spec, (0.5, 0.99), (20, 40))
    assert row["settings"] == "{}" and 0 < row["final_hv"] <= 1 and row["final_hv_near"] <= row["final_hv"]
    assert {"evals@space@0.5", "evals@near_front@0.99", "igd@20", "igd@40"} <= set(row)
    assert row["evals@space@0.5"] <= 40 and row["igd@40"] <= row["igd@20"]
    again = record_row(spec, (0.5, 0.99), (20, 40))
    assert {k: v for k, v in row.items() if k != "cpu_s"} == {k: v for k, v in again.items() if k != "cpu_s"}


def test_summary_uses_current_settings_only() -> None:
    cfg = config.load("search")
    rows = []
    for tactic, base in (("linas", 100), ("weaknas", 150)):
        for seed in range(6):
            row = {"tactic": tactic, "dataset": "cifar10", "device": "pixel2", "seed": seed, "budget": cfg.budget,
                   "settings": settings_key(cfg.params_of(tactic)), "cpu_s": 1.0, "final_hv": 0.999,
                   "final_hv_near": 0.99}
            for view in ("space", "near_front"):
                for thr in cfg.thresholds:
                    row[f"evals@{view}@{thr:g}"] = np.inf if thr == 0.999 else base + seed
            row |= {f"igd@{cfg.paper_linas_evals}": 0.01, f"igd@{cfg.budget}": 0.005}
            rows.append(row)
    stale = dict(rows[0], settings='{"batch": 99}', seed=7, **{"evals@space@0.99": 1.0})
    # A row that names a default the configured settings leave out runs the same tactic: it counts (same_settings).
    from nas_utils.search.base import tactic_defaults

    key, value = next((k, v) for k, v in tactic_defaults("weaknas").items() if k not in cfg.params_of("weaknas"))
    rows[-1] = dict(rows[-1], settings=settings_key({**cfg.params_of("weaknas"), key: value}))
    summary, left_out = seed_record_summary(pd.DataFrame([*rows, stale]), cfg)
    assert left_out == 1 and summary is not None and summary.seeds_per_tactic == {"linas": 6, "weaknas": 6}
    [cell] = summary.cells
    assert cell.threshold("linas", 0.99).median == 102.5 and cell.threshold("linas", 0.999).never
    assert cell.ratio("weaknas", 0.99).ratio == 152.5 / 102.5
    assert cell.oracle_at(0.995) is not None and cell.igd_at("linas", cfg.budget).median == 0.005
    assert seed_record_summary(pd.DataFrame(), cfg) == (None, 0)


def test_hv_steps_keep_a_curve_and_hold_its_last_value() -> None:
    curve = np.array([0.25, 0.25, 0.5, 0.5, 0.5, 0.875, 0.98765432109876])
    text = encode_steps(curve)
    assert text == "1:0.25 3:0.5 6:0.875 7:0.987654321099"  # 12 significant digits
    assert np.allclose(decode_steps(text, 7), curve, rtol=0, atol=1e-12)
    assert decode_steps(text, 9)[-3:].tolist() == [0.987654321099] * 3
    assert decode_steps(encode_steps(np.full(4, 0.5)), 4).tolist() == [0.5] * 4


def test_the_record_gives_the_paper_framing_the_stage_gives_on_the_same_runs() -> None:
    from nas_utils.experiments.comparison import summarise_cell

    cfg = config.load("search")
    rng = np.random.default_rng(0)
    curves, rows = [], []
    for tactic, speed in (("linas", 1.0), ("weaknas", 0.6)):
        for seed in range(5):
            hv = np.maximum.accumulate(1 - np.exp(-speed * np.arange(1, cfg.budget + 1) / 60) * rng.uniform(0.8, 1.2))
            hv = np.round(hv, 6)  # plateaus, as a real front has
            curves.append(pd.DataFrame({"dataset": "cifar10", "device": "pixel2", "tactic": tactic, "seed": seed,
                                        "eval": np.arange(1, cfg.budget + 1), "hv": hv}))
            rows.append({"tactic": tactic, "dataset": "cifar10", "device": "pixel2", "seed": seed,
                         "budget": cfg.budget, "settings": settings_key(cfg.params_of(tactic)), "cpu_s": 1.0,
                         "final_hv": hv[-1], "final_hv_near": hv[-1], "hv_steps": encode_steps(hv),
                         **{f"evals@{v}@{t:g}": 1.0 for v in ("space", "near_front") for t in cfg.thresholds}})
    stage = summarise_cell(pd.concat(curves), cfg.thresholds, cfg.budget, cfg.paper_linas_evals)
    record, _ = seed_record_summary(pd.DataFrame(rows), cfg)
    assert record is not None and stage.match("weaknas") is not None
    assert record.cells[0].match("weaknas") == stage.match("weaknas")
    assert record.cells[0].paper_target_hv == stage.paper_target_hv
    older, _ = seed_record_summary(pd.DataFrame(rows).drop(columns="hv_steps"), cfg)  # rows from before the column
    assert older is not None and older.cells[0].match("weaknas") is None


def test_notebook_05s_framing_table_has_the_stage_and_the_record() -> None:
    from dataclasses import replace

    from nas_utils.experiments.search_comparison import paper_style_table
    from tests import summaries

    s = summaries.search()
    table = paper_style_table(s)
    assert list(table.columns.get_level_values(0).unique()) == [
        "this stage (WeakNAS 10 and LINAS 10 seeds)", "seed record (WeakNAS 10 and LINAS 10 seeds)"]
    assert table.loc["linas", ("seed record (WeakNAS 10 and LINAS 10 seeds)", "cifar10/pixel2")] == "98 [80, 120] (0.98x [0.80, 1.20])"
    assert paper_style_table(replace(s, seed_record=None, cells=[replace(c, paper_style=[]) for c in s.cells])).empty


def test_agreement_counts_the_stage_runs_the_record_shares_and_those_that_end_elsewhere() -> None:
    from nas_utils.sections.common import record_agreement_phrase

    cfg = config.load("search")
    rows = [{"tactic": t, "dataset": "cifar10", "device": "pixel2", "seed": seed, "budget": cfg.budget,
             "settings": settings_key(cfg.params_of(t)), "final_hv": 0.99 + seed / 1000}
            for t in ("linas", "bo") for seed in range(3)]
    rows.append(dict(rows[0], settings='{"batch": 99}'))  # another setting: not the stage's run
    curves = pd.DataFrame([{"tactic": t, "dataset": "cifar10", "device": "pixel2", "seed": seed, "eval": e,
                            "hv": (0.99 + seed / 1000) * e / 2 + (1e-6 if (t, seed, e) == ("bo", 1, 2) else 0.0)}
                           for t in ("linas", "bo") for seed in range(2) for e in (1, 2)])
    agreement = record_agreement(pd.DataFrame(rows), cfg, curves)
    assert agreement == {"linas": [2, 2], "bo": [1, 2]}
    assert "1 of the 4 shared runs" in record_agreement_phrase(agreement) and "bo 1 of 2" in record_agreement_phrase(agreement)
    assert "seed for seed" in record_agreement_phrase({"linas": [2, 2]})
    assert record_agreement(pd.DataFrame(), cfg, curves) == {}


def test_bad_seeds_is_one_line(capsys) -> None:
    assert cli(["--seeds", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --seeds") and err.count("\n") == 1


def test_redo_drops_only_the_named_tactics_rows(tmp_path, capsys) -> None:
    path = tmp_path / "record.csv"
    pd.DataFrame({"tactic": ["hvgain", "linas", "hvgain"], "seed": [0, 0, 1]}).to_csv(path, index=False)
    drop_tactics(path, ["hvgain"])
    assert pd.read_csv(path).to_dict("records") == [{"tactic": "linas", "seed": 0}]
    assert cli(["--redo", "hvgian", "--out", str(path)]) == 2
    err = capsys.readouterr().err
    assert "--redo='hvgian' is not valid" in err and "hvgain" in err and err.count("\n") == 1
    assert pd.read_csv(path).to_dict("records") == [{"tactic": "linas", "seed": 0}]  # nothing written


def test_a_recomputed_row_equals_the_committed_record_on_this_machine() -> None:
    """The record was written on other machines (AVX2 ones); with the BLAS kernels pinned
    (nas_utils.pin_blas_kernels) a run here gives the same bits, AVX-512 CPU or not."""
    import os

    import nas_utils
    from nas_utils.paths import project_root

    if os.environ.get("OPENBLAS_CORETYPE") != nas_utils.BLAS_CORETYPE:
        import pytest

        pytest.skip("BLAS kernels not pinned here (not Linux x86-64 with AVX2, or chosen otherwise)")
    cfg = config.load("search")
    record = pd.read_csv(project_root() / "data/preregistration/search/seed_record.csv")
    spec = RunSpec("linas", "cifar10", "gold_6226", 0, cfg.budget, tuple(sorted(cfg.params_of("linas").items())))
    old = record[(record.tactic == "linas") & (record.device == "gold_6226") & (record.seed == 0)
                 & (record.settings == settings_key(cfg.params_of("linas")))].iloc[0]
    new = record_row(spec, (0.99, 0.995), (cfg.paper_linas_evals,))
    assert new["final_hv"] == old["final_hv"] and new["evals@space@0.99"] == old["evals@space@0.99"]
    assert new["evals@space@0.995"] == old["evals@space@0.995"] and new["hv_steps"] == old["hv_steps"]


def test_post_hoc_variants_pair_each_seed_with_the_registered_setting(tmp_path) -> None:
    """A ``posthoc_*.csv`` variant is compared seed for seed with the seed record's near-limit tactic (current
    settings only; a seed the record lacks is dropped from both), and the section prints it as post hoc."""
    from nas_utils.experiments.search_records import post_hoc_variants
    from nas_utils.results.search import SearchSummary
    from nas_utils.sections.search import post_hoc_lines

    cfg = config.load("search")
    tactic = cfg.near_limit_tactic
    record = pd.DataFrame([{"tactic": tactic, "dataset": "cifar10", "device": "raspi4", "seed": seed,
                            "budget": cfg.budget, "settings": settings_key(cfg.params_of(tactic)),
                            **{f"evals@space@{t:g}": (np.inf if t == 0.999 else 60.0 + seed) for t in cfg.thresholds}}
                           for seed in range(4)])
    runs = pd.DataFrame([{"variant": "v", "cell": "cifar10/raspi4", "seed": seed, "final_hv": 0.999, "cpu_s": 1.0,
                          "distinct": 300, **{f"evals@{t}": (250.0 if t == 0.999 else 50.0 + 20 * (seed == 1))
                                               for t in (0.99, 0.995, 0.999)}}
                         for seed in range(5)])  # seed 4: not in the record
    runs.to_csv(tmp_path / "posthoc_x.csv", index=False)
    [p] = post_hoc_variants(record, cfg, folder=tmp_path)
    mine, reg, ratio = p.at(0.995)
    assert (p.cell, p.variant, p.source, mine.seeds) == ("cifar10/raspi4", "v", "posthoc_x.csv", 4)
    assert mine.median == 50.0 and reg.median == 61.5 and ratio.ratio == 50.0 / 61.5
    assert p.fewer[1] == 3 and p.more[1] == 1  # seed 1: 70 vs 61
    assert p.fewer[2] == 4 and p.more[2] == 0 and reg is not None and p.at(0.999)[1].never  # unreached = budget + 1
    assert post_hoc_variants(record.iloc[0:0], cfg, folder=tmp_path) == []
    lines = post_hoc_lines(SearchSummary(method="m", budget=cfg.budget, seeds_per_tactic={}, thresholds=list(cfg.thresholds),
                                         cells=[], near_limit_tactic=tactic, post_hoc=[p]))
    row = next(line for line in lines if line.startswith("| cifar10/raspi4 | v | 4 | 50 ["))
    assert lines[0].startswith("**Post hoc, not a verdict") and "| 3 / 1 |" in row
    assert lines[-1].startswith("Ratio intervals that exclude 1")
