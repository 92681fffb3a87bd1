import pytest

from nas_utils.results import SearchSupernetSummary
from nas_utils.stage import run_notebook

TINY = {
    "supernet": "transformer_1d", "checkpoint": "", "budget": 10, "seeds": 1, "paper_linas_evals": 5,
    "latency_k": 6, "latency_test": 3, "calib": 64,
    "speedup_batch": 4, "speedup_backends": ["process"], "tactics": ["random", "linas"], "reference_n": 12, "eval_cache": "",
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
    cell = summary.cell("transformer_1d/onnxruntime_cpu_1")
    assert set(cell.tactic_names()) == {"random", "linas"}  # every tactic: the default stage
    runs = {(r.backend, r.workers): r for r in summary.backend_check.runs}
    assert set(runs) == {("serial", 1), ("process", 1), ("process", 2)}, runs
    assert all(r.identical_to_serial for r in runs.values())
    t = next(t for t in summary.times if t.tactic == "linas")
    assert t.run_time_s == pytest.approx(t.eval_wait_s + t.search_overhead_s)
    for name in ("histories.parquet", "curves.parquet", "hv_curves.png", "fronts.png", "times.png",
                 "plots/hv_transformer_1d.csv"):
        assert (tmp_path / name).exists()
