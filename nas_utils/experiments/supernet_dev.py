"""The development record of the super-network search: which settings the pre-registered rule picks.

Settings of stage ``search_supernet`` that are not the NAS-Bench-201 ones are chosen on the
*development* super-networks (``checkpoints/<family>/full_dev.pt``: each family's second warm-up
seed) by :data:`RULE`, fixed before the rows were computed. The rows are written by
:mod:`nas_utils.experiments.supernet_variants` (``--checkpoints dev``) to
``data/preregistration/search_supernet/dev_<tactic>.csv``; the stage reads them
(:func:`dev_choices`) and reports each variant's verdict next to the settings it ran, so a reader
sees that the pick and ``params.yaml`` agree.

A *cost record* ``cost_<tactic>.csv`` (same columns, made by the same script) then judges cheaper settings of
the pick for the default profile by :data:`COST_RULE`, a non-inferiority rule: a variant that costs the
tactic (almost) nothing in quality on the development checkpoints qualifies, and of those the cheapest is
taken (:func:`cost_choices`). Its baseline rows are the development pick (:data:`STAGE`) or, for a baseline
tactic the stage runs below its authors' setting, that setting (:data:`AUTHORS`); a setting the cost record
changes is not held against the development record (:func:`dev_choices`).

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
from nas_utils.search.base import same_settings

#: Label of the stage's own settings in a record, and in the summary (the stage may have moved on since).
STAGE = "stage setting"
BASELINE = "stage setting when recorded"
#: Label of a cost record's baseline when it is a baseline tactic's authors' setting, which the stage cannot afford
#: (``supernet_variants --baseline``); the stage's own, cheaper setting is then a variant of the record.
AUTHORS = "authors' setting"
#: Where the records live (relative to the project root).
RECORD_DIR = "data/preregistration/search_supernet"
#: The adoption rule, fixed before the development rows were computed (session 11; the NB201 rule of
#: ``search.tactic_params.hvgain``): on HV ``threshold`` the mean over families of the median evaluations
#: (a run short of the threshold counts as budget + 1) falls by at least ``gain``, and no family's median
#: rises by more than ``worse``.
RULE = {"threshold": 0.995, "gain": 0.10, "worse": 0.10}


#: The non-inferiority rule of a cost record, fixed before its rows were computed (session 17, issue 13 §4):
#: a variant qualifies if the mean over families of the median evaluations to HV ``threshold`` (short runs at
#: budget + 1) rises by at most ``mean_worse`` and no family's median by more than ``worse``; of the
#: qualifying variants the one with the least CPU over its runs is picked.
COST_RULE = {"threshold": 0.995, "mean_worse": 0.05, "worse": 0.10}


def _medians(df: pd.DataFrame, budget: int, threshold: float, stage_label: str) -> pd.DataFrame:
    """Per variant and family the median evaluations to ``threshold`` (short runs at ``budget + 1``), their
    mean, its change against ``stage_label`` and the largest relative change of one family."""
    col = f"evals@{threshold:g}"
    med = (df.assign(**{col: df[col].clip(upper=budget + 1)})
           .groupby(["variant", "family"], sort=False)[col].median().unstack("family"))
    base = med.loc[stage_label]
    out = med.copy()
    out["mean"] = med.mean(axis=1)
    out["change"] = out["mean"] / base.mean() - 1
    out["worst_family"] = (med / base - 1).max(axis=1)
    return out


def decide(df: pd.DataFrame, budget: int, stage_label: str = STAGE) -> pd.DataFrame:
    """:data:`RULE` per variant against ``stage_label``: per family the median evaluations to the rule's
    threshold (short runs at ``budget + 1``), their mean, the change, the worst family, the verdict."""
    out = _medians(df, budget, RULE["threshold"], stage_label)
    out["adopt"] = (out["change"] <= -RULE["gain"]) & (out["worst_family"] <= RULE["worse"])
    out.loc[stage_label, "adopt"] = False
    return out


def decide_cost(df: pd.DataFrame, budget: int, stage_label: str = STAGE) -> pd.DataFrame:
    """:data:`COST_RULE` per variant against ``stage_label``: the columns of :func:`decide`, the CPU seconds
    summed over the variant's runs, and whether it qualifies (``adopt``; the baseline never does)."""
    out = _medians(df, budget, COST_RULE["threshold"], stage_label)
    out["cpu_s"] = df.groupby("variant", sort=False)["cpu_s"].sum()
    out["adopt"] = (out["change"] <= COST_RULE["mean_worse"]) & (out["worst_family"] <= COST_RULE["worse"])
    out.loc[stage_label, "adopt"] = False
    return out


def baseline_label(variants: Iterable[str]) -> str | None:
    """The label of a record's baseline rows: :data:`STAGE` or :data:`AUTHORS`, exactly one (else None)."""
    found = {STAGE, AUTHORS} & set(variants)
    return found.pop() if len(found) == 1 else None


