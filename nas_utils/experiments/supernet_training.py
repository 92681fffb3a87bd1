"""Stage ``supernet``: continue training on the full space vs on the SparseNAS sub-space.

The notebook ``02_supernet_training.ipynb`` calls the stage shape::

    cfg = config.parse("supernet", params)
    result = run(cfg)                           # per family: full and sparse continuations from warm-up
    summary = summarise(result, cfg)            # typed SupernetSummary: speedups, accuracy at equal time
    write_outputs(out_dir, result, summary)     # tables, summary.json, plots/time_to_quality_*.csv
    figs = figures(result, summary)             # hv_vs_time, early_vs_final

Protocol (identical for both runs). Both continue from stage ``sparsenas``'s warm-up
checkpoint with the same settings, optimizer state and cosine schedule, for the remaining
epochs; only the random sub-networks of the sandwich rule differ (full space vs kept configs;
the sparse run's "smallest" is the cheapest kept config). After every ``eval_every`` epochs we
evaluate a **fixed evaluation sample** (``n_eval`` uniform networks of the full space plus the
largest and smallest; BN re-calibrated per sub-network) on the **test** split: the validation
split is used only by stage ``sparsenas`` (early accuracy, filtering), so the judge is untouched
by the choice it judges.

* ``eval_protocol="shared"`` (default): both runs on the same full-space sample (the
  comparison the SparseNAS question needs: same yardstick, stricter for SparseNAS because most
  of that sample was never trained after filtering). ``"own_space"``: each run is judged on a sample of the space it
  would be searched in - the full run on ``n_eval`` uniform networks of the full space, the
  SparseNAS run on ``n_eval`` uniform networks of its kept sub-space (plus the largest network
  and the cheapest kept one), which is the paper's premise (search happens in the sparse
  sub-space); the two fronts are then computed on different architecture sets, which favours
  the sparse run (its set is drawn from the predicted front) even with identical weights.
* MAC budgets are quantiles of the full-space sample's MACs, the same for both runs.
* Front quality = normalised hypervolume of (accuracy, MACs) of the evaluation sample:
  accuracy and MACs normalised by the min/max over everything either run measured, reference
  point (1, 1), divided by the HV of the ideal point (max accuracy, min MACs).
* Time = training CPU seconds (warm-up + continuation; SparseNAS also pays the filtering
  cost measured in stage ``sparsenas``); evaluations of the protocol are not charged.
* Speedup = time for the full run to first reach ``(1 - hv_tolerance)`` x its final HV,
  divided by the time the sparse run needs to reach the same value (null if it never does).
* Accuracy at equal time: best accuracy in the evaluation sample under MAC budgets (quantiles
  of the full-space sample's MACs), sparse minus full, at the full run's final time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from nas_utils import runtime  # noqa: E402
from nas_utils.data import TensorLoader  # noqa: E402
from nas_utils.errors import DataError  # noqa: E402
from nas_utils.evaluators import ACCURACY  # noqa: E402
from nas_utils.io import atomic_path, write_parquet  # noqa: E402
from nas_utils.metrics import HypervolumeScorer, rank_correlation  # noqa: E402
from nas_utils.parallel import parallel_map  # noqa: E402
from nas_utils.runtime import torch_threads  # noqa: E402
from nas_utils.schemas.supernet import SupernetConfig  # noqa: E402
from nas_utils.paths import input_path  # noqa: E402
from nas_utils.results.supernet import BudgetAccuracy, SupernetSummary, TrainingFamily  # noqa: E402
from nas_utils.supernets.filtering import MACS, SparseSubspace, measure_accuracies, unique_sample  # noqa: E402
from nas_utils.supernets import build_supernet, checkpoint_path, family_data  # noqa: E402
from nas_utils.supernets.training import Trainer, settings_from_checkpoint  # noqa: E402


def _resolve(path: str) -> Path:
    p = Path(path)
    return input_path(p)


def load_filter(early_dir: str) -> dict[str, Any]:
    path = _resolve(early_dir) / "filter.json"
    if not path.exists():
        raise DataError(f"{path} not found; run stage 'sparsenas' (notebook 01) first")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def run_family(cfg: SupernetConfig, family: str, filt: dict[str, Any]) -> dict[str, Any]:
    """Both continuations of one family; returns histories, per-config accuracies and extras."""
    s = filt["settings"]
    info = filt["families"][family]
    warmup = checkpoint_path(s["checkpoint_dir"], family, "warmup")
    settings = settings_from_checkpoint(warmup)
    probe = build_supernet(family)
    data = family_data(probe, s["seed"], s["mnist1d_samples"])
    val = TensorLoader(data.x_test, data.y_test, 512)  # the judge: test split (validation = filtering only)
    space = probe.space
    sub = SparseSubspace.load(_resolve(cfg.early_dir) / f"subspace_{family}.parquet", space)
    early = pd.read_parquet(_resolve(cfg.early_dir) / "early.parquet")
    early = early[early["family"] == family].reset_index(drop=True)
    X_early = np.stack([space.from_string(a) for a in early["arch"]])
    rng = np.random.default_rng([cfg.seed, 2])
    samples = {"full": _eval_sample(space, unique_sample(space, rng, cfg.n_eval), probe.largest_config(),
                                    probe.smallest_config())}
    if cfg.eval_protocol == "own_space":
        kept = sub.X[np.sort(rng.choice(len(sub), size=min(cfg.n_eval, len(sub)), replace=False))]
        samples["sparse"] = _eval_sample(space, kept, probe.largest_config(), space.decode(sub.smallest()))
    else:
        samples["sparse"] = samples["full"]
    rows, accs = [], []
    start = {"full": info["warmup_cpu_s"], "sparse": info["warmup_cpu_s"] + info["filter_cpu_s"]}
    start_wall = {"full": info["warmup_wall_s"], "sparse": info["warmup_wall_s"] + info["filter_wall_s"]}
    nets = {}
    warm: dict[bytes, np.ndarray] = {}
    for run in ("full", "sparse"):
        X_eval = samples[run]
        macs = np.array([probe.count_macs(x) for x in X_eval]) / 1e6
        net = build_supernet(family)
        trainer = Trainer(net, data, settings, sampler=sub if run == "sparse" else None, progress=runtime.settings().progress)
        trainer.load(warmup)
        cpu, wall = start[run], start_wall[run]

        def record(epoch: int, acc: np.ndarray) -> None:
            rows.append({"family": family, "run": run, "epoch": epoch, "cpu_s": cpu, "wall_s": wall,
                         "in_subspace_share": float(sub.contains(X_eval).mean())})
            accs.append(pd.DataFrame({"family": family, "run": run, "epoch": epoch, "arch": space.to_strings(X_eval),
                                      "accuracy": acc, "macs": macs, "kept": sub.contains(X_eval)}))

        key = X_eval.tobytes()
        if key not in warm:  # the warm-up state is shared: evaluate each distinct sample once
            warm[key] = measure_accuracies(net, X_eval, val)
        record(trainer.epoch, warm[key])
        while trainer.epoch < settings.total_epochs:
            row = trainer.train_epoch()
            cpu, wall = cpu + row["train_cpu_s"], wall + row["train_time_s"]
            if (trainer.epoch - info["warmup_epochs"]) % cfg.eval_every == 0 or trainer.epoch == settings.total_epochs:
                record(trainer.epoch, measure_accuracies(net, X_eval, val, progress=runtime.settings().progress))
        trainer.save(checkpoint_path(cfg.checkpoint_dir, family, run, write=True), meta={"stage": "supernet", "run": run})
        nets[run] = net
    budgets = {q: float(np.quantile([probe.count_macs(x) / 1e6 for x in samples["full"]], q)) for q in cfg.mac_quantiles}
    # Early-vs-final: the early-accuracy sample of stage sparsenas, re-measured after full training.
    early["final_accuracy_full"] = measure_accuracies(nets["full"], X_early, val)
    history = pd.DataFrame(rows)
    for q, b in budgets.items():
        history[f"budget_q{q:g}"] = b
    return {"history": history, "accuracies": pd.concat(accs, ignore_index=True), "early": early}


def _family_job(job: tuple[SupernetConfig, str, dict[str, Any]]) -> dict[str, Any]:
    """One family in a worker: ``HWNAS_THREADS`` torch threads, global torch RNG seeded per family."""
    cfg, family, filt = job
    with torch_threads(runtime.settings().threads), torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        return run_family(cfg, family, filt)


def _eval_sample(space: Any, X: np.ndarray, largest: dict[str, Any], smallest: dict[str, Any]) -> np.ndarray:
    """``X`` plus the two extreme configs, duplicates removed, order kept."""
    X = np.concatenate([space.encode(largest)[None], space.encode(smallest)[None], X])
    _, first = np.unique(np.array(space.keys(X)), return_index=True)
    return X[np.sort(first)]


def run_comparison(cfg: SupernetConfig) -> dict[str, pd.DataFrame]:
    """:func:`run_family` for every family of stage ``sparsenas``; adds normalised HV columns."""
    filt = load_filter(cfg.early_dir)
    families = filt["settings"]["families"]
    parts = parallel_map(_family_job, [(cfg, f, filt) for f in families], workers=min(runtime.settings().workers, len(families)),
                         desc="families (full + sparse training)")
    history = pd.concat([p["history"] for p in parts], ignore_index=True)
    accs = pd.concat([p["accuracies"] for p in parts], ignore_index=True)
    early = pd.concat([p["early"] for p in parts], ignore_index=True)
    hv: list[float] = []
    best: dict[float, list[float]] = {q: [] for q in cfg.mac_quantiles}
    for _, row in history.iterrows():
        fam = accs[accs["family"] == row["family"]]
        cur = fam[(fam["run"] == row["run"]) & (fam["epoch"] == row["epoch"])]
        F = cur[["accuracy", "macs"]].to_numpy()
        every = fam[["accuracy", "macs"]].to_numpy()
        ideal = np.array([[every[:, 0].max(), every[:, 1].min()]])
        scorer = HypervolumeScorer((ACCURACY, MACS), every, reference_front=ideal)
        hv.append(scorer.normalised(F))
        for q in cfg.mac_quantiles:
            budget = row[f"budget_q{q:g}"] + 1e-9
            best[q].append(float(cur.loc[cur["macs"] <= budget, "accuracy"].max()))
    history["hv"] = hv
    for q in cfg.mac_quantiles:
        history[f"best_acc_q{q:g}"] = best[q]
    return {"history": history, "accuracies": accs, "early": early}


@dataclass
class SupernetRun:
    """Both continuations of every family (``history``, ``accuracies``, ``early``) and the filter info."""

    runs: dict[str, pd.DataFrame]
    filter_info: dict[str, Any]
    mac_quantiles: tuple[float, ...]


def run(cfg: SupernetConfig) -> SupernetRun:
    """:func:`run_comparison` with the filter information of stage ``sparsenas``."""
    return SupernetRun(run_comparison(cfg), load_filter(cfg.early_dir), tuple(cfg.mac_quantiles))


def _first_time(h: pd.DataFrame, threshold: float, col: str) -> float | None:
    hit = h[h["hv"] >= threshold - 1e-12]
    return float(hit[col].iloc[0]) if len(hit) else None


def _speedup(t_full: float | None, t_sparse: float | None) -> float | None:
    return (t_full / t_sparse) if (t_full and t_sparse) else None


def _family(result: SupernetRun, cfg: SupernetConfig, fam: str) -> TrainingFamily:
    h = result.runs["history"]
    h = h[h["family"] == fam]
    full, sparse = h[h["run"] == "full"], h[h["run"] == "sparse"]
    hv_final = float(full["hv"].iloc[-1])
    thr = (1 - cfg.hv_tolerance) * hv_final
    times = {(run, col): _first_time(r, thr, col) for run, r in (("full", full), ("sparse", sparse))
             for col in ("cpu_s", "wall_s")}
    t_end = float(full["cpu_s"].iloc[-1])
    sparse_at = sparse[sparse["cpu_s"] <= t_end + 1e-9]
    budgets = []
    for q in cfg.mac_quantiles:
        col = f"best_acc_q{q:g}"
        acc_full = float(full[col].iloc[-1])
        acc_sparse = float(sparse_at[col].iloc[-1]) if len(sparse_at) else None
        budgets.append(BudgetAccuracy(float(q), float(full[f"budget_q{q:g}"].iloc[0]), acc_full, acc_sparse,
                                      None if acc_sparse is None else acc_sparse - acc_full))
    e = result.runs["early"][result.runs["early"]["family"] == fam]
    rho, tau = rank_correlation(e["early_accuracy"], e["final_accuracy_full"])
    info = result.filter_info["families"][fam]
    return TrainingFamily(
        family=str(fam), hv_full_final=hv_final, hv_sparse_final=float(sparse["hv"].iloc[-1]), hv_threshold=thr,
        time_full_cpu_s=times["full", "cpu_s"], time_sparse_cpu_s=times["sparse", "cpu_s"],
        speedup_cpu=_speedup(times["full", "cpu_s"], times["sparse", "cpu_s"]),
        time_full_wall_s=times["full", "wall_s"], time_sparse_wall_s=times["sparse", "wall_s"],
        speedup_wall=_speedup(times["full", "wall_s"], times["sparse", "wall_s"]), budgets=budgets,
        early_vs_final_spearman=_finite(rho), early_vs_final_kendall=_finite(tau),
        kept_fraction=float(info["kept_fraction"]), chosen_predictor=str(info["chosen_predictor"]),
        warmup_cpu_s=float(info["warmup_cpu_s"]), filter_cpu_s=float(info["filter_cpu_s"]))


def _finite(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def summarise(result: SupernetRun, cfg: SupernetConfig) -> SupernetSummary:
    """Per family: speedup (CPU and wall), HVs, accuracy deltas at equal time, rank correlations."""
    fams = list(result.runs["history"]["family"].unique())
    return SupernetSummary(hv_tolerance=cfg.hv_tolerance, time_basis="training CPU seconds (1 torch thread)",
                           eval_protocol=cfg.eval_protocol, families=[_family(result, cfg, f) for f in fams])


def plot_curves(result: SupernetRun, summary: SupernetSummary) -> Figure:
    """Normalised HV of the evaluation sample vs training CPU time, full vs sparse, per family."""
    h = result.runs["history"]
    q0 = result.mac_quantiles[0]
    fams = list(h["family"].unique())
    fig, axes = plt.subplots(2, len(fams), figsize=(4.2 * len(fams), 6.4), squeeze=False)
    for j, fam in enumerate(fams):
        for run, color in (("full", "C0"), ("sparse", "C3")):
            r = h[(h["family"] == fam) & (h["run"] == run)]
            axes[0, j].plot(r["cpu_s"], r["hv"], "o-", color=color, label=run)
            axes[1, j].plot(r["cpu_s"], r[f"best_acc_q{q0:g}"], "o-", color=color, label=run)
        thr = next(f.hv_threshold for f in summary.families if f.family == fam)
        axes[0, j].axhline(thr, ls="--", c="0.5", lw=1)
        axes[0, j].annotate("same quality", xy=(1.0, thr), xycoords=("axes fraction", "data"), xytext=(-2, 2),
                            textcoords="offset points", ha="right", va="bottom", fontsize=7)
        axes[0, j].set_title(fam)
        axes[0, j].set_ylabel("normalised HV (eval sample)")
        axes[1, j].set_ylabel(f"best acc. under q{q0:g} MACs (%)")
        axes[1, j].set_xlabel("training CPU seconds")
    handles = [Line2D([], [], color="C0", marker="o", label="full space"),
               Line2D([], [], color="C3", marker="o", label="SparseNAS sub-space"),
               Line2D([], [], color="0.5", ls="--", lw=1, label=f"same quality: (1 - {summary.hv_tolerance:g}) x full final HV")]
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False)
    return fig


def plot_early_vs_final(result: SupernetRun) -> Figure:
    e = result.runs["early"]
    fams = list(e["family"].unique())
    fig, axes = plt.subplots(1, len(fams), figsize=(4 * len(fams), 3.4), squeeze=False)
    for ax, fam in zip(axes[0], fams):
        d = e[e["family"] == fam]
        ax.scatter(d["early_accuracy"], d["final_accuracy_full"], s=10)
        ax.set_xlabel("early accuracy after warm-up (%)")
        ax.set_ylabel("accuracy after full training (%)")
        ax.set_title(fam)
    fig.tight_layout()
    return fig


def time_to_quality(result: SupernetRun) -> dict[str, pd.DataFrame]:
    """Wide tables for DVC plots: per family, x ``train_s`` (CPU), one HV column per run."""
    h = result.runs["history"]
    out = {}
    for fam, g in h.groupby("family", sort=False):
        parts = [r[["cpu_s", "hv"]].rename(columns={"cpu_s": "train_s", "hv": run}) for run, r in g.groupby("run", sort=False)]
        wide = pd.concat(parts).sort_values("train_s", kind="stable").reset_index(drop=True)
        out[str(fam)] = wide.round(6)
    return out


def write_outputs(out_dir: str | Path, result: SupernetRun, summary: SupernetSummary) -> None:
    """History, accuracies, early-vs-final tables, ``summary.json``, ``plots/time_to_quality_*.csv``."""
    out = Path(out_dir)
    write_parquet(out / "history.parquet", result.runs["history"])
    write_parquet(out / "accuracies.parquet", result.runs["accuracies"])
    write_parquet(out / "early_vs_final.parquet", result.runs["early"])
    for fam, df in time_to_quality(result).items():
        with atomic_path(out / "plots" / f"time_to_quality_{fam}.csv") as tmp:
            df.to_csv(tmp, index=False)
    summary.save(out / "summary.json")


def figures(result: SupernetRun, summary: SupernetSummary) -> dict[str, Figure]:
    return {"hv_vs_time": plot_curves(result, summary), "early_vs_final": plot_early_vs_final(result)}


def family_sentences(summary: SupernetSummary) -> str:
    """One sentence per family: speedup against the paper and the goal (the one verdict rule)."""
    from nas_utils.claims import SPARSENAS_GOAL, SPARSENAS_SPEEDUP, Estimate, describe, verdict

    lines = []
    for f in summary.families:
        sp = f.speedup_cpu
        if sp is None:
            word = "did not reach the full run's front quality"
        else:
            goal = describe(verdict(Estimate(sp), SPARSENAS_GOAL))
            paper = describe(verdict(Estimate(sp), SPARSENAS_SPEEDUP))
            word = (f"reached it {sp:.2f}x {'faster' if sp >= 1 else 'slower'} (goal >= {SPARSENAS_GOAL.low:g}x: {goal}; "
                    f"paper {SPARSENAS_SPEEDUP.low:g}x: {paper})")
        deltas = ", ".join(f"q{b.quantile:g} budget {b.delta_equal_time:+.2f} pp" for b in f.budgets
                           if b.delta_equal_time is not None)
        lines.append(f"- **{f.family}**: SparseNAS {word}; best-accuracy difference (sparse - full) at the full "
                     f"run's final time: {deltas or 'n/a'}; early-vs-final Spearman {_fmt(f.early_vs_final_spearman)}.")
    return "\n".join(lines)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"
