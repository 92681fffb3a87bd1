"""Registry names the command line offers, importable without torch, scikit-learn or pandas.

``hwnas --help`` must answer in well under a second, but the registries themselves fill up only
when their implementations are imported (BoTorch, scikit-learn, pandas: ~1.5 s). So the names
are listed here once more, and ``tests/test_cli.py::test_names_match_registries`` fails as soon
as a registry and this list disagree. Devices come from their registry directly (it is light).

>>> from nas_utils.names import TACTICS
>>> "linas" in TACTICS
True
"""

from __future__ import annotations

TACTICS = ("bo", "hvgain", "linas", "linas_faithful", "nsga2", "random", "weaknas")
"""``nas_utils.search.TACTICS.names()``"""

DATASETS = ("cifar10", "cifar100", "imagenet16")
"""``nas_utils.tables.DATASETS``"""

PREDICTORS = ("auto", "mlp", "mlp_torch", "ridge", "svr", "xgb")
"""``nas_utils.predictors.PREDICTORS.names()``"""

SPACES = ("fbnet", "nb201")
"""``nas_utils.spaces.SPACES.names()``"""

TABULAR_SPACES = ("nb201",)
"""Spaces with accuracy data (``nas_utils.evaluators.load_benchmark``)."""
