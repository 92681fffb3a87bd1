"""Contention detection and the two-pass rank check (nas_utils.latency.measure / quality)."""

from __future__ import annotations

import time
from pathlib import Path
import warnings

import numpy as np
import pytest
import torch
from torch import nn

import nas_utils.latency.measure as measure_mod
from nas_utils.latency.measure import ContentionWarning, MeasureSettings, contention_reasons, measure_many
from nas_utils.latency.quality import spanning_sample, two_passes
from nas_utils.supernets import build_supernet

FAST = MeasureSettings(repeats=3, warmup=1, warmup_ms=0.0, min_block_ms=0.0, max_number=1)


class Descheduled(nn.Module):
    """Simulated contention: every forward pass loses 3 ms of wall time without running."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        time.sleep(0.003)
        return x


def test_quiet_numbers_raise_no_contention():
    assert contention_reasons(cpu_share=0.99, load_avg_1m=0.3, cores=2, round_cv=0.01) == []
    assert len(contention_reasons(cpu_share=0.5, load_avg_1m=6.0, cores=2, round_cv=0.09)) == 3


def test_simulated_preemption_is_flagged_warned_and_marked_in_the_records():
    with pytest.warns(ContentionWarning, match="contended"):
        (rec,) = measure_many([Descheduled()], "torch_cpu_1t_1", (1, 40), FAST, rounds=2)
    assert rec.contended and "timed wall time" in rec.contention and rec.cpu_share < 0.5
    row = rec.as_row()
    assert row["contended"] is True and "contention" in row and "cpu_share" in row


def test_simulated_load_is_flagged(monkeypatch):
    monkeypatch.setattr(measure_mod, "_load_avg", lambda: 64.0)
    with pytest.warns(ContentionWarning):
        (rec,) = measure_many([nn.Linear(40, 10)], "torch_cpu_1t_1", (40,), FAST)
    assert rec.contended and "load average 64.0" in rec.contention


def test_thread_clock_ignores_time_spent_off_the_cpu():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ContentionWarning)
        wall, thread = (measure_many([Descheduled()], "torch_cpu_1t_1", (1, 40), MeasureSettings(
            repeats=3, warmup=1, warmup_ms=0.0, min_block_ms=0.0, max_number=1, clock=c))[0] for c in ("wall", "thread"))
    assert wall.clock == "wall" and thread.clock == "thread"
    assert wall.latency_ms >= 3.0 > thread.latency_ms


def test_spanning_sample_spans_the_mac_range():
    net = build_supernet("mbv3_1d")
    X, models = spanning_sample(net, 8, seed=0)
    macs = [net.count_macs(x) for x in X]
    assert min(macs) == net.count_macs(net.smallest_config()) and max(macs) == net.count_macs(net.largest_config())
    assert len(models) == 8


def test_two_passes_measure_the_same_models_with_their_own_seeds():
    net = build_supernet("transformer_1d")
    _, models = spanning_sample(net, 4, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ContentionWarning)
        first, second = two_passes(models, "torch_cpu_1t_1", (1, 40), FAST, rounds=2)
    assert len(first) == len(second) == 4 and all(r.rounds == 2 for r in first + second)
    assert all(np.isfinite(r.latency_ms) and r.latency_ms > 0 for r in first + second)


def test_rounds_check_rejects_bad_input_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from nas_utils.latency import rounds_check

    for argv in (["--rounds", "2,x"], ["--rounds", "0,3"], ["--repeats", "0"], ["--protocol", "bogus=1"],
                 ["--protocol", "rounds=x"], ["--protocol", "rounds=0"], ["--supernet", "bogus"],
                 ["--supernet", "resnet_1d", "--k", "2"]):
        assert rounds_check.cli(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "valid" in err and "\n" not in err


@pytest.mark.parametrize(("marked", "warning"), [(0, False), (49, False), (94, False), (120, False), (151, True)])
def test_the_report_warns_of_a_busy_machine_only_when_most_records_are_marked(marked: int, warning: bool) -> None:
    """Quiet runs mark some records too (0-47 % on record): those are counted, not
    called a busy machine; a run most of whose records are marked is."""
    import dataclasses

    from nas_utils.sections.latency import latency_quality_lines
    from tests.summaries import latency

    s = latency()
    device = dataclasses.replace(s.quality.devices[0], contended_records=marked, records=200,
                                 contention="round-to-round CV 5.0 % > 3 %")
    s = dataclasses.replace(s, quality=dataclasses.replace(s.quality, devices=[device]))
    text = "\n".join(latency_quality_lines(s))
    assert device.contended is warning and ("Warning: contended machine" in text) is warning
    assert (f"{marked} of 200 records" in text) is (marked > 0)


def test_measure_many_warns_for_a_busy_run_only(monkeypatch):
    """One of three records marked: it stays marked, but the run is not busy, so no warning."""
    marks = iter([["simulated"], [], []])
    monkeypatch.setattr(measure_mod, "contention_reasons", lambda *args, **kwargs: next(marks))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ContentionWarning)
        records = measure_many([nn.Linear(40, 10) for _ in range(3)], "torch_cpu_1t_1", (40,), FAST)
    assert [r.contended for r in records] == [True, False, False]


def test_a_protocol_overrides_the_latency_stages_timing() -> None:
    from nas_utils.latency.rounds_check import parse_protocol

    base = MeasureSettings(repeats=15, statistic="min")
    p = parse_protocol("rounds=5,statistic=median,repeats=25", base, rounds=3)
    assert (p.rounds, p.settings.statistic, p.settings.repeats, p.settings.min_block_ms) == (5, "median", 25, base.min_block_ms)
    stage = parse_protocol("", base, rounds=3)
    assert (stage.name, stage.settings, stage.rounds) == ("stage", base, 3)


def test_the_supernet_check_scores_the_search_predictor_against_a_second_pass() -> None:
    from nas_utils.latency.rounds_check import compare, parse_protocol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ContentionWarning)
        df = compare([parse_protocol("", FAST, 1), parse_protocol("rounds=2", FAST, 1)], repeats=1,
                     device="torch_cpu_1t_1", supernet="transformer_1d", ks=(3, 4), n_test=3)
    assert list(df["protocol"]) == ["stage", "rounds=2"] and set(df["supernet"]) == {"transformer_1d"}
    assert {"heldout_spearman_k3", "heldout_spearman_k4", "spearman_two_passes"} <= set(df.columns)


def test_collection_runs_on_a_busy_machine_are_named_in_the_table_and_a_warning() -> None:
    """Issue 13 §3: the collection's own records, not only the quality check, say when the machine was busy."""
    import dataclasses

    import pandas as pd

    from nas_utils.experiments.latency_collection import device_summary
    from nas_utils.report import results_table
    from nas_utils.sections.latency import collection_contention_lines, latency_section
    from tests.summaries import latency

    table = pd.DataFrame({"supernet": ["mbv3_1d"] * 5, "device": ["onnxruntime_cpu_1"] * 5,
                          "latency_ms": [1.0, 1.1, 1.2, 1.3, 1.4], "round_cv": [0.2] * 4 + [0.01],
                          "cv": [0.01] * 5, "robust_cv": [0.01] * 5, "contended": [True] * 4 + [False],
                          "contention": ["round-to-round CV 20.0 % > 3 %"] * 4 + [""]})
    row = device_summary(table).iloc[0]
    assert row.contended_records == 4 and row.contention == "round-to-round CV 20.0 % > 3 %"

    s = latency()
    quiet = collection_contention_lines(s)
    busy_row = dataclasses.replace(s.per_device[0], contended_records=25, contention="round-to-round CV 20.0 % > 3 %")
    calm_row = dataclasses.replace(s.per_device[0], contended_records=3)
    assert quiet == [] and not calm_row.contended and busy_row.contended
    calm = collection_contention_lines(dataclasses.replace(s, per_device=[calm_row]))
    assert len(calm) == 1 and "3 of 30 records" in calm[0] and "Warning" not in calm[0]
    busy = dataclasses.replace(s, per_device=[busy_row, calm_row])
    text = "\n".join(latency_section(busy, Path(".")))
    assert "Warning: contended measurements" in text and "mbv3_1d/onnxruntime_cpu_1 25 of 30" in text
    assert "| 25 (busy) |" in text and "| 3 |" in text
    assert "1 of 2 collection runs busy" in "\n".join(results_table(summaries={"latency": busy}))


