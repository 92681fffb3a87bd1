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
  ``paper_linas_evals`` evaluations (its median over LINAS's seeds), with a bootstrap interval that
  resamples LINAS's seeds and the tactic's (:func:`match_result`);
* **views** (where the curves table has their columns): every threshold row and ratio is
  computed per HV view (:data:`VIEWS`: ``space`` from column ``hv``, ``near_front`` from
  ``hv_near``), and IGD+ to the true front (column ``igd``) is summarised at fixed evaluation
  counts (median over seeds with a bootstrap 95 % interval).

>>> from nas_utils.experiments.comparison import summarise_cells   # doctest: +SKIP
>>> cells, seeds = summarise_cells(curves, (0.99,), budget=300, paper_linas_evals=100)  # doctest: +SKIP

Their figures are in :mod:`nas_utils.experiments.comparison_plots`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils.io import atomic_path
from nas_utils.metrics import HypervolumeScorer, evals_to_threshold
from nas_utils.results.search import (
    CellSummary, ComparisonSummary, IGDResult, MatchResult, RatioResult, TacticResult, ThresholdResult, View,
)
from nas_utils.search import make_tactic
from nas_utils.stats import bootstrap_ci, censored_ci, ratio_ci

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
    """The ``q`` quantile (linear interpolation) of counts with censored runs (``inf``) ranked last; ``inf``
    where the interpolation reaches a censored run."""
    finite = vals[np.isfinite(vals)]
    v = float(np.quantile(np.where(np.isfinite(vals), vals, _HUGE), q))
    return float("inf") if not len(finite) or v > finite.max() else v


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
    if paper_linas_evals:
        out = with_paper_framing(out, {t: _curve_matrix(runs) for t, runs in by_tactic.items()}, paper_linas_evals,
                                 budget, seed)
    return out


def with_paper_framing(cell: CellSummary, curves: dict[str, np.ndarray], n: int, budget: int,
                       seed: int = 0) -> CellSummary:
    """``cell`` with the paper's framing (:func:`match_result` of every tactic in ``curves``, tactic -> (seeds x
    evaluations) space-wide HV curves in seed order); unchanged without LINAS's curves or where they end before ``n``."""
    if REFERENCE not in curves or curves[REFERENCE].shape[1] < n:
        return cell
    at_n = curves[REFERENCE][:, n - 1]
    match = [match_result(t, at_n, c, n, budget, seed) for t, c in curves.items()]
    return dataclasses.replace(cell, paper_linas_evals=n, paper_target_hv=float(np.median(at_n)), paper_style=match)


def _curve_matrix(runs: pd.DataFrame, column: str = "hv") -> np.ndarray:
    """(seeds, evaluations) curves of one tactic, in seed order; a shorter run is held at its last value."""
    curves = [r[column].to_numpy(dtype=float) for _, r in runs.groupby("seed", sort=True)]
    n = max(len(c) for c in curves)
    return np.stack([np.pad(c, (0, n - len(c)), mode="edge") for c in curves])


def match_result(tactic: str, linas_at_n: np.ndarray, curves: np.ndarray, n_linas: int, budget: int,
                 seed: int = 0) -> MatchResult:
    """DyNAS-T's framing with its interval: the median evaluations ``tactic``'s runs (``curves``, seeds x
    evaluations) need to reach the median HV LINAS's seeds reach after ``n_linas`` (``linas_at_n``).

    The bootstrap resamples both groups of seeds independently, so the interval carries the uncertainty
    of the HV to match as well as the tactic's; never-matched runs are censored (:func:`censored_ci`).
    """
    def statistic_for(never: float) -> Callable[..., Any]:
        def evals(at_n: np.ndarray, rows: np.ndarray, axis: int = -1) -> Any:
            target = np.median(at_n, axis=-1)[..., None, None]
            reached = curves[rows.astype(int)] >= target - 1e-12  # (..., seeds, evaluations)
            hits = np.where(reached.any(axis=-1), reached.argmax(axis=-1) + 1.0, never)
            return np.median(hits, axis=-1)
        return evals

    rows = np.arange(len(curves), dtype=float)
    med = float(statistic_for(np.inf)(linas_at_n, rows))
    ci = censored_ci((np.asarray(linas_at_n, dtype=float), rows), statistic_for, censor_at=budget + 1, seed=seed)
    return MatchResult(tactic, med, None if not np.isfinite(med) else med / n_linas, ci.low, ci.high, len(curves))


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
