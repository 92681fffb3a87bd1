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


def test_the_default_profile_runs_the_cost_pick_and_the_paper_profile_its_baseline() -> None:
    """cost_bo.csv: the default profile runs the non-inferiority rule's pick (GP fits capped), the paper profile
    the development pick uncapped; either way the development record's pick is what runs."""
    import yaml

    from nas_utils import config

    folder = config.project_root() / supernet_dev.RECORD_DIR
    default = config.read_params()["search_supernet"]["tactic_params"]
    paper = yaml.safe_load((config.project_root() / "profiles" / "paper.yaml").read_text())
    paper_params = {**default, **{t: {**default[t], **v} for t, v in paper["search_supernet"]["tactic_params"].items()}}
    cost = supernet_dev.cost_choices(folder, default)
    assert [(c.variant, c.chosen, c.in_params) for c in cost if c.tactic == "bo"] == [
        (supernet_dev.BASELINE, False, False), ("fit_maxiter=50", True, True), ("fit_maxiter=100", False, False)]
    paper_cost = supernet_dev.cost_choices(folder, paper_params)
    assert [c.in_params for c in paper_cost if c.tactic == "bo"] == [True, False, False]
    # linas_faithful: the default profile runs the compact grid (it qualifies against DyNAS-T's, the record's
    # baseline); the paper profile runs DyNAS-T's grid with a larger inner search, outside the record
    assert [(c.variant, c.chosen, c.in_params) for c in cost if c.tactic == "linas_faithful"] == [
        (supernet_dev.AUTHORS, False, False), ("predictor_grid=compact", True, True)]
    assert [c.in_params for c in paper_cost if c.tactic == "linas_faithful"] == [False, False]
    for params in (default, paper_params):
        assert all(c.chosen == c.in_params for c in supernet_dev.dev_choices(folder, params) if c.tactic == "bo")


