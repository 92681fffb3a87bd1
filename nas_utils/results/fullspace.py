"""The full-space record's summary (:mod:`nas_utils.experiments.supernet_fullspace`): every tactic on our
super-networks' full spaces, summarised as stage ``search_supernet`` summarises its own runs.

Written by the record's script beside the record (:data:`SUMMARY`), read by report section 5. Not imported by
:mod:`nas_utils.results`, so only its readers depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from nas_utils.results.base import Summary
from nas_utils.results.search import ComparisonSummary

#: Beside the record and its reference set.
SUMMARY = "data/preregistration/search_supernet/fullspace_summary.json"


@dataclass(frozen=True)
class FamilyReference:
    """What one family's hypervolume is normalised by: the best known front."""

    supernet: str
    space_size: int      # networks in the full space
    fixed: int           # networks of the fixed set spread over MACs
    evaluated: int       # distinct objective points the current runs evaluated
    front: int           # points of the best known front (the fixed set and every run's points)
    from_runs: int       # of them, points no member of the fixed set matches
    latency: str         # the latency objective and where it comes from


@dataclass(frozen=True)
class FullSpaceSummary(Summary):
    """The current rows of the record summarised (``comparison``: thresholds, ratios to LINAS with bootstrap
    intervals, the paper's framing), what each family was normalised by, and the rows left out."""

    KIND: ClassVar[str] = "search_supernet_fullspace"
    VERSION: ClassVar[int] = 1

    comparison: ComparisonSummary
    families: list[FamilyReference]
    rows: int
    left_out: int
    command: str
