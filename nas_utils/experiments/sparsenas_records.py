"""The SparseNAS seed record that stage ``supernet`` reads and reports (issue 13 §1), and how its rows are matched.

The record (:data:`RECORD`, made by :mod:`nas_utils.experiments.sparsenas_seeds`) holds SparseNAS's whole protocol for
more seeds per family than the stages run; each row names every protocol setting it ran with (``settings``).
:func:`current_rows` keeps the rows of the stage's settings; :func:`agreement` checks the seeds the stage shares with
the record on the fields that do not depend on the clock.

>>> import pandas as pd
>>> rows = pd.DataFrame({"family": ["a", "a", "b"], "seed": [0, 1, 0], "settings": ["x", "y", "z"]})
>>> kept, stale = current_rows(rows, {"a": "x", "b": "z"})
>>> kept["seed"].tolist(), stale
([0, 0], 1)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from nas_utils.paths import project_root
from nas_utils.supernets.time_to_quality import ProtocolSettings, settings_record

#: The record, beside the stage's other committed inputs (a dependency of stage ``supernet``).
RECORD = "data/preregistration/sparsenas/seed_record.csv"
#: Per-seed fields that do not depend on the clock: a seed the stage shares with the record must agree on them.
DETERMINISTIC = ("target_quality", "reached", "kept", "scored", "early_spearman_oof")


def protocol_key(ps: ProtocolSettings) -> str:
    """A protocol as one canonical string (the record's ``settings`` column): every setting, keys sorted."""
    return json.dumps(settings_record(ps), sort_keys=True, default=str)


def settings_keys(protocols: dict[str, ProtocolSettings]) -> dict[str, str]:
    """Family -> the record's ``settings`` value for that family's protocol."""
    return {f: protocol_key(ps) for f, ps in protocols.items()}


def load_record(path: str | Path | None = None) -> pd.DataFrame:
    """The record's rows (no file: empty)."""
    path = Path(path) if path is not None else project_root() / RECORD
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


def current_rows(record: pd.DataFrame, keys: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """The rows of ``keys``' families whose settings are the stage's (``keys``: :func:`settings_keys`), and how
    many rows are left out."""
    if record.empty:
        return record, 0
    current = np.array([keys.get(str(f)) == s for f, s in zip(record["family"], record["settings"])], dtype=bool)
    return record[current].reset_index(drop=True), int((~current).sum())


def agreement(rows: pd.DataFrame, stage: pd.DataFrame) -> dict[str, list[int]]:
    """Per family, ``[equal, shared]``: of the stage's seeds (``stage``: its per-seed table) that the record's
    current ``rows`` also hold, how many agree on every :data:`DETERMINISTIC` field (floats to 1e-12)."""
    if rows.empty or stage.empty:
        return {}
    shared = rows.merge(stage, on=["family", "seed"], suffixes=("", "_stage"))
    equal = np.ones(len(shared), dtype=bool)
    for col in DETERMINISTIC:
        a, b = shared[col].to_numpy(dtype=float), shared[f"{col}_stage"].to_numpy(dtype=float)
        equal &= np.isclose(a, b, rtol=0.0, atol=1e-12) | (np.isnan(a) & np.isnan(b))
    shared["equal"] = equal
    return {str(f): [int(g["equal"].sum()), len(g)] for f, g in shared.groupby("family", sort=False)}
