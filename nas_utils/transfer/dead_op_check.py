"""The dead-op development check of the latency predictors (issue 12; the record behind the third registration).

raspi4 (an ND test target) and pixel3 (an ND source) drop the NB201 ops that cannot reach the output
(:func:`nas_utils.spaces.nb201_output_ops`). ``stack_linear_blocks_out`` is the second
registration's ``stack_linear_blocks`` with its operation features extended by the ops that reach the output. This
script compares the two, paired by sample draw (:func:`~nas_utils.transfer.development.paired_comparison`),
on the development task that holds pixel3 out of ND's sources
(:data:`~nas_utils.transfer.tasks.DEAD_OP_DEV_TASK`) and on the development tasks
(:data:`~nas_utils.transfer.tasks.DEV_TASKS`), with fresh sample draws (seed 2). The reading was fixed
before the run (``data/preregistration/predictors/README.md``, "Session 28")::

    python -m nas_utils.transfer.dead_op_check   # data/preregistration/predictors/dead_op_check.csv
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from nas_utils.paths import project_root
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.transfer.development import paired_comparison
from nas_utils.transfer.stacking import LINEAR_BLOCKS, LINEAR_BLOCKS_OUT
from nas_utils.transfer.tasks import DEAD_OP_DEV_TASK, DEV_TASKS

RECORD = "data/preregistration/predictors/dead_op_check.csv"
BASELINE = "stack_linear_blocks"
SPECS = {BASELINE: LINEAR_BLOCKS, "stack_linear_blocks_out": LINEAR_BLOCKS_OUT}


def check(trials: int = 10, seed: int = 2, k: int = 20) -> pd.DataFrame:
    """One row per (task group, candidate): mean Spearman per task, the paired difference to the
    second registration's stack over the group's tasks, with its 95 % t interval over trials."""
    groups = {"dead_op": (DEAD_OP_DEV_TASK,), "dev_tasks": DEV_TASKS}
    tables = [paired_comparison(SPECS, BASELINE, k=k, trials=trials, seed=seed, tasks=tasks).assign(group=group)
              for group, tasks in groups.items()]
    return pd.concat(tables).rename_axis("candidate").reset_index()


def main(argv: Sequence[str] | None = None) -> int:
    ap = OneLineParser(prog="python -m nas_utils.transfer.dead_op_check", description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--out", type=Path, default=None, help="the record (default: the committed path)")
    args = ap.parse_args(argv)
    if args.trials < 2:
        ap.error(f"--trials={args.trials} is out of range; valid: an integer >= 2 (an interval needs two)")
    start = time.process_time()
    table = check(args.trials)
    table.to_csv(args.out or project_root() / RECORD, index=False)
    print(table.to_string(index=False))
    print(f"{time.process_time() - start:.0f} CPU s")
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