def test_quality_verdicts_use_the_intervals_over_sub_networks() -> None:
    """A median CV just under 3 % whose interval crosses it is inconclusive, not met; a summary made before
    the intervals is judged on its point estimate and says so."""
    import dataclasses

    import pandas as pd

    from nas_utils.claims import describe
    from nas_utils.experiments.latency_collection import _quality_intervals
    from nas_utils.sections.latency import latency_quality_lines, quality_verdicts
    from tests.summaries import latency

    rng = np.random.default_rng(0)
    ms = rng.lognormal(size=60)
    df = pd.DataFrame({"latency_ms_1": ms, "latency_ms_2": ms * (1 + 0.01 * rng.normal(size=60)),
                       "round_cv_1": rng.uniform(0.0, 0.058, 60), "round_cv_2": rng.uniform(0.0, 0.058, 60)})
    ci = _quality_intervals(df)
    assert ci == _quality_intervals(df)  # seeded
    (cv_low, cv_high), (rho_low, rho_high) = ci["median_round_cv_ci"], ci["spearman_two_passes_ci"]
    assert cv_low < 0.03 < cv_high and 0.98 < rho_low < rho_high <= 1.0

    s = latency()
    old = s.quality.devices[0]
    new = dataclasses.replace(old, median_round_cv=0.029, spearman_two_passes=0.995, **ci)
    cv, rho = map(describe, quality_verdicts(new))
    assert cv == "inconclusive" and rho == "meets"
    assert all("point estimate" in describe(v) for v in quality_verdicts(dataclasses.replace(old, **dict.fromkeys(ci))))
    s = dataclasses.replace(s, quality=dataclasses.replace(s.quality, devices=[new]))
    assert f"2.90 % [{100 * cv_low:.2f}, {100 * cv_high:.2f}]" in "\n".join(latency_quality_lines(s))
