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

TRANSFER_METHODS = ("flops", "gnn", "gnn_help", "gnn_nosupp", "help", "mlp", "nearest_source", "op_ridge", "params",
                    "scratch_mlp", "scratch_ridge", "scratch_xgb", "source_op_ridge", "source_ridge", "stack", "stack_gnn",
                    "stack_linear", "stack_linear_blocks", "stack_linear_blocks_out", "stack_select")
"""``nas_utils.transfer.methods.METHODS.names()``"""

TRANSFER_SPACES = ("nb201", "fbnet")
"""Spaces with latency tables to transfer from (``nas_utils.transfer.own_device.DEFAULT_SOURCES``)."""
