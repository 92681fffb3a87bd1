"""The typed schema of each ``params.yaml`` section, one module per stage.

Each module defines one frozen dataclass registered with :func:`nas_utils.config.section`: field
types and range checks only, no defaults (``params.yaml`` is the one source of values).
:func:`nas_utils.config.schema` imports the module of a section on first use, so a stage loads
only its own schema (and what that schema's checks need).

>>> from nas_utils import config
>>> config.schema("supernet").__name__
'SupernetConfig'
"""

from __future__ import annotations

#: section name -> module under ``nas_utils.schemas`` (the section names of ``params.yaml``).
MODULES = {
    "search": "search",
    "predictors": "predictors",
    "latency": "latency",
    "sparsenas": "sparsenas",
    "supernet": "supernet",
    "search_supernet": "search_supernet",
}
