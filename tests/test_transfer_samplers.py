import numpy as np
import pytest

from nas_utils.errors import ConfigError, UnknownNameError
from nas_utils.transfer.samplers import SAMPLERS, select

F = np.random.default_rng(0).random((300, 8))
COST = np.random.default_rng(1).random(300)


@pytest.mark.parametrize("name", SAMPLERS.names())
def test_samplers_are_deterministic_and_distinct(name):
    for k in (5, 10, 20):
        a = select(name, F, k, np.random.default_rng(3), cost=COST)
        b = select(name, F, k, np.random.default_rng(3), cost=COST)
        assert len(a) == k and len(set(a.tolist())) == k
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(select(name, F, 10, np.random.default_rng(4), cost=COST),
                              select(name, F, 10, np.random.default_rng(5), cost=COST))


def test_flops_bucket_spans_the_flops_range():
    idx = select("flops_bucket", F, 10, np.random.default_rng(0), cost=COST)
    assert COST[idx].min() < 0.1 and COST[idx].max() > 0.9


def test_bad_k_and_unknown_sampler():
    with pytest.raises(ConfigError, match=r"k=301 is out of range; valid: \[1, 300\]"):
        select("random", F, 301, np.random.default_rng(0))
    with pytest.raises(UnknownNameError, match="valid choices: flops_bucket, kmeans"):
        select("greedy", F, 3, np.random.default_rng(0))
