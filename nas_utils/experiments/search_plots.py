"""Figures of the search-comparison stage (HV curves, found fronts, evaluations to threshold)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nas_utils.evaluators import load_benchmark
from nas_utils.metrics import pareto_front
from nas_utils.plotting import TACTIC_COLOURS, use_style


def _cells(df: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(df["dataset"], df["device"])))


def plot_hv_curves(curves: pd.DataFrame, thresholds: tuple[float, ...]) -> plt.Figure:
    """1 - normalised HV (log scale) vs real evaluations: median over seeds with an IQR band."""
    use_style()
    cells = _cells(curves)
    fig, axes = plt.subplots(1, len(cells), figsize=(4.6 * len(cells), 3.8), squeeze=False, sharey=True)
    for ax, (dataset, device) in zip(axes[0], cells):
        cell = curves[(curves["dataset"] == dataset) & (curves["device"] == device)]
        for tactic, runs in cell.groupby("tactic", sort=False):
            gap = 1.0 - runs.pivot(index="eval", columns="seed", values="hv").to_numpy()
            gap = np.clip(gap, 1e-5, 1.0)
            x = np.arange(1, len(gap) + 1)
            q1, med, q3 = np.percentile(gap, [25, 50, 75], axis=1)
            colour = TACTIC_COLOURS.get(str(tactic))
            ax.plot(x, med, label=tactic, color=colour, lw=1.6)
            ax.fill_between(x, q1, q3, color=colour, alpha=0.15, lw=0)
        for thr in thresholds:
            ax.axhline(1 - thr, color="k", ls=":", lw=0.8)
        ax.set_yscale("log")
        ax.set_title(f"{dataset} / {device}")
        ax.set_xlabel("real evaluations")
    axes[0][0].set_ylabel("1 - normalised hypervolume")
    axes[0][-1].legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def plot_fronts(histories: pd.DataFrame, seed: int = 0) -> plt.Figure:
    """Non-dominated points found by each tactic (one seed) against the true front."""
    use_style()
    cells = _cells(histories)
    fig, axes = plt.subplots(1, len(cells), figsize=(4.6 * len(cells), 3.8), squeeze=False)
    for ax, (dataset, device) in zip(axes[0], cells):
        bench = load_benchmark("nb201", dataset, device)
        true = bench.true_front()
        ax.step(true[:, 1], true[:, 0], where="post", color="k", lw=1.2, label="true front")
        cell = histories[(histories["dataset"] == dataset) & (histories["device"] == device) & (histories["seed"] == seed)]
        for tactic, run in cell.groupby("tactic", sort=False):
            front = pareto_front(run[["accuracy", "latency"]].to_numpy(), bench.objectives)
            ax.scatter(front[:, 1], front[:, 0], s=16, alpha=0.8, label=tactic, color=TACTIC_COLOURS.get(str(tactic)))
        ax.set_xscale("log")
        ax.set_xlabel("latency (ms, log)")
        ax.set_title(f"{dataset} / {device}, seed {seed}")
    axes[0][0].set_ylabel("test accuracy (%)")
    axes[0][-1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def plot_evals_to_threshold(summary: dict[str, Any], thresholds: tuple[float, ...], budget: int) -> plt.Figure:
    """Median evaluations to reach each HV threshold (IQR whiskers); bars at the budget never reached."""
    use_style()
    cells = list(summary["cells"])
    fig, axes = plt.subplots(1, len(cells), figsize=(4.6 * len(cells), 3.8), squeeze=False, sharey=True)
    for ax, cell in zip(axes[0], cells):
        tactics = list(summary["cells"][cell]["tactics"])
        width = 0.8 / len(thresholds)
        for k, thr in enumerate(thresholds):
            meds, lo, hi, hatch = [], [], [], []
            for t in tactics:
                e = summary["cells"][cell]["tactics"][t]
                med = e[f"evals_{thr}"]
                q1, q3 = e[f"evals_{thr}_iqr"]
                meds.append(budget if med is None else med)
                lo.append(0 if med is None else med - (q1 if q1 is not None else med))
                hi.append(0 if med is None else (q3 if q3 is not None else budget) - med)
                hatch.append(med is None)
            x = np.arange(len(tactics)) + (k - (len(thresholds) - 1) / 2) * width
            bars = ax.bar(x, meds, width, yerr=[lo, hi], capsize=2, label=f"HV >= {thr}", alpha=0.85)
            for bar, never in zip(bars, hatch):
                if never:
                    bar.set_hatch("//")
                    bar.set_alpha(0.3)
        ax.set_xticks(np.arange(len(tactics)), tactics, rotation=30, ha="right")
        ax.set_title(cell)
        ax.axhline(budget, color="k", lw=0.8, ls="--")
    axes[0][0].set_ylabel("real evaluations (median over seeds)")
    axes[0][-1].legend(fontsize=8)
    fig.tight_layout()
    return fig
