"""Stage ``predictor_transfer`` (issue 3): few-shot latency-predictor transfer on 27 devices.

The notebook ``notebooks/04_predictor_transfer.ipynb`` calls the stage shape::

    cfg = config.parse("predictors", params)
    result = run(cfg)                           # main table, HELP protocol, ablations, search loop
    summary = summarise(result, cfg)            # typed PredictorsSummary (nas_utils.results.predictors)
    write_outputs(out_dir, result, summary)     # parquet, summary.json, plots/spearman_<task>.csv
    figs = figures(result, summary)             # k_curves, ablation, scatter

Everything heavy lives in ``nas_utils.transfer``; this module wires it to the config and
builds the tables and figures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nas_utils import runtime
from nas_utils.evaluators import load_benchmark
from nas_utils.io import atomic_path, write_parquet
from nas_utils.metrics import evals_to_threshold
from nas_utils.parallel import parallel_map
from nas_utils.runtime import torch_threads
from nas_utils.schemas.predictors import PredictorsConfig
from nas_utils.results.predictors import PredictorsSummary, SearchLoopResult, SpearmanResult, TaskBest
from nas_utils.transfer import in_loop
from nas_utils.transfer.data import TaskData, load_task_data
from nas_utils.transfer.methods import make_method
from nas_utils.transfer.samplers import select
from nas_utils.transfer.study import run_all_archs, run_help_protocol, sample_features
from nas_utils.transfer.study import summarise as summarise_trials
from nas_utils.claims import HELP_ND_MEAN, NASFLAT_TABLE as PUBLISHED
from nas_utils.transfer.tasks import TASKS, UNAVAILABLE, get_task


@dataclass
class StudyResult:
    results: pd.DataFrame  # one row per (protocol, task, target, method, k, trial, sampler)
    timings: dict[str, float] = field(default_factory=dict)


def _data(cfg: PredictorsConfig, task: str) -> TaskData:
    return load_task_data(task, cfg.n_pretrain(get_task(task).space), cfg.seed, prune=cfg.prune)


def _study_task(job: tuple[PredictorsConfig, str]) -> tuple[list[pd.DataFrame], float]:
    """Every protocol of one task (main table, HELP protocol on ND, ablations); seeded per task."""
    cfg, task = job
    start = time.perf_counter()
    frames = []
    with torch_threads(runtime.settings().threads):
        data = _data(cfg, task)
        main = list(cfg.methods) if task in cfg.tasks else []
        extra = [m for m in cfg.ablation_methods if m not in main] if task == cfg.ablation_task else []
        methods = [make_method(m, cfg.settings()) for m in main + extra]
        for m in methods:
            m.prepare(data, cfg.seed)
        if main:
            frames.append(run_all_archs(data, methods[:len(main)], cfg.ks, cfg.trials, cfg.sampler, cfg.seed, False))
        if task == "ND":
            frames.append(run_help_protocol(data, methods, 10, cfg.help_trials, cfg.seed))
        if task == cfg.ablation_task:
            abl = [m for m in methods if m.name in cfg.ablation_methods]
            for sampler in cfg.ablation_samplers:
                df = run_all_archs(data, abl, [cfg.ablation_k], cfg.ablation_trials, sampler, cfg.seed)
                frames.append(df.assign(protocol="ablation"))
    return frames, time.perf_counter() - start


def run_study(cfg: PredictorsConfig, progress: bool = True) -> StudyResult:
    """Main table for every task, HELP protocol on ND, and the ablations on ``ablation_task``.

    Tasks are independent and seeded from ``cfg.seed`` alone, so they run over ``HWNAS_WORKERS``
    processes and the result does not depend on the worker count.
    """
    tasks = list(dict.fromkeys(cfg.tasks + (cfg.ablation_task,)))
    outputs = parallel_map(_study_task, [(cfg, t) for t in tasks], workers=runtime.settings().workers,
                           desc="transfer tasks" if progress else None)
    frames = [f for task_frames, _ in outputs for f in task_frames]
    timings = {t: seconds for t, (_, seconds) in zip(tasks, outputs)}
    if progress:
        print(", ".join(f"{t}: {s:.0f}s" for t, s in timings.items()))
    return StudyResult(pd.concat(frames, ignore_index=True), timings)


def run_search_loop(cfg: PredictorsConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Section 4: search for ND's held-out ``search_target`` with a transferred predictor.

    Per seed: draw ``search_k`` samples on the target, fine-tune ``search_method`` (pre-trained
    on the 9 ND source devices), calibrate its scores to ms on the samples, run the tactic for
    ``search_budget`` predictor queries, measure the predicted front. Baseline: the same tactic
    measuring every candidate; we report how many measurements it needs to reach the same
    normalised HV (on true latencies). Also returns the first seed's predicted-vs-measured
    latency of every architecture (for the scatter plot).
    """
    with torch_threads(runtime.settings().threads):
        data = _data(cfg, "ND")
        method = make_method(cfg.search_method, cfg.settings())
        method.prepare(data, cfg.seed)
        t = data.target_index(cfg.search_target)
        bench = load_benchmark("nb201", "cifar10", cfg.search_target)
        feats = sample_features(data)
        rows = []
        for s in range(cfg.search_seeds):
            idx = select(cfg.sampler, feats, cfg.search_k, np.random.default_rng([cfg.seed, 99, s]), data.cost[:, 0])
            ms = in_loop.calibrate(method.predict(data, t, idx, cfg.seed + s), idx, data.tgt_lat[idx, t])
            if s == 0:
                scatter = pd.DataFrame({"predicted_ms": ms, "measured_ms": data.tgt_lat[:, t],
                                        "sampled": np.isin(np.arange(len(ms)), idx)})
            res = in_loop.predicted_search(bench, ms, idx, cfg.search_tactic, cfg.search_budget, cfg.seed + s)
            curve = in_loop.measured_curve(bench, cfg.search_tactic, cfg.search_budget, cfg.seed + s)
            rows.append({"seed": s, "tactic": cfg.search_tactic, "predictor": cfg.search_method,
                         "target": cfg.search_target, "k": cfg.search_k, "budget": cfg.search_budget,
                         "predicted_measured": res.measured, "predicted_front": res.front_size,
                         "predicted_hv": res.hv, "measured_final_hv": float(curve[-1]),
                         "measured_evals_to_same_hv": evals_to_threshold(curve, res.hv)})
    df = pd.DataFrame(rows)
    df["measured_reached"] = df["measured_evals_to_same_hv"].notna()
    # Not reached within the budget: the saving is at least budget / measured (a lower bound).
    needed = df["measured_evals_to_same_hv"].astype("float").fillna(df["budget"].astype(float))
    df["saving_factor"] = needed / df["predicted_measured"]
    return df, scatter


