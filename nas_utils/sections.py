"""Imports every module that registers a params.yaml section, so all schemas are known.

Add one import line here when a new stage adds a section.
"""

from __future__ import annotations

import nas_utils.experiments.search_comparison  # noqa: F401  (section "search")
import nas_utils.experiments.predictor_transfer  # noqa: F401  (section "predictors")
import nas_utils.experiments.latency_collection  # noqa: F401  (section "latency")
import nas_utils.experiments.sparsenas  # noqa: F401  (section "sparsenas")
import nas_utils.experiments.supernet_training  # noqa: F401  (section "supernet")
import nas_utils.experiments.search_supernet  # noqa: F401  (section "search_supernet")
