"""The SparseNAS seed record (issue 13 §1): rows matched by settings, clock-free agreement with the stage's seeds,
summarised like the stage's seeds, and read by the report's verdict only where it holds more seeds and agrees."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from nas_utils.experiments import sparsenas_records as records
from nas_utils.experiments.supernet_training import family_statistics
from nas_utils.results.supernet import SeedRecord
from nas_utils.sections.sparsenas import record_lines, verdict_families
from tests import summaries


def seed_rows(family: str, seeds: int, t_sparse: float = 10.0) -> pd.DataFrame:
    """Per-seed rows with the stage's columns (``SeedResult.row``); seed s takes 40 + s s of full training."""
    s = np.arange(seeds)
    return pd.DataFrame({"family": family, "seed": s, "speedup": (40.0 + s) / t_sparse, "reached": np.isfinite(t_sparse),
                         "ceiling": 4.0, "grid_max": 3.5, "t_full_s": 40.0 + s, "t_sparse_s": t_sparse, "t_sparse_max_s": 12.0,
                         "target_quality": 0.8 + 0.01 * s, "early_spearman_oof": 0.6, "early_vs_final_spearman": 0.5,
                         "kept": 200, "scored": 2000, "warmup_s": 5.0, "early_measurement_s": 4.0, "filtering_s": 1.0})


def test_family_statistics_takes_the_ratio_of_medians_and_bounds_it_when_a_seed_never_reached():
    f = family_statistics(seed_rows("mbv3_1d", 5), "mbv3_1d")
    assert f.seeds == 5 and f.sparse_reached == 5 and f.speedup_bound == "exact"
    assert f.speedup == pytest.approx(42.0 / 10.0) and f.speedup_low <= f.speedup <= f.speedup_high
    assert f.overhead_s == pytest.approx(10.0) and f.kept_fraction == pytest.approx(0.1)
    never = family_statistics(seed_rows("mbv3_1d", 5, t_sparse=float("inf")), "mbv3_1d")
    assert never.sparse_reached == 0 and never.speedup_bound == "upper" and never.speedup == pytest.approx(42.0 / 12.0)


def test_current_rows_keep_the_stages_settings_and_agreement_ignores_the_clock():
    rows = pd.concat([seed_rows("a", 4).assign(settings="x"), seed_rows("a", 2).assign(settings="old")])
    kept, stale = records.current_rows(rows, {"a": "x"})
    assert len(kept) == 4 and stale == 2
    stage = seed_rows("a", 3).assign(t_full_s=99.0)  # other times: still the same seeds
    assert records.agreement(kept, stage) == {"a": [3, 3]}
    stage.loc[1, "target_quality"] += 1e-9  # a clock-free field differs: that seed disagrees
    assert records.agreement(kept, stage) == {"a": [2, 3]}
    assert records.agreement(kept.iloc[:0], stage) == {}


def test_the_verdict_reads_the_record_only_where_it_has_more_seeds_of_every_family_and_agrees():
    s = summaries.supernet()  # mbv3_1d 3 seeds, resnet_1d 1 seed
    fams = [family_statistics(seed_rows(f, 10), f) for f in ("mbv3_1d", "resnet_1d")]
    rec = SeedRecord(records.RECORD, fams, 0, {"mbv3_1d": [3, 3], "resnet_1d": [1, 1]})
    chosen, source = verdict_families(replace(s, record=rec))
    assert [f.seeds for f in chosen] == [10, 10] and source == "10-seed record"
    uneven = replace(rec, families=[fams[0], family_statistics(seed_rows("resnet_1d", 9), "resnet_1d")])
    assert verdict_families(replace(s, record=uneven))[1] == "9-10-seed record"
    text = "\n".join(record_lines(replace(s, record=rec)))
    assert "mbv3_1d 3 of 3; resnet_1d 1 of 1" in text and "| mbv3_1d | 10 | 4.45x [" in text
    for bad in (replace(rec, agreement={"mbv3_1d": [2, 3], "resnet_1d": [1, 1]}),  # a shared seed disagrees
                replace(rec, agreement={"mbv3_1d": [3, 3]}),  # resnet_1d shares no seed
                replace(rec, families=fams[:1])):  # a family missing
        chosen, source = verdict_families(replace(s, record=bad))
        assert chosen == s.families and source == "the stage's seeds"
    assert verdict_families(s) == (s.families, "the stage's seeds") and record_lines(s) == []
