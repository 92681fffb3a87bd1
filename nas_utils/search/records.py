"""Resumable per-run records of the search scripts (``faithful_check``, ``prior_track``).

A record is a CSV with one row per run. :func:`extend_record` reads the rows already there, runs
(single-threaded, one at a time or ``workers`` at a time) only the runs whose key is missing, and
rewrites the file after every run (every ``workers`` runs), so an interrupted record resumes where
it stopped and a finished one costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from nas_utils.parallel import parallel_map

R = TypeVar("R")


def extend_record(out: str, runs: Iterable[R], run: Callable[[R], dict[str, Any]], key_of_run: Callable[[R], Hashable],
                  key_of_row: Callable[[dict[str, Any]], Hashable], workers: int = 1) -> list[dict[str, Any]]:
    """The record's rows at ``out`` (none without a path or a file) plus a new row for every run of ``runs``
    whose key is not among them, computed ``workers`` at a time (single-threaded processes), each printed
    and written to ``out`` as soon as its group is done."""
    rows: list[dict[str, Any]] = pd.read_csv(out).to_dict("records") if out and Path(out).exists() else []
    have = {key_of_row(r) for r in rows}
    todo = [spec for spec in runs if key_of_run(spec) not in have]
    step = max(1, int(workers))
    for start in range(0, len(todo), step):
        for row in parallel_map(run, todo[start:start + step], workers=step):
            rows.append(row)
            print(row, flush=True)
        if out:
            pd.DataFrame(rows).to_csv(out, index=False)
    return rows
