"""The variants record script of the super-network search (nas_utils.experiments.supernet_variants)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nas_utils.experiments import supernet_variants


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
    col = f"evals@{supernet_variants.RULE['threshold']:g}"
    rows = []
    for variant, evals in {supernet_variants.STAGE: (100, 100, np.inf), "better": (60, 100, 200),
                           "one worse": (30, 120, 150)}.items():
        for family, e in zip(("a", "b", "c"), evals):
            rows += [{"variant": variant, "family": family, "seed": s, col: e} for s in range(3)]
    out = supernet_variants.decide(pd.DataFrame(rows), budget=250)
    assert out.loc[supernet_variants.STAGE, "mean"] == pytest.approx(451 / 3)  # inf counted as 251
    assert bool(out.loc["better", "adopt"]) and not bool(out.loc["one worse", "adopt"])
    assert not bool(out.loc[supernet_variants.STAGE, "adopt"])
