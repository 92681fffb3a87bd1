"""The per-family budget of the super-network search (nas_utils.experiments.supernet_budget; rule pre-registered
in data/preregistration/search_supernet/README.md, "Budget per family")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nas_utils import config
from nas_utils.experiments import supernet_budget
from nas_utils.paths import project_root


def _runs(hits: dict[str, list[float]], budget: int = 600) -> pd.DataFrame:
    return pd.DataFrame([{"tactic": t, "seed": s, "budget": budget, "evals@0.99": v}
                         for t, vals in hits.items() for s, v in enumerate(vals)])


def test_the_rule_picks_the_smallest_budget_where_some_tactic_reaches_in_three_seeds() -> None:
    inf = np.inf
    runs = _runs({"a": [260, 290, 310, inf, inf], "b": [320, 330, 340, 360, inf]})
    table, pick = supernet_budget.rule_table(runs)
    assert table.loc["a"].tolist() == [0, 2, 3, 3, 3, 3] and table.loc["b"].tolist() == [0, 0, 3, 4, 4, 4]
    assert pick == 350  # a has 3 seeds at 350 (2 at 300)
    assert supernet_budget.rule_table(_runs({"a": [inf] * 5}))[1] is None
    assert list(supernet_budget.rule_table(_runs({"a": [inf] * 5}, budget=300))[0].columns) == [250, 300]


def test_params_run_the_rules_pick_and_every_history_is_a_prefix() -> None:
    """Each family record ``budget_<family>.csv``: runs at the ladder's top whose first evaluations are the stage's
    (so smaller budgets are truncations), and params.yaml's budget for that family is the rule's pick."""
    cfg = config.load("search_supernet")
    records = sorted((project_root() / "data/preregistration/search_supernet").glob("budget_*.csv"))
    assert records, "no budget record"
    for path in records:
        runs = pd.read_csv(path)
        family = path.stem.removeprefix("budget_")
        assert runs["prefix_equal"].all() and (runs["budget"] == supernet_budget.LADDER[-1]).all()
        assert set(runs["tactic"]) == set(cfg.tactics) and runs["seed"].nunique() == cfg.seeds
        assert cfg.budget_of(family) == supernet_budget.rule_table(runs)[1], family


def test_budget_script_rejects_bad_input_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["resnet"], ["resnet_1d", "--budget", "1"]):
        assert supernet_budget.cli(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "valid" in err and "\n" not in err
