"""The few-shot transfer protocol: k target samples, seeded trials, rank metrics.

Two protocols, always labelled in the output column ``protocol``:

* ``all_archs`` (NASFLAT's intent): Spearman and Kendall between predicted and measured latency
  over **all** architectures of the space (the k samples included), one score per
  (target device, k, trial). We score every architecture and restore a fresh deep copy of the
  pre-trained weights for every target and trial -- NASFLAT's code scores only indices 0-127
  and carries fine-tuned state over (ALGORITHMS.md §4.9 quirks); we fix both.
* ``help_800`` (HELP, ALGORITHMS.md §3.2/3.7): per target, the first 900 (NB201) / 4000 (FBNet)
  architectures are the train pool and the next 1000 the query pool; both are trimmed to their
  10-90 % latency ranks; k samples are drawn at random from the trimmed train pool and Spearman
  is computed on the 800 trimmed query architectures.

Each method is prepared (pre-trained) once per task and reused across targets, k and trials.

>>> from nas_utils.transfer.study import help_pools
>>> import numpy as np
>>> train, query = help_pools(np.arange(2000.0), "nb201"); len(train), len(query)
(720, 800)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from nas_utils.progress import bar

from nas_utils.errors import ConfigError
from nas_utils.metrics import rank_correlation
from nas_utils.transfer.data import HELP_TRAIN_POOL, TaskData
from nas_utils.transfer.methods import TransferMethod
from nas_utils.transfer.samplers import select


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def sample_features(data: TaskData) -> np.ndarray:
    """Encoding the samplers cluster on: one-hot plus standardised log-FLOPs/params."""
    return np.concatenate([data.onehot, data.archs.supp.numpy()], axis=1)


def prepare_all(data: TaskData, methods: Sequence[TransferMethod], seed: int) -> None:
    for m in methods:
        m.prepare(data, seed)


def run_all_archs(
    data: TaskData, methods: Sequence[TransferMethod], ks: Iterable[int], trials: int, sampler: str, seed: int,
    progress: bool = False,
) -> pd.DataFrame:
    """Score every method on every target, k and trial over all architectures (``all_archs``).

    The k samples of a (target, k, trial) are the same for every method.

    Raises:
        ConfigError: a k larger than the space.
    """
    ks = list(ks)
    n = len(data.X)
    for k in ks:
        if not 1 <= k <= n:
            raise ConfigError(f"k={k} is out of range; valid: [1, {n}] (architectures of {data.task.space})")
    feats, flops = sample_features(data), data.cost[:, 0]
    rows = []
    combos = [(t, trial, k) for t in range(len(data.task.targets)) for trial in range(trials) for k in ks]
    for t, trial, k in bar(combos, desc=data.task.name, disable=not progress):
        idx = select(sampler, feats, k, _rng(seed, t, trial, k), cost=flops)
        y = data.tgt_lat[:, t]
        for m in methods:
            rho, tau = rank_correlation(m.predict(data, t, idx, seed + trial), y)
            rows.append(_row(data, t, m.name, k, trial, sampler, "all_archs", rho, tau))
    return pd.DataFrame(rows)


def help_pools(latency: np.ndarray, space: str) -> tuple[np.ndarray, np.ndarray]:
    """HELP's trimmed (train, query) index pools for one device's latency column."""
    n_train = HELP_TRAIN_POOL[space]
    pools = []
    for lo, hi in ((0, n_train), (n_train, n_train + 1000)):
        idx = np.arange(lo, hi)
        order = idx[np.argsort(latency[idx], kind="stable")]
        pools.append(np.sort(order[int(0.1 * len(idx)):int(0.9 * len(idx))]))
    return pools[0], pools[1]


def run_help_protocol(
    data: TaskData, methods: Sequence[TransferMethod], k: int, trials: int, seed: int
) -> pd.DataFrame:
    """HELP's protocol (``help_800``): random k from the trimmed train pool, Spearman on 800 queries."""
    rows = []
    for t in range(len(data.task.targets)):
        y = data.tgt_lat[:, t]
        train, query = help_pools(y, data.task.space)
        for trial in range(trials):
            idx = np.sort(_rng(seed, t, trial, k, 800).choice(train, size=k, replace=False))
            for m in methods:
                rho, tau = rank_correlation(m.predict(data, t, idx, seed + trial)[query], y[query])
                rows.append(_row(data, t, m.name, k, trial, "random", "help_800", rho, tau))
    return pd.DataFrame(rows)


def _row(data: TaskData, t: int, method: str, k: int, trial: int, sampler: str, protocol: str,
         rho: float, tau: float) -> dict[str, object]:
    return {"task": data.task.name, "space": data.task.space, "target": data.task.targets[t], "method": method,
            "k": k, "trial": trial, "sampler": sampler, "protocol": protocol, "spearman": rho, "kendall": tau}


def summarise(df: pd.DataFrame, by: Sequence[str] = ("protocol", "task", "method", "k")) -> pd.DataFrame:
    """Mean and std over trials of the per-device-averaged scores.

    Per trial the scores are first averaged over the task's target devices (as NASFLAT reports),
    then mean and std are taken over trials.
    """
    by = list(by)
    per_trial = df.groupby(by + ["trial"], as_index=False)[["spearman", "kendall"]].mean()
    out = per_trial.groupby(by).agg(spearman=("spearman", "mean"), spearman_std=("spearman", "std"),
                                    kendall=("kendall", "mean"), kendall_std=("kendall", "std"),
                                    trials=("trial", "nunique"))
    return out.reset_index()
