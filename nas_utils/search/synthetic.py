"""A small synthetic bi-objective problem with a known front, for tests and examples.

Eight variables with four choices each (65,536 architectures). "Accuracy" grows with the sum
of the choices weighted unevenly plus an interaction term, "latency" grows with another
weighting, so the trade-off is real and the exact front is computable by enumeration.
"""

from __future__ import annotations

import numpy as np

from nas_utils.evaluators import ACCURACY, LATENCY, TabularBenchmark
from nas_utils.spaces import SearchSpace, Variable


class SyntheticProblem(TabularBenchmark):
    def __init__(self, n_var: int = 8, n_choices: int = 4, seed: int = 0) -> None:
        space = SearchSpace("synthetic", [Variable(f"v{i}", tuple(range(n_choices))) for i in range(n_var)])
        rng = np.random.default_rng(seed)
        X = space.enumerate()
        w_acc = rng.uniform(0.5, 2.0, n_var)
        w_lat = rng.uniform(0.5, 2.0, n_var)
        acc = 60 + 30 * np.tanh(0.15 * (X @ w_acc) + 0.02 * (X[:, 0] * X[:, 1]))
        lat = 1.0 + (X ** 1.3) @ w_lat
        super().__init__(space, X, np.column_stack([acc, lat]), (ACCURACY, LATENCY), "synthetic")
