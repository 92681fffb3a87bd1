"""The development record of the super-network search: which settings the pre-registered rule picks.

Settings of stage ``search_supernet`` that are not the NAS-Bench-201 ones are chosen on the
*development* super-networks (``checkpoints/<family>/full_dev.pt``: each family's second warm-up
seed) by :data:`RULE`, fixed before the rows were computed. The rows are written by
:mod:`nas_utils.experiments.supernet_variants` (``--checkpoints dev``) to
``data/preregistration/search_supernet/dev_<tactic>.csv``; the stage reads them
(:func:`dev_choices`) and reports each variant's verdict next to the settings it ran, so a reader
sees that the pick and ``params.yaml`` agree.

The per-family budget is the second recorded choice (:data:`BUDGET_RULE`, pre-registered in the
folder's README, "Budget per family"): the censoring horizon, the same for every tactic, read on the
stage's own checkpoints from runs at the ladder's top, ``budget_<family>.csv``, written by
:mod:`nas_utils.experiments.supernet_budget`; :func:`budget_choices` reads them.
"""

from __future__ import annotations

import json
from pathlib import Path
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from nas_utils.errors import ConfigError
from nas_utils.metrics import evals_to_threshold
from nas_utils.results.search_supernet import BudgetChoice, DevChoice

#: Label of the stage's own settings in a record, and in the summary (the stage may have moved on since).
STAGE = "stage setting"
BASELINE = "stage setting when recorded"
#: Where the records live (relative to the project root).
RECORD_DIR = "data/preregistration/search_supernet"
#: The adoption rule, fixed before the development rows were computed (session 11; the NB201 rule of
#: ``search.tactic_params.hvgain``): on HV ``threshold`` the mean over families of the median evaluations
#: (a run short of the threshold counts as budget + 1) falls by at least ``gain``, and no family's median
#: rises by more than ``worse``.
RULE = {"threshold": 0.995, "gain": 0.10, "worse": 0.10}


def decide(df: pd.DataFrame, budget: int, stage_label: str = STAGE) -> pd.DataFrame:
    """:data:`RULE` per variant against ``stage_label``: per family the median evaluations to the rule's
    threshold (short runs at ``budget + 1``), their mean, the change, the worst family, the verdict."""
    col = f"evals@{RULE['threshold']:g}"
    med = (df.assign(**{col: df[col].clip(upper=budget + 1)})
           .groupby(["variant", "family"], sort=False)[col].median().unstack("family"))
    base = med.loc[stage_label]
    out = med.copy()
    out["mean"] = med.mean(axis=1)
    out["change"] = out["mean"] / base.mean() - 1
    out["worst_family"] = (med / base - 1).max(axis=1)
    out["adopt"] = (out["change"] <= -RULE["gain"]) & (out["worst_family"] <= RULE["worse"])
    out.loc[stage_label, "adopt"] = False
    return out


def dev_choices(folder: str | Path, tactic_params: dict[str, Any]) -> list[DevChoice]:
    """Every variant of every development record ``dev_<tactic>.csv`` in ``folder``, judged by :func:`decide`
    at the record's budget; per tactic the rule's pick (the adopted variant with the lowest mean, else the
    stage setting) and whether each variant's settings are ``tactic_params``'s (what the stage runs). No
    record: an empty list."""
    out = []
    for path in sorted(Path(folder).glob("dev_*.csv")):
        tactic = path.stem.removeprefix("dev_")
        runs = pd.read_csv(path)
        runs = runs[runs["checkpoints"] == "dev"]
        if STAGE not in set(runs["variant"]) or runs["budget"].nunique() != 1:
            raise ConfigError(f"{path}: needs '{STAGE}' rows on the dev checkpoints, all at one budget; regenerate "
                              f"it with `python -m nas_utils.experiments.supernet_variants {tactic} --checkpoints dev "
                              f"--set KEY=VALUE --out {path}`")
        budget = int(runs["budget"].iloc[0])
        table = decide(runs, budget)
        families = list(dict.fromkeys(runs["family"]))
        adopted = table[table["adopt"].astype(bool)]
        pick = str(adopted["mean"].idxmin()) if len(adopted) else STAGE
        for variant in [STAGE, *(v for v in table.index if v != STAGE)]:  # the baseline first
            row, mine = table.loc[variant], runs[runs["variant"] == variant]
            settings = str(mine["settings"].iloc[0])
            out.append(DevChoice(
                tactic=tactic, variant=BASELINE if variant == STAGE else str(variant), settings=settings,
                medians={f: float(row[f]) for f in families}, mean=float(row["mean"]), change=float(row["change"]),
                worst_family=float(row["worst_family"]), adopted=bool(row["adopt"]), chosen=variant == pick,
                in_params=json.loads(settings) == tactic_params.get(tactic), seeds=int(mine["seed"].nunique()),
                budget=budget, source=path.name, cpu_s=float(mine["cpu_s"].median()) if "cpu_s" in mine else None))
    return out


#: The budgets the budget rule may choose, smallest first.
LADDER = (250, 300, 350, 400, 500, 600)
#: The budget rule: the smallest ladder budget at which some tactic reaches HV ``threshold`` in ``min_seeds`` seeds.
BUDGET_RULE = {"threshold": 0.99, "min_seeds": 3}


def run_record(curve: np.ndarray, thresholds: Iterable[float]) -> dict[str, float]:
    """One run's HV curve as a record's columns: ``final_hv`` and ``evals@<threshold>`` (``inf``: not reached)."""
    row = {"final_hv": float(curve[-1])}
    for thr in thresholds:
        hit = evals_to_threshold(curve, thr)
        row[f"evals@{thr:g}"] = np.inf if hit is None else float(hit)
    return row


def rule_table(runs: pd.DataFrame, ladder: tuple[int, ...] = LADDER) -> tuple[pd.DataFrame, int | None]:
    """Seeds of each tactic within HV ``BUDGET_RULE["threshold"]`` at each ladder budget up to the runs' (which
    are truncated there), and the rule's pick: the smallest budget where some tactic has ``min_seeds`` (None: none)."""
    col = f"evals@{BUDGET_RULE['threshold']:g}"
    top = int(runs["budget"].min())
    table = pd.DataFrame({b: runs.groupby("tactic", sort=False)[col].apply(lambda v, b=b: int((v <= b).sum()))
                          for b in ladder if b <= top})
    meets = [b for b in table.columns if table[b].max() >= BUDGET_RULE["min_seeds"]]
    return table, (min(meets) if meets else None)


def budget_choices(folder: str | Path, budget_of: Callable[[str], int]) -> list[BudgetChoice]:
    """Every family record ``budget_<family>.csv`` in ``folder``: the rule's table and pick, and the budget the
    stage runs (``budget_of(family)``). No record: an empty list."""
    out = []
    for path in sorted(Path(folder).glob("budget_*.csv")):
        family = path.stem.removeprefix("budget_")
        runs = pd.read_csv(path)
        table, pick = rule_table(runs)
        out.append(BudgetChoice(
            family=family, runs_budget=int(runs["budget"].min()), seeds=int(runs["seed"].nunique()),
            prefix_equal=bool(runs["prefix_equal"].all()),
            reached={str(t): {str(b): int(n) for b, n in row.items()} for t, row in table.iterrows()},
            picked=pick, in_params=budget_of(family) == pick, source=path.name))
    return out
