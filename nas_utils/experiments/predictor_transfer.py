"""Stage ``predictor_transfer`` (issue 3): few-shot latency-predictor transfer on 27 devices.

The notebook ``notebooks/04_predictor_transfer.ipynb`` calls the stage shape::

    cfg = config.parse("predictors", params)
    result = run(cfg)                           # main table, HELP protocol, ablations, search loop
    summary = summarise(result, cfg)            # typed PredictorsSummary (nas_utils.results.predictors)
    write_outputs(out_dir, result, summary)     # parquet, summary.json, plots/spearman_<task>.csv
    figs = figures(result, summary)             # k_curves (published reference lines, interval bands), ablation

Everything heavy lives in ``nas_utils.transfer``; this module wires it to the config and
builds the tables and figures.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nas_utils import runtime
from nas_utils.claims import HELP_ND_MEAN
from nas_utils.claims import NASFLAT_TABLE as PUBLISHED
from nas_utils.io import atomic_path, write_parquet
from nas_utils.paths import project_root
from nas_utils.parallel import parallel_map
from nas_utils.results.predictors import (
    BudgetRow,
    LoopCell,
    PredictorsSummary,
    SearchLoopResult,
    SpearmanResult,
    TaskBest,
)
from nas_utils.runtime import torch_threads
from nas_utils.schemas.predictors import PredictorsConfig
from nas_utils.transfer import in_loop
from nas_utils.transfer.data import TaskData, load_task_data
from nas_utils.transfer import help_budget, loop_settings
from nas_utils.transfer.help import Help, HelpSpec
from nas_utils.transfer.methods import (
    CostBaseline,
    Pretrained,
    TransferMethod,
    make_method,
)
from nas_utils.transfer.study import PROTOCOLS, run_trials
from nas_utils.transfer.study import summarise as summarise_trials
from nas_utils.transfer.tasks import TASKS, UNAVAILABLE, get_task


@dataclass
class StudyResult:
    results: pd.DataFrame  # one row per (protocol, task, target, method, k, trial, sampler)
    timings: dict[str, float] = field(default_factory=dict)


def _data(cfg: PredictorsConfig, task: str) -> TaskData:
    return load_task_data(task, cfg.n_pretrain(get_task(task).space), prune=cfg.prune)


@dataclass(frozen=True)
class Job:
    """One independent piece of the stage, seeded from ``cfg.seed`` alone (so the worker count and
    the dispatch order never change a result).

    ``kind``: ``main`` (a task's main table: every protocol, every method), ``help`` (one trial of
    HELP, when HELP is not among the main methods: its own protocol, and on ND the main table's
    protocols at ``network_ks``), ``ablation`` (the sampler
    ablation on ``ablation_task``) or ``loop`` (one search cell; ``task`` is ``dataset/device``).
    """

    kind: str
    task: str
    trial: int = 0


def jobs(cfg: PredictorsConfig) -> list[Job]:
    """Every job of the stage in output order: per task its main table, HELP's trials, the
    ablation; then the search cells."""
    out: list[Job] = []
    for task in dict.fromkeys(cfg.tasks + (cfg.ablation_task,)):
        if task in cfg.tasks:
            out.append(Job("main", task))
        if task == "ND" and not (task in cfg.tasks and "help" in cfg.all_methods()):  # HELP, one job per trial
            out += [Job("help", task, trial) for trial in range(cfg.trials)]
        if task == cfg.ablation_task:
            out.append(Job("ablation", task))
    return out + [Job("loop", f"{ds}/{dev}") for ds, dev in in_loop.TEST_CELLS]


def _cost(cfg: PredictorsConfig, job: Job) -> float:
    """Rough single-core CPU seconds of a job (default profile, measured), only to dispatch the
    largest first: a HELP trial ~0.08 s per episode plus ~25 s of scoring; ND's main table ~3x a
    FBNet task's."""
    if job.kind == "help":
        return 0.08 * cfg.help_episodes + 25
    if job.kind == "main":
        return 60.0 if job.task == "ND" else 20.0
    return 30.0


def _run_job(item: tuple[PredictorsConfig, Job]) -> tuple[list[pd.DataFrame], float]:
    """The frames of one job and its wall seconds."""
    cfg, job = item
    start = time.perf_counter()
    with torch_threads(runtime.settings().threads):
        if job.kind == "loop":
            ds, dev = job.task.split("/")
            frames = [in_loop.run_cell(ds, dev, in_loop.LoopSpec.from_config(cfg), cfg.settings(), cfg.seed)]
        else:
            frames = _study_job(cfg, job, _data(cfg, job.task))
    return frames, time.perf_counter() - start


