"""The search-comparison machinery shared by stages ``search`` (05) and ``search_supernet`` (06).

Both stages run every tactic for several seeds, turn each run's history into a normalised-HV
curve, and summarise the curves the same way:

* **evaluations to threshold**: real evaluations until a run's normalised HV first reaches
  the threshold; per (cell, tactic) the median over seeds (``inf`` when more than half never
  reach it), the inter-quartile range and a bootstrap 95 % interval of the median
  (:func:`nas_utils.stats.bootstrap_ci`; runs that never reach it are censored at
  ``budget + 1``);
* **ratio to LINAS**: median evaluations of a tactic / median evaluations of LINAS (and of
  faithful LINAS), with a bootstrap interval over seeds (:func:`nas_utils.stats.ratio_ci`);
  a lower bound where the tactic's median is censored;
* **the paper's framing**: evaluations each tactic needs to match the HV LINAS reached after
  ``paper_linas_evals`` evaluations;
* **views** (where the curves table has their columns): every threshold row and ratio is
  computed per HV view (:data:`VIEWS`: ``space`` from column ``hv``, ``near_front`` from
  ``hv_near``), and IGD+ to the true front (column ``igd``) is summarised at fixed evaluation
  counts (median over seeds with a bootstrap 95 % interval).

>>> from nas_utils.experiments.comparison import summarise_cells   # doctest: +SKIP
>>> cells, seeds = summarise_cells(curves, (0.99,), budget=300, paper_linas_evals=100)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from nas_utils.io import atomic_path
from nas_utils.metrics import HypervolumeScorer, evals_to_threshold, pareto_front
from nas_utils.plotting import TACTIC_COLOURS, use_style
import matplotlib.pyplot as plt  # noqa: E402  (after nas_utils.plotting chose the backend)
from matplotlib.figure import Figure  # noqa: E402
from nas_utils.results.search import (
    CellSummary, ComparisonSummary, IGDResult, MatchResult, RatioResult, TacticResult, ThresholdResult, View,
)
from nas_utils.search import make_tactic
from nas_utils.stats import bootstrap_ci, ratio_ci

REFERENCE = "linas"
REFERENCES = (REFERENCE, "linas_faithful")
_HUGE = 1e12
#: HV view -> its column in a curves table (``space`` always; ``near_front`` where the true front is known).
VIEWS: dict[View, str] = {"space": "hv", "near_front": "hv_near"}
IGD = "igd"


# --- running ------------------------------------------------------------------------------------


def run_tactic(tactic: str, params: dict[str, Any], evaluator: Any, budget: int, seed: int, dataset: str,
               device: str) -> pd.DataFrame:
    """One search run: its history labelled with the cell, plus the run's wall time."""
    start = time.perf_counter()
    history = make_tactic(tactic, **params).run(evaluator, budget, seed)
    history.insert(2, "dataset", dataset)
    history.insert(3, "device", device)
    history["run_time_s"] = time.perf_counter() - start
    return history


def order_histories(df: pd.DataFrame, tactics: Iterable[str]) -> pd.DataFrame:
    """Fixed row order (cell, configured tactic order, seed, eval): results never depend on scheduling."""
    order = {t: i for i, t in enumerate(tactics)}
    df = df.assign(_o=df["tactic"].map(order))
    df = df.sort_values(["dataset", "device", "_o", "seed", "eval"], kind="stable").drop(columns="_o")
    return df.reset_index(drop=True)


def run_curves(run: pd.DataFrame, scorers: dict[str, Any]) -> pd.DataFrame:
    """Curves of one run (one cell, tactic, seed): column ``name`` = ``scorers[name].curve(objectives)``.

    The first scorer's ``objectives`` name the history's objective columns; ``scorers`` usually
    holds ``hv`` and, where the true front is known, ``hv_near`` and ``igd``.
    """
    first = run.iloc[0]
    names = [o.name for o in next(iter(scorers.values())).objectives]
    F = run[names].to_numpy()
    out = pd.DataFrame({"dataset": first["dataset"], "device": first["device"], "tactic": first["tactic"],
                        "seed": first["seed"], "eval": run["eval"].to_numpy()})
    for column, scorer in scorers.items():
        out[column] = scorer.curve(F)
    return out


def hv_curves(histories: pd.DataFrame, scorer_for: Callable[[str, str], HypervolumeScorer | dict[str, Any]]) -> pd.DataFrame:
    """Normalised HV after every evaluation of every run (long format), one scorer per cell.

    ``scorer_for(dataset, device)`` returns the HV scorer (column ``hv``) or a mapping column ->
    scorer (:func:`run_curves`).
    """
    frames = []
    for (dataset, device), cell in histories.groupby(["dataset", "device"], sort=False):
        scorers = scorer_for(str(dataset), str(device))
        scorers = scorers if isinstance(scorers, dict) else {"hv": scorers}
        frames += [run_curves(run, scorers) for _, run in cell.groupby(["tactic", "seed"], sort=False)]
    return pd.concat(frames, ignore_index=True)


