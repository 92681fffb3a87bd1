"""Figures of the search comparison, shared by stages ``search`` (05) and ``search_supernet`` (06):
normalised-HV curves per cell, evaluations to each threshold with their intervals, and each
tactic's found front against the true one. The numbers they draw come from
:mod:`nas_utils.experiments.comparison`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from nas_utils.metrics import pareto_front
from nas_utils.plotting import TACTIC_COLOURS, use_style
import matplotlib.pyplot as plt  # noqa: E402  (after nas_utils.plotting chose the backend)
from matplotlib.figure import Figure  # noqa: E402
from nas_utils.results.search import ComparisonSummary


def _cells(df: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(df["dataset"], df["device"])))


def _shared_legend(fig: Figure, handles: list[Any], ncol: int | None = None) -> None:
    """One legend for every panel, below them (every panel draws the same tactics)."""
    fig.legend(handles=handles, loc="lower center", ncol=ncol or min(len(handles), 5), fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 0.0))


def _tactic_handles(tactics: Iterable[str]) -> list[Any]:
    return [Line2D([], [], color=TACTIC_COLOURS.get(t), lw=1.8, label=t) for t in tactics]


def plot_hv_curves(curves: pd.DataFrame, thresholds: Iterable[float], title: Callable[[str, str], str] | None = None,
                   ylabel: str = "1 - normalised hypervolume", column: str = "hv") -> Figure:
    """1 - normalised HV (log scale) vs real evaluations: median over seeds, IQR band; labelled thresholds.

    ``column``: the curves' HV column (``hv``: space-wide view; ``hv_near``: near-front view).
    """
    use_style()
    cells = _cells(curves)
    thresholds = tuple(thresholds)
    fig, axes = plt.subplots(1, len(cells), figsize=(4.6 * len(cells), 4.2), squeeze=False, sharey=True)
    for ax, (dataset, device) in zip(axes[0], cells):
        cell = curves[(curves["dataset"] == dataset) & (curves["device"] == device)]
        for tactic, runs in cell.groupby("tactic", sort=False):
            gap = np.clip(1.0 - runs.pivot(index="eval", columns="seed", values=column).to_numpy(), 1e-5, 1.0)
            x = np.arange(1, len(gap) + 1)
            q1, med, q3 = np.percentile(gap, [25, 50, 75], axis=1)
            colour = TACTIC_COLOURS.get(str(tactic))
            ax.plot(x, med, color=colour, lw=1.6)
            ax.fill_between(x, q1, q3, color=colour, alpha=0.15, lw=0)
        for thr in thresholds:
            ax.axhline(1 - thr, color="k", ls=":", lw=0.8)
            ax.annotate(f"HV {thr:g}", xy=(0.0, 1 - thr), xycoords=("axes fraction", "data"), xytext=(3, 2),
                        textcoords="offset points", ha="left", va="bottom", fontsize=7)
        ax.set_yscale("log")
        ax.set_title(title(dataset, device) if title else f"{dataset} / {device}")
        ax.set_xlabel("real evaluations")
    axes[0][0].set_ylabel(ylabel)
    tactics = list(dict.fromkeys(curves["tactic"]))
    handles: list[Any] = _tactic_handles(tactics) + [Patch(color="0.5", alpha=0.25, label="inter-quartile range"),
                                          Line2D([], [], color="k", ls=":", lw=0.8, label="HV threshold")]
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    _shared_legend(fig, handles, ncol=min(len(handles), 4))
    return fig


def plot_evals_to_threshold(summary: ComparisonSummary, title: Callable[[str, str], str] | None = None) -> Figure:
    """Median evaluations to reach each HV threshold (IQR whiskers); hatched bars never reached."""
    use_style()
    thresholds = summary.thresholds
    budget = summary.budget
    fig, axes = plt.subplots(1, len(summary.cells), figsize=(4.6 * len(summary.cells), 4.2), squeeze=False,
                             sharey=True)
    shades = plt.get_cmap("Blues")(np.linspace(0.45, 0.9, len(thresholds)))
    for ax, cell in zip(axes[0], summary.cells):
        tactics = cell.tactic_names()
        width = 0.8 / len(thresholds)
        for k, thr in enumerate(thresholds):
            rows = [cell.threshold(t, thr) for t in tactics]
            meds = [budget if r is None or r.never else r.median for r in rows]
            lo = [0 if r is None or r.never else r.median - r.q1 for r in rows]
            hi = [0 if r is None or r.never else min(r.q3, budget) - r.median for r in rows]
            x = np.arange(len(tactics)) + (k - (len(thresholds) - 1) / 2) * width
            bars = ax.bar(x, meds, width, yerr=[lo, hi], capsize=2, color=shades[k])
            for bar, r in zip(bars, rows):
                if r is None or r.never:
                    bar.set_hatch("//")
                    bar.set_alpha(0.35)
        ax.set_xticks(np.arange(len(tactics)), tactics, rotation=30, ha="right")
        ax.set_title(title(cell.dataset, cell.device) if title else cell.name)
        ax.axhline(budget, color="k", lw=0.8, ls="--")
    axes[0][0].set_ylabel("real evaluations (median over seeds)")
    handles: list[Any] = [Patch(color=shades[k], label=f"HV >= {thr:g}") for k, thr in enumerate(thresholds)]
    handles += [Patch(facecolor="white", edgecolor="0.3", hatch="//", label="not reached (median > budget)"),
                Line2D([], [], color="k", ls="--", lw=0.8, label=f"budget ({budget})"),
                Line2D([], [], color="k", lw=0.8, marker="_", label="inter-quartile range")]
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    _shared_legend(fig, handles, ncol=3)
    return fig


def inlier_range(values: np.ndarray, gap_share: float = 0.5, max_outliers: float = 0.1) -> tuple[float, float]:
    """Range of ``values`` without isolated outliers: a small group (at most ``max_outliers`` of the
    values, at least one value) cut off from the rest by a gap wider than ``gap_share`` of the
    whole range, e.g. degenerate architectures at chance accuracy. Fewer than 10 values: no clipping.

    >>> inlier_range(np.array([10.0, 10.0, 86, 87, 88, 89, 90, 91, 92, 93, 93.5, 94, 94, 94, 94, 94, 94, 94, 94, 94]))
    (86.0, 94.0)
    >>> inlier_range(np.array([10.0, 86.0, 94.0]))
    (10.0, 94.0)
    """
    v = np.sort(np.asarray(values, dtype=float))
    for _ in range(2):  # at most one group on each side
        if len(v) < 10 or v[-1] <= v[0]:  # too few points to call any of them an outlier
            break
        gaps = np.diff(v)
        k = int(np.argmax(gaps))
        small = min(k + 1, len(v) - k - 1)
        if gaps[k] <= gap_share * (v[-1] - v[0]) or small > max(1.0, max_outliers * len(v)):
            break
        v = v[k + 1:] if k + 1 == small else v[: k + 1]
    return float(v[0]), float(v[-1])


def plot_fronts(histories: pd.DataFrame, objectives: Callable[[str, str], Any],
                reference_front: Callable[[str, str], np.ndarray], reference_label: str,
                seed: int | None = 0, title: Callable[[str, str], str] | None = None) -> Figure:
    """Non-dominated points found by each tactic against a reference front, one panel per cell.

    ``seed=None`` pools every seed. Axes span the points without isolated outliers
    (:func:`inlier_range`, latency on a log scale), so one degenerate architecture does not
    squash a panel; clipped points are drawn at the panel edge as triangles and counted in the title.
    """
    use_style()
    cells = _cells(histories)
    fig, axes = plt.subplots(1, len(cells), figsize=(4.6 * len(cells), 4.2), squeeze=False)
    any_clipped = False
    for ax, (dataset, device) in zip(axes[0], cells):
        objs = objectives(dataset, device)
        names = [o.name for o in objs]
        ref = reference_front(dataset, device)
        cell = histories[(histories["dataset"] == dataset) & (histories["device"] == device)]
        if seed is not None:
            cell = cell[cell["seed"] == seed]
        fronts = {str(t): pareto_front(run[names].to_numpy(), objs) for t, run in cell.groupby("tactic", sort=False)}
        every = np.vstack([ref, *fronts.values()])
        y_lo, y_hi = inlier_range(every[:, 0])
        kept = every[(every[:, 0] >= y_lo) & (every[:, 0] <= y_hi)]  # latency range of the accuracy inliers
        x_lo, x_hi = (float(np.exp(b)) for b in inlier_range(np.log(kept[:, 1])))
        y_pad, x_pad = 0.04 * (y_hi - y_lo or 1.0), 1.15
        box = (x_lo / x_pad, x_hi * x_pad, y_lo - y_pad, y_hi + y_pad)
        ax.step(ref[:, 1], ref[:, 0], where="post", color="k", lw=1.2)
        clipped = 0
        for tactic, front in fronts.items():
            colour = TACTIC_COLOURS.get(tactic)
            inside = ((front[:, 1] >= box[0]) & (front[:, 1] <= box[1]) & (front[:, 0] >= box[2])
                      & (front[:, 0] <= box[3]))
            clipped += int((~inside).sum())
            ax.scatter(front[inside, 1], front[inside, 0], s=16, alpha=0.8, color=colour)
            out = front[~inside]
            ax.scatter(np.clip(out[:, 1], box[0], box[1]), np.clip(out[:, 0], box[2], box[3]), s=26, marker="v",
                       color=colour, clip_on=False)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlim(box[0], box[1])
        ax.set_ylim(box[2], box[3])
        ax.set_xlabel(f"{names[1]} ({objs[1].unit}, log)")
        name = title(dataset, device) if title else f"{dataset} / {device}"
        ax.set_title(name + (f" ({clipped} outlier(s) at the edge)" if clipped else ""), fontsize=9)
        any_clipped |= clipped > 0
    first = objectives(*cells[0])
    axes[0][0].set_ylabel(f"{first[0].name} ({first[0].unit})")
    handles: list[Any] = [Line2D([], [], color="k", lw=1.2, label=reference_label)]
    handles += [Line2D([], [], ls="", marker="o", color=TACTIC_COLOURS.get(t), label=t)
                for t in dict.fromkeys(histories["tactic"])]
    if any_clipped:
        handles.append(Line2D([], [], ls="", marker="v", color="0.4", label="outlier, drawn at the edge"))
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    _shared_legend(fig, handles, ncol=4)
    return fig


def plot_fronts_by_tactic(histories: pd.DataFrame, objectives: Callable[[str, str], Any],
                          reference_front: Callable[[str, str], np.ndarray], reference_label: str, evals: int,
                          seed: int = 0, title: Callable[[str, str], str] | None = None,
                          probe: Callable[[str, str], np.ndarray] | None = None, probe_label: str = "") -> Figure:
    """What each tactic has found after its first ``evals`` evaluations (run ``seed``), one panel per cell and
    tactic (rows: cells; columns: tactics), so no tactic hides another: the reference front, every evaluated
    point (light) and the tactic's non-dominated ones; the title counts the reference front's distinct points found.
    Axes span the reference front of the row (latency on a log scale); points beyond it are not drawn. ``probe``:
    further points of a cell drawn as grey crosses in each of its panels (``probe_label`` names them)."""
    use_style()
    cells, tactics = _cells(histories), list(dict.fromkeys(histories["tactic"]))
    fig, axes = plt.subplots(len(cells), len(tactics), figsize=(2.3 * len(tactics), 2.3 * len(cells) + 0.5),
                             squeeze=False, sharey="row")
    for row, (dataset, device) in zip(axes, cells):
        objs = objectives(dataset, device)
        names = [o.name for o in objs]
        ref = np.unique(reference_front(dataset, device), axis=0)  # networks with equal objectives: one point
        ref = ref[np.argsort(ref[:, 1], kind="stable")]
        (y_lo, x_lo), (y_hi, x_hi) = ref.min(axis=0), ref.max(axis=0)
        y_pad, x_pad = 0.08 * (y_hi - y_lo or 1.0), 1.25
        cell = histories[(histories["dataset"] == dataset) & (histories["device"] == device)
                         & (histories["seed"] == seed) & (histories["eval"] <= evals)]
        extra = probe(dataset, device) if probe else np.empty((0, 2))
        for ax, tactic in zip(row, tactics):
            points = cell.loc[cell["tactic"] == tactic, names].to_numpy(dtype=float)
            colour = TACTIC_COLOURS.get(tactic)
            ax.step(ref[:, 1], ref[:, 0], where="post", color="k", lw=1.0)
            if len(extra):
                ax.scatter(extra[:, 1], extra[:, 0], s=12, marker="x", color="0.45", lw=0.8, zorder=3)
            found = 0
            if len(points):
                front = pareto_front(points, objs)
                found = int(sum(np.isclose(points[:, None, :], ref[None, :, :]).all(axis=2).any(axis=0)))
                ax.scatter(points[:, 1], points[:, 0], s=6, alpha=0.25, color=colour, lw=0)
                ax.scatter(front[:, 1], front[:, 0], s=14, color=colour, lw=0)
            ax.set_xscale("log")
            ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())
            ax.set_xlim(x_lo / x_pad, x_hi * x_pad)
            ax.set_ylim(y_lo - y_pad, y_hi + y_pad)
            ax.tick_params(labelsize=7)
            ax.set_title(f"{tactic}: {found} of {len(ref)} found", fontsize=8)
        name = title(dataset, device) if title else f"{dataset} / {device}"
        row[0].set_ylabel(f"{name}\n{names[0]} ({objs[0].unit})", fontsize=8)
    for ax in axes[-1]:
        ax.set_xlabel(f"{names[1]} ({objs[1].unit}, log)", fontsize=8)
    fig.suptitle(f"What each tactic has found after {evals} evaluations (seed {seed}); black: {reference_label}"
                 + (f"; grey crosses: {probe_label}" if probe else ""), fontsize=9)
    fig.tight_layout()
    return fig
