
import pytest

from nas_utils.results import LatencySummary
from nas_utils.stage import run_notebook

TINY = {
    "supernets": ["transformer_1d"], "n_subnets": 3, "devices": ["cuda_1", "torch_cpu_1t_1", "onnxruntime_cpu_32"],
    "repeats": 3, "warmup": 1, "rounds": 2, "quality_supernet": "transformer_1d",
    "quality_devices": ["onnxruntime_cpu_1"], "quality_n": 4, "quality_rounds": 2,
}


@pytest.mark.slow
def test_notebook_runs_with_tiny_parameters(tmp_path):
    run_notebook("latency", "notebooks/03_device_latency_collection.ipynb", tmp_path, overrides=TINY)
    summary = LatencySummary.load(tmp_path / "summary.json")
    assert summary.devices_measured == ["onnxruntime_cpu_32", "torch_cpu_1t_1"]
    assert summary.devices_skipped == ["skipping cuda_1: no CUDA GPU is visible to PyTorch on this machine"] or summary.cuda_measured_in_this_run
    assert [d.device for d in summary.quality.devices] == ["onnxruntime_cpu_1"]
    for name in ("latency.parquet", "quality.parquet", "latency_distributions.png", "rank_correlation.png", "measurement_spread.png"):
        assert (tmp_path / name).exists()
