
import pandas as pd
import pytest

from nas_utils.results import SparseNASSummary, SupernetSummary
from nas_utils.stage import run_notebook

TINY_01 = {
    "families": ["transformer_1d"], "mnist1d_samples": 400, "seeds": 2, "batch_size": 64, "n_random": 1,
    "n_early": 12, "early_val": 40, "calib_samples": 32, "n_score": 60, "keep_fraction": 0.2, "cv_folds": 2,
}
TINY_02 = {"full_budgets": [1, 2], "sparse_budgets": [1], "eval_every": 1, "n_yard_full": 6, "n_yard_kept": 3}


@pytest.mark.slow
def test_notebooks_01_and_02_run_with_tiny_parameters(tmp_path):
    early, final, ckpt = tmp_path / "early", tmp_path / "final", tmp_path / "ckpt"
    run_notebook("sparsenas", "notebooks/01_sparsenas_early_filtering.ipynb", early,
                 overrides=TINY_01 | {"checkpoint_dir": str(ckpt)})
    s1 = SparseNASSummary.load(early / "summary.json")
    f1 = s1.family("transformer_1d")
    assert f1.kept == 12 and f1.seeds == 2 and f1.score("xgb") is not None
    assert (ckpt / "warmup" / "transformer_1d" / "seed1.pt").exists()
    run_notebook("supernet", "notebooks/02_supernet_training.ipynb", final,
                 overrides=TINY_02 | {"early_dir": str(early), "checkpoint_dir": str(ckpt)})
    s2 = SupernetSummary.load(final / "summary.json")
    (fam,) = s2.families
    assert fam.family == "transformer_1d" and fam.seeds == 2 and len(fam.per_seed) == 2
    assert fam.ceiling > 0 and fam.full_budgets == [1, 2] and fam.speedup_bound in ("exact", "upper")
    for name in ("time_to_quality.png", "overheads.png", "curves.parquet", "seeds.csv", "02_supernet_training.html",
                 "plots/time_to_quality_transformer_1d.csv"):
        assert (final / name).exists()
    assert (ckpt / "transformer_1d" / "full.pt").exists() and (ckpt / "transformer_1d" / "sparse.pt").exists()
    assert s2.record is None or not s2.record.families  # the committed record holds the default settings only

    # the seed record's script reproduces the stage's seeds on everything but the clock, and extends them
    from nas_utils import config
    from nas_utils.experiments import sparsenas_records as records
    from nas_utils.experiments.sparsenas_seeds import RecordSpec, protocols, record_row

    ps = protocols(config.parse("sparsenas", {**config.read_params()["sparsenas"], **TINY_01}),
                   config.parse("supernet", {**config.read_params()["supernet"], **TINY_02}))["transformer_1d"]
    rows = pd.DataFrame([record_row(RecordSpec("transformer_1d", seed, ps)) for seed in range(3)])
    kept, stale = records.current_rows(rows, records.settings_keys({"transformer_1d": ps}))
    assert len(kept) == 3 and stale == 0
    assert records.agreement(kept, pd.read_csv(final / "seeds.csv")) == {"transformer_1d": [2, 2]}
