
import pytest

from nas_utils.results import SparseNASSummary, SupernetSummary
from nas_utils.stage import run_notebook

TINY_01 = {
    "families": ["transformer_1d"], "mnist1d_samples": 400, "epochs": 2, "warmup_fraction": 0.5, "batch_size": 64,
    "n_random": 1, "n_early": 10, "n_score": 60, "keep_fraction": 0.2, "cv_folds": 2,
}


@pytest.mark.slow
def test_notebooks_01_and_02_run_with_tiny_parameters(tmp_path):
    early, final, ckpt = tmp_path / "early", tmp_path / "final", tmp_path / "ckpt"
    run_notebook("sparsenas", "notebooks/01_sparsenas_early_filtering.ipynb", early,
                 overrides=TINY_01 | {"checkpoint_dir": str(ckpt)})
    s1 = SparseNASSummary.load(early / "summary.json")
    assert s1.family("transformer_1d").kept == 12
    assert (ckpt / "transformer_1d" / "warmup.pt").exists()
    run_notebook("supernet", "notebooks/02_supernet_training.ipynb", final,
                 overrides={"early_dir": str(early), "checkpoint_dir": str(ckpt), "n_eval": 4})
    s2 = SupernetSummary.load(final / "summary.json")
    (fam,) = s2.families
    assert fam.family == "transformer_1d" and fam.hv_full_final > 0
    assert [b.quantile for b in fam.budgets] == [0.25, 0.5]  # one row per MAC quantile, whatever its value
    for name in ("hv_vs_time.png", "early_vs_final.png", "history.parquet", "02_supernet_training.html",
                 "plots/time_to_quality_transformer_1d.csv"):
        assert (final / name).exists()
    assert (ckpt / "transformer_1d" / "sparse.pt").exists()