def _study_job(cfg: PredictorsConfig, job: Job, data: TaskData) -> list[pd.DataFrame]:
    help_k = 10 if job.task == "ND" else None
    if job.kind == "help":  # HELP's rows of the main table (where the task is one) and on ND its own protocol, one trial
        ks = _network_ks(cfg) if job.task in cfg.tasks else []
        return [run_trials(data, [make_method("help", cfg.settings())], ks, cfg.trials, cfg.sampler, cfg.seed,
                           cfg.protocols, help_k, trial_ids=[job.trial])]
    if job.kind == "ablation":
        abl = [make_method(m, cfg.settings()) for m in cfg.ablation_methods]
        return [run_trials(data, abl, [cfg.ablation_k], cfg.ablation_trials, sampler, cfg.seed, ("all_archs",))
                .assign(protocol="ablation") for sampler in cfg.ablation_samplers]
    main = [make_method(m, cfg.settings()) for m in cfg.all_methods()]
    light = [m for m in main if not _pretrains(m)]
    heavy = [m for m in main if _pretrains(m)]
    frames = []
    if light:
        frames.append(run_trials(data, light, cfg.ks, cfg.trials, cfg.sampler, cfg.seed, cfg.protocols, help_k))
    if heavy:
        frames.append(run_trials(data, heavy, _network_ks(cfg), cfg.trials, cfg.sampler, cfg.seed, cfg.protocols,
                                 help_k))
    return frames


def _network_ks(cfg: PredictorsConfig) -> list[int]:
    """The k at which methods that pre-train a network per trial are scored."""
    return [k for k in cfg.ks if k in cfg.network_ks]


def _pretrains(m: TransferMethod) -> bool:
    """Methods with a network pre-trained per trial (scored only at ``network_ks``)."""
    return isinstance(m, (Pretrained, Help)) or bool(getattr(m, "neural", None))


def run_jobs(cfg: PredictorsConfig, selected: list[Job], progress: bool = True) -> list[tuple[list[pd.DataFrame], float]]:
    """Run ``selected`` over ``HWNAS_WORKERS`` processes, largest first; outputs in ``selected`` order."""
    order = sorted(range(len(selected)), key=lambda i: -_cost(cfg, selected[i]))
    outputs = parallel_map(_run_job, [(cfg, selected[i]) for i in order], workers=runtime.settings().workers,
                           desc="transfer jobs" if progress else None)
    by_index = dict(zip(order, outputs))
    return [by_index[i] for i in range(len(selected))]


def _study_result(selected: list[Job], outputs: list[tuple[list[pd.DataFrame], float]]) -> StudyResult:
    frames = [f for job, (fs, _) in zip(selected, outputs) if job.kind != "loop" for f in fs]
    timings: dict[str, float] = {}
    for job, (_, seconds) in zip(selected, outputs):
        key = "search_loop" if job.kind == "loop" else job.task
        timings[key] = timings.get(key, 0.0) + seconds
    return StudyResult(pd.concat(frames, ignore_index=True), timings)


# --- HELP on the FBNet tasks: a record beside the stage --------------------------------------------

#: HELP on the FBNet tasks at its authors' FBNet budget, run once beside the stage (:func:`write_help_record`)
HELP_RECORD = Path("data/preregistration/predictors/help_fbnet.csv")
#: the method name of the record's rows in the stage's results
HELP_RECORD_METHOD = "help_record"


def help_record_jobs(cfg: PredictorsConfig) -> list[Job]:
    """The FBNet tasks of ``cfg`` that the stage runs without HELP, one HELP job per trial."""
    if "help" in cfg.all_methods():
        return []
    return [Job("help", t, trial) for t in cfg.tasks if get_task(t).space == "fbnet" for trial in range(cfg.trials)]


def help_record_settings(cfg: PredictorsConfig, episodes: int = HelpSpec().episodes_fbnet) -> str:
    """Everything the record's rows depend on besides the code; the stage uses rows made with its own
    settings and HELP's FBNet budget."""
    return json.dumps({"seed": cfg.seed, "sampler": cfg.sampler, "trials": cfg.trials, "ks": _network_ks(cfg),
                       "protocols": list(cfg.protocols), "n_pretrain_fbnet": cfg.n_pretrain_fbnet, "prune": cfg.prune,
                       "episodes_fbnet": episodes}, sort_keys=True)