def run_times(histories: pd.DataFrame, column: str = "run_time_s") -> dict[str, float]:
    """Median time of one run per tactic (seconds; ``column``: ``run_time_s`` wall, ``run_cpu_s`` CPU)."""
    if column not in histories:
        return {}
    per_run = histories.groupby(["tactic", "dataset", "device", "seed"], sort=False)[column].first()
    return {str(t): float(v) for t, v in per_run.groupby("tactic", sort=False).median().items()}


# --- summarising --------------------------------------------------------------------------------


def _hits(runs: pd.DataFrame, threshold: float, column: str = "hv") -> np.ndarray:
    """Evaluations to ``threshold`` per seed (``inf``: never within the budget)."""
    hits = [evals_to_threshold(r[column].to_numpy(), threshold) for _, r in runs.groupby("seed", sort=True)]
    return np.array([np.inf if h is None else float(h) for h in hits])


def _quantile(vals: np.ndarray, q: float) -> float:
    v = float(np.quantile(np.where(np.isfinite(vals), vals, _HUGE), q))
    return float("inf") if v > _HUGE / 2 else v


def threshold_result(tactic: str, threshold: float, vals: np.ndarray, budget: int, seed: int = 0,
                     view: View = "space") -> ThresholdResult:
    ci = bootstrap_ci(vals, censor_at=budget + 1, seed=seed)
    return ThresholdResult(tactic=tactic, threshold=float(threshold), seeds=len(vals), median=_quantile(vals, 0.5),
                           q1=_quantile(vals, 0.25), q3=_quantile(vals, 0.75), ci_low=ci.low, ci_high=ci.high,
                           reached=float(np.mean(np.isfinite(vals))), view=view)


def ratio_result(tactic: str, reference: str, threshold: float, num: np.ndarray, den: np.ndarray, budget: int,
                 seed: int = 0, view: View = "space") -> RatioResult:
    ci = ratio_ci(num, den, censor_at=budget + 1, seed=seed)
    if not ci.defined:
        return RatioResult(tactic, reference, float(threshold), None, None, None, "undefined", view)
    return RatioResult(tactic, reference, float(threshold), ci.estimate, ci.low, ci.high, ci.bound, view)


def threshold_rows(hits: dict[str, np.ndarray], threshold: float, budget: int, seed: int = 0,
                   view: View = "space") -> tuple[list[ThresholdResult], list[RatioResult]]:
    """Every tactic's evaluations to ``threshold`` (``hits``: tactic -> per-seed evaluations, ``inf``: never)
    and its ratio to each reference tactic present, with intervals."""
    rows = [threshold_result(t, threshold, v, budget, seed, view) for t, v in hits.items()]
    ratios = [ratio_result(t, ref, threshold, v, hits[ref], budget, seed, view)
              for ref in REFERENCES if ref in hits for t, v in hits.items() if t != ref]
    return rows, ratios


def igd_result(tactic: str, runs: pd.DataFrame, evals: int, seed: int = 0) -> IGDResult:
    """IGD+ after ``evals`` evaluations (a shorter run: its last value), median over seeds with its interval."""
    vals = np.array([float(r.loc[r["eval"] <= evals, IGD].iloc[-1]) for _, r in runs.groupby("seed", sort=True)])
    return igd_of(tactic, vals, evals, seed)


def igd_of(tactic: str, vals: np.ndarray, evals: int, seed: int = 0) -> IGDResult:
    """Per-seed IGD+ values after ``evals`` evaluations as their median with its bootstrap interval."""
    ci = bootstrap_ci(vals, seed=seed)
    return IGDResult(tactic, int(evals), len(vals), float(np.median(vals)), ci.low, ci.high)


def _views(cell: pd.DataFrame) -> list[View]:
    return [v for v, column in VIEWS.items() if column in cell]


def _final(runs: pd.DataFrame, column: str) -> float | None:
    return float(runs.groupby("seed")[column].last().median()) if column in runs else None


def summarise_cell(cell: pd.DataFrame, thresholds: Iterable[float], budget: int, paper_linas_evals: int | None,
                   run_time: dict[str, float] | None = None, seed: int = 0, run_cpu: dict[str, float] | None = None,
                   near_front_ref: dict[str, float] | None = None) -> CellSummary:
    """Every tactic of one (dataset, device) cell: thresholds and ratios to LINAS in every HV view the
    curves have, IGD+ (where present) after ``paper_linas_evals`` and ``budget`` evaluations, the paper's framing."""
    by_tactic = {str(t): runs for t, runs in cell.groupby("tactic", sort=False)}
    tactics = [TacticResult(t, int(r["seed"].nunique()), float(r.groupby("seed")["hv"].last().median()),
                            (run_time or {}).get(t), _final(r, VIEWS["near_front"]), (run_cpu or {}).get(t))
               for t, r in by_tactic.items()]
    rows: list[ThresholdResult] = []
    ratios: list[RatioResult] = []
    for view in _views(cell):
        for thr in thresholds:
            hits = {t: _hits(runs, thr, VIEWS[view]) for t, runs in by_tactic.items()}
            found, against = threshold_rows(hits, thr, budget, seed, view)
            rows += found
            ratios += against
    igd = []
    if IGD in cell:
        igd = [igd_result(t, r, n, seed) for n in dict.fromkeys(n for n in (paper_linas_evals, budget) if n)
               for t, r in by_tactic.items()]
    first = cell.iloc[0]
    out = CellSummary(str(first["dataset"]), str(first["device"]), tactics, rows, ratios,
                      near_front_ref=dict(near_front_ref or {}), igd=igd)
    if paper_linas_evals and REFERENCE in by_tactic:
        linas = by_tactic[REFERENCE]
        target = float(linas.loc[linas["eval"] == paper_linas_evals, "hv"].median())
        match = []
        for t, runs in by_tactic.items():
            med = _quantile(_hits(runs, target), 0.5)
            match.append(MatchResult(t, med, None if not np.isfinite(med) else med / paper_linas_evals))
        out = dataclasses.replace(out, paper_linas_evals=paper_linas_evals, paper_target_hv=target, paper_style=match)
    return out


