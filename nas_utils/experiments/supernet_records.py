"""The super-network seed record that stage ``search_supernet`` reads and reports (issue 13 §2), and the per-family
summary the stage's own runs share with it.

The record (:data:`RECORD`, made by :mod:`nas_utils.experiments.supernet_seeds`) holds every tactic with more seeds
on the stage's tables; each row names the fingerprint of the table it searched
(:func:`~nas_utils.experiments.search_supernet.table_fingerprint`). :func:`current_rows` keeps the rows of this
run's tables, settings and budgets; :func:`record_summary` decodes their HV curves and summarises them with
:func:`summarise_families`, exactly as the stage summarises its own curves.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from nas_utils.evaluators import ACCURACY
from nas_utils.experiments import comparison as cmp
from nas_utils.latency.models import LATENCY_MS
from nas_utils.metrics import pareto_front
from nas_utils.paths import project_root
from nas_utils.results.search import CellSummary, ComparisonSummary, OracleResult
from nas_utils.schemas.search_supernet import SearchSupernetConfig
from nas_utils.search.base import same_settings
from nas_utils.search.records import decode_steps

#: The record, beside the stage's other committed inputs (a dependency of stage ``search_supernet``).
RECORD = "data/preregistration/search_supernet/seed_record.csv"
#: The full-space record (:mod:`nas_utils.experiments.supernet_fullspace`): one row per run, and each family's fixed
#: reference set.
FULLSPACE_RECORD = "data/preregistration/search_supernet/fullspace_record.csv"
FULLSPACE_REFERENCE = "data/preregistration/search_supernet/fullspace_reference.csv"
#: The probe of each family's accurate end: its largest network and every network one choice below it, evaluated
#: after the runs against the same reference set. Not part of the best known front; the report says what it adds.
FULLSPACE_CORNER = "data/preregistration/search_supernet/fullspace_corner.csv"
#: The objectives of every family's full-space search (the stage's: validation accuracy, the latency objective).
OBJECTIVES = (ACCURACY, LATENCY_MS)


def summarise_families(curves: pd.DataFrame, cfg: SearchSupernetConfig, oracle: dict[str, list[OracleResult]],
                       run_time: dict[str, float] | None = None) -> tuple[list[CellSummary], dict[str, int]]:
    """:func:`~nas_utils.experiments.comparison.summarise_cells` per family (``dataset``), each at its own budget and
    with its ``oracle`` bound; and the seeds per tactic (alike in every family)."""
    cells: list[CellSummary] = []
    seeds: dict[str, int] = {}
    for family, c in curves.groupby("dataset", sort=False):
        family_cells, family_seeds = cmp.summarise_cells(c, cfg.thresholds, cfg.budget_of(str(family)),
                                                         cfg.paper_linas_evals, run_time)
        cells += [replace(cell, oracle=oracle.get(cell.dataset, [])) for cell in family_cells]
        seeds |= family_seeds
    return cells, seeds


def load_record(path: str | Path | None = None) -> pd.DataFrame:
    """The record's rows (no file: empty)."""
    path = Path(path) if path is not None else project_root() / RECORD
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


