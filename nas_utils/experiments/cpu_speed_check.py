"""Does the CPU-speed probe track the speed of real stage work? (a check of :mod:`nas_utils.cpu_speed`)

For ``--minutes`` it alternates, in one single-threaded process, a probe reading with two fixed chunks
of stage work, each timed in thread CPU seconds:

* ``help_s``: 50 meta-training episodes of HELP on ND (``predictor_transfer``'s largest cost);
* ``search_s``: one ``hvgain`` search on cifar10/gold_6226, budget 100 (``search``'s near-limit tactic).

Each row is one round: the probe's index and workload times, then the two chunks. The summary gives
each series' median and range and the Spearman correlation of the index with each chunk's speed
(1 / CPU seconds). A probe that tracks the work correlates positively; one whose spread is its own
noise does not. Run it on an otherwise idle machine::

    python -m nas_utils.experiments.cpu_speed_check --minutes 15 --out data/checks/cpu_speed_check.csv
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from scipy import stats

from nas_utils import config
from nas_utils.cpu_speed import probe
from nas_utils.io import atomic_path
from nas_utils.scripts import OneLineParser, script_cli

HELP_EPISODES = 50
SEARCH = ("hvgain", "cifar10", "gold_6226", 100)


def _chunks() -> dict[str, Callable[[], object]]:
    """The two chunks of stage work as zero-argument callables (data loaded once, outside the timing)."""
    from nas_utils.evaluators import load_benchmark
    from nas_utils.search import run_search
    from nas_utils.transfer.data import load_task_data
    from nas_utils.transfer.help import Help, HelpSpec

    data = load_task_data("ND", 256)
    tactic, dataset, device, budget = SEARCH
    bench = load_benchmark("nb201", dataset, device)
    return {"help_s": lambda: Help(HelpSpec(episodes=HELP_EPISODES, valid_every=10 ** 6)).prepare(data, 0),
            "search_s": lambda: run_search(tactic, bench, budget, 0)}


def rounds(minutes: float) -> pd.DataFrame:
    """Probe, chunk, chunk, ... for ``minutes``; one row per round."""
    from threadpoolctl import threadpool_limits

    from nas_utils.runtime import torch_threads

    chunks = _chunks()
    rows: list[dict[str, float]] = []
    end = time.monotonic() + 60 * minutes
    with threadpool_limits(1), torch_threads(1):
        while time.monotonic() < end or not rows:
            reading = probe()
            row: dict[str, float] = {"round": len(rows), "index": reading["index"],
                                     **{f"probe_{k}_s": v for k, v in reading["times_s"].items()}}
            for name, work in chunks.items():
                start = time.thread_time()
                work()
                row[name] = round(time.thread_time() - start, 3)
            rows.append(row)
            print(row, flush=True)
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame) -> str:
    """Median and range of each series; Spearman of the index with each chunk's speed."""
    lines = [f"{len(df)} rounds"]
    for col in ("index", "help_s", "search_s"):
        lines.append(f"{col}: median {df[col].median():.3f}, range {df[col].min():.3f}-{df[col].max():.3f} "
                     f"({(df[col].max() / df[col].min() - 1) * 100:.1f} % spread)")
    for col in ("help_s", "search_s"):
        rho = stats.spearmanr(df["index"], 1 / df[col])
        lines.append(f"Spearman(index, 1/{col}) = {rho.statistic:.2f} (p {rho.pvalue:.2f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.experiments.cpu_speed_check", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="how long to alternate (default 20)")
    parser.add_argument("--out", type=Path, default=Path("data/checks/cpu_speed_check.csv"))
    args = parser.parse_args(argv)
    config.check_range("--minutes", args.minutes, low=0.0)
    df = rounds(args.minutes)
    with atomic_path(args.out) as tmp:
        df.to_csv(tmp, index=False)
    print(f"wrote {args.out}\n{summary(df)}")
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
