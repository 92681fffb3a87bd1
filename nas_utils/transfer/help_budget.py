"""What HELP's cheap setting costs (issue 12 §2): Spearman on a development target vs episodes.

HELP meta-trains for 2,000 episodes on NB201 (4,000 on FBNet); the default CPU profile affords
fewer. :func:`episode_table` measures the quality cost on HELP's own protocol (k = 10 random
support architectures from the target's trimmed train pool, Spearman on its 800 trimmed query
architectures) with **held-out source devices** as targets (``dev_ND``: ND's sources with
1080ti_32, silver_4210r and samsung_s7 held out, HELP's ND meta-validation devices), never a
test target. One meta-training run per trial goes to the largest budget and is scored at every
stop with the parameters a run of that many episodes ends with
(:meth:`~nas_utils.transfer.help.Help.prepare`), so every budget of a trial shares its seed and
its first episodes. CPU seconds are the meta-training's ``time.process_time`` up to the stop
(scoring excluded), single-threaded.

Regenerate the committed record (3 trials x 2,000 episodes; session 27: 417 CPU s, 4 min 37 s with HWNAS_WORKERS=2)::

    nice -n 10 python -m nas_utils.transfer.help_budget   # writes data/preregistration/predictors/help_episodes*.csv

After the verdicts, ``--post-hoc`` measures the same on the test task ND (the stage's targets, its
trials' seeds and support draws, so the stage's ``help_episodes`` column reproduces its HELP rows): what the cheap
setting costs HELP where it is reported. It chooses nothing: HELP's 2,000 episodes are its authors'
setting, and the default profile's budget is set by CPU cost alone::

    python -m nas_utils.transfer.help_budget --post-hoc --trials 5 --scales pool   # help_episodes_ND_posthoc*.csv

>>> from nas_utils.transfer.help_budget import STOPS
>>> STOPS
(300, 500, 1000, 2000)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from nas_utils import config, runtime
from nas_utils.io import atomic_path
from nas_utils.parallel import parallel_map
from nas_utils.results.predictors import HelpBudgetRow
from nas_utils.paths import project_root
from nas_utils.runtime import torch_threads
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.transfer.data import load_task_data
from nas_utils.transfer.help import TARGET_SCALES, Help, HelpSpec
from nas_utils.transfer.study import help_rows

#: episode budgets measured (HELP's NB201 setting is the last)
STOPS: tuple[int, ...] = (300, 500, 1000, 2000)
#: HELP's published NB201 meta-training budget
PAPER_EPISODES = 2000
#: the committed record, relative to the project root
RECORD = Path("data/preregistration/predictors/help_episodes.csv")
#: the post-hoc record on the test task (``--post-hoc``)
POST_HOC_TASK = "ND"
POST_HOC_RECORD = RECORD.with_name(f"help_episodes_{POST_HOC_TASK}_posthoc.csv")


def record_path(post_hoc: bool = False) -> Path:
    return project_root() / (POST_HOC_RECORD if post_hoc else RECORD)


def _trial(job: tuple[str, tuple[int, ...], int, int, tuple[str, ...]]) -> list[dict[str, object]]:
    """One seeded meta-training run of HELP on ``task``, scored at every stop and target scaling."""
    task, stops, seed, trial, scales = job
    with torch_threads(1):
        data = load_task_data(task, 1)
        h = Help(HelpSpec(episodes=max(stops)))
        rows: list[dict[str, object]] = []
        spent = {"eval": 0.0}
        start = time.process_time()

        def score(episode: int) -> None:
            t0 = time.process_time()
            train_cpu = t0 - start - spent["eval"]
            base = h.spec
            for scale in scales:
                h.spec = replace(base, target_scale=scale)
                for r in help_rows(data, [h], 10, trial, seed):
                    rows.append({"task": task, "episodes": episode, "target_scale": scale, "trial": trial,
                                 "target": r["target"], "spearman": r["spearman"], "train_cpu_s": round(train_cpu, 1)})
            h.spec = base
            spent["eval"] += time.process_time() - t0

        h.prepare(data, seed + trial, stops=stops, on_stop=score)
    return rows


def episode_table(task: str = "dev_ND", stops: Sequence[int] = STOPS, trials: int = 3, seed: int = 0,
                  scales: Sequence[str] = TARGET_SCALES, post_hoc: bool = False) -> pd.DataFrame:
    """Per (trial, episodes, target scaling, target): HELP-protocol Spearman and meta-training CPU s.

    Trials run over ``HWNAS_WORKERS`` processes; each is seeded from ``seed`` and its index alone.
    A test task only with ``post_hoc`` (a diagnostic after the verdicts).
    """
    if not (task.startswith("dev_") or (post_hoc and task == POST_HOC_TASK)):
        raise ValueError(f"{task} is not a development task (valid: dev_ND, dev_FD; {POST_HOC_TASK} with post_hoc)")
    jobs = [(task, tuple(sorted(stops)), seed, trial, tuple(scales)) for trial in range(trials)]
    out = parallel_map(_trial, jobs, workers=runtime.settings().workers)
    return pd.DataFrame([r for rows in out for r in rows])


def summary_table(raw: pd.DataFrame) -> pd.DataFrame:
    """Per (episodes, target scaling): mean over trials of the target-averaged Spearman, a Student-t
    95 % interval, the mean meta-training CPU s, and the cost in Spearman vs HELP's 2,000 episodes
    (mean of the paired per-trial differences, with its interval)."""
    per_trial = raw.groupby(["task", "target_scale", "episodes", "trial"], as_index=False).agg(
        spearman=("spearman", "mean"), train_cpu_s=("train_cpu_s", "first"))
    rows = []
    for (task, scale, episodes), g in per_trial.groupby(["task", "target_scale", "episodes"]):
        ref = per_trial[(per_trial.task == task) & (per_trial.target_scale == scale)
                        & (per_trial.episodes == per_trial.episodes.max())].set_index("trial").spearman
        diff = ref.loc[g.trial].to_numpy() - g.spearman.to_numpy()
        lo, hi = _t_interval(g.spearman.to_numpy())
        dlo, dhi = _t_interval(diff)
        rows.append({"task": task, "target_scale": scale, "episodes": int(episodes), "trials": len(g),
                     "spearman": g.spearman.mean(), "ci_low": lo, "ci_high": hi,
                     "cost_vs_max": diff.mean(), "cost_ci_low": dlo, "cost_ci_high": dhi,
                     "train_cpu_s": g.train_cpu_s.mean(), "cpu_s_per_episode": (g.train_cpu_s / episodes).mean()})
    return pd.DataFrame(rows).round(4)


def _t_interval(x: np.ndarray) -> tuple[float, float]:
    if len(x) < 2:
        return float("nan"), float("nan")
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean() - half), float(x.mean() + half)


def load_record(path: str | Path | None = None) -> pd.DataFrame:
    """The committed summary (:func:`summary_table` of the default :func:`episode_table`)."""
    return pd.read_csv(path or record_path())


def load_records() -> pd.DataFrame:
    """Every committed summary: the development record, then the post-hoc test one where it exists."""
    paths = [p for p in (record_path(), record_path(post_hoc=True)) if p.exists()]
    return pd.concat([load_record(p) for p in paths], ignore_index=True) if paths else pd.DataFrame()


def per_target_table(post_hoc: bool = True) -> pd.DataFrame:
    """Mean Spearman over trials per target device (rows) and episode budget (columns), HELP's label scaling,
    from a record's per-target file (empty where it is absent)."""
    path = record_path(post_hoc)
    path = path.with_name(path.stem + "_trials.csv")
    if not path.exists():
        return pd.DataFrame()
    raw = pd.read_csv(path)
    raw = raw[raw.target_scale == HelpSpec().target_scale]
    return raw.pivot_table(index="target", columns="episodes", values="spearman", aggfunc="mean").round(3)


