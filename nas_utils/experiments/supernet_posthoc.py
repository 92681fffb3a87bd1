"""Post-hoc variants of one tactic on the super-network tables of stage ``search_supernet`` (a diagnostic).

The three families are *test* families: nothing is chosen here. The script reruns one tactic, once
with the stage's settings and once per ``--set`` variant, on the stage's own tables (the committed
checkpoints, and the evaluation cache and latency store under ``checkpoints/``, so the unchanged
setting reproduces the stage's histories), and writes one row per (variant, family, seed):
evaluations to each of the stage's HV thresholds (``inf``: not reached within the budget), final
HV, CPU seconds. A setting that looks better here is a hypothesis for a pre-registered test on
development data, not a result.

    python -m nas_utils.experiments.supernet_posthoc hvgain --set ref_point=predicted \\
        --out data/preregistration/search_supernet/hvgain_posthoc.csv
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from nas_utils import config
from nas_utils.cli import record_cli
from nas_utils.errors import ConfigError
from nas_utils.experiments import search_supernet as stage
from nas_utils.io import write_text
from nas_utils.metrics import evals_to_threshold
from nas_utils.paths import project_root

STAGE = "stage setting"


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    """``["key=value", ...]`` -> settings (values read as YAML: numbers, booleans, strings)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {pair!r} is not valid; valid: KEY=VALUE, e.g. --set ref_point=predicted")
        out[key] = yaml.safe_load(value)
    return out


def variant_runs(tactic: str, overrides: dict[str, Any], label: str) -> pd.DataFrame:
    """Every family x seed of stage ``search_supernet`` with ``tactic``'s settings updated by ``overrides``."""
    sp = dict(config.read_params()["search_supernet"])
    if tactic not in sp["tactics"]:
        raise ConfigError(f"tactic {tactic!r} is not run by stage search_supernet; valid: {', '.join(sp['tactics'])}")
    params = {**sp["tactic_params"].get(tactic, {}), **overrides}
    cfg = config.parse("search_supernet", {**sp, "tactics": [tactic], "speedup_batch": 0,
                                           "eval_cache": str(project_root() / sp["eval_cache"]),  # the stage's, not scratch/
                                           "tactic_params": {**sp["tactic_params"], tactic: params}})
    result = stage.run(cfg)
    times = result.histories.groupby(["dataset", "seed"])["run_time_s"].first()
    rows = []
    for (family, seed), run in result.curves.groupby(["dataset", "seed"], sort=False):
        curve = run.sort_values("eval")["hv"].to_numpy()
        row = {"variant": label, "settings": json.dumps(params, sort_keys=True), "family": family, "seed": int(seed),
               "final_hv": float(curve[-1]), "cpu_s": float(times[(family, seed)])}
        for thr in cfg.thresholds:
            hit = evals_to_threshold(curve, thr)
            row[f"evals@{thr:g}"] = np.inf if hit is None else float(hit)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tactic", help="a tactic of params.yaml search_supernet.tactics")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="one setting of the variant (repeatable); the stage's setting always runs too")
    parser.add_argument("--out", type=Path, default=None, help="CSV to write (rows of other variants there are kept)")
    args = parser.parse_args(argv)
    overrides = parse_sets(args.set)
    variants: dict[str, dict[str, Any]] = {STAGE: {}} | ({", ".join(args.set): overrides} if overrides else {})
    df = pd.concat([variant_runs(args.tactic, o, label) for label, o in variants.items()], ignore_index=True)
    summary = df.groupby(["variant", "family"], sort=False)[[c for c in df.columns if c.startswith("evals@")]
                                                            + ["final_hv"]].median()
    print(summary.to_string())
    if args.out:
        old = pd.read_csv(args.out) if args.out.exists() else pd.DataFrame(columns=df.columns)
        keep = old[~old["variant"].isin(df["variant"])]
        write_text(args.out, pd.concat([keep, df], ignore_index=True).to_csv(index=False, float_format="%.6g"))
    return 0


cli = record_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
