"""Typed stage results: one frozen dataclass per stage summary, one JSON round trip (:mod:`.base`).

Torch-free and pandas-free, so :mod:`nas_utils.report` reads every stage's result without
importing an experiment. Each stage writes ``reports/<stage>/summary.json`` with
:meth:`Summary.save`; readers use :meth:`Summary.load`.

Extending a summary: add a field with a default (old files still load), or a list of a new
frozen row dataclass; a number that depends on a parameter (a threshold, a quantile, k) is a
*field of a row*, never part of a key. Bump the class's ``VERSION`` when a change makes old
files unreadable, so the report asks for a rerun instead of misreading them. Every summary is
built completely by its experiment's ``summarise(result, cfg)``; notebooks add nothing.
"""

from __future__ import annotations

from nas_utils.results.base import StaleSummaryError, Summary
from nas_utils.results.latency import LatencySummary
from nas_utils.results.predictors import PredictorsSummary
from nas_utils.results.search import SearchSummary
from nas_utils.results.search_supernet import SearchSupernetSummary
from nas_utils.results.sparsenas import SparseNASSummary
from nas_utils.results.supernet import SupernetSummary

__all__ = ["StaleSummaryError", "Summary", "SearchSummary", "SearchSupernetSummary", "PredictorsSummary",
           "LatencySummary", "SparseNASSummary", "SupernetSummary"]