def budget_rows(record: pd.DataFrame) -> list[HelpBudgetRow]:
    """The record as typed summary rows (the report's 'cost of the cheap setting')."""
    def opt(x: object) -> float | None:
        return None if pd.isna(x) else float(x)  # type: ignore[arg-type]

    return [HelpBudgetRow(task=str(r.task), target_scale=str(r.target_scale), episodes=int(r.episodes),
                          trials=int(r.trials), spearman=float(r.spearman), ci_low=opt(r.ci_low), ci_high=opt(r.ci_high),
                          cost_vs_max=float(r.cost_vs_max), cost_ci_low=opt(r.cost_ci_low),
                          cost_ci_high=opt(r.cost_ci_high), train_cpu_s=float(r.train_cpu_s))
            for r in record.itertuples()]


def main(argv: Sequence[str] | None = None) -> int:
    """Write the record: ``help_episodes.csv`` (summary) and ``help_episodes_trials.csv`` (per target)."""
    ap = OneLineParser(prog="python -m nas_utils.transfer.help_budget", description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--post-hoc", action="store_true",
                    help=f"the test task {POST_HOC_TASK} instead of dev_ND (a diagnostic after the verdicts)")
    ap.add_argument("--scales", default=",".join(TARGET_SCALES), help="target scalings, comma-separated")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    config.check_range("--trials", args.trials, low=1)
    scales = args.scales.split(",")
    config.check_choices("--scales", scales, TARGET_SCALES)
    raw = episode_table(POST_HOC_TASK if args.post_hoc else "dev_ND", trials=args.trials, scales=scales,
                        post_hoc=args.post_hoc)
    args.out = args.out or record_path(args.post_hoc)
    for path, df in ((args.out.with_name(args.out.stem + "_trials.csv"), raw), (args.out, summary_table(raw))):
        with atomic_path(path) as tmp:
            df.to_csv(tmp, index=False)
        print(f"wrote {path}")
    print(summary_table(raw).to_string(index=False))
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