def write_help_record(cfg: PredictorsConfig, path: Path | None = None,
                      episodes: int = HelpSpec().episodes_fbnet) -> pd.DataFrame:
    """Run :func:`help_record_jobs` at HELP's FBNet budget (4,000 episodes) and write their rows.

    The jobs are the stage's own HELP jobs (same seeds, samples, protocols and k), only with
    HELP's published FBNet episodes, which the default profile's 8-minute stage cannot hold.
    """
    selected = help_record_jobs(cfg)
    frames = [f for fs, _ in run_jobs(replace(cfg, help_episodes_fbnet=episodes), selected, progress=False) for f in fs]
    rows = pd.concat(frames, ignore_index=True).assign(method=HELP_RECORD_METHOD,
                                                       settings=help_record_settings(cfg, episodes))
    with atomic_path(path or project_root() / HELP_RECORD) as tmp:
        rows.to_csv(tmp, index=False)
    return rows


def help_record_rows(cfg: PredictorsConfig, path: Path | None = None) -> pd.DataFrame:
    """The record's rows this stage uses: tasks of :func:`help_record_jobs`, made with this stage's settings."""
    path = path or project_root() / HELP_RECORD
    tasks = {j.task for j in help_record_jobs(cfg)}
    if not tasks or not path.exists():
        return pd.DataFrame()
    rows = pd.read_csv(path)
    return rows[(rows.settings == help_record_settings(cfg)) & rows.task.isin(tasks)].drop(columns="settings")


# --- tables -----------------------------------------------------------------------------------


def main_table(results: pd.DataFrame, protocol: str = "all_archs") -> pd.DataFrame:
    """Tasks x methods x k: 'mean [95 % interval]' of the per-trial Spearman under ``protocol``."""
    s = summarise_trials(results[results.protocol == protocol])
    if s.empty:
        return pd.DataFrame()
    s["cell"] = (s.spearman.map("{:.3f}".format) + " [" + s.ci_low.map("{:.3f}".format) + ", "
                 + s.ci_high.map("{:.3f}".format) + "]")
    return s.pivot_table(index=["task", "method"], columns="k", values="cell", aggfunc="first")


def per_device_table(results: pd.DataFrame, k: int) -> pd.DataFrame:
    """Mean Spearman per (task, target device) and method at ``k`` samples (``all_archs``)."""
    df = results[(results.protocol == "all_archs") & (results.k == k)]
    return df.pivot_table(index=["task", "target"], columns="method", values="spearman", aggfunc="mean").round(3)


def headline_table(results: pd.DataFrame, method: str) -> pd.DataFrame:
    """The pre-registered ``method`` per task, k and protocol next to NASFLAT's published Spearman."""
    from nas_utils.claims import Estimate, describe, nasflat_claim, verdict

    s = summarise_trials(results[(results.method == method) & results.protocol.isin(list(PROTOCOLS))])
    s["nasflat"] = s.task.map(PUBLISHED["NASFLAT"])
    s["help_by_nasflat"] = s.task.map(PUBLISHED["HELP (as run by NASFLAT)"])
    s["verdict_vs_nasflat"] = [describe(verdict(Estimate(r.spearman, _opt(r.ci_low), _opt(r.ci_high)),
                                                nasflat_claim(r.task))) if pd.notna(r.nasflat) else ""
                               for r in s.itertuples()]
    return s[["task", "protocol", "k", "method", "spearman", "ci_low", "ci_high", "trials", "nasflat",
              "help_by_nasflat", "verdict_vs_nasflat"]]


def help_table(results: pd.DataFrame) -> pd.DataFrame:
    """HELP's protocol on ND (k=10): every method with its target-measurement budget, vs HELP's 0.932."""
    from nas_utils.claims import HELP_ND, Estimate, describe, verdict

    s = summarise_trials(results[results.protocol.isin(["help_800", "help_800_ref"])])
    s["target_measurements"] = np.where((s.protocol == "help_800_ref") | (s.method == "help"), s.k + 10, s.k)
    s["help_published"] = HELP_ND_MEAN
    s["verdict_vs_help"] = [describe(verdict(Estimate(r.spearman, _opt(r.ci_low), _opt(r.ci_high)), HELP_ND))
                            for r in s.itertuples()]
    return s[["task", "protocol", "method", "k", "target_measurements", "spearman", "ci_low", "ci_high", "trials",
              "help_published", "verdict_vs_help"]]


