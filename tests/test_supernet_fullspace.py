"""The full-space record beside stage ``search_supernet``: which rows count (the family's current reference set,
the stage's settings and budget), their summary against the best known front, and the report's table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.experiments import supernet_fullspace as fs
from nas_utils.experiments import supernet_records as records
from nas_utils.paths import project_root
from nas_utils.results import SearchSupernetSummary
from nas_utils.results.fullspace import SUMMARY, FullSpaceSummary
from nas_utils.search.records import settings_key
from nas_utils.sections.search_supernet import fullspace_lines, same_space_check


def _points(rng: np.random.Generator, n: int, quality: float) -> np.ndarray:
    """``n`` (accuracy, latency) points; a higher ``quality`` gives more accuracy at each latency."""
    lat = rng.uniform(0.01, 0.1, n)
    return np.column_stack([50 + 400 * quality * lat * rng.uniform(0.8, 1.0, n), lat])


def _record(cfg, family: str = "mbv3_1d", seeds: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    fixed = _points(rng, 40, 0.8)
    reference = pd.DataFrame({"supernet": family, "reference": "r1", "arch": [f"a{i}" for i in range(40)],
                              "macs": 1.0, "accuracy": fixed[:, 0], "latency": fixed[:, 1]})
    rows = [{"tactic": tactic, "supernet": family, "device": cfg.latency_device, "seed": seed,
             "budget": cfg.budget_of(family), "settings": settings_key(cfg.params_of(tactic)), "reference": "r1",
             "cpu_s": 1.0, "objectives": records.encode_objectives(_points(rng, cfg.budget_of(family), quality))}
            for tactic, quality in (("linas", 1.0), ("nsga2", 0.9)) for seed in range(seeds)]
    return pd.DataFrame(rows), reference


def test_objectives_survive_the_record() -> None:
    F = np.random.default_rng(1).uniform(0.001, 99, size=(7, 2))
    assert np.allclose(records.decode_objectives(records.encode_objectives(F)), F, rtol=1e-8)


def test_only_rows_on_the_current_reference_settings_and_budget_count() -> None:
    cfg = config.load("search_supernet")
    record, reference = _record(cfg)
    stale = pd.concat([record.iloc[:1].assign(reference="r0"), record.iloc[:1].assign(budget=7),
                       record.iloc[:1].assign(settings='{"population": 99}')])
    rows = records.fullspace_rows(pd.concat([record, stale]), reference, cfg)
    assert len(rows) == len(record)
    assert records.fullspace_rows(record, reference.iloc[:0], cfg).empty


def test_the_summary_is_against_the_best_known_front_and_reaches_the_report(tmp_path: Path) -> None:
    cfg = config.load("search_supernet")
    record, reference = _record(cfg)
    summary = fs.fullspace_summary(cfg, pd.concat([record, record.iloc[:2].assign(reference="r0")]), reference,
                                   "predicted on x")
    assert summary is not None and summary.rows == 6 and summary.left_out == 2
    assert summary.comparison.seeds_per_tactic == {"nsga2": 3, "linas": 3}
    [family] = summary.families
    assert family.fixed == 40 and family.evaluated == 6 * cfg.budget_of("mbv3_1d") and family.space_size > 1e9
    assert 0 < family.from_runs <= family.front  # the runs' better points join the fixed set's front
    [cell] = summary.comparison.cells
    assert max(t.final_hv_median for t in cell.tactics) <= 1.0
    summary.save(tmp_path / "fullspace_summary.json")
    assert FullSpaceSummary.load(tmp_path / "fullspace_summary.json") == summary
    text = "\n".join(fullspace_lines(tmp_path / "fullspace_summary.json"))
    assert "**Full spaces**" in text and fs.COMMAND in text and "| mbv3_1d | 10,460,353,203 | 40 | " in text
    assert 0 < family.spread_hv <= family.fixed_hv <= 1
    assert fullspace_lines(tmp_path / "missing.json") == []
    assert fs.fullspace_summary(cfg, record.iloc[:0], reference) is None


def test_the_machinery_check_reads_the_stages_seeds_only() -> None:
    """On a family whose stage table is its full space, ``same_space`` summarises the stage's seeds alone, so the
    check stays seed for seed however many seeds the record holds; elsewhere there is nothing to check."""
    cfg = config.load("search_supernet")
    assert not cfg.ties_of("transformer_1d") and cfg.ties_of("mbv3_1d")
    record, reference = _record(cfg, "transformer_1d", seeds=cfg.seeds + 2)
    summary = fs.fullspace_summary(cfg, record, reference)
    assert summary is not None and summary.same_space is not None
    assert summary.comparison.seeds_per_tactic == {"nsga2": cfg.seeds + 2, "linas": cfg.seeds + 2}
    assert summary.same_space.seeds_per_tactic == {"nsga2": cfg.seeds, "linas": cfg.seeds}
    assert fs.fullspace_summary(cfg, *_record(cfg, seeds=cfg.seeds + 2)).same_space is None  # type: ignore[union-attr]


def test_the_accurate_end_probe_says_what_it_would_add_to_the_front(tmp_path: Path) -> None:
    """Probe networks beyond the runs' best accuracy join the best known front in the report's sentence, with the
    HV they would add; the front itself (and every ratio) is unchanged by them, and a probe of another reference
    set (checkpoint) is left out."""
    cfg = config.load("search_supernet")
    record, reference = _record(cfg)
    corner = pd.DataFrame({"supernet": "mbv3_1d", "reference": ["r1", "r1", "r0"], "arch": ["largest", "below", "x"],
                           "macs": 9.0, "accuracy": [99.0, 40.0, 99.5], "latency": [0.05, 0.09, 0.01]})
    plain = fs.fullspace_summary(cfg, record, reference)
    summary = fs.fullspace_summary(cfg, record, reference, corner=corner)
    assert summary is not None and plain is not None and summary.comparison == plain.comparison
    [family] = summary.families
    assert (family.corner, family.corner_top, family.corner_joins) == (2, 99.0, 1) and family.corner_hv > 1
    assert plain.families[0].corner == 0 and plain.families[0].corner_hv == 1.0
    summary.save(tmp_path / "fullspace_summary.json")
    text = "\n".join(fullspace_lines(tmp_path / "fullspace_summary.json"))
    assert "mbv3_1d, 2 networks, at most 99.00 %" in text and "1 would join the front and raise its HV by" in text


def test_the_search_free_baseline_spreads_the_budget_over_macs() -> None:
    reference = pd.DataFrame({"supernet": "f", "macs": [5.0, 1.0, 3.0, 2.0, 4.0], "accuracy": [5, 1, 3, 2, 4],
                              "latency": [0.5, 0.1, 0.3, 0.2, 0.4]})
    assert fs.fixed_spread(reference, "f", 3)[:, 0].tolist() == [1, 3, 5]  # the ends and the middle, by MACs
    assert len(fs.fixed_spread(reference, "f", 99)) == 5


def test_bad_reference_size_is_one_line(capsys) -> None:
    assert fs.cli(["--reference", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --reference") and err.count("\n") == 1


def test_the_committed_summary_is_the_committed_records() -> None:
    """``fullspace_summary.json`` is what the record and its reference set give under today's settings (a change of
    the stage's thresholds, tactics or budgets makes it stale: rerun the record's command)."""
    cfg = fs.full_config()
    record, reference, corner = (pd.read_csv(project_root() / p) for p in (fs.RECORD, fs.REFERENCE, fs.CORNER))
    summary = fs.fullspace_summary(cfg, record, reference, fs.latency_text(cfg), corner)
    assert summary is not None and summary == FullSpaceSummary.load(project_root() / SUMMARY)


def test_where_the_stage_searched_the_full_space_the_record_repeats_it() -> None:
    """transformer_1d's stage table is its full space: there the record's live runs and best known front give the
    stage's numbers exactly (the committed summaries)."""
    stage = SearchSupernetSummary.load(project_root() / "reports/search_supernet/summary.json")
    full = FullSpaceSummary.load(project_root() / SUMMARY)
    check = same_space_check(full, stage)
    assert "transformer_1d's stage table is already its full space" in check and "LINAS equals the stage's" in check
    assert "mbv3_1d" not in check and "resnet_1d" not in check
