"""Contention detection and the two-pass rank check (nas_utils.latency.measure / quality)."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
import torch
from torch import nn

import nas_utils.latency.measure as measure_mod
from nas_utils.latency.measure import ContentionWarning, MeasureSettings, contention_reasons, measure_many
from nas_utils.latency.quality import spanning_sample, two_pass_check
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


def test_two_pass_check_reports_both_passes_and_the_chosen_statistic():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ContentionWarning)
        res = two_pass_check(build_supernet("transformer_1d"), "torch_cpu_1t_1", n=6, rounds=2, settings=FAST)
    assert res.statistic in ("min", "median") and set(res.spearman_by_statistic) == {"min", "median"}
    assert len(res.table) == 6 and res.records == 12 and np.isfinite(res.table[["latency_ms_1", "latency_ms_2"]]).all().all()
    assert res.summary()["spearman_two_passes"] == res.spearman


def test_rounds_check_rejects_bad_input_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from nas_utils.latency import rounds_check

    for argv in (["--rounds", "2,x"], ["--rounds", "0,3"], ["--repeats", "0"]):
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
