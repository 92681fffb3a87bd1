"""Variants of one tactic on the super-network tables of stage ``search_supernet``: development and post hoc.

Two sets of checkpoints, written by stage ``supernet``:

* ``--checkpoints dev``: ``checkpoints/<family>/full_dev.pt``, each family's second seed (another
  warm-up seed, the same data and space). Settings for the super-network search are chosen here,
  by the rule of :func:`~nas_utils.experiments.supernet_dev.decide`, fixed before the rows are
  computed; stage ``search_supernet`` reports the records ``dev_<tactic>.csv`` and the rule's pick.
* ``--checkpoints test``: the stage's own ``full.pt`` (and its evaluation cache and latency store,
  so the unchanged setting reproduces the stage's histories). A post-hoc diagnostic: it chooses
  nothing.

The script runs ``tactic`` once with the stage's settings and once per ``--set`` variant on every
family and seed of the stage, and writes one row per (variant, family, seed): evaluations to each of
the stage's HV thresholds (``inf``: not reached within the budget), final HV, CPU seconds, the budget. The
latency objective is the stage's (a property of the architecture, not of the weights), so both
checkpoint sets share it.

    python -m nas_utils.experiments.supernet_variants hvgain --checkpoints dev --set ref_latency=2.0 \\
        --out data/preregistration/search_supernet/dev_hvgain.csv

An ``--out`` named ``cost_<tactic>.csv`` is a cost record (cheaper settings of the development pick for the
default profile); the script then prints the non-inferiority rule's table
(:func:`~nas_utils.experiments.supernet_dev.decide_cost`) instead of the adoption rule's. ``--baseline KEY=VALUE``
makes the record's baseline a baseline tactic's authors' setting that the stage cannot afford (rows labelled
``authors' setting``); the stage's own setting then runs as a variant, labelled by its values of those keys:

    python -m nas_utils.experiments.supernet_variants linas_faithful --checkpoints dev \\
        --baseline predictor_grid=dynast --out data/preregistration/search_supernet/cost_linas_faithful.csv
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from nas_utils import config
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.errors import ConfigError
from nas_utils.experiments import search_supernet as stage
from nas_utils.experiments.supernet_dev import AUTHORS, COST_RULE, RULE, STAGE, decide, decide_cost, run_record
from nas_utils.io import write_text

#: Checkpoint path templates of each set (stage ``supernet``'s outputs).
CHECKPOINTS = {"dev": "checkpoints/{supernet}/full_dev.pt", "test": "checkpoints/{supernet}/full.pt"}


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    """``["key=value", ...]`` -> settings (values read as YAML: numbers, booleans, strings)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {pair!r} is not valid; valid: KEY=VALUE, e.g. --set ref_point=predicted")
        out[key] = yaml.safe_load(value)
    return out


def variant_runs(tactic: str, overrides: dict[str, Any], label: str, checkpoints: str = "test") -> pd.DataFrame:
    """Every family x seed of stage ``search_supernet`` on the ``checkpoints`` set, with ``tactic``'s
    settings updated by ``overrides``."""
    config.check_choice("--checkpoints", checkpoints, tuple(CHECKPOINTS))
    sp = dict(config.read_params()["search_supernet"])
    if tactic not in sp["tactics"]:
        raise ConfigError(f"tactic {tactic!r} is not run by stage search_supernet; valid: {', '.join(sp['tactics'])}")
    params = {**sp["tactic_params"].get(tactic, {}), **overrides}
    # One budget for every family: the development rule censors each record at one budget.
    cfg = stage.script_config(tactics=[tactic], speedup_batch=0, budgets={}, checkpoint=CHECKPOINTS[checkpoints],
                              tactic_params={**sp["tactic_params"], tactic: params})
    result = stage.run(cfg)
    times = result.histories.groupby(["dataset", "seed"])["run_time_s"].first()
    rows = []
    for (family, seed), run in result.curves.groupby(["dataset", "seed"], sort=False):
        curve = run.sort_values("eval")["hv"].to_numpy()
        rows.append({"variant": label, "checkpoints": checkpoints, "settings": json.dumps(params, sort_keys=True),
                     "budget": cfg.budget, "family": family, "seed": int(seed), **run_record(curve, cfg.thresholds),
                     "cpu_s": float(times[(family, seed)])})
    return pd.DataFrame(rows)


def record_variants(tactic: str, baseline: dict[str, Any], overrides: dict[str, Any], label: str) -> dict[str, dict[str, Any]]:
    """Label -> settings changes of a record's variants, the baseline first: the stage's setting (:data:`STAGE`),
    or with ``baseline`` changes the authors' setting (:data:`AUTHORS`) and then the stage's own, labelled by its
    values of those keys (``predictor_grid=compact``); then the ``--set`` variant (``overrides``) under ``label``."""
    if not baseline:
        return {STAGE: {}} | ({label: overrides} if overrides else {})
    own = config.read_params()["search_supernet"]["tactic_params"].get(tactic, {})
    stage_label = ", ".join(f"{k}={own.get(k)}" for k in baseline)
    return {AUTHORS: baseline, stage_label: {}} | ({label: overrides} if overrides else {})


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.experiments.supernet_variants", description=__doc__.split("\n\n")[0])
    parser.add_argument("tactic", help="a tactic of params.yaml search_supernet.tactics")
    parser.add_argument("--checkpoints", default="dev", help=f"checkpoint set: {' | '.join(CHECKPOINTS)} (default dev)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="one setting of the variant (repeatable); the stage's setting always runs too")
    parser.add_argument("--baseline", action="append", default=[], metavar="KEY=VALUE",
                        help="the record's baseline is the stage's setting with these changed (repeatable): an "
                             "authors' setting the stage cannot afford; the stage's setting then runs as a variant")
    parser.add_argument("--out", type=Path, default=None, help="CSV to write (rows of other variants there are kept)")
    args = parser.parse_args(argv)
    overrides = parse_sets(args.set)
    variants = record_variants(args.tactic, parse_sets(args.baseline), overrides, ", ".join(args.set))
    df = pd.concat([variant_runs(args.tactic, o, label, args.checkpoints) for label, o in variants.items()],
                   ignore_index=True)
    if args.out:
        old = pd.read_csv(args.out) if args.out.exists() else pd.DataFrame(columns=df.columns)
        keep = old[~old["variant"].isin(df["variant"])]
        df = pd.concat([keep, df], ignore_index=True)
        write_text(args.out, df.to_csv(index=False))
    summary = df.groupby(["variant", "family"], sort=False)[[c for c in df.columns if c.startswith("evals@")]
                                                            + ["final_hv"]].median()
    print(summary.to_string())
    if args.checkpoints == "dev":
        budget = int(config.read_params()["search_supernet"]["budget"])
        base = next(iter(variants))
        if args.out is not None and args.out.name.startswith("cost_"):  # a cost record: non-inferiority
            print(f"\nCost rule ({COST_RULE}):\n{decide_cost(df, budget, base).to_string()}")
        else:
            print(f"\nRule ({RULE}):\n{decide(df, budget, base).to_string()}")
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
