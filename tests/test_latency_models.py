from __future__ import annotations

import pytest

from nas_utils.errors import HwnasError
from nas_utils.latency.measure import MeasureSettings
from nas_utils.latency.models import MeasuredLatency, fit_latency_predictor
from nas_utils.supernets import build_supernet

FAST = MeasureSettings(repeats=3, warmup=1, warmup_ms=1.0, min_block_ms=0.2, max_round_ms=20.0)


def test_predicted_latency_from_k_measured_subnets() -> None:
    net = build_supernet("transformer_1d")
    model, report = fit_latency_predictor(net, "torch_cpu_1t_1", k=4, n_test=3, settings=FAST, rounds=1)
    assert model(net, net.largest_config()) > 0 and model.objective.name == "latency"
    assert {"test_spearman", "test_mape", "measured_range_ms", "cpu_model"} <= set(report)


def test_measured_latency_and_unavailable_device() -> None:
    net = build_supernet("transformer_1d")
    assert MeasuredLatency("onnxruntime_cpu_1", FAST)(net, net.smallest_config()) > 0
    with pytest.raises(HwnasError, match="cuda_1|tpu"):
        fit_latency_predictor(net, "tpu_1", k=3)


def test_stored_measurements_make_a_rerun_fit_the_same_predictor(tmp_path, monkeypatch) -> None:
    net = build_supernet("transformer_1d")
    store = tmp_path / "latency_measurements.json"
    _, first = fit_latency_predictor(net, "torch_cpu_1t_1", k=4, n_test=3, settings=FAST, rounds=1, store=store)

    def no_measuring(*args, **kwargs):
        raise AssertionError("a stored sample must not be measured again")

    monkeypatch.setattr("nas_utils.latency.models.measure_many", no_measuring)
    _, again = fit_latency_predictor(net, "torch_cpu_1t_1", k=4, n_test=3, settings=FAST, rounds=1, store=store)
    assert again == first


def test_the_report_counts_contended_measurements() -> None:
    """Busy-machine records are counted in the report (issue 13 section 3), not silently used."""
    net = build_supernet("transformer_1d")
    _, report = fit_latency_predictor(net, "torch_cpu_1t_1", k=4, n_test=3, settings=FAST, rounds=1)
    assert isinstance(report["contended_records"], int) and 0 <= report["contended_records"] <= 7
