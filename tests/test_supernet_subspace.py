"""Tied sub-spaces of a super-network and their tabulation (stage search_supernet, issue 13)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.experiments import search_supernet as ss
from nas_utils.search import run_search
from nas_utils.supernets import SuperNetEvaluator, build_supernet
from nas_utils.supernets.subspace import TiedSpace

TINY = {"supernets": ["transformer_1d"], "checkpoint": "", "budget": 5, "latency_source": "predicted",
        "latency_k": 4, "latency_test": 0, "calib": 32, "speedup_batch": 0, "seeds": 1,
        "ties": {"transformer_1d": ["h*", "f*"]}, "paper_linas_evals": 5, "latency_store": ""}


def test_tied_space_expands_to_the_supernet_and_dedups_networks() -> None:
    base = build_supernet("transformer_1d").space
    space = TiedSpace(base, ("h*", "f*"))
    assert [v.name for v in space.variables] == ["embed", "layers", "h*", "f*"] and space.size == 81
    X = space.enumerate()
    full = space.expand(X)
    assert np.array_equal(full, base.canonicalize(full))           # canonical super-network rows
    two = full[:, 1] >= 1  # two or more layers: the second layer's heads/width are the first layer's
    assert np.array_equal(full[two, 4:6], full[two, 2:4]) and np.all(full[~two, 4:] == 0)
    assert len(space.networks()) == len(set(base.keys(full)))
    untied = TiedSpace(base)
    assert untied.size == base.size and len(untied.networks()) == len(set(base.keys(base.enumerate())))
    # Rows that denote one network share one key (session de-duplication) and one representative.
    one_layer = np.zeros((1, 8), dtype=np.int64)
    other = one_layer.copy()
    other[0, 4] = 2  # heads of the inactive second layer
    assert untied.keys(one_layer) == untied.keys(other)
    assert np.array_equal(untied.canonicalize(other), one_layer)


@pytest.mark.parametrize("ties, needle", [(("x*",), "matches no free variable"),
                                          (("d*", "w*", "e*", "*"), "matches no free variable")])
def test_bad_ties_name_the_pattern(ties, needle) -> None:
    with pytest.raises(ConfigError, match=needle):
        TiedSpace(build_supernet("resnet_1d").space, ties)


def test_untabulatable_space_is_refused_in_one_line() -> None:
    with pytest.raises(ConfigError, match="tie more variables"):
        TiedSpace(build_supernet("mbv3_1d").space, ())


def test_every_tactic_name_runs_on_a_tied_space_table(tmp_path) -> None:
    """Tabulation caches every network; a second tabulation on the same checkpoint computes nothing
    and gives the identical table; new weights (a new checkpoint) recompute; runs are table look-ups."""
    cfg = config.load("search_supernet", **TINY, eval_cache=str(tmp_path / "evals.sqlite"))
    torch.manual_seed(0)
    net = ss.load_net(cfg, "transformer_1d")
    inner, latency = ss.build_evaluator(cfg, net)
    first = ss.tabulate(cfg, "transformer_1d", inner, latency)
    assert first.record.networks == 81 and first.record.computed == 81
    def rebuilt() -> SuperNetEvaluator:  # a new process: nothing in memory, the same latency model
        return SuperNetEvaluator(net, inner.loader, inner.latency, inner.calib, cache=tmp_path / "evals.sqlite")

    again = ss.tabulate(cfg, "transformer_1d", rebuilt(), latency)
    assert again.record.computed == 0 and np.array_equal(again.F, first.F)
    with torch.no_grad():
        next(net.parameters()).add_(0.05)
    changed = ss.tabulate(cfg, "transformer_1d", rebuilt(), latency)
    assert changed.record.computed == 81  # new weights digest: nothing cached applies
    history = run_search("random", first.bench, budget=5, seed=0)
    assert len(history) == 5 and first.bench.scorer().curve(history[["accuracy", "latency"]].to_numpy())[-1] <= 1.0


def test_budget_beyond_the_tied_space_is_a_config_error() -> None:
    cfg = config.load("search_supernet", **{**TINY, "budget": 100, "eval_cache": ""})
    net = ss.load_net(cfg, "transformer_1d")
    inner, latency = ss.build_evaluator(cfg, net)
    with pytest.raises(ConfigError, match="budget=100 exceeds the 81 networks"):
        ss.tabulate(cfg, "transformer_1d", inner, latency)