def _record_table(rows: list[Any]) -> pd.DataFrame:
    """A record's typed rows (dataclasses) as a table, to three decimals."""
    from dataclasses import asdict

    return pd.DataFrame([asdict(r) for r in rows]).round(3)


def help_budget_table(summary: PredictorsSummary) -> pd.DataFrame:
    """HELP's meta-training budget records (the development target, and the test task post hoc): Spearman and
    CPU s per budget and target-label scaling."""
    return _record_table(summary.help_budget)


def loop_settings_table(summary: PredictorsSummary) -> pd.DataFrame:
    """The in-loop settings record on the development cells: median saving [95 %] per (k, front budget)."""
    return _record_table(summary.loop_settings)


def budget_table(cfg: PredictorsConfig, recorded: bool = False) -> pd.DataFrame:
    """Information budget of every method: target measurements and source data it reads (``recorded``:
    with HELP's record on the FBNet tasks)."""
    rows = []
    for name in dict.fromkeys([*cfg.all_methods(), "help", *([HELP_RECORD_METHOD] if recorded else [])]):
        m = make_method("help" if name == HELP_RECORD_METHOD else name, cfg.settings())
        role = "pre-registered" if name == cfg.method else "HELP" if m.name == "help" else "baseline"
        source = m.source_data.replace("n_pretrain", f"{cfg.n_pretrain_nb201} (NB201) / {cfg.n_pretrain_fbnet} (FBNet)")
        full = "full source tables" in source
        measured = ("0 (zero-shot)" if isinstance(m, CostBaseline) else
                    f"k + {m.extra_target_measurements}" if m.extra_target_measurements else "k")
        if m.target_extra:
            measured += f", and {m.target_extra}"
        label = (f"{name} [reads full source tables]" if full else name) + (
            f" [HELP at its {HelpSpec().episodes_fbnet:,} FBNet episodes, run beside the stage]"
            if name == HELP_RECORD_METHOD else "")
        rows.append({"method": name, "label": label, "role": role,
                     "target_measurements": measured, "source_data": source, "reads_full_source_tables": full})
    rows.append({"method": "NASFLAT (published)", "label": "NASFLAT (published)", "role": "reference",
                 "target_measurements": "k (20 likely)", "source_data": "512-900 sampled architectures per source",
                 "reads_full_source_tables": False})
    return pd.DataFrame(rows)


def loop_table(loop: pd.DataFrame) -> pd.DataFrame:
    """Per test cell: median measurements, HV and saving over seeds, with a bootstrap 95 % interval."""
    from nas_utils.stats import bootstrap_ci

    rows = []
    for (ds, dev), g in loop.groupby(["dataset", "device"], sort=False):
        ci = bootstrap_ci(g.saving.to_numpy(dtype=float), np.median)
        rows.append({"dataset": ds, "device": dev, "seeds": len(g), "median_measured": float(g.measured.median()),
                     "median_hv": float(g.hv.median()), "median_saving": float(g.saving.median()),
                     "saving_ci_low": ci.low, "saving_ci_high": ci.high, "censored": int(g.censored.sum())})
    return pd.DataFrame(rows)


@dataclass
class PredictorsRun:
    """Everything stage ``predictor_transfer`` computed."""

    study: StudyResult
    loop: pd.DataFrame
    budget: pd.DataFrame


def run(cfg: PredictorsConfig, progress: bool = True) -> PredictorsRun:
    """The study (main table, HELP protocol, ablations; HELP's FBNet record where it applies) and the
    predictor-in-the-loop search (section 4: per notebook 05 test cell and seed,
    :func:`nas_utils.transfer.in_loop.run_cell` measures ``search_k`` architectures on the device, adapts
    ``search_method``, runs the tactic on the predictor and measures ``search_front_budget`` architectures of the
    predicted front, against a baseline that measures every candidate; settings chosen on notebook 05's
    development cells)."""
    selected = jobs(cfg)  # study and search cells in one pool: the cells fill the workers' idle time
    outputs = run_jobs(cfg, selected, progress)
    study = _study_result(selected, outputs)
    if len(recorded := help_record_rows(cfg)):
        study.results = pd.concat([study.results, recorded], ignore_index=True)
    if progress:
        print(", ".join(f"{t}: {v:.0f}s" for t, v in study.timings.items()), "(wall s, summed over jobs)")
    loop = pd.concat([f for job, (fs, _) in zip(selected, outputs) if job.kind == "loop" for f in fs],
                     ignore_index=True)
    return PredictorsRun(study, loop, budget_table(cfg, recorded=len(recorded) > 0))


