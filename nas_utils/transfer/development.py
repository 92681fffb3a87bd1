"""Choosing the pre-registered method on development tasks only (issue 12 §3).

The development tasks (:data:`~nas_utils.transfer.tasks.DEV_TASKS`) hold out whole devices that
are never a test target. :func:`selection_table` scores every candidate on them and returns one
row per candidate with its mean Spearman per development task and over all of them; the
candidate with the highest mean is the one to write into ``params.yaml`` (``predictors.method``)
before any test number is computed. A notebook regenerates the record by calling it.

Candidates are stacked predictors (:class:`~nas_utils.transfer.stacking.StackSpec`: a subset of
components and a combination power) and single components; every component's predictions and
cross-validated scores are computed once per (task, trial, target) and shared by all candidates,
so the table costs one pre-training per settings group and trial. A *settings group* is one set
of training hyper-parameters for the neural components (e.g. NASFLAT's fine-tuning lr 1e-3 and
30 epochs); its candidates are labelled ``<group>:<candidate>``.

>>> from nas_utils.transfer.development import candidate_specs
>>> sorted(candidate_specs())[:3]
['flops', 'gnn', 'mlp']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from nas_utils.transfer.data import load_task_data
from nas_utils.transfer.methods import TransferSettings
from nas_utils.transfer.samplers import select
from nas_utils.transfer.stacking import BLOCK_WEIGHTED, LINEAR_BLOCKS, WITH_OUTPUT_OPS, Stacked, StackSpec, combine
from nas_utils.transfer.study import _rng, sample_features
from nas_utils.transfer.tasks import DEV_TASKS, get_task

_ALL = ("source", "ops", "source_ops", "flops", "gnn", "mlp")
_LINEAR = ("source", "ops", "source_ops", "flops")


def candidate_specs() -> dict[str, StackSpec]:
    """The candidates compared: single components and stacks (subsets x combination powers)."""
    specs = {c: StackSpec((c,)) for c in _ALL}
    subsets = {"stack": _ALL, "stack_linear": _LINEAR, "stack_gnn": _LINEAR + ("gnn",)}
    for name, comps in subsets.items():
        for label, power in (("", 4.0), ("_p1", 1.0), ("_p16", 16.0), ("_select", float("inf"))):
            specs[name + label] = StackSpec(comps, power=power)
    return specs


def second_registration_specs() -> dict[str, StackSpec]:
    """The second registration's candidates: stack_linear and its block-weighted extension."""
    return {"stack_linear": StackSpec(_LINEAR), "stack_linear_blocks": LINEAR_BLOCKS}


def score_candidates(task: str, settings: TransferSettings, n_pretrain: int, k: int, trials: int, sampler: str,
                     seed: int, specs: Mapping[str, StackSpec] | None = None) -> pd.DataFrame:
    """Spearman (all architectures) of every candidate on every target and trial of ``task``."""
    specs = dict(specs or candidate_specs())
    data = load_task_data(task, n_pretrain)
    needed = tuple(c for c in _ALL + BLOCK_WEIGHTED + WITH_OUTPUT_OPS if any(c in sp.components for sp in specs.values()))
    stack = Stacked("dev", StackSpec(needed), settings)
    feats = sample_features(data, sampler)
    rows = []
    for trial in range(trials):
        stack.prepare(data, seed + trial)
        for t, target in enumerate(data.task.targets):
            idx = select(sampler, feats, k, _rng(seed, t, trial, k), cost=data.cost[:, 0])
            preds, cv = stack.components(data, t, idx, seed + trial)
            y = data.tgt_lat[:, t]
            for name, spec in specs.items():
                sub = {c: preds[c] for c in spec.components}
                rho = stats.spearmanr(combine(sub, cv, spec.power), y).statistic
                rows.append({"task": task, "target": target, "trial": trial, "candidate": name,
                             "spearman": float(rho)})
    return pd.DataFrame(rows)


def selection_table(groups: Mapping[str, TransferSettings], n_pretrain: Mapping[str, int], k: int = 20,
                    trials: int = 2, sampler: str = "kmeans_cosine", seed: int = 0,
                    tasks: Sequence[str] = DEV_TASKS, specs: Mapping[str, StackSpec] | None = None) -> pd.DataFrame:
    """Candidates x development tasks: mean Spearman at ``k``, the mean over tasks, and the choice.

    ``groups`` maps a label to the training settings of the neural components; ``n_pretrain``
    maps a space to its pre-training architectures per source. Rows are sorted best first.
    The column ``neural`` marks candidates with a fine-tuned network (about ten times the CPU
    cost: they do not fit the default profile's 8-minute stage at 5 trials x 3 k x 2 protocols);
    ``chosen`` marks the pre-registration rule: the best mean among the candidates without one.
    """
    for t in tasks:
        if not t.startswith("dev_"):
            raise ValueError(f"{t} is not a development task; valid: {', '.join(DEV_TASKS)}")
    frames = []
    for label, settings in groups.items():
        for t in tasks:
            df = score_candidates(t, settings, n_pretrain[get_task(t).space], k, trials, sampler, seed, specs)
            df["candidate"] = (label + ":" if len(groups) > 1 else "") + df["candidate"]
            frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    per_trial = df.groupby(["candidate", "task", "trial"]).spearman.mean().reset_index()
    table = per_trial.pivot_table(index="candidate", columns="task", values="spearman", aggfunc="mean")
    table["mean"] = table[list(tasks)].mean(axis=1)
    table["min"] = table[list(tasks)].min(axis=1)
    table = table.sort_values("mean", ascending=False)
    all_specs = dict(specs or candidate_specs())
    table["neural"] = [any(c in ("gnn", "mlp") for c in all_specs[name.split(":")[-1]].components) for name in table.index]
    first = table.index[~table.neural][0] if (~table.neural).any() else table.index[0]
    table["chosen"] = table.index == first
    return table.round(4)


