"""The post-hoc record script of the super-network search (nas_utils.experiments.supernet_posthoc)."""

from __future__ import annotations

import pytest

from nas_utils.experiments import supernet_posthoc


def test_posthoc_script_rejects_bad_input_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A malformed --set, or a tactic the stage does not run: one line naming it, exit 2."""
    for argv in (["hvgain", "--set", "ref_point"], ["no_such_tactic"]):
        assert supernet_posthoc.cli(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "valid" in err and "\n" not in err


def test_settings_are_read_as_yaml() -> None:
    assert supernet_posthoc.parse_sets(["ref_latency=2.0", "ref_point=predicted", "prune_dead=false"]) == {
        "ref_latency": 2.0, "ref_point": "predicted", "prune_dead": False}