def _opt(x: object) -> float | None:
    return None if x is None or pd.isna(x) else float(x)  # type: ignore[arg-type]


def _spearman_rows(results: pd.DataFrame, protocol: str) -> list[SpearmanResult]:
    s = summarise_trials(results[results.protocol == protocol])
    return [SpearmanResult(protocol, str(r.task), str(r.method), int(r.k), float(r.spearman), _opt(r.spearman_std),
                           int(r.trials), _opt(r.ci_low), _opt(r.ci_high)) for r in s.itertuples()]


def _loop_result(loop: pd.DataFrame, cfg: PredictorsConfig) -> SearchLoopResult | None:
    """All test cells together: median saving over cells and seeds with its bootstrap interval."""
    if not len(loop):
        return None
    from nas_utils.stats import bootstrap_ci

    ci = bootstrap_ci(loop.saving.to_numpy(dtype=float), np.median)
    needed = loop.baseline_needed.astype(float).fillna(float(cfg.search_baseline_budget + 1))  # censored: > budget
    return SearchLoopResult(
        tactic=cfg.search_tactic, predictor=cfg.search_method,
        target=", ".join(f"{d}/{v}" for d, v in in_loop.TEST_CELLS), k=cfg.search_k, budget=cfg.search_budget,
        seeds=len(loop), predicted_measured=float(loop.measured.median()), predicted_hv=float(loop.hv.median()),
        measured_final_hv=float(loop.baseline_final_hv.median()), measured_evals_to_same_hv=float(needed.median()),
        measured_reached=float((~loop.censored).mean()), saving_factor=float(loop.saving.median()),
        saving_factor_ci_low=ci.low, saving_factor_ci_high=ci.high)


def summarise(result: PredictorsRun, cfg: PredictorsConfig) -> PredictorsSummary:
    """Per (protocol, task, method, k) mean Spearman with intervals; the pre-registered method's row per
    task (k = 20, ours protocol) against NASFLAT; HELP's protocol; the information budget; the loop."""
    res = result.study.results
    head = headline_table(res, cfg.method)
    k_head = 20 if 20 in cfg.ks else max(cfg.ks)
    targets = [TaskBest(task=str(r.task), protocol="all_archs", best_method=cfg.method, best_k=int(r.k),
                        ours_best=float(r.spearman), ours_best_std=None, nasflat=_opt(r.nasflat),
                        help_by_nasflat=_opt(r.help_by_nasflat), trials=int(r.trials), ci_low=_opt(r.ci_low),
                        ci_high=_opt(r.ci_high))
               for r in head[(head.protocol == "all_archs") & (head.k == k_head)].itertuples()]
    rows = [r for p in (*PROTOCOLS, "help_800", "help_800_ref") for r in _spearman_rows(res, p)]
    cells = [LoopCell(str(r.dataset), str(r.device), int(r.seeds), r.median_measured, r.median_hv, r.median_saving,
                      _opt(r.saving_ci_low), _opt(r.saving_ci_high), int(r.censored))
             for r in loop_table(result.loop).itertuples()] if len(result.loop) else []
    return PredictorsSummary(
        protocol="; ".join(f"{p.name}: {p.description}" for p in PROTOCOLS.values())
                 + "; help_800: HELP's trimmed 800-architecture query pool, k=10 random (help_800_ref: + HELP's 10 "
                   "reference architectures measured). Verdict: all_archs, pre-registered method, k=20.",
        spearman=rows, targets=targets, search_loop=_loop_result(result.loop, cfg),
        timings_s={str(k): float(v) for k, v in result.study.timings.items()}, method=cfg.method,
        information_budget=[BudgetRow(**r) for r in result.budget.to_dict(orient="records")], loop_cells=cells,
        help_episodes=cfg.help_episodes, help_target_scale=HelpSpec().target_scale,
        help_budget=help_budget.budget_rows(help_budget.load_records()),
        loop_settings=(loop_settings.setting_rows(loop_settings.load_record())
                       if loop_settings.record_path().exists() else []))


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
    write_parquet(out / "headline.parquet", headline_table(result.study.results, summary.method or ""))
    for task, df in spearman_plot_data(summary).items():
        with atomic_path(out / "plots" / f"spearman_{task}.csv") as tmp:
            df.to_csv(tmp, index=False)
    summary.save(out / "summary.json")