def summarise_cells(curves: pd.DataFrame, thresholds: Iterable[float], budget: int,
                    paper_linas_evals: int | None = None, run_time: dict[str, float] | None = None,
                    seed: int = 0, run_cpu: dict[str, float] | None = None,
                    near_front_refs: dict[str, dict[str, float]] | None = None) -> tuple[list[CellSummary], dict[str, int]]:
    """:func:`summarise_cell` for every cell, and the number of seeds per tactic.

    ``near_front_refs``: cell name (``dataset/device``) -> the near-front reference point, recorded in the cell.
    """
    thresholds = tuple(thresholds)
    cells = [summarise_cell(c, thresholds, budget, paper_linas_evals, run_time, seed, run_cpu,
                            (near_front_refs or {}).get(f"{d}/{dev}"))
             for (d, dev), c in curves.groupby(["dataset", "device"], sort=False)]
    seeds = {str(t): int(n) for t, n in curves.groupby("tactic", sort=False)["seed"].nunique().items()}
    return cells, seeds


# --- tables -------------------------------------------------------------------------------------


def _evals(x: float) -> str:
    return "> budget" if not np.isfinite(x) else f"{x:.0f}"


def _ratio(r: RatioResult | None) -> str:
    return "n/a" if r is None else r.text()


def _evals_ci(res: ThresholdResult | None) -> str:
    """``88 [70, 110]``: median evaluations and the bootstrap 95 % interval of the median."""
    if res is None:
        return "n/a"
    hi = "inf" if not np.isfinite(res.ci_high) else f"{res.ci_high:.0f}"
    return f"{_evals(res.median)} [{res.ci_low:.0f}, {hi}]"


def threshold_table(summary: ComparisonSummary) -> pd.DataFrame:
    """Rows = (cell, HV view, tactic); columns = median evaluations to each threshold with its 95 %
    interval, the fraction of seeds that reached it, and the ratio to LINAS with its interval."""
    rows = []
    for cell in summary.cells:
        for view in cell.views():
            for t in cell.tactics:
                final = t.final_hv_median if view == "space" else t.final_hv_near_median
                row: dict[str, Any] = {"cell": cell.name, "view": view, "tactic": t.tactic, "seeds": t.seeds,
                                       "final_hv": final}
                for thr in summary.thresholds:
                    res = cell.threshold(t.tactic, thr, view)
                    row[f"evals to {thr} [95% CI]"] = _evals_ci(res)
                    row[f"reached {thr}"] = res.reached if res else None
                    if t.tactic != REFERENCE:
                        row[f"x LINAS at {thr} [95% CI]"] = _ratio(cell.ratio(t.tactic, thr, view=view))
                rows.append(row)
    return pd.DataFrame(rows)


def igd_table(summary: ComparisonSummary) -> pd.DataFrame:
    """Rows = (cell, tactic); columns = median IGD+ to the true front after N evaluations [95 % CI]."""
    rows = []
    for cell in summary.cells:
        for t in cell.tactics:
            row: dict[str, Any] = {"cell": cell.name, "tactic": t.tactic}
            for r in (r for r in cell.igd if r.tactic == t.tactic):
                row[f"IGD+ after {r.evals} [95% CI]"] = f"{r.median:.4f} [{r.ci_low:.4f}, {r.ci_high:.4f}]"
            rows.append(row)
    return pd.DataFrame(rows)


def hv_plot_data(curves: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Wide tables for DVC plots: per cell, x ``eval`` and one column per tactic (median HV over seeds)."""
    out = {}
    for (dataset, device), cell in curves.groupby(["dataset", "device"], sort=False):
        wide = cell.groupby(["eval", "tactic"], sort=False)["hv"].median().unstack("tactic")
        wide = wide[list(dict.fromkeys(cell["tactic"]))].round(6).reset_index()
        out[f"{dataset}_{device}"] = wide
    return out


def write_plot_data(out_dir: str | Path, tables: dict[str, pd.DataFrame], prefix: str) -> None:
    for name, df in tables.items():
        with atomic_path(Path(out_dir) / "plots" / f"{prefix}{name}.csv") as tmp:
            df.to_csv(tmp, index=False)


# --- figures ------------------------------------------------------------------------------------


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
