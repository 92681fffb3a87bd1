from __future__ import annotations

import numpy as np
import pytest

from nas_utils.errors import InvalidArchitectureError
from nas_utils.spaces import SPACES, NB201_OPS, SearchSpace, Variable, get_space
from nas_utils.tables import load_archs, arch_table


@pytest.mark.parametrize("name", SPACES.names())
def test_round_trips(name: str) -> None:
    space = get_space(name)
    rng = np.random.default_rng(0)
    X = space.sample(rng, 50)
    for x in X:
        assert np.array_equal(space.encode(space.decode(x)), x)
        assert np.array_equal(space.from_string(space.to_string(x)), x)
    H = space.one_hot(X)
    assert H.shape == (50, space.n_features)
    assert np.all(H.sum(axis=1) == space.n_var)


def test_nb201_strings_match_benchmark_table() -> None:
    space = get_space("nb201")
    table = arch_table("nb201")
    X = load_archs("nb201")
    assert space.to_strings(X[:200]) == table["arch"].tolist()[:200]
    assert space.from_string(table["arch"][1462]).tolist() == [3] * 6  # HELP: 1462 is all nor_conv_3x3
    assert NB201_OPS[0] == "none"


@pytest.mark.parametrize(
    ("name", "bad", "token"),
    [
        ("nb201", "|nor_conv_3x3~0|+|conv9~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|", "conv9~0"),
        ("nb201", "|nor_conv_3x3~0|+|none~0|none~2|+|none~0|none~1|none~2|", "none~2"),
        ("nb201", "|none~0|+|none~0|", "3 '+'-separated"),
        ("fbnet", "-".join(["k3_e1"] * 21 + ["k7_e9"]), "k7_e9"),
        ("fbnet", "k3_e1", "22"),
    ],
)
def test_bad_strings_name_the_bad_token(name: str, bad: str, token: str) -> None:
    with pytest.raises(InvalidArchitectureError, match=token.replace("|", r"\|").replace("+", r"\+")) as info:
        get_space(name).from_string(bad)
    assert "\n" not in str(info.value)


def test_generic_space_strings_and_errors() -> None:
    space = SearchSpace("demo", [Variable("depth", (2, 3, 4)), Variable("act", ("relu", "gelu"))])
    x = space.encode({"depth": 3, "act": "gelu"})
    assert space.to_string(x) == "depth=3;act=gelu"
    with pytest.raises(InvalidArchitectureError, match="depth=5"):
        space.from_string("depth=5;act=relu")
    with pytest.raises(InvalidArchitectureError, match="index 7"):
        space.validate(np.array([7, 0]))
    with pytest.raises(InvalidArchitectureError, match="repeats variable"):
        SearchSpace("bad", [Variable("a", (1,)), Variable("a", (2,))])
    with pytest.raises(InvalidArchitectureError, match="no choices"):
        Variable("a", ())


def test_sample_unique_and_mutate() -> None:
    space = get_space("nb201")
    rng = np.random.default_rng(1)
    X = space.sample_unique(rng, 500)
    assert len(set(space.keys(X))) == 500
    x = X[0]
    for _ in range(20):
        y = space.mutate(x, rng)
        assert (y != x).sum() >= 1
    assert space.size == 15_625 and get_space("fbnet").size == 9**22
