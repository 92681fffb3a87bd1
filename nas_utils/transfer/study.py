"""The few-shot transfer protocols: k target samples, seeded trials, rank metrics.

Every row of the output is labelled with its ``protocol``:

* ``all_archs`` (ours): Spearman and Kendall between predicted and measured latency over
  **all** architectures of the space (the k samples included), with a fresh copy of the
  pre-trained weights for every target. The verdict uses this protocol.
* ``nasflat_128`` (NASFLAT's code as run, ALGORITHMS.md §4.9): Spearman over architectures
  0-127 only (its fine-tuning loop stops after the first, unshuffled test batch of 128), and
  the fine-tuned weights are not reset: within a trial every fine-tuning (targets in order, then
  k) starts from the previous one's weights. NASFLAT additionally averages the score over the
  last 4 fine-tuning epochs; we score after the last epoch.
* ``help_800`` / ``help_800_ref`` (HELP, ALGORITHMS.md §3.2/3.7): per target, the first 900
  (NB201) / 4000 (FBNet) architectures are the train pool and the next 1000 the query pool, both
  trimmed to their 10-90 % latency ranks; k random support samples from the trimmed train pool,
  Spearman on the 800 trimmed query architectures (``_ref``: plus HELP's 10 reference
  architectures measured, HELP's own budget).

Each trial re-runs every method's pre-training with its own seed (NASFLAT's trials do too).

>>> from nas_utils.transfer.study import help_pools
>>> import numpy as np
>>> train, query = help_pools(np.arange(2000.0), "nb201"); len(train), len(query)
(720, 800)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from nas_utils.progress import bar

from nas_utils.errors import ConfigError
from nas_utils.metrics import rank_correlation
from nas_utils.transfer.data import TaskData, help_pools
from nas_utils.transfer.methods import TransferMethod
from nas_utils.transfer.samplers import REGRESSION_SPACE, select
from nas_utils.transfer.stacking import regression_features


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def sample_features(data: TaskData, sampler: str = "kmeans_cosine") -> np.ndarray:
    """Encoding the samplers cluster on: one-hot plus standardised log-FLOPs/params, or for the
    samplers in :data:`~nas_utils.transfer.samplers.REGRESSION_SPACE` the standardised features of
    the source/operation regression (no target data either way)."""
    if sampler in REGRESSION_SPACE:
        F = regression_features(data)["source_ops"]
        return (F - F.mean(axis=0)) / np.where(F.std(axis=0) > 0, F.std(axis=0), 1.0)
    return np.concatenate([data.onehot, data.archs.supp.numpy()], axis=1)


@dataclass(frozen=True)
class Protocol:
    """How a (target, k) draw is scored: which architectures, and whether fine-tuning resets."""

    name: str
    scored_rows: int | None  # score architectures 0..scored_rows-1 (None: all of them)
    carry_over: bool  # fine-tuning starts from the previous target's fine-tuned weights
    description: str

    def rows(self, n: int) -> slice:
        return slice(0, n if self.scored_rows is None else min(self.scored_rows, n))


PROTOCOLS: dict[str, Protocol] = {p.name: p for p in (
    Protocol("all_archs", None, False, "ours: Spearman over every architecture, pre-trained weights restored "
                                       "for every target"),
    Protocol("nasflat_128", 128, True, "NASFLAT's code: Spearman over architectures 0-127 only, fine-tuned "
                                       "weights carried from one target (and k) to the next within a trial"),
)}


def _check_ks(ks: Sequence[int], n: int) -> None:
    for k in ks:
        if not 1 <= k <= n:
            raise ConfigError(f"k={k} is out of range; valid: [1, {n}] (architectures of the space)")


def run_trials(
    data: TaskData, methods: Sequence[TransferMethod], ks: Iterable[int], trials: int, sampler: str, seed: int,
    protocols: Sequence[str] = ("all_archs", "nasflat_128"), help_k: int | None = None, progress: bool = False,
    trial_ids: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Score every method on every target, k and trial under each protocol.

    Each trial re-runs every method's pre-training with its own seed (``seed + trial``) and is
    then scored under every protocol of ``protocols`` (in NASFLAT's loop order: targets, then k;
    the carried state is reset at the start of each protocol). The k samples of a (target, k,
    trial) are the same for every method and protocol. With ``help_k``, HELP's protocol
    (:func:`help_rows`) is scored in the same trials. ``trial_ids`` runs only those of the
    ``trials`` (their rows are the ones the whole call gives for them: a trial's draws and seeds
    depend on its index alone), so trials can run as separate jobs.

    Raises:
        ConfigError: a k larger than the space, or an unknown protocol.
    """
    ks = list(ks)
    _check_ks(ks, len(data.X))
    for p in protocols:
        if p not in PROTOCOLS:
            raise ConfigError(f"protocol {p!r} is unknown; valid: {', '.join(PROTOCOLS)}")
    feats, flops = sample_features(data, sampler), data.cost[:, 0]
    run = list(range(trials) if trial_ids is None else trial_ids)
    draws = {(t, trial, k): select(sampler, feats, k, _rng(seed, t, trial, k), cost=flops)
             for t in range(len(data.task.targets)) for trial in run for k in ks}
    rows: list[dict[str, object]] = []
    for trial in bar(run, desc=data.task.name, disable=not progress):
        trial_seed = seed + trial
        for m in methods:
            m.prepare(data, trial_seed)
        scores: dict[tuple[int, int, int], np.ndarray] = {}  # stateless methods: one prediction for every protocol
        for name in protocols:
            proto = PROTOCOLS[name]
            for m in methods:
                m.set_carry_over(proto.carry_over)
            for t in range(len(data.task.targets)):
                y = data.tgt_lat[proto.rows(len(data.X)), t]
                for k in ks:
                    idx = draws[t, trial, k]
                    for i, m in enumerate(methods):
                        pred = None if m.stateful else scores.get((i, t, k))
                        if pred is None:
                            pred = m.predict(data, t, idx, trial_seed)
                            if not m.stateful:
                                scores[i, t, k] = pred
                        rho, tau = rank_correlation(pred[proto.rows(len(data.X))], y)
                        rows.append(_row(data, t, m.name, k, trial, sampler, name, rho, tau))
        for m in methods:
            m.set_carry_over(False)
        if help_k is not None:
            rows += help_rows(data, methods, help_k, trial, seed)
    return pd.DataFrame(rows)


