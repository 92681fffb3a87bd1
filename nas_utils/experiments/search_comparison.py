"""Stage ``search``: every tactic x device x seed on the NB201 x HELP tabular benchmark.

The notebook ``05_search_comparison.ipynb`` calls, in order::

    cfg = config.parse("search", params)
    histories = run_grid(cfg)                   # one row per real evaluation
    curves = hv_curves(histories)               # normalised HV after each evaluation
    summary = summarise(curves, cfg)            # evaluations-to-threshold and ratios to LINAS
    write_outputs(cfg, histories, curves, summary)

Method: normalised HV = HV(evaluated set) / HV(true front of the whole space), objectives
normalised by the space-wide min/max, reference point (1, 1) (see :mod:`nas_utils.metrics`).
"Evaluations to threshold" counts real evaluations until the normalised HV first reaches the
threshold; per cell we report the median over seeds (runs that never reach it count as
infinite; a median that is infinite is reported as null) and the inter-quartile range.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.latency.benchmark_devices import devices_for
from nas_utils.errors import ConfigError
from nas_utils.evaluators import load_benchmark
from nas_utils.io import write_json, write_parquet
from nas_utils.metrics import evals_to_threshold
from nas_utils.parallel import parallel_map
from nas_utils.search import TACTICS, make_tactic
from nas_utils.tables import DATASETS

REFERENCE = "linas"


@config.section("search")
@dataclass(frozen=True)
class SearchConfig:
    """Parameters of the search-comparison stage (``params.yaml: search``)."""

    datasets: tuple[str, ...] = ("cifar10",)
    devices: tuple[str, ...] = ("gold_6226", "pixel2", "raspi4")
    tactics: tuple[str, ...] = ("random", "nsga2", "linas_faithful", "linas", "weaknas", "bo")
    seeds: int = 10
    tactic_seeds: dict[str, int] = field(default_factory=dict)
    budget: int = 300
    thresholds: tuple[float, ...] = (0.99, 0.995, 0.999)
    paper_linas_evals: int = 100
    workers: int = 2
    timing_budget: int = 500
    timing_seeds: int = 3
    tactic_params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        config.check_nonempty("search.datasets", self.datasets)
        config.check_choices("search.datasets", self.datasets, DATASETS)
        config.check_nonempty("search.devices", self.devices)
        config.check_choices("search.devices", self.devices, devices_for("nb201"))
        config.check_nonempty("search.tactics", self.tactics)
        config.check_choices("search.tactics", self.tactics, TACTICS.names())
        config.check_range("search.seeds", self.seeds, low=1)
        if not isinstance(self.tactic_seeds, dict):
            raise ConfigError("search.tactic_seeds must be a mapping of tactic name -> number of seeds")
        for name, n in self.tactic_seeds.items():
            config.check_choice("search.tactic_seeds", name, TACTICS.names())
            config.check_range(f"search.tactic_seeds.{name}", n, low=1)
        config.check_range("search.budget", self.budget, low=1, high=15_625)
        config.check_range("search.paper_linas_evals", self.paper_linas_evals, low=1, high=self.budget)
        config.check_range("search.workers", self.workers, low=1, high=64)
        config.check_range("search.timing_budget", self.timing_budget, low=0, high=15_625)
        config.check_range("search.timing_seeds", self.timing_seeds, low=0)
        for t in self.thresholds:
            config.check_range("search.thresholds", t, low=0.0, high=1.0)
        if not isinstance(self.tactic_params, dict):
            raise ConfigError("search.tactic_params must be a mapping of tactic name -> parameters")
        for name, params in self.tactic_params.items():
            config.check_choice("search.tactic_params", name, TACTICS.names())
            if not isinstance(params, dict):
                raise ConfigError(f"search.tactic_params.{name} must be a mapping, got {params!r}")
            make_tactic(name, **params)  # unknown hyper-parameter -> ConfigError naming it

    def seeds_of(self, tactic: str) -> int:
        """Runs per (device, tactic): ``tactic_seeds`` overrides ``seeds`` for costly tactics."""
        return int(self.tactic_seeds.get(tactic, self.seeds))

    def params_of(self, tactic: str) -> dict[str, Any]:
        return dict(self.tactic_params.get(tactic, {}))


@dataclass(frozen=True)
class RunSpec:
    tactic: str
    dataset: str
    device: str
    seed: int
    budget: int
    params: tuple[tuple[str, Any], ...] = ()


def run_one(spec: RunSpec) -> pd.DataFrame:
    """One search run; returns its history with the cell's labels and the run's wall time."""
    bench = load_benchmark("nb201", spec.dataset, spec.device)
    start = time.perf_counter()
    history = make_tactic(spec.tactic, **dict(spec.params)).run(bench, spec.budget, spec.seed)
    history.insert(2, "dataset", spec.dataset)
    history.insert(3, "device", spec.device)
    history["run_time_s"] = time.perf_counter() - start
    return history


def run_specs(cfg: SearchConfig) -> list[RunSpec]:
    return [
        RunSpec(t, d, dev, s, cfg.budget, tuple(sorted(cfg.params_of(t).items())))
        for d in cfg.datasets for dev in cfg.devices for t in cfg.tactics for s in range(cfg.seeds_of(t))
    ]


def run_grid(cfg: SearchConfig) -> pd.DataFrame:
    """Every (dataset, device, tactic, seed) run, in a fixed order, over ``cfg.workers`` processes."""
    # Slow tactics first so the process pool stays busy until the end.
    specs = sorted(run_specs(cfg), key=lambda s: s.tactic not in ("bo", "weaknas", "linas_faithful"))
    histories = parallel_map(run_one, specs, workers=cfg.workers, desc="search runs")
    df = pd.concat(histories, ignore_index=True)
    order = {t: i for i, t in enumerate(cfg.tactics)}
    df["_o"] = df["tactic"].map(order)
    df = df.sort_values(["dataset", "device", "_o", "seed", "eval"], kind="stable").drop(columns="_o")
    return df.reset_index(drop=True)


def hv_curves(histories: pd.DataFrame) -> pd.DataFrame:
    """Normalised HV after every evaluation of every run (long format)."""
    frames = []
    for (dataset, device), cell in histories.groupby(["dataset", "device"], sort=False):
        scorer = load_benchmark("nb201", dataset, device).scorer()
        for (tactic, seed), run in cell.groupby(["tactic", "seed"], sort=False):
            hv = scorer.curve(run[["accuracy", "latency"]].to_numpy())
            frames.append(pd.DataFrame({"dataset": dataset, "device": device, "tactic": tactic, "seed": seed,
                                        "eval": run["eval"].to_numpy(), "hv": hv}))
    return pd.concat(frames, ignore_index=True)


def _median_or_none(values: list[float]) -> float | None:
    med = float(np.median(values))
    return None if not np.isfinite(med) else med


def summarise(curves: pd.DataFrame, cfg: SearchConfig) -> dict[str, Any]:
    """Evaluations-to-threshold per cell (median, IQR, fraction reached) and ratios to LINAS."""
    cells: dict[str, Any] = {}
    for (dataset, device), cell in curves.groupby(["dataset", "device"], sort=False):
        per_tactic: dict[str, Any] = {}
        for tactic, runs in cell.groupby("tactic", sort=False):
            entry: dict[str, Any] = {"final_hv_median": float(runs.groupby("seed")["hv"].last().median())}
            for thr in cfg.thresholds:
                hits = [evals_to_threshold(r["hv"].to_numpy(), thr) for _, r in runs.groupby("seed")]
                vals = [np.inf if h is None else float(h) for h in hits]
                q1, q3 = np.percentile(vals, [25, 75])
                entry[f"evals_{thr}"] = _median_or_none(vals)
                entry[f"evals_{thr}_iqr"] = [None if not np.isfinite(q) else float(q) for q in (q1, q3)]
                entry[f"reached_{thr}"] = float(np.mean(np.isfinite(vals)))
            per_tactic[str(tactic)] = entry
        cells[f"{dataset}/{device}"] = {"tactics": per_tactic, "ratios": _ratios(per_tactic, cfg),
                                        "paper_style": paper_style(cell, cfg)}
    return {"method": __doc__.split("Method: ")[1].strip(), "budget": cfg.budget, "seeds": cfg.seeds,
            "seeds_per_tactic": {str(t): int(n) for t, n in
                                 curves.groupby("tactic", sort=False)["seed"].nunique().items()},
            "thresholds": list(cfg.thresholds), "cells": cells}


def _ratios(per_tactic: dict[str, Any], cfg: SearchConfig) -> dict[str, Any]:
    """``<tactic>/linas`` ratios of median evaluations; a lower bound where only LINAS reached it."""
    out: dict[str, Any] = {}
    for ref in (REFERENCE, "linas_faithful"):
        if ref not in per_tactic:
            continue
        for tactic, entry in per_tactic.items():
            if tactic == ref:
                continue
            for thr in cfg.thresholds:
                num, den = entry[f"evals_{thr}"], per_tactic[ref][f"evals_{thr}"]
                key = f"{tactic}/{ref}@{thr}"
                if num is not None and den is not None:
                    out[key] = {"ratio": num / den, "lower_bound": False}
                elif num is None and den is not None:
                    out[key] = {"ratio": cfg.budget / den, "lower_bound": True}
                else:
                    out[key] = {"ratio": None, "lower_bound": False}
    return out


def paper_style(cell: pd.DataFrame, cfg: SearchConfig) -> dict[str, Any]:
    """The DyNAS-T paper's framing: evaluations each tactic needs to match LINAS's HV after N evaluations."""
    if REFERENCE not in set(cell["tactic"]):
        return {}
    n = cfg.paper_linas_evals
    linas = cell[(cell["tactic"] == REFERENCE) & (cell["eval"] == n)]
    target = float(linas["hv"].median())
    out: dict[str, Any] = {"linas_evals": n, "target_hv": target}
    for tactic, runs in cell.groupby("tactic", sort=False):
        vals = [evals_to_threshold(r["hv"].to_numpy(), target) for _, r in runs.groupby("seed")]
        med = _median_or_none([np.inf if v is None else float(v) for v in vals])
        out[str(tactic)] = {"evals_to_match": med, "speedup_vs_linas": None if med is None else med / n}
    return out


def time_linas(cfg: SearchConfig, device: str | None = None) -> dict[str, Any]:
    """Wall time of ``timing_seeds`` single-core LINAS runs with ``timing_budget`` evaluations."""
    if cfg.timing_budget == 0 or cfg.timing_seeds == 0:
        return {}
    device = device or cfg.devices[0]
    specs = [RunSpec(REFERENCE, cfg.datasets[0], device, s, cfg.timing_budget, tuple(sorted(cfg.params_of(REFERENCE).items())))
             for s in range(cfg.timing_seeds)]
    # One run per worker process, each single-threaded: every time is a one-core time.
    times = [float(h["run_time_s"].iloc[0]) for h in parallel_map(run_one, specs, workers=min(cfg.workers, len(specs)))]
    return {"tactic": REFERENCE, "budget": cfg.timing_budget, "device": device, "threads": 1,
            "seconds": times, "median_s": float(np.median(times))}


def timing_sentence(timing: dict[str, Any], target_s: float = 30.0) -> str:
    """The single-core LINAS benchmark against its target, in words."""
    if not timing:
        return "The single-core LINAS timing benchmark was skipped (timing_budget or timing_seeds is 0)."
    med = timing["median_s"]
    word = "meets" if med < target_s else "misses"
    runs = ", ".join(f"{t:.1f}" for t in timing["seconds"])
    return (f"A {timing['budget']}-evaluation `{timing['tactic']}` run on {timing['device']} (one thread, all predictor "
            f"fits and inner searches included) took a median {med:.1f} s over {len(timing['seconds'])} seeds ({runs} s): "
            f"it **{word}** the < {target_s:g} s target.")


def run_times(histories: pd.DataFrame) -> pd.DataFrame:
    """Median wall time per run for each tactic (seconds, single-threaded workers)."""
    per_run = histories.groupby(["tactic", "dataset", "device", "seed"], sort=False)["run_time_s"].first()
    return per_run.groupby("tactic", sort=False).median().rename("median_run_time_s").to_frame()


def threshold_table(summary: dict[str, Any], thresholds: tuple[float, ...]) -> pd.DataFrame:
    """Rows = (cell, tactic); columns = median evaluations to each threshold and the ratio to LINAS."""
    rows = []
    for cell, data in summary["cells"].items():
        for tactic, entry in data["tactics"].items():
            row: dict[str, Any] = {"cell": cell, "tactic": tactic, "final_hv": entry["final_hv_median"]}
            for thr in thresholds:
                row[f"evals@{thr}"] = entry[f"evals_{thr}"]
                r = data["ratios"].get(f"{tactic}/{REFERENCE}@{thr}")
                if r and r["ratio"] is not None:
                    row[f"x_linas@{thr}"] = (">" if r["lower_bound"] else "") + f"{r['ratio']:.2f}"
            rows.append(row)
    return pd.DataFrame(rows)


def write_outputs(out_dir: str | Path, histories: pd.DataFrame, curves: pd.DataFrame, summary: dict[str, Any]) -> None:
    out = Path(out_dir)
    write_parquet(out / "histories.parquet", histories)
    write_parquet(out / "curves.parquet", curves)
    write_json(out / "summary.json", summary)


#: Published ratios (DyNAS-T papers): evaluations of <tactic> / evaluations of LINAS.
PUBLISHED = {"weaknas": (8.0, 8.0), "nsga2": (2.6, 6.5)}


def verdict(summary: dict[str, Any], threshold: float) -> str:
    """Markdown sentences comparing our ratios with the published ones, cell by cell."""
    lines = []
    for cell, data in summary["cells"].items():
        for tactic, (lo, hi) in PUBLISHED.items():
            r = data["ratios"].get(f"{tactic}/{REFERENCE}@{threshold}")
            if not r or r["ratio"] is None:
                lines.append(f"- **{cell}**: neither {tactic} nor LINAS reached HV {threshold} within the budget; no ratio.")
                continue
            ours = r["ratio"]
            bound = "at least " if r["lower_bound"] else ""
            published = f"{lo:g}x" if lo == hi else f"{lo:g}x-{hi:g}x"
            if ours >= hi:
                word = "matches or beats" if r["lower_bound"] or ours < hi * 1.05 else "beats"
            elif ours >= lo:
                word = "is within"
            else:
                word = "misses"
            lines.append(f"- **{cell}**: {tactic} needs {bound}{ours:.2f}x the evaluations of LINAS to reach HV {threshold} "
                         f"(published: {published}); our result {word} the published figure.")
    return "\n".join(lines)