def figures(result: PredictorsRun, summary: PredictorsSummary) -> dict[str, Figure]:
    return {"k_curves": plot_k_curves(result.study.results), "ablation": plot_ablation(result.study.results)}


# --- figures ----------------------------------------------------------------------------------


def plot_k_curves(results: pd.DataFrame) -> Figure:
    """Spearman vs k per task (ours protocol): a line and 95 % band per method, published references."""
    import matplotlib.pyplot as plt
    from matplotlib.artist import Artist

    s = summarise_trials(results[results.protocol == "all_archs"])
    tasks = list(dict.fromkeys(s.task))
    cols = max(1, min(4, len(tasks)))
    nrows = max(1, -(-len(tasks) // cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(3.4 * cols, 2.8 * nrows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        for i, (method, g) in enumerate(s[s.task == task].groupby("method", sort=False)):
            g = g.sort_values("k")
            line, = ax.plot(g.k, g.spearman, marker="o", ms=3, label=method, color=f"C{i % 10}")
            ax.fill_between(g.k, g.ci_low.fillna(g.spearman), g.ci_high.fillna(g.spearman), color=line.get_color(),
                            alpha=0.15)
        if task in PUBLISHED["NASFLAT"]:
            ax.axhline(PUBLISHED["NASFLAT"][task], color="k", ls="--", lw=1, label="NASFLAT published")
        if task == "ND":
            ax.axhline(HELP_ND_MEAN, color="grey", ls=":", lw=1, label="HELP published (its protocol, k=10)")
        ax.set(title=task, xlabel="k (target samples)", ylabel="Spearman")
    for ax in list(axes.flat)[len(tasks):]:
        ax.axis("off")
    handles: dict[str, Artist] = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=4, fontsize=7)
    fig.tight_layout(rect=(0, 0.14, 1, 1))
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


# --- text helpers for the notebook (sentences are built from measured numbers) ----------------


def task_table() -> pd.DataFrame:
    """The task suite as data: available tasks with their devices, unavailable ones with the reason."""
    rows = [{"task": t.name, "space": t.space, "sources": ", ".join(t.sources), "targets": ", ".join(t.targets),
             "origin": t.origin, "available": True} for t in (TASKS.get(n) for n in TASKS.names())]
    rows += [{"task": n, "space": "nb201", "sources": "", "targets": "", "origin": why, "available": False}
             for n, why in UNAVAILABLE.items()]
    return pd.DataFrame(rows)


def target_sentences(headline: pd.DataFrame, k: int = 20) -> str:
    """One sentence per task at ``k``: the pre-registered method under both protocols vs NASFLAT."""
    lines = []
    for task, g in headline[headline.k == k].groupby("task"):
        parts = [f"{r.protocol} {r.spearman:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]" for r in g.itertuples()]
        ours = g[g.protocol == "all_archs"]
        ref = g.nasflat.iloc[0]
        v = (f"; vs NASFLAT's {ref:.3f} on our protocol: {ours.verdict_vs_nasflat.iloc[0]}"
             if pd.notna(ref) and len(ours) else "")
        lines.append(f"{task}: {g.method.iloc[0]} (k={k}) " + ", ".join(parts) + v + ".")
    return "\n".join(lines)


def loop_sentence(loop: pd.DataFrame) -> str:
    t = loop_table(loop)
    from nas_utils.stats import bootstrap_ci

    ci = bootstrap_ci(loop.saving.to_numpy(dtype=float), np.median)
    return (f"With the transferred {loop.method.iloc[0]} predictor (k={loop.k.iloc[0]} measurements + a measured "
            f"predicted-front subset), the search needed {loop.saving.median():.1f}x fewer device measurements "
            f"(median over cells and seeds, 95 % interval {ci.low:.1f}-{ci.high:.1f}) than measuring every "
            "candidate to reach the same HV on true latencies; per cell: "
            + "; ".join(f"{r.dataset}/{r.device} {r.median_saving:.1f}x" for r in t.itertuples()) + ".")
