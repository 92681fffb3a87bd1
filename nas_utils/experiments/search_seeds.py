"""More seeds of every tactic on the search test cells: a record beside the stage (issue 11, section 1).

Stage ``search`` must finish in 8 minutes on 2 CPU cores, so in the default profile the costly
tactics run fewer seeds (``search.tactic_seeds``). This script runs every tactic of
``search.tactics`` with the stage's own settings (``search.tactic_params``, ``search.budget``) on
each test cell of ``search.cells`` (:data:`nas_utils.search.tuning.TEST_CELLS`), seeds
``0 .. N-1``, single-threaded, and records per run the validations to each threshold in both HV
views, IGD+ after ``paper_linas_evals`` and ``budget`` evaluations, the final HV, the space-wide HV
curve as its steps (``hv_steps``, for the paper's framing of the 8x) and the run's CPU seconds (runs
are the stage's :func:`~nas_utils.experiments.search_comparison.run_one`: seed for seed, the same
histories)::

    nice -n 10 python -m nas_utils.experiments.search_seeds --seeds 20 --workers 2

The record is resumable (:func:`~nas_utils.search.records.extend_record`) and stage ``search``
summarises it (:func:`~nas_utils.experiments.search_records.seed_record_summary`) next to its
own runs. Each row carries its tactic's settings; rows whose settings differ from ``params.yaml``
are left out of the summary (and counted), so a retuned tactic does not hide behind an old record.
A code change that alters a tactic's runs under unchanged settings is not detected: after one, rerun
that tactic's rows (``--redo hvgain``: its rows are dropped, then run again) or the whole record (``--fresh``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.scripts import script_cli
from nas_utils.experiments import comparison as cmp
from nas_utils.experiments.search_comparison import RunSpec, run_one
from nas_utils.io import write_text
from nas_utils.metrics import evals_to_threshold
from nas_utils.schemas.search import SearchConfig
from nas_utils.search.records import HV_STEPS, encode_steps, extend_record, settings_key
from nas_utils.search.records import parse_seed_record_args, seed_record_parser
from nas_utils.search.tuning import SEED_RECORD, TEST_CELLS


def record_specs(cfg: SearchConfig, seeds: int) -> list[RunSpec]:
    """Every tactic on every configured test cell, seeds ``0 .. seeds-1``; costly tactics first."""
    specs = [RunSpec(t, d, dev, s, cfg.budget, tuple(sorted(cfg.params_of(t).items())))
             for d, dev in cfg.cell_pairs() if (d, dev) in TEST_CELLS for t in cfg.tactics for s in range(seeds)]
    return sorted(specs, key=lambda s: cfg.seeds_of(s.tactic))


def record_row(spec: RunSpec, thresholds: Sequence[float], igd_at: Sequence[int]) -> dict[str, Any]:
    """One run of the stage's grid, reduced to a record row."""
    history, curves = run_one(spec)
    row: dict[str, Any] = {"tactic": spec.tactic, "dataset": spec.dataset, "device": spec.device, "seed": spec.seed,
                           "budget": spec.budget, "settings": settings_key(dict(spec.params)),
                           "cpu_s": round(float(history["run_cpu_s"].iloc[0]), 2),
                           "final_hv": float(curves["hv"].iloc[-1]), "final_hv_near": float(curves["hv_near"].iloc[-1]),
                           HV_STEPS: encode_steps(curves["hv"].to_numpy())}
    for view, column in cmp.VIEWS.items():
        for thr in thresholds:
            hit = evals_to_threshold(curves[column].to_numpy(), thr)
            row[f"evals@{view}@{thr:g}"] = np.inf if hit is None else float(hit)
    for n in igd_at:
        row[f"igd@{n}"] = float(curves.loc[curves["eval"] <= n, cmp.IGD].iloc[-1])
    return row


def drop_tactics(out: str | Path, tactics: Sequence[str]) -> None:
    """Remove the rows of ``tactics`` from the record at ``out`` (if any), so that the next run makes them anew."""
    if tactics and Path(out).exists():
        record = pd.read_csv(out)
        write_text(out, record[~record["tactic"].isin(list(tactics))].to_csv(index=False))


def _key(tactic: str, dataset: str, device: str, seed: int, settings: str) -> tuple[str, str, str, int, str]:
    return str(tactic), str(dataset), str(device), int(seed), str(settings)


def main(argv: list[str] | None = None) -> int:
    parser = seed_record_parser("python -m nas_utils.experiments.search_seeds",
                                "Every search tactic, N seeds, on the test cells (a record).", SEED_RECORD)
    parser.add_argument("--redo", default="", metavar="TACTIC[,TACTIC]",
                        help="drop these tactics' rows first and run them again (after a code change that alters them)")
    args = parse_seed_record_args(parser, argv)
    cfg = config.load("search")
    redo = [t for t in args.redo.split(",") if t]
    config.check_choices("--redo", redo, cfg.tactics)
    if args.fresh and Path(args.out).exists():
        Path(args.out).unlink()
    drop_tactics(args.out, redo)
    thresholds, igd_at = tuple(cfg.thresholds), tuple(dict.fromkeys((cfg.paper_linas_evals, cfg.budget)))
    extend_record(args.out, record_specs(cfg, args.seeds), lambda s: record_row(s, thresholds, igd_at),
                  lambda s: _key(s.tactic, s.dataset, s.device, s.seed, settings_key(dict(s.params))),
                  lambda r: _key(r["tactic"], r["dataset"], r["device"], r["seed"], r["settings"]),
                  workers=args.workers)
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
