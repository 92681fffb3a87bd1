"""The variants record script of the super-network search (nas_utils.experiments.supernet_variants)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nas_utils.experiments import supernet_dev, supernet_variants


def test_variants_script_rejects_bad_input_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed --set, a tactic the stage does not run, an unknown checkpoint set: one line naming it, exit 2."""
    for argv in (["hvgain", "--set", "ref_point"], ["no_such_tactic"], ["hvgain", "--checkpoints", "train"]):
        assert supernet_variants.cli(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "valid" in err and "\n" not in err


def test_settings_are_read_as_yaml() -> None:
    assert supernet_variants.parse_sets(["ref_latency=2.0", "ref_point=predicted", "prune_dead=false"]) == {
        "ref_latency": 2.0, "ref_point": "predicted", "prune_dead": False}


def test_the_adoption_rule_needs_a_gain_without_a_family_much_worse() -> None:
    """RULE: mean of the family medians (short runs at budget + 1) down >= 10 %, no family up > 10 %."""
    col = f"evals@{supernet_dev.RULE['threshold']:g}"
    rows = []
    for variant, evals in {supernet_dev.STAGE: (100, 100, np.inf), "better": (60, 100, 200),
                           "one worse": (30, 120, 150)}.items():
        for family, e in zip(("a", "b", "c"), evals):
            rows += [{"variant": variant, "family": family, "seed": s, col: e} for s in range(3)]
    out = supernet_dev.decide(pd.DataFrame(rows), budget=250)
    assert out.loc[supernet_dev.STAGE, "mean"] == pytest.approx(451 / 3)  # inf counted as 251
    assert bool(out.loc["better", "adopt"]) and not bool(out.loc["one worse", "adopt"])
    assert not bool(out.loc[supernet_dev.STAGE, "adopt"])


def test_the_stage_runs_the_rules_pick_of_the_committed_development_record() -> None:
    """Stage search_supernet reports the record; params.yaml must run each tactic's pick, nothing else."""
    from nas_utils import config

    params = config.read_params()["search_supernet"]["tactic_params"]
    record = supernet_dev.dev_choices(config.project_root() / supernet_dev.RECORD_DIR, params)
    assert {c.tactic for c in record} >= {"hvgain", "bo"}
    assert all(c.chosen == c.in_params for c in record)
    assert {(c.tactic, c.variant) for c in record if c.chosen} >= {("hvgain", "ref_latency=2.0"),
                                                                   ("bo", "ordinal=true, refit_every=3")}
    assert all(c.budget == 250 and c.seeds == 5 for c in record)


def test_a_setting_the_rule_did_not_pick_is_flagged(tmp_path) -> None:  # noqa: ANN001
    col = f"evals@{supernet_dev.RULE['threshold']:g}"
    rows = [{"variant": variant, "checkpoints": "dev", "settings": settings, "budget": 250, "family": f,
             "seed": s, col: e}
            for variant, settings, e in ((supernet_dev.STAGE, '{"a": 1}', 100), ("a=2", '{"a": 2}', 50))
            for f in ("x", "y") for s in range(3)]
    pd.DataFrame(rows).to_csv(tmp_path / "dev_toy.csv", index=False)
    record = supernet_dev.dev_choices(tmp_path, {"toy": {"a": 1}})  # params kept the old setting
    assert [(c.variant, c.chosen, c.in_params) for c in record] == [(supernet_dev.BASELINE, False, True),
                                                                    ("a=2", True, False)]

