"""Resumable per-run records of the search scripts (``faithful_check``, ``prior_track``, the seed records), and
the forms their rows share: a tactic's settings (:func:`settings_key`) and a run's HV curve (:func:`encode_steps`).

A record is a CSV with one row per run. :func:`extend_record` reads the rows already there, runs
(single-threaded, one at a time or ``workers`` at a time) only the runs whose key is missing, and
rewrites the file after every run (every ``workers`` runs), so an interrupted record resumes where
it stopped and a finished one costs nothing.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Hashable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.parallel import parallel_map
from nas_utils.scripts import OneLineParser

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


def seed_record_parser(prog: str, description: str, out: str, seeds: int = 20) -> OneLineParser:
    """The command line the seed-record scripts share: ``--seeds``, ``--workers``, ``--out``, ``--fresh`` (a script
    adds its own before parsing; :func:`parse_seed_record_args` parses)."""
    parser = OneLineParser(prog=prog, description=description)
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--workers", type=int, default=1, help="single-threaded worker processes")
    parser.add_argument("--out", default=out)
    parser.add_argument("--fresh", action="store_true", help="start the record afresh (after a code change)")
    return parser


def parse_seed_record_args(parser: OneLineParser, argv: list[str] | None) -> argparse.Namespace:
    """``argv`` parsed by a :func:`seed_record_parser`, ``--seeds`` and ``--workers`` checked (one-line errors)."""
    args = parser.parse_args(argv)
    config.check_range("--seeds", args.seeds, low=1)
    config.check_range("--workers", args.workers, low=1)
    return args


def settings_key(params: dict[str, Any]) -> str:
    """A tactic's settings as one canonical string (the seed record's ``settings`` column)."""
    return json.dumps(params, sort_keys=True, default=str)


#: The seed record's column of each run's space-wide HV curve, as its steps (:func:`encode_steps`).
HV_STEPS = "hv_steps"


def encode_steps(curve: np.ndarray) -> str:
    """A HV curve (one value per evaluation, never falling) as its steps, ``"1:0.5 4:0.75 ..."``: each
    evaluation where the value changes, with the value to 12 significant digits (the seed record's form)."""
    curve = np.asarray(curve, dtype=float)
    change = np.flatnonzero(np.r_[True, np.diff(curve) != 0])
    return " ".join(f"{i + 1}:{curve[i]:.12g}" for i in change)


def decode_steps(text: str, evals: int) -> np.ndarray:
    """The curve :func:`encode_steps` wrote, over evaluations ``1 .. evals`` (held at its last value)."""
    points = [p.split(":") for p in str(text).split()]
    at = np.array([int(e) for e, _ in points])
    values = np.array([float(v) for _, v in points])
    return values[np.searchsorted(at, np.arange(1, evals + 1), side="right") - 1]


def final_hv_agreement(rows: pd.DataFrame, curves: pd.DataFrame) -> dict[str, list[int]]:
    """Per tactic, ``[equal, shared]``: of a stage's runs (``curves``) that a record's current ``rows`` also hold
    (same tactic, dataset, device and seed), how many end at the same final HV (to 1e-12)."""
    if rows.empty or curves.empty:
        return {}
    run = ["tactic", "dataset", "device", "seed"]
    final = curves.groupby(run, sort=False)["hv"].last().rename("stage_hv").reset_index()
    shared = rows.merge(final, on=run)
    shared["equal"] = (shared["final_hv"] - shared["stage_hv"]).abs() <= 1e-12
    return {str(t): [int(g["equal"].sum()), len(g)] for t, g in shared.groupby("tactic", sort=False)}
