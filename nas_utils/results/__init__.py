"""Typed stage results: one frozen dataclass per stage summary, one JSON round trip (:mod:`.base`).

Torch-free and pandas-free, so :mod:`nas_utils.report` reads every stage's result without
importing an experiment. Each stage writes ``reports/<stage>/summary.json`` with
:meth:`Summary.save`; readers use :meth:`Summary.load`.
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