def help_rows(data: TaskData, methods: Sequence[TransferMethod], k: int, trial: int, seed: int) -> list[dict[str, object]]:
    """HELP's protocol for one (already prepared) trial.

    ``help_800``: k random support architectures from the target's trimmed train pool,
    Spearman on its 800 trimmed query architectures. ``help_800_ref``: the same, but methods
    other than HELP also measure HELP's 10 reference architectures (HELP's budget: k + 10).
    """
    rows = []
    for t in range(len(data.task.targets)):
        y = data.tgt_lat[:, t]
        train, query = help_pools(y, data.task.space)
        idx = np.sort(_rng(seed, t, trial, k, 800).choice(train, size=k, replace=False))
        with_ref = np.union1d(idx, data.help_ref)
        for m in methods:
            budgets = [("help_800", idx)]
            if m.extra_target_measurements == 0:
                budgets.append(("help_800_ref", with_ref))
            for name, rows_k in budgets:
                rho, tau = rank_correlation(m.predict_rows(data, t, rows_k, seed + trial, query), y[query])
                rows.append(_row(data, t, m.name, k, trial, "random", name, rho, tau))
    return rows


def _row(data: TaskData, t: int, method: str, k: int, trial: int, sampler: str, protocol: str,
         rho: float, tau: float) -> dict[str, object]:
    return {"task": data.task.name, "space": data.task.space, "target": data.task.targets[t], "method": method,
            "k": k, "trial": trial, "sampler": sampler, "protocol": protocol, "spearman": rho, "kendall": tau}


def summarise(df: pd.DataFrame, by: Sequence[str] = ("protocol", "task", "method", "k")) -> pd.DataFrame:
    """Mean, std and 95 % interval over trials of the per-device-averaged scores.

    Per trial the scores are first averaged over the task's target devices (as NASFLAT reports),
    then mean, std and a Student-t 95 % interval of the mean (``ci_low``, ``ci_high``; NaN with
    one trial) are taken over trials.
    """
    by = list(by)
    per_trial = df.groupby(by + ["trial"], as_index=False)[["spearman", "kendall"]].mean()
    out = per_trial.groupby(by).agg(spearman=("spearman", "mean"), spearman_std=("spearman", "std"),
                                    kendall=("kendall", "mean"), kendall_std=("kendall", "std"),
                                    trials=("trial", "nunique")).reset_index()
    half = stats.t.ppf(0.975, np.maximum(out.trials - 1, 1)) * out.spearman_std / np.sqrt(out.trials)
    out["ci_low"], out["ci_high"] = out.spearman - half, out.spearman + half
    return out
