import pandas as pd
import pytest

from nas_utils.results import SearchSupernetSummary
from nas_utils.stage import run_notebook

TINY = {
    "supernets": ["transformer_1d", "resnet_1d"], "checkpoint": "", "budget": 10, "budgets": {"resnet_1d": 8}, "seeds": 1, "paper_linas_evals": 5,
    "latency_k": 6, "latency_test": 3, "calib": 64,
    "speedup_batch": 4, "speedup_backends": ["process"], "tactics": ["random", "linas"], "eval_cache": "",
    "latency_store": "",  # tiny samples are measured, never added to the versioned store
    "ties": {"transformer_1d": ["h*", "f*"], "resnet_1d": ["d*", "w*", "e*"]},
    "tactic_params": {
        "nsga2": {"population": 5}, "linas": {"initial": 5, "batch": 3, "inner_population": 8, "inner_evals": 80},
        "linas_faithful": {"population": 5, "inner_evals": 80, "predictor_grid": "compact"},
        "weaknas": {"init_sample": 4, "sample_each_iter": 3}, "bo": {"n_init": 5, "batch_size": 3, "pool_size": 100},
    },
}


@pytest.mark.slow
def test_notebook_runs_with_tiny_parameters(tmp_path, monkeypatch):
    """The grid on the serial backend; the speed-up check evaluates the same batch with 1 and 2
    real worker processes and must get exactly the serial objectives."""
    monkeypatch.setenv("HWNAS_BACKEND", "serial")
    monkeypatch.setenv("HWNAS_WORKERS", "2")
    run_notebook("search_supernet", "notebooks/06_search_supernet.ipynb", tmp_path, overrides=TINY)
    summary = SearchSupernetSummary.load(tmp_path / "summary.json")
    for family in ("transformer_1d", "resnet_1d"):
        cell = summary.cell(f"{family}/onnxruntime_cpu_1")
        assert set(cell.tactic_names()) == {"random", "linas"}  # every tactic x family: the default stage
    assert [f.networks for f in summary.families] == [81, 27] and summary.evaluations_computed == 81 + 27
    assert summary.budgets == {"transformer_1d": 10, "resnet_1d": 8}  # a family's own budget
    evals = pd.read_parquet(tmp_path / "histories.parquet").groupby("dataset")["eval"].max()
    assert evals.to_dict() == {"transformer_1d": 10, "resnet_1d": 8}
    runs = {(r.backend, r.workers): r for r in summary.backend_check.runs}
    assert set(runs) == {("serial", 1), ("process", 1), ("process", 2)}, runs
    assert all(r.identical_to_serial for r in runs.values())
    for name in ("histories.parquet", "curves.parquet", "reference.parquet", "hv_curves.png", "fronts.png",
                 "times.png", "plots/hv_transformer_1d.csv", "plots/hv_resnet_1d.csv"):
        assert (tmp_path / name).exists()
