from __future__ import annotations

import numpy as np
import pytest

from nas_utils.errors import UnknownNameError
from nas_utils.evaluators import load_benchmark
from nas_utils.tables import load_accuracy, load_latency


def test_tabular_lookup_matches_tables_and_counts() -> None:
    bench = load_benchmark("nb201", "cifar100", "titan_rtx_256")
    idx = np.array([0, 1, 1462, 15_624])
    F = bench.evaluate(bench.archs[idx])
    assert np.allclose(F[:, 0], load_accuracy("nb201", "cifar100")[idx])
    assert np.allclose(F[:, 1], load_latency("nb201", ["titan_rtx_256"])[idx, 0])
    assert bench.n_evaluations == 4
    assert np.array_equal(bench.rows(bench.archs[idx]), idx)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("nb201", "cifar11", "pixel2"), "unknown dataset 'cifar11'; valid choices: cifar10, cifar100, imagenet16"),
        (("nb201", "cifar10", "pixel9"), "unknown device 'pixel9'; valid choices: 1080ti_1"),
        (("fbnet", "cifar10", "pixel2"), "unknown tabular benchmark space 'fbnet'"),
    ],
)
def test_unknown_names_list_valid_choices(args: tuple[str, str, str], match: str) -> None:
    with pytest.raises(UnknownNameError, match=match):
        load_benchmark(*args)


def test_true_front_is_nondominated() -> None:
    bench = load_benchmark("nb201", "cifar10", "gold_6226")
    front = bench.true_front()
    acc, lat = bench.table[:, 0], bench.table[:, 1]
    for a, l in front:
        assert not np.any((acc >= a) & (lat <= l) & ((acc > a) | (lat < l)))
