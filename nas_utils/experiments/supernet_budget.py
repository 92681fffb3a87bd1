"""The budget of one family of the super-network search, by the rule pre-registered in
``data/preregistration/search_supernet/README.md`` ("Budget per family").

Issue 13 §2 asks for a budget at which the best tactic reaches HV 0.99 of the reference front. The
budget is the comparison's censoring horizon, the same for every tactic of a family, so it chooses
no method. The script runs every tactic of stage ``search_supernet`` on one family's table (the
stage's checkpoint, evaluation cache and latency store, so nothing is re-evaluated) with the top of
the ladder as budget, the stage's seeds and settings, and records per run:

* evaluations to each of the stage's HV thresholds (``inf``: not within the run's budget), final HV,
  the tactic's CPU seconds;
* ``prefix_equal``: whether the run's first evaluations, up to the budget the stage ran, are the
  stage's history (``reports/search_supernet/histories.parquet``). Where every run's are, a larger
  budget only turns censored counts into values, and the counts at a smaller budget of the ladder are
  these truncated.

It prints the rule's table: per ladder budget, the seeds of each tactic within it, and the pick.

    python -m nas_utils.experiments.supernet_budget resnet_1d --out data/preregistration/search_supernet/budget_resnet_1d.csv
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from nas_utils import config
from nas_utils.experiments import search_supernet as stage
from nas_utils.experiments.supernet_dev import BUDGET_RULE as RULE, LADDER, rule_table, run_record
from nas_utils.io import write_text
from nas_utils.paths import input_path
from nas_utils.scripts import OneLineParser, script_cli

#: The stage's record the prefixes are compared with.
STAGE_HISTORIES = "reports/search_supernet/histories.parquet"


def budget_runs(family: str, budget: int) -> pd.DataFrame:
    """Every tactic x seed of stage ``search_supernet`` on ``family``'s table with ``budget``; one row per run."""
    config.check_choice("family", family, tuple(config.read_params()["search_supernet"]["supernets"]))
    cfg = stage.script_config(supernets=[family], budget=budget, budgets={}, speedup_batch=0)
    start = time.perf_counter()
    result = stage.run(cfg)
    print(f"{family}: {len(cfg.tactics)} tactics x {cfg.seeds} seeds at budget {budget} in "
          f"{time.perf_counter() - start:.0f} s wall")
    recorded = pd.read_parquet(input_path(STAGE_HISTORIES))
    recorded = recorded[recorded["dataset"] == family]
    stage_budget = int(recorded["eval"].max())
    times = result.histories.groupby(["tactic", "seed"])["run_time_s"].first()
    rows = []
    for (tactic, seed), run in result.curves.groupby(["tactic", "seed"], sort=False):
        curve = run.sort_values("eval")["hv"].to_numpy()
        new = result.histories[(result.histories["tactic"] == tactic) & (result.histories["seed"] == seed)]
        old = recorded[(recorded["tactic"] == tactic) & (recorded["seed"] == seed)]
        prefix = new[new["eval"] <= stage_budget].sort_values("eval")["arch"].tolist()
        rows.append({"family": family, "tactic": tactic, "seed": int(seed), "budget": budget,
                     **run_record(curve, cfg.thresholds), "cpu_s": float(times[(tactic, seed)]),
                     "stage_budget": stage_budget, "prefix_equal": prefix == old.sort_values("eval")["arch"].tolist()})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.experiments.supernet_budget", description=__doc__.split("\n\n")[0])
    parser.add_argument("family", help="a super-network of params.yaml search_supernet.supernets")
    parser.add_argument("--budget", type=int, default=LADDER[-1], help=f"budget of the runs (default {LADDER[-1]})")
    parser.add_argument("--out", type=Path, default=None, help="CSV to write (rows of other families there are kept)")
    args = parser.parse_args(argv)
    config.check_range("--budget", args.budget, low=2)
    runs = budget_runs(args.family, args.budget)
    if not runs["prefix_equal"].all():
        bad = runs.loc[~runs["prefix_equal"], ["tactic", "seed"]].to_string(index=False)
        print(f"Histories that depend on the budget (the rule needs runs at each ladder budget):\n{bad}")
    if args.out:
        old = pd.read_csv(args.out) if args.out.exists() else pd.DataFrame(columns=runs.columns)
        runs = pd.concat([old[old["family"] != args.family], runs], ignore_index=True)
        write_text(args.out, runs.to_csv(index=False))
        runs = runs[runs["family"] == args.family]
    table, pick = rule_table(runs)
    print(f"\nSeeds (of {runs['seed'].nunique()}) within HV {RULE['threshold']:g} at each budget:\n{table.to_string()}")
    print(f"\nRule ({RULE}): budget {pick}" if pick else f"\nRule ({RULE}): no budget of the ladder meets it")
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
