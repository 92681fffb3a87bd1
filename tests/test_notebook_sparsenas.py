import json

import pytest

import nas_utils.sections  # noqa: F401  (registers every section)
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
    s1 = json.loads((early / "summary.json").read_text())
    assert s1["families"]["transformer_1d"]["kept"] == 12
    assert (ckpt / "transformer_1d" / "warmup.pt").exists()
    run_notebook("supernet", "notebooks/02_supernet_training.ipynb", final,
                 overrides={"early_dir": str(early), "checkpoint_dir": str(ckpt), "n_eval": 4})
    s2 = json.loads((final / "summary.json").read_text())
    fam = s2["families"]["transformer_1d"]
    assert {"speedup_cpu", "kept_fraction", "early_vs_final_spearman", "hv_full_final"} <= set(fam)
    for name in ("hv_vs_time.png", "early_vs_final.png", "history.parquet", "02_supernet_training.html"):
        assert (final / name).exists()
    assert (ckpt / "transformer_1d" / "sparse.pt").exists()