# --- tables -----------------------------------------------------------------------------------


def main_table(results: pd.DataFrame) -> pd.DataFrame:
    """Tasks x methods x k: mean Spearman over trials (``all_archs``), as 'mean ± std' strings."""
    s = summarise_trials(results[results.protocol == "all_archs"])
    s["cell"] = s.spearman.map("{:.3f}".format) + " ± " + s.spearman_std.fillna(0).map("{:.3f}".format)
    return s.pivot_table(index=["task", "method"], columns="k", values="cell", aggfunc="first")


def per_device_table(results: pd.DataFrame, k: int) -> pd.DataFrame:
    """Mean Spearman per (task, target device) and method at ``k`` samples (``all_archs``)."""
    df = results[(results.protocol == "all_archs") & (results.k == k)]
    return df.pivot_table(index=["task", "target"], columns="method", values="spearman", aggfunc="mean").round(3)


def published_table(results: pd.DataFrame) -> pd.DataFrame:
    """Our best method with <= 20 samples next to NASFLAT's and HELP's published Spearman."""
    s = summarise_trials(results[(results.protocol == "all_archs") & (results.k <= 20)])
    rows = []
    for task, grp in s.groupby("task"):
        best = grp.loc[grp.spearman.idxmax()]
        learned = grp[~grp.method.isin(["flops", "params", "nearest_source"])]
        bl = learned.loc[learned.spearman.idxmax()] if len(learned) else best
        ref = PUBLISHED["NASFLAT"].get(task)
        rows.append({"task": task, "protocol": "all_archs", "best_method": best.method, "best_k": int(best.k),
                     "ours_best": best.spearman, "ours_best_std": best.spearman_std,
                     "best_learned_method": bl.method, "best_learned_k": int(bl.k), "ours_best_learned": bl.spearman,
                     "nasflat": ref, "help_by_nasflat": PUBLISHED["HELP (as run by NASFLAT)"].get(task)})
    h = summarise_trials(results[results.protocol == "help_800"])
    for _, r in h.iterrows():
        rows.append({"task": "ND", "protocol": "help_800", "best_method": r.method, "best_k": int(r.k),
                     "ours_best": r.spearman, "ours_best_std": r.spearman_std, "nasflat": None,
                     "help_by_nasflat": HELP_ND_MEAN})
    return pd.DataFrame(rows)


@dataclass
class PredictorsRun:
    """Everything stage ``predictor_transfer`` computed."""

    study: StudyResult
    loop: pd.DataFrame
    scatter: pd.DataFrame
    title: str = ""


