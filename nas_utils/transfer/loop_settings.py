"""The predictor-in-the-loop settings, chosen on the development cells (issue 12 §4).

The loop (:func:`nas_utils.transfer.in_loop.run_cell`) measures ``k`` architectures on the device to
adapt the predictor, searches on predicted latency, and measures ``front_budget`` architectures of the
predicted front. :func:`grid_runs` runs every (k, front budget) of :data:`GRID` with the stage's other
settings (the pre-registered method, tactic and its settings, query and baseline budgets, sampler) on
notebook 05's development cells (``in_loop.DEV_CELLS``), never a test cell; :func:`summary_table`
gives per setting the stage's statistic, the median saving over every (cell, seed) run, with its
bootstrap interval. The rule (``data/preregistration/predictors/README.md``, "The in-loop settings"):
the highest median saving is adopted, a tie keeps the current setting.

Regenerate the committed record (~4 CPU s per (cell, seed) run, 180 runs; ``HWNAS_WORKERS=2`` halves the wall time)::

    nice -n 10 python -m nas_utils.transfer.loop_settings   # writes data/preregistration/predictors/loop_settings*.csv

>>> GRID[:2]
((5, 5), (5, 10))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from nas_utils import config, runtime
from nas_utils.io import atomic_path
from nas_utils.parallel import parallel_map
from nas_utils.paths import project_root
from nas_utils.results.predictors import LoopSettingRow
from nas_utils.runtime import torch_threads
from nas_utils.schemas.predictors import PredictorsConfig
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.stats import bootstrap_ci
from nas_utils.transfer import in_loop

#: (k, front budget) pairs; ``0`` = the whole predicted front
GRID: tuple[tuple[int, int], ...] = tuple(itertools.product((5, 10, 20), (5, 10, 20, 0)))
#: the committed record (summary; per-run rows beside it), relative to the project root
RECORD = Path("data/preregistration/predictors/loop_settings.csv")
SEEDS = 5
#: The setting in params.yaml when the rule was registered (session 22): a tie with it keeps it.
REGISTERED_CURRENT = (10, 10)


def record_path() -> Path:
    return project_root() / RECORD


def stage_config() -> PredictorsConfig:
    """Stage ``predictor_transfer``'s settings from params.yaml (the default profile)."""
    return config.parse("predictors", dict(config.read_params()["predictors"]))


def _run(job: tuple[PredictorsConfig, str, str, int, int, int]) -> pd.DataFrame:
    """One dev cell, one (k, front budget), ``seeds`` seeds seeded as the stage seeds its cells."""
    cfg, dataset, device, k, front, seeds = job
    spec = replace(in_loop.LoopSpec.from_config(cfg), k=k, front_budget=front or None, seeds=seeds)
    with torch_threads(runtime.settings().threads):  # as the stage runs its loop cells
        return in_loop.run_cell(dataset, device, spec, cfg.settings(), cfg.seed).assign(front_budget=front)


def grid_runs(cfg: PredictorsConfig | None = None, seeds: int = SEEDS,
              grid: Sequence[tuple[int, int]] = GRID) -> pd.DataFrame:
    """One row per (setting, dev cell, seed): :func:`in_loop.run_cell`'s columns plus ``front_budget``."""
    cfg = cfg or stage_config()
    jobs = [(cfg, ds, dev, k, front, seeds) for k, front in grid for ds, dev in in_loop.DEV_CELLS]
    frames = parallel_map(_run, jobs, workers=runtime.settings().workers, desc="loop settings")
    return pd.concat(frames, ignore_index=True)


def summary_table(runs: pd.DataFrame, current: tuple[int, int] = REGISTERED_CURRENT) -> pd.DataFrame:
    """Per (k, front budget), in :data:`GRID` order: median saving over every dev (cell, seed) run [bootstrap
    95 %], median measurements and HV, censored runs; ``chosen`` marks the rule's pick: the highest median saving
    (to two decimals); a tie keeps ``current`` if it is among the best, else goes to the first in grid order
    (the smaller k, then the smaller front budget: the fewer measurements)."""
    rows = []
    for (k, front), g in runs.groupby(["k", "front_budget"], sort=False):
        ci = bootstrap_ci(g.saving.to_numpy(dtype=float), np.median)
        rows.append({"k": int(k), "front_budget": int(front), "runs": len(g), "median_saving": float(g.saving.median()),
                     "ci_low": ci.low, "ci_high": ci.high, "median_measured": float(g.measured.median()),
                     "median_hv": float(g.hv.median()), "censored": int(g.censored.sum())})
    order = {setting: i for i, setting in enumerate(GRID)}
    table = pd.DataFrame(rows)
    table = table.iloc[np.argsort([order.get((k, f), len(order)) for k, f in zip(table.k, table.front_budget)],
                                  kind="stable")].reset_index(drop=True)
    score = table.median_saving.round(2)
    best = score == score.max()
    is_current = (table.k == current[0]) & (table.front_budget == current[1])
    pick = table.index[best & is_current] if (best & is_current).any() else table.index[best][:1]
    table["chosen"] = table.index.isin(pick)
    return table


def load_record(path: str | Path | None = None) -> pd.DataFrame:
    """The committed summary (:func:`summary_table`)."""
    return pd.read_csv(path or record_path())


def setting_rows(record: pd.DataFrame) -> list[LoopSettingRow]:
    """The record as typed summary rows."""
    return [LoopSettingRow(k=int(r.k), front_budget=int(r.front_budget), runs=int(r.runs),
                           median_saving=float(r.median_saving), ci_low=float(r.ci_low), ci_high=float(r.ci_high),
                           median_measured=float(r.median_measured), median_hv=float(r.median_hv),
                           censored=int(r.censored), chosen=bool(r.chosen))
            for r in record.itertuples()]


def main(argv: Sequence[str] | None = None) -> int:
    """Write the record: ``loop_settings.csv`` (summary) and ``loop_settings_runs.csv`` (per run)."""
    ap = OneLineParser(prog="python -m nas_utils.transfer.loop_settings", description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=SEEDS)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    config.check_range("--seeds", args.seeds, low=1)
    cfg = stage_config()
    runs = grid_runs(cfg, args.seeds)
    table = summary_table(runs)
    args.out = args.out or record_path()
    for path, df in ((args.out.with_name(args.out.stem + "_runs.csv"), runs), (args.out, table)):
        with atomic_path(path) as tmp:
            df.to_csv(tmp, index=False)
        print(f"wrote {path}")
    print(table.to_string(index=False))
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