def _read_record(path: Path, prefix: str) -> tuple[str, pd.DataFrame, int, str]:
    """A record's tactic (its file name after ``prefix``), its development rows, their one budget and the label
    of its baseline rows."""
    tactic = path.stem.removeprefix(prefix)
    runs = pd.read_csv(path)
    runs = runs[runs["checkpoints"] == "dev"]
    base = baseline_label(runs["variant"])
    if base is None or runs["budget"].nunique() != 1:
        raise ConfigError(f"{path}: needs '{STAGE}' (or '{AUTHORS}') rows on the dev checkpoints, all at one budget; "
                          f"regenerate it with `python -m nas_utils.experiments.supernet_variants {tactic} "
                          f"--checkpoints dev --set KEY=VALUE --out {path}`")
    return tactic, runs, int(runs["budget"].iloc[0]), base


def _choices(path: Path, tactic: str, runs: pd.DataFrame, budget: int, table: pd.DataFrame, pick: str,
             params: dict[str, Any] | None, base: str = STAGE) -> list[DevChoice]:
    """One record's variants (the baseline first) as :class:`DevChoice` rows; ``params``: what the stage runs."""
    families = list(dict.fromkeys(runs["family"]))
    out = []
    for variant in [base, *(v for v in table.index if v != base)]:
        row, mine = table.loc[variant], runs[runs["variant"] == variant]
        settings = str(mine["settings"].iloc[0])
        out.append(DevChoice(
            tactic=tactic, variant=BASELINE if variant == STAGE else str(variant), settings=settings,
            medians={f: float(row[f]) for f in families}, mean=float(row["mean"]), change=float(row["change"]),
            worst_family=float(row["worst_family"]), adopted=bool(row["adopt"]), chosen=variant == pick,
            in_params=same_settings(tactic, json.loads(settings), params or {}) is True,
            seeds=int(mine["seed"].nunique()),
            budget=budget, source=path.name, cpu_s=float(mine["cpu_s"].median()) if "cpu_s" in mine else None,
            final_hv={str(f): float(v) for f, v in mine.groupby("family", sort=False)["final_hv"].median().items()}
            if "final_hv" in mine else None))
    return out


def _judged(folder: str | Path, prefix: str, judge: Callable[[pd.DataFrame, int, str], pd.DataFrame], by: str,
            params_of: Callable[[str], dict[str, Any] | None]) -> list[DevChoice]:
    """Every record ``<prefix><tactic>.csv`` in ``folder`` judged by ``judge`` at its budget; per tactic the pick
    (of the variants the rule accepts, the lowest ``by``; else the baseline), ``params_of(tactic)``: what runs."""
    out = []
    for path in sorted(Path(folder).glob(f"{prefix}*.csv")):
        tactic, runs, budget, base = _read_record(path, prefix)
        table = judge(runs, budget, base)
        accepted = table[table["adopt"].astype(bool)]
        pick = str(accepted[by].idxmin()) if len(accepted) else base
        out += _choices(path, tactic, runs, budget, table, pick, params_of(tactic), base)
    return out


def cost_choices(folder: str | Path, tactic_params: dict[str, Any]) -> list[DevChoice]:
    """Every variant of every cost record ``cost_<tactic>.csv`` in ``folder``, judged by :func:`decide_cost`
    at the record's budget; per tactic the rule's pick (the qualifying variant with the least CPU, else the
    baseline) and whether each variant's settings are ``tactic_params``'s. No record: an empty list."""
    return _judged(folder, "cost_", decide_cost, "cpu_s", tactic_params.get)


def without_cost_settings(params: dict[str, Any] | None, cost: list[DevChoice]) -> dict[str, Any] | None:
    """``params`` with every setting that ``cost`` (one tactic's cost record) picked undone: keys its pick
    changes from its baseline take the baseline's value (or are dropped), so the development pick can be
    compared with what the stage runs. No pick beyond the baseline: ``params`` unchanged."""
    pick = next((c for c in cost[1:] if c.chosen), None)  # the baseline is listed first
    if params is None or pick is None:
        return params
    base = json.loads(cost[0].settings)
    new = json.loads(pick.settings)
    changed = {k for k in set(base) | set(new) if base.get(k, ...) != new.get(k, ...)}
    return {**{k: v for k, v in params.items() if k not in changed}, **{k: base[k] for k in changed if k in base}}


def dev_choices(folder: str | Path, tactic_params: dict[str, Any]) -> list[DevChoice]:
    """Every variant of every development record ``dev_<tactic>.csv`` in ``folder``, judged by :func:`decide`
    at the record's budget; per tactic the rule's pick (the adopted variant with the lowest mean, else the
    stage setting) and whether each variant's settings are ``tactic_params``'s (what the stage runs, with the
    cost record's pick undone: :func:`without_cost_settings`). No record: an empty list."""
    cost = cost_choices(folder, tactic_params)
    return _judged(folder, "dev_", decide, "mean", lambda tactic: without_cost_settings(
        tactic_params.get(tactic), [c for c in cost if c.tactic == tactic]))


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
