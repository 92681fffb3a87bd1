"""HELP on the FBNet tasks at its authors' budget: a record beside stage ``predictor_transfer`` (issue 12 §2).

HELP meta-trains 4,000 episodes on FBNet (its ``run_meta_training_fbnet.sh``). On the six FBNet
tasks x 5 trials that is ~35 CPU min, more than the default profile's 8-minute stage can hold,
so the default profile runs HELP on ND only. This script runs, once, exactly the HELP jobs the
stage would run on the FBNet tasks (same seeds, target samples, k and scoring protocols;
:func:`~nas_utils.experiments.predictor_transfer.write_help_record`) at HELP's budget and writes
their rows; the stage adds the rows made with its own settings to its results, as method
``help_record`` (``profiles/paper.yaml`` runs HELP inside the stage instead). It chooses
nothing: HELP is a baseline, and no verdict uses it::

    HWNAS_WORKERS=2 python -m nas_utils.experiments.help_record   # data/preregistration/predictors/help_fbnet.csv
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from nas_utils import config
from nas_utils.experiments.predictor_transfer import help_record_jobs, write_help_record
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.transfer.study import summarise


def main(argv: Sequence[str] | None = None) -> int:
    ap = OneLineParser(prog="python -m nas_utils.experiments.help_record", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=None, help="the record (default: the committed path)")
    args = ap.parse_args(argv)
    cfg = config.load("predictors")
    if not help_record_jobs(cfg):
        print("nothing to record: this profile runs HELP on every task, or has no FBNet task")
        return 0
    start = time.process_time()
    rows = write_help_record(cfg, args.out)
    print(summarise(rows).to_string(index=False))
    print(f"{len(rows)} rows; {time.process_time() - start:.0f} CPU s in this process (the jobs ran in workers)")
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