@pytest.fixture
def toy_tactic(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registered tactic ``toy`` with settings ``a`` (default 1) and ``m`` (default None): whether a record's
    settings are what the stage runs is judged against the tactic's defaults."""
    from nas_utils.search import TACTICS

    def toy(a: int = 1, m: int | None = None) -> None:
        raise NotImplementedError

    monkeypatch.setitem(TACTICS._entries, "toy", toy)


@pytest.mark.usefixtures("toy_tactic")
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



def _record_rows(variants: dict[str, tuple[str, tuple[float, ...], float]]) -> pd.DataFrame:
    """Rows of a record: variant -> (settings JSON, evaluations to HV 0.995 per family, CPU s per run), 3 seeds."""
    col = f"evals@{supernet_dev.COST_RULE['threshold']:g}"
    return pd.DataFrame([{"variant": v, "checkpoints": "dev", "settings": settings, "budget": 250, "family": f,
                          "seed": seed, col: e, "cpu_s": cpu}
                         for v, (settings, evals, cpu) in variants.items()
                         for f, e in zip(("a", "b", "c"), evals) for seed in range(3)])


def test_the_cost_rule_takes_the_cheapest_variant_that_costs_almost_no_quality() -> None:
    """COST_RULE: mean of family medians up <= 5 %, no family up > 10 %; of those, the least CPU."""
    rows = _record_rows({supernet_dev.STAGE: ("{}", (100, 100, 100), 50.0),
                         "slightly worse, cheap": ('{"m": 50}', (104, 104, 104), 10.0),
                         "one family worse": ('{"m": 20}', (115, 95, 95), 5.0),
                         "better, dearer": ('{"m": 100}', (90, 90, 90), 20.0)})
    out = supernet_dev.decide_cost(rows, budget=250)
    assert list(out["adopt"]) == [False, True, False, True]
    assert out.loc["one family worse", "mean"] == pytest.approx(305 / 3)  # mean +1.7 % but a family +15 %
    assert out.loc["slightly worse, cheap", "cpu_s"] == pytest.approx(90.0)  # summed over the 9 runs


@pytest.mark.usefixtures("toy_tactic")
def test_a_cost_pick_is_not_held_against_the_development_pick(tmp_path) -> None:  # noqa: ANN001
    """params = development pick + the cost pick's setting: both records agree with it; the paper profile's
    params (the development pick alone) run the cost record's baseline, which is flagged as such."""
    _record_rows({supernet_dev.STAGE: ('{"a": 1}', (200, 200, 200), 5.0),
                  "a=2": ('{"a": 2}', (100, 100, 100), 50.0)}).to_csv(tmp_path / "dev_toy.csv", index=False)
    _record_rows({supernet_dev.STAGE: ('{"a": 2}', (100, 100, 100), 50.0),
                  "m=50": ('{"a": 2, "m": 50}', (102, 100, 100), 10.0)}).to_csv(tmp_path / "cost_toy.csv", index=False)
    # the default profile; a profile without the cost setting; one undoing it with a null (the tactic's default)
    for params, cost_in_params in (({"a": 2, "m": 50}, [False, True]), ({"a": 2}, [True, False]),
                                   ({"a": 2, "m": None}, [True, False])):
        cost = supernet_dev.cost_choices(tmp_path, {"toy": params})
        assert [(c.variant, c.chosen) for c in cost] == [(supernet_dev.BASELINE, False), ("m=50", True)]
        assert [c.in_params for c in cost] == cost_in_params
        dev = supernet_dev.dev_choices(tmp_path, {"toy": params})
        assert [(c.variant, c.chosen, c.in_params) for c in dev] == [(supernet_dev.BASELINE, False, False),
                                                                     ("a=2", True, True)]
    assert supernet_dev.without_cost_settings({"a": 2, "m": 50, "z": 0}, cost) == {"a": 2, "z": 0}


@pytest.mark.usefixtures("toy_tactic")
def test_a_cost_record_against_the_authors_setting_says_when_the_stage_runs_below_it(tmp_path) -> None:  # noqa: ANN001
    """Baseline = the authors' setting (``--baseline``); the stage's cheaper setting is a variant. Qualifying, it is
    the pick and nothing is flagged; not qualifying, the report says the profile runs the tactic below the authors'."""
    from dataclasses import replace

    from nas_utils.sections.search_supernet import cost_lines
    from tests import summaries

    for evals, flagged in (((102, 100, 100), False), ((130, 100, 100), True)):
        _record_rows({supernet_dev.AUTHORS: ('{"a": 1, "m": 5}', (100, 100, 100), 40.0),
                      "m=None": ('{"a": 1}', evals, 4.0)}).to_csv(tmp_path / "cost_toy.csv", index=False)
        cost = supernet_dev.cost_choices(tmp_path, {"toy": {"a": 1}})
        assert [(c.variant, c.chosen, c.in_params) for c in cost] == [
            (supernet_dev.AUTHORS, flagged, False), ("m=None", not flagged, True)]
        text = "\n".join(cost_lines(replace(summaries.search_supernet(), cost_record=cost,
                                            cost_rule=dict(supernet_dev.COST_RULE))))
        assert ("**This profile runs toy below its authors' setting**: m=None does not qualify (mean +10.0 %, "
                "worst family +30.0 %" in text) is flagged
        assert "outside its cost record" not in text


def test_record_variants_put_the_baseline_first() -> None:
    """Without --baseline the stage's setting is the baseline; with it, the authors' setting, and the stage's own
    setting follows as a variant labelled by its values of the changed keys."""
    assert supernet_variants.record_variants("bo", {}, {"x": 1}, "x=1") == {supernet_dev.STAGE: {}, "x=1": {"x": 1}}
    out = supernet_variants.record_variants("linas_faithful", {"predictor_grid": "dynast"}, {}, "")
    assert out == {supernet_dev.AUTHORS: {"predictor_grid": "dynast"}, "predictor_grid=compact": {}}


@pytest.mark.usefixtures("toy_tactic")
def test_a_record_censored_everywhere_is_said_to_decide_nothing(tmp_path) -> None:  # noqa: ANN001
    """No setting reaches the threshold: the rule's 'qualifies' is vacuous, and the text says so with final HVs."""
    from nas_utils.sections.search_supernet import censored_lines

    rows = _record_rows({supernet_dev.AUTHORS: ('{"a": 1, "m": 5}', (np.inf,) * 3, 40.0),
                         "m=None": ('{"a": 1}', (np.inf,) * 3, 4.0)})
    rows.assign(final_hv=np.where(rows["variant"] == supernet_dev.AUTHORS, 0.98, 0.97)).to_csv(
        tmp_path / "cost_toy.csv", index=False)
    cost = supernet_dev.cost_choices(tmp_path, {"toy": {"a": 1}})
    assert cost[0].final_hv == {"a": 0.98, "b": 0.98, "c": 0.98}
    text = " ".join(censored_lines("toy", cost, 0.995))
    assert "Every median of toy's record is censored" in text and "authors' setting a 0.980" in text
    assert "m=None a 0.970" in text
    assert censored_lines("toy", [c.__class__(**{**c.__dict__, "medians": {"a": 100.0}}) for c in cost], 0.995) == []
