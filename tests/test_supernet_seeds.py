"""The seed record beside stage ``search_supernet``: which rows count (the stage's table, settings and budget),
their summary (the stage's own machinery on the decoded curves), and the report's use of it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from nas_utils import config, report
from nas_utils.experiments import comparison as cmp
from nas_utils.experiments.search_supernet import table_fingerprint
from nas_utils.experiments.supernet_records import current_rows, record_summary
from nas_utils.experiments.supernet_seeds import cli
from nas_utils.search.records import encode_steps, final_hv_agreement, settings_key
from tests import summaries


def _record(cfg, family: str = "mbv3_1d", table: str = "t1", seeds: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Record rows and the same runs as a stage's curves: LINAS fast, WeakNAS slower."""
    rng = np.random.default_rng(0)
    budget = cfg.budget_of(family)
    rows, curves = [], []
    for tactic, speed in (("linas", 1.0), ("weaknas", 0.5)):
        for seed in range(seeds):
            hv = np.round(np.maximum.accumulate(1 - np.exp(-speed * np.arange(1, budget + 1) / 40)
                                                * rng.uniform(0.8, 1.2)), 6)
            rows.append({"tactic": tactic, "supernet": family, "device": cfg.latency_device, "seed": seed,
                         "budget": budget, "settings": settings_key(cfg.params_of(tactic)), "table": table,
                         "cpu_s": 1.0, "final_hv": hv[-1], "hv_steps": encode_steps(hv)})
            curves.append(pd.DataFrame({"dataset": family, "device": cfg.latency_device, "tactic": tactic,
                                        "seed": seed, "eval": np.arange(1, budget + 1), "hv": hv}))
    return pd.DataFrame(rows), pd.concat(curves, ignore_index=True)


def test_only_rows_on_the_stages_table_settings_and_budget_count() -> None:
    cfg = config.load("search_supernet")
    record, _ = _record(cfg)
    other_table = record.iloc[:2].assign(table="t0")
    other_settings = record.iloc[:1].assign(settings='{"batch": 99}', seed=9)
    rows, stale = current_rows(pd.concat([record, other_table, other_settings]), cfg, {"mbv3_1d": "t1"})
    assert len(rows) == len(record) and stale == 3 and "dataset" in rows and "supernet" not in rows
    assert current_rows(record, cfg, {"resnet_1d": "t1"})[0].empty  # a family the stage did not search
    none, left_out = current_rows(pd.DataFrame(), cfg, {})
    assert none.empty and left_out == 0


def test_the_record_is_summarised_as_the_stage_summarises_the_same_runs() -> None:
    cfg = config.load("search_supernet")
    record, curves = _record(cfg)
    rows, _ = current_rows(record, cfg, {"mbv3_1d": "t1"})
    summary = record_summary(rows, cfg)
    [stage], seeds = cmp.summarise_cells(curves, cfg.thresholds, cfg.budget_of("mbv3_1d"), cfg.paper_linas_evals)
    assert summary is not None and summary.seeds_per_tactic == seeds == {"linas": 5, "weaknas": 5}
    [cell] = summary.cells
    assert cell.ratios == stage.ratios and cell.thresholds == stage.thresholds and cell.paper_style == stage.paper_style
    assert final_hv_agreement(rows, curves) == {"linas": [5, 5], "weaknas": [5, 5]}
    assert final_hv_agreement(rows, curves.assign(hv=curves["hv"] + 1e-9))["linas"] == [0, 5]
    assert record_summary(rows.iloc[:0], cfg) is None


def test_a_table_keeps_its_fingerprint_through_last_bit_noise_only() -> None:
    F = np.random.default_rng(0).uniform(0.01, 90, size=(50, 2))
    assert table_fingerprint(F) == table_fingerprint(F * (1 + 1e-14))
    assert table_fingerprint(F) != table_fingerprint(F * (1 + np.eye(50, 2) * 1e-4))  # one value, 0.01 %


def test_the_report_reads_the_record_for_the_super_network_verdicts(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    for key, make in summaries.ALL.items():
        make().save(root / key / "summary.json")
    base = summaries.search_supernet()
    record = replace(base, method="every tactic ..., `data/preregistration/search_supernet/seed_record.csv`",
                     seeds_per_tactic={"linas": 20, "nsga2": 20})
    s = replace(base, seed_record=record, seed_record_stale=2, seed_record_agreement={"linas": [5, 5]})
    s.save(root / "search_supernet" / "summary.json")
    text = report.build(root)
    glance = text.split("## At a glance", 1)[1].split("## 1.", 1)[0]
    assert "our super-networks, 20-seed record, WeakNAS/LINAS" in glance
    section = text.split("## 5.", 1)[1]
    assert "**Every tactic with more seeds** (linas 20, nsga2 20;" in section and "2 rows of the record" in section
    assert "all 5 shared runs end at the same HV" in section and "supernet_seeds --seeds 20" in section
    head = report.headline(report.load_summaries(root))
    assert any(k.startswith("search_supernet_seeds.mbv3_1d.") for k in head)


def test_bad_seeds_is_one_line(capsys) -> None:
    assert cli(["--seeds", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --seeds") and err.count("\n") == 1
