"""Imports every module that registers a params.yaml section, so all schemas are known.

Add one import line here when a new stage adds a section.
"""

from __future__ import annotations

import nas_utils.experiments.search_comparison  # noqa: F401  (section "search")
