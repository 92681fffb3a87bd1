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


def test_the_versioned_store_covers_the_default_profiles_super_network_search() -> None:
    """A fresh clone fits the committed latency predictors from data/measured/supernet_latency.json instead of
    measuring its own, so its super-network tables (and the 20-seed record keyed by them) are the committed ones.
    Changing the sample or its timing in params.yaml fails here until the new measurements are committed."""
    from nas_utils import config
    from nas_utils.latency.models import _read_store, predictor_sample, store_key
    from nas_utils.paths import project_root

    cfg = config.load("search_supernet")
    store = _read_store(project_root() / cfg.latency_store)
    for family in cfg.supernets:
        net = build_supernet(family)
        X = predictor_sample(net, cfg.latency_k + cfg.latency_test, cfg.seed)
        key = store_key(net, cfg.latency_device, X, cfg.measure_settings(), cfg.latency_rounds)
        assert key in store, f"{family}: no committed measurements of the stage's latency sample"
        assert len(store[key]["latency_ms"]) == len(X) and store[key]["cpu_model"]


def test_stored_measurements_need_no_device(tmp_path) -> None:
    """Measurements read from a store (e.g. made on a GPU machine) fit the predictor where the device is absent."""
    import json

    from nas_utils.latency.models import predictor_sample, store_key

    net = build_supernet("transformer_1d")
    X = predictor_sample(net, 7, 0)
    store = tmp_path / "store.json"
    store.write_text(json.dumps({store_key(net, "cuda_1", X, FAST, 1): {
        "latency_ms": list(range(1, 8)), "cpu_model": "elsewhere", "load_avg_1m": 0.0, "contended": [False] * 7}}))
    model, report = fit_latency_predictor(net, "cuda_1", k=4, n_test=3, settings=FAST, rounds=1, store=store)
    assert report["cpu_model"] == "elsewhere" and model(net, net.largest_config()) > 0