def current_rows(record: pd.DataFrame, cfg: SearchSupernetConfig,
                 fingerprints: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """The rows whose tactic, settings, budget and table are the stage's (``fingerprints``: family -> the
    fingerprint of the table the stage searched), with ``dataset`` naming the family as in the stage's curves,
    and how many rows are left out."""
    if record.empty:
        return record, 0
    current = np.array([t in cfg.tactics and f in fingerprints and tab == fingerprints[f] and b == cfg.budget_of(f)
                        and bool(same_settings(t, json.loads(s), cfg.params_of(t)))
                        for t, f, tab, b, s in record[["tactic", "supernet", "table", "budget", "settings"]]
                        .itertuples(index=False)], dtype=bool)
    return record[current].rename(columns={"supernet": "dataset"}), int((~current).sum())


def record_summary(rows: pd.DataFrame, cfg: SearchSupernetConfig,
                   oracle: dict[str, list[OracleResult]] | None = None) -> ComparisonSummary | None:
    """The current rows (:func:`current_rows`) summarised exactly as the stage's runs: their curves through
    :func:`summarise_families` (thresholds, ratios to LINAS, the paper's framing;
    medians over seeds with bootstrap intervals), each family with the stage's ``oracle`` bound."""
    if rows.empty:
        return None
    curves = pd.concat([pd.DataFrame({"dataset": r.dataset, "device": r.device, "tactic": r.tactic, "seed": r.seed,
                                      "eval": np.arange(1, r.budget + 1), "hv": decode_steps(r.hv_steps, r.budget)})
                        for r in rows.itertuples(index=False)], ignore_index=True)
    cells, seeds = summarise_families(cmp.order_histories(curves, cfg.tactics), cfg, oracle or {})
    method = f"every tactic with the stage's settings on the stage's tables, `{RECORD}`"
    return ComparisonSummary(method, cfg.budget, seeds, [float(t) for t in cfg.thresholds], cells)


def encode_objectives(F: np.ndarray) -> str:
    """``acc,lat;acc,lat;...`` to 9 significant digits: a full-space run's objectives in evaluation order."""
    return ";".join(",".join(f"{v:.9g}" for v in row) for row in np.asarray(F, dtype=float))


def decode_objectives(text: str) -> np.ndarray:
    return np.array([[float(v) for v in row.split(",")] for row in str(text).split(";")], dtype=np.float64)


def fullspace_rows(record: pd.DataFrame, reference: pd.DataFrame, cfg: SearchSupernetConfig) -> pd.DataFrame:
    """The full-space rows run against the current reference set of their family, with the stage's tactics,
    settings and budgets."""
    if record.empty or reference.empty:
        return record.iloc[:0]
    fingerprint = reference.groupby("supernet")["reference"].first().to_dict()
    keep = [t in cfg.tactics and fingerprint.get(f) == ref and b == cfg.budget_of(f)
            and bool(same_settings(t, json.loads(s), cfg.params_of(t)))
            for t, f, ref, b, s in record[["tactic", "supernet", "reference", "budget", "settings"]]
            .itertuples(index=False)]
    return record[np.array(keep, dtype=bool)]


def fullspace_histories(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as search histories (``dataset`` = family, ``eval``, one column per objective)."""
    names = [o.name for o in OBJECTIVES]
    parts = []
    for r in rows.itertuples(index=False):
        F = decode_objectives(r.objectives)
        parts.append(pd.DataFrame({"dataset": r.supernet, "device": r.device, "tactic": r.tactic, "seed": r.seed,
                                   "eval": np.arange(1, len(F) + 1), **{n: F[:, j] for j, n in enumerate(names)}}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def best_known_points(family: str, reference: pd.DataFrame,
                      histories: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A family's fixed set, every distinct point its runs evaluated, and the front of both together: what the
    full-space record's HV is normalised by."""
    names = [o.name for o in OBJECTIVES]
    fixed = reference.loc[reference["supernet"] == family, names].to_numpy()
    runs = np.unique(histories.loc[histories["dataset"] == family, names].to_numpy(), axis=0)
    return fixed, runs, pareto_front(np.vstack([fixed, runs]), OBJECTIVES)


def corner_points(family: str, reference: pd.DataFrame, corner: pd.DataFrame | None) -> np.ndarray:
    """A family's accurate-end probe, where it was evaluated against the family's current reference set."""
    names = [o.name for o in OBJECTIVES]
    fingerprint = reference.loc[reference["supernet"] == family, "reference"]
    if corner is None or corner.empty or fingerprint.empty:
        return np.empty((0, len(names)))
    return corner.loc[(corner["supernet"] == family) & (corner["reference"] == fingerprint.iloc[0]), names].to_numpy()


def load_fullspace() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The full-space record, its reference sets and its accurate-end probe as committed (no file: empty)."""
    record, reference, corner = (load_record(project_root() / p)
                                 for p in (FULLSPACE_RECORD, FULLSPACE_REFERENCE, FULLSPACE_CORNER))
    return record, reference, corner