def run(cfg: PredictorsConfig, progress: bool = True) -> PredictorsRun:
    """The study (main table, HELP protocol, ablations) and the predictor-in-the-loop search."""
    study = run_study(cfg, progress)
    loop, scatter = run_search_loop(cfg)
    return PredictorsRun(study, loop, scatter, f"{cfg.search_method} on {cfg.search_target}, k={cfg.search_k}")


def _opt(x: object) -> float | None:
    return None if x is None or pd.isna(x) else float(x)  # type: ignore[arg-type]


def _spearman_rows(results: pd.DataFrame, protocol: str) -> list[SpearmanResult]:
    s = summarise_trials(results[results.protocol == protocol])
    trials = results[results.protocol == protocol].groupby(["task", "method", "k"])["trial"].nunique()
    return [SpearmanResult(protocol, str(r.task), str(r.method), int(r.k), float(r.spearman), _opt(r.spearman_std),
                           int(trials.get((r.task, r.method, r.k), 0)) or None) for r in s.itertuples()]


def _loop_result(loop: pd.DataFrame) -> SearchLoopResult | None:
    if not len(loop):
        return None
    from nas_utils.stats import bootstrap_ci

    m = loop.mean(numeric_only=True)
    needed = loop["measured_evals_to_same_hv"].astype(float).fillna(loop["budget"].astype(float))
    ci = bootstrap_ci(loop["saving_factor"].to_numpy(dtype=float), np.mean)
    first = loop.iloc[0]
    return SearchLoopResult(
        tactic=str(first.tactic), predictor=str(first.predictor), target=str(first.target), k=int(first.k),
        budget=int(first.budget), seeds=len(loop), predicted_measured=float(m.predicted_measured),
        predicted_hv=float(m.predicted_hv), measured_final_hv=float(m.measured_final_hv),
        measured_evals_to_same_hv=float(needed.mean()), measured_reached=float(loop["measured_reached"].mean()),
        saving_factor=float(m.saving_factor), saving_factor_ci_low=ci.low, saving_factor_ci_high=ci.high)


def summarise(result: PredictorsRun, cfg: PredictorsConfig) -> PredictorsSummary:
    """Mean Spearman per (protocol, task, method, k), best per task against NASFLAT/HELP, the loop."""
    res = result.study.results
    pub = published_table(res)
    targets = [TaskBest(task=str(r.task), protocol=str(r.protocol), best_method=str(r.best_method),
                        best_k=int(r.best_k), ours_best=float(r.ours_best), ours_best_std=_opt(r.ours_best_std),
                        best_learned_method=None if pd.isna(r.get("best_learned_method")) else str(r.best_learned_method),
                        best_learned_k=None if pd.isna(r.get("best_learned_k")) else int(r.best_learned_k),
                        ours_best_learned=_opt(r.get("ours_best_learned")), nasflat=_opt(r.get("nasflat")),
                        help_by_nasflat=_opt(r.get("help_by_nasflat")))
               for _, r in pub.iterrows()]
    return PredictorsSummary(
        protocol="all_archs: Spearman over all architectures of the space, mean over target devices, "
                 "then over trials; help_800: HELP's trimmed 800-architecture query pool, k=10 random",
        spearman=_spearman_rows(res, "all_archs") + _spearman_rows(res, "help_800"), targets=targets,
        search_loop=_loop_result(result.loop), timings_s={str(k): float(v) for k, v in result.study.timings.items()})


def spearman_plot_data(summary: PredictorsSummary) -> dict[str, pd.DataFrame]:
    """Wide tables for DVC plots: per task, x ``k`` and one column per method (mean Spearman)."""
    rows = pd.DataFrame([{"task": r.task, "k": r.k, "method": r.method, "spearman": r.spearman}
                         for r in summary.rows("all_archs")])
    if not len(rows):
        return {}
    return {str(t): g.pivot(index="k", columns="method", values="spearman")[list(dict.fromkeys(g["method"]))]
            .round(6).reset_index() for t, g in rows.groupby("task", sort=False)}


def write_outputs(out_dir: str | Path, result: PredictorsRun, summary: PredictorsSummary) -> None:
    """Parquet tables, ``summary.json`` and ``plots/spearman_<task>.csv`` (atomically)."""
    out = Path(out_dir)
    write_parquet(out / "results.parquet", result.study.results)
    write_parquet(out / "search_loop.parquet", result.loop)
    write_parquet(out / "published_comparison.parquet", published_table(result.study.results))
    for task, df in spearman_plot_data(summary).items():
        with atomic_path(out / "plots" / f"spearman_{task}.csv") as tmp:
            df.to_csv(tmp, index=False)
    summary.save(out / "summary.json")