def paired_comparison(specs: Mapping[str, StackSpec], baseline: str, k: int = 20, trials: int = 5,
                      sampler: str = "kmeans_cosine", seed: int = 0, tasks: Sequence[str] = DEV_TASKS) -> pd.DataFrame:
    """Candidates (regressions only) vs ``baseline`` on the development tasks, paired by sample draw.

    Rows: candidates; columns: mean Spearman per task and over tasks, then the difference to
    ``baseline`` of the per-trial mean over tasks (every candidate sees the same k samples in a
    trial) with its 95 % Student-t interval over trials (``diff_low``, ``diff_high``). Where the
    tasks span several spaces, the same per space (``diff_<space>``, ``..._low``, ``..._high``): a
    variant that changes one space only is diluted by the others' tasks in the overall mean (the
    third registration's lesson, data/preregistration/predictors/README.md).
    """
    if any(set(sp.components) & {"gnn", "mlp"} for sp in specs.values()):
        raise ValueError("paired_comparison scores regressions only (the networks' pre-training is not paired)")
    df = pd.concat([score_candidates(t, TransferSettings(), 16, k, trials, sampler, seed, specs) for t in tasks],
                   ignore_index=True)
    per_trial = df.groupby(["candidate", "task", "trial"]).spearman.mean().reset_index()
    table = per_trial.pivot_table(index="candidate", columns="task", values="spearman", aggfunc="mean")[list(tasks)]
    table["mean"] = table.mean(axis=1)
    spaces = {t: get_task(t).space for t in tasks}
    groups = {"": list(tasks)}
    if len(set(spaces.values())) > 1:
        groups |= {f"_{sp}": [t for t in tasks if spaces[t] == sp] for sp in dict.fromkeys(spaces.values())}
    for suffix, group in groups.items():
        rows = per_trial[per_trial.task.isin(group)]
        over = rows.groupby(["candidate", "trial"]).spearman.mean().unstack("trial")
        diff = over.sub(over.loc[baseline], axis=1)
        half = stats.t.ppf(0.975, max(trials - 1, 1)) * diff.std(axis=1) / np.sqrt(trials)
        table[f"diff{suffix}"] = diff.mean(axis=1)
        table[f"diff{suffix}_low"], table[f"diff{suffix}_high"] = table[f"diff{suffix}"] - half, table[f"diff{suffix}"] + half
    table["k"], table["trials"], table["seed"] = k, trials, seed
    return table.sort_values("mean", ascending=False).round(4)


#: the calls behind the pre-registration record (data/preregistration/predictors/), in order
RECORD: dict[str, dict[str, object]] = {
    "selection_ft3e-3x40": {"groups": {"ft3e-3x40": TransferSettings(finetune_lr=3e-3, finetune_epochs=40)}},
    "selection_ft1e-3x30": {"groups": {"ft1e-3x30": TransferSettings(finetune_lr=1e-3, finetune_epochs=30)}},
    "selection_linear_sampler_kmeans_cosine": {"groups": {"linear": TransferSettings()}, "linear_only": True},
    "selection_linear_sampler_regression": {"groups": {"linear": TransferSettings()}, "linear_only": True,
                                            "sampler": "regression"},
    # second registration: the screening draws (seed 0, 5 trials), then fresh draws (seed 1, 10 trials)
    "second_registration_seed0": {"paired": True, "seed": 0, "trials": 5},
    "second_registration_seed1": {"paired": True, "seed": 1, "trials": 10},
}


def preregistration_tables(names: Sequence[str] = tuple(RECORD)) -> dict[str, pd.DataFrame]:
    """Regenerate the pre-registration record (k=20, 2 trials, n_pretrain 256/512, 20 pre-training epochs).

    About 230 CPU s per table with the fine-tuned networks, 15 s for the linear-only ones; the
    second registration's paired tables (:func:`paired_comparison`, k = 20) about 16 s per trial.
    """
    linear = {n: s for n, s in candidate_specs().items() if not set(s.components) & {"gnn", "mlp"}}
    out = {}
    for name in names:
        rec = RECORD[name]
        if rec.get("paired"):
            out[name] = paired_comparison(second_registration_specs(), "stack_linear",
                                          trials=int(rec["trials"]), seed=int(rec["seed"]))  # type: ignore[call-overload]
            continue
        out[name] = selection_table(rec["groups"], {"nb201": 256, "fbnet": 512},  # type: ignore[arg-type]
                                    sampler=str(rec.get("sampler", "kmeans_cosine")),
                                    specs=linear if rec.get("linear_only") else None)
    return out
