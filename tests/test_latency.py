"""The audited latency entry point: records, ordering, devices, ONNX export fidelity."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import onnxruntime as ort
import pytest
import torch
from torch import nn

from nas_utils.latency import devices as latency_devices
from nas_utils.errors import HwnasError, UnknownNameError
from nas_utils.latency.measure import LatencyRecord, MeasureSettings, measure, measure_many
from nas_utils.latency.devices import MEASURE_DEVICES, DeviceUnavailableError, export_onnx, get_device, split_available
from nas_utils.supernets import build_supernet

FAST = MeasureSettings(repeats=5, warmup=2, warmup_ms=2.0, min_block_ms=0.5, max_round_ms=50.0)


def tiny() -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(40, 10))


def large() -> nn.Module:
    layers: list[nn.Module] = [nn.Conv1d(1, 96, 5, padding=2), nn.ReLU()]
    for _ in range(6):
        layers += [nn.Conv1d(96, 96, 5, padding=2), nn.ReLU()]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(96 * 40, 10))


def test_record_carries_every_field() -> None:
    rec = measure(tiny(), "torch_cpu_1t_1", (1, 40), FAST, rounds=2)
    assert isinstance(rec, LatencyRecord)
    assert (rec.device, rec.runtime, rec.target, rec.threads, rec.batch_size) == ("torch_cpu_1t_1", "torch", "cpu", 1, 1)
    assert rec.input_shape == (1, 1, 40) and rec.dtype == "float32" and rec.statistic == "median"
    assert 0 < rec.min_ms <= rec.median_ms and rec.q25_ms <= rec.median_ms <= rec.q75_ms
    assert rec.latency_ms == min(rec.round_values_ms) and rec.rounds == 2 and len(rec.round_values_ms) == 2
    assert rec.iqr_ms >= 0 and rec.cv >= 0 and np.isfinite(rec.round_cv) and rec.repeats >= 3 and rec.number >= 1
    assert rec.cpu_model and rec.cpu_count >= 1 and rec.affinity >= 1
    assert rec.torch_version == torch.__version__ and rec.onnxruntime_version == ort.__version__ and rec.python_version
    row = rec.as_row()
    assert set(row) == {f.name for f in dataclasses.fields(LatencyRecord)} and row["input_shape"] == "1x1x40"


def test_batch_size_comes_from_the_device_name() -> None:
    rec = measure(tiny(), "onnxruntime_cpu_32", (1, 40), FAST)
    assert rec.batch_size == 32 and rec.input_shape == (32, 1, 40) and rec.runtime == "onnxruntime"


@pytest.mark.parametrize("device", ["torch_cpu_1t_1", "onnxruntime_cpu_1"])
def test_much_larger_model_measures_slower(device: str) -> None:
    settings = dataclasses.replace(FAST, statistic="min")
    small, big = measure_many([tiny(), large()], device, (1, 40), settings, rounds=2)
    assert big.latency_ms > 3 * small.latency_ms


def test_thread_settings_are_restored() -> None:
    threads = torch.get_num_threads()
    mask = os.sched_getaffinity(0)
    measure(tiny(), "torch_cpu_1t_1", (1, 40), FAST)
    assert torch.get_num_threads() == threads and os.sched_getaffinity(0) == mask


@pytest.mark.parametrize("name", ["mbv3_1d", "resnet_1d", "transformer_1d"])
def test_onnx_export_matches_pytorch(name: str) -> None:
    net = build_supernet(name)
    x = torch.randn(4, 1, 40, generator=torch.Generator().manual_seed(0))
    for arch in net.space.sample(np.random.default_rng(1), 2):
        sub = net.subnet(arch)
        session = ort.InferenceSession(export_onnx(sub, x[:1]), providers=["CPUExecutionProvider"])
        got = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]  # batch 4: dynamic axis
        with torch.inference_mode():
            want = sub(x).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_unknown_device_lists_valid_names() -> None:
    with pytest.raises(UnknownNameError) as err:
        measure(tiny(), "tpu_9", (1, 40), FAST)
    assert "torch_cpu_1t_1" in str(err.value) and "\n" not in str(err.value)


def test_registry_has_helps_batch_naming() -> None:
    for family in ("torch_cpu_1t", "torch_cpu_all", "onnxruntime_cpu", "cuda"):
        assert {get_device(f"{family}_{b}").batch_size for b in (1, 32)} == {1, 32}
    assert len(MEASURE_DEVICES) == 8


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_gpu_is_a_one_line_error_or_skip() -> None:
    with pytest.raises(DeviceUnavailableError) as err:
        measure(tiny(), "cuda_1", (1, 40), FAST)
    assert "no CUDA GPU" in str(err.value) and "\n" not in str(err.value)
    ok, skipped = split_available(["cuda_1", "torch_cpu_1t_1"])
    assert [d.name for d in ok] == ["torch_cpu_1t_1"]
    assert skipped == ["skipping cuda_1: no CUDA GPU is visible to PyTorch on this machine"]


def test_missing_onnxruntime_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    real = latency_devices.importlib.util.find_spec
    monkeypatch.setattr(latency_devices.importlib.util, "find_spec", lambda n, *a: None if n == "onnxruntime" else real(n, *a))
    ok, skipped = split_available(["onnxruntime_cpu_1"])
    assert ok == [] and skipped == ["skipping onnxruntime_cpu_1: onnxruntime is not installed (pip install onnxruntime)"]
    with pytest.raises(HwnasError):
        measure(tiny(), "onnxruntime_cpu_1", (1, 40), FAST)


def test_bad_settings_give_one_line_errors() -> None:
    with pytest.raises(HwnasError, match="statistic"):
        MeasureSettings(statistic="mean")
    with pytest.raises(HwnasError, match="repeats"):
        MeasureSettings(repeats=1)
