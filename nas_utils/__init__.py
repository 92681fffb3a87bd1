"""hwnas-lab: reproducible hardware-aware neural architecture search.

Modules, one concept each:

* :mod:`nas_utils.spaces` - declarative search spaces and their encodings
* :mod:`nas_utils.evaluators` - objective oracles (tabular benchmark, super-networks, devices)
* :mod:`nas_utils.metrics` - Pareto fronts, hypervolume, rank correlation
* :mod:`nas_utils.predictors` - objective predictors (ridge, SVR, XGBoost, MLP, auto)
* :mod:`nas_utils.search` - search tactics behind ``run_search(tactic, evaluator, budget, seed)``
* :mod:`nas_utils.config` - typed, validated stage parameters from ``params.yaml``
* :mod:`nas_utils.stage` - run a parameterised notebook as a DVC stage
"""

__version__ = "0.1.0"
