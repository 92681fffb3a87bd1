
import pytest

from nas_utils.results import PredictorsSummary
from nas_utils.stage import run_notebook

TINY = {
    "tasks": ["ND"], "methods": ["flops", "nearest_source", "mlp"], "ks": [5], "network_ks": [5], "trials": 1,
    "n_pretrain_nb201": 16, "pretrain_epochs": 1, "finetune_epochs": 1, "hidden": 8, "layers": 1,
    "help_episodes": 2, "method": "source_op_ridge", "protocols": ["all_archs", "nasflat_128"],
    "ablation_methods": ["mlp"], "ablation_samplers": ["random"],
    "search_k": 5, "search_budget": 30, "search_front_budget": 3, "search_baseline_budget": 40, "search_seeds": 1,
}


@pytest.mark.slow
def test_notebook_runs_with_tiny_parameters(tmp_path):
    run_notebook("predictors", "notebooks/04_predictor_transfer.ipynb", tmp_path, overrides=TINY)
    summary = PredictorsSummary.load(tmp_path / "summary.json")
    assert {r.method for r in summary.rows("all_archs", "ND") if r.k == 5} == {"source_op_ridge", "flops",
                                                                              "nearest_source", "mlp", "help"}
    assert summary.method == "source_op_ridge"  # the report names the pre-registered method
    assert {t.best_method for t in summary.targets} == {"source_op_ridge"}
    assert summary.help_row() is not None and summary.rows("nasflat_128", "ND")
    for name in ("results.parquet", "k_curves.png", "ablation.png", "04_predictor_transfer.html",
                 "plots/spearman_ND.csv"):
        assert (tmp_path / name).exists()