def figures(result: PredictorsRun, summary: PredictorsSummary) -> dict[str, Figure]:
    return {"k_curves": plot_k_curves(result.study.results), "ablation": plot_ablation(result.study.results),
            "scatter": plot_scatter(result.scatter, result.title)}


# --- figures ----------------------------------------------------------------------------------


def plot_k_curves(results: pd.DataFrame) -> Figure:
    import seaborn as sns

    s = summarise_trials(results[results.protocol == "all_archs"])
    g = sns.relplot(data=s, x="k", y="spearman", hue="method", col="task", col_wrap=4, kind="line", marker="o",
                    height=2.6, facet_kws={"sharey": False})
    fig: Figure = g.figure
    return fig


def plot_ablation(results: pd.DataFrame) -> Figure:
    import seaborn as sns

    df = results[results.protocol == "ablation"]
    per_trial = df.groupby(["sampler", "method", "trial"], as_index=False).spearman.mean()
    g = sns.catplot(data=per_trial, x="sampler", y="spearman", hue="method", kind="bar", errorbar="sd", height=3.5,
                    aspect=1.8)
    g.set(ylim=(max(0.0, per_trial.spearman.min() - 0.05), 1.0))
    fig: Figure = g.figure
    return fig


def plot_scatter(scatter: pd.DataFrame, title: str) -> Figure:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.scatter(scatter.measured_ms, scatter.predicted_ms, s=2, alpha=0.3, label="all architectures")
    sel = scatter[scatter.sampled]
    ax.scatter(sel.measured_ms, sel.predicted_ms, s=25, c="red", label="k measured samples")
    ax.set(xlabel="measured latency (ms)", ylabel="predicted latency (ms)", title=title)
    ax.legend()
    fig.tight_layout()
    return fig


# --- text helpers for the notebook (sentences are built from measured numbers) ----------------


def task_table() -> pd.DataFrame:
    """The task suite as data: available tasks with their devices, unavailable ones with the reason."""
    rows = [{"task": t.name, "space": t.space, "sources": ", ".join(t.sources), "targets": ", ".join(t.targets),
             "origin": t.origin, "available": True} for t in (TASKS.get(n) for n in TASKS.names())]
    rows += [{"task": n, "space": "nb201", "sources": "", "targets": "", "origin": why, "available": False}
             for n, why in UNAVAILABLE.items()]
    return pd.DataFrame(rows)


def target_sentences(pub: pd.DataFrame) -> str:
    """One honest sentence per published target, with both numbers (verdicts: ``nas_utils.claims``)."""
    from nas_utils.claims import HELP_ND, Estimate, describe, nasflat_claim, verdict

    lines = []
    for r in pub.itertuples():
        if r.protocol == "help_800":
            word = describe(verdict(Estimate(r.ours_best), HELP_ND))
            lines.append(f"ND (HELP protocol, k=10): {r.best_method} = {r.ours_best:.3f}: {word} HELP's {HELP_ND_MEAN}.")
        elif r.nasflat is not None and not pd.isna(r.nasflat):
            word = describe(verdict(Estimate(r.ours_best), nasflat_claim(r.task)))
            lines.append(f"{r.task}: best {r.best_method} (k={r.best_k}) = {r.ours_best:.3f}: {word} NASFLAT's "
                         f"{r.nasflat:.3f}; best learned predictor {r.best_learned_method} (k={int(r.best_learned_k)}) "
                         f"= {r.ours_best_learned:.3f}.")
        else:
            lines.append(f"{r.task} (our task, no published number): best {r.best_method} (k={r.best_k}) = "
                         f"{r.ours_best:.3f}.")
    return "\n".join(lines)


def loop_sentence(loop: pd.DataFrame) -> str:
    m = loop.mean(numeric_only=True)
    reached = int(loop.measured_reached.sum())
    needed = loop.measured_evals_to_same_hv.astype(float).fillna(loop.budget.astype(float)).mean()
    return (f"With a transferred {loop.predictor.iloc[0]} predictor, {loop.tactic.iloc[0]} search on "
            f"{loop.target.iloc[0]} measured {m.predicted_measured:.0f} architectures on average "
            f"({loop.k.iloc[0]} samples + the predicted front) and reached a normalised HV of {m.predicted_hv:.3f} "
            f"(true latencies). Measuring every candidate, the same tactic needed "
            f"{needed:.0f} measurements for that HV ({reached}/{len(loop)} seeds reached it within the budget of "
            f"{loop.budget.iloc[0]}, counted as the full budget otherwise; final HV {m.measured_final_hv:.3f}): "
            f"a saving factor of {m.saving_factor:.1f}x in device measurements (predictor queries and accuracy look-ups are not counted).")
