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
    fixed_hv: float      # normalised HV of the fixed set alone: no search, every network spread over MACs
    spread_hv: float     # the same for a MACs-spread subset of the fixed set as large as the family's budget
    top_runs: float      # the highest accuracy any run evaluated (%)
    corner: int          # networks of the accurate-end probe: the largest and those one choice below it
    corner_top: float | None  # the probe's highest accuracy (%)
    corner_joins: int    # probe networks that would join the best known front
    corner_hv: float     # HV of the best known front with them, as a share of its own (1: they add nothing)


@dataclass(frozen=True)
class FullSpaceSummary(Summary):
    """The current rows of the record summarised (``comparison``: thresholds, ratios to LINAS with bootstrap
    intervals, the paper's framing), what each family was normalised by, and the rows left out. ``same_space``:
    the families whose stage table is their full space, on the stage's seeds only (the machinery check's half;
    ``None`` where there is no such family)."""

    KIND: ClassVar[str] = "search_supernet_fullspace"
    VERSION: ClassVar[int] = 2

    comparison: ComparisonSummary
    families: list[FamilyReference]
    rows: int
    left_out: int
    command: str
    same_space: ComparisonSummary | None = None
