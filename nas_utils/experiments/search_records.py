"""The committed records stage ``search`` reads and reports, as typed rows.

All live in ``data/preregistration/search/`` (:data:`TUNING_DIR`) and are made by scripts, never by the
stage: the development-cell tuning record (``tuning_*.csv``, :mod:`nas_utils.search.tuning`), the
faithful-LINAS fidelity record (:mod:`nas_utils.search.faithful_check`), the prior-knowledge track
and its oracle diagnostic (:mod:`nas_utils.search.prior_track`) and the seed record
(:mod:`nas_utils.experiments.search_seeds`), and variants of the near-limit tactic run on the test cells after
the verdicts (``posthoc_*.csv``, ``tuning ... --post-hoc``). A missing file reads as an empty table.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nas_utils.errors import HwnasError
from nas_utils.experiments import comparison as cmp
from nas_utils.experiments.search_cells import cell_name, oracle_bounds
from nas_utils.paths import project_root
from nas_utils.results.search import (
    ORACLE_PRIORS, CellSummary, ComparisonSummary, FaithfulCheck, FaithfulVariant, PostHocVariant, PriorTrackResult,
    RatioResult, SearchSummary, TacticResult, ThresholdResult, TuningEvals, TuningVariant,
)
from nas_utils.schemas.search import SearchConfig
from nas_utils.search import TACTICS, faithful_check, tuning
from nas_utils.search.base import same_settings
from nas_utils.search.records import HV_STEPS, decode_steps, final_hv_agreement

FAITHFUL = "linas_faithful"
#: The committed dev-cell tuning records (``python -m nas_utils.search.tuning <grid> --out ...``).
TUNING_DIR = "data/preregistration/search"
TUNING_GLOB = "tuning_*.csv"


# --- the dev-cell tuning record -------------------------------------------------------------------


def _tactic_of(stem: str) -> str:
    """``tuning_linas_faithful_x`` -> ``linas_faithful``: the longest registered tactic the name starts with."""
    name = stem.removeprefix("tuning_")
    known = sorted((t for t in TACTICS.names() if name == t or name.startswith(t + "_")), key=len)
    return known[-1] if known else name


def load_tuning(folder: str | Path | None = None) -> pd.DataFrame:
    """Every per-run row of every ``tuning_*.csv`` in ``folder`` (default: :data:`TUNING_DIR`).

    Adds ``source`` (the file name) and ``tactic`` (from the variant's grid in
    ``nas_utils.search.tuning.GRIDS``, else from the file name). No file: an empty table.
    """
    folder = Path(folder) if folder is not None else project_root() / TUNING_DIR
    grids = {label: tactic for grid in tuning.GRIDS.values() for label, (tactic, _) in grid.items()}
    needed = {"variant", "cell", "seed", "final_hv", "cpu_s", *(f"evals@{t}" for t in tuning.THRESHOLDS)}
    frames = []
    for path in sorted(folder.glob(TUNING_GLOB)):
        df = pd.read_csv(path)
        if missing := sorted(needed - set(df.columns)):
            raise HwnasError(f"{path}: not a tuning record (missing columns {', '.join(missing)}); "
                             f"regenerate it with `python -m nas_utils.search.tuning <grid> --out {path.name}`")
        df["variant"] = df["variant"].astype(str)
        df.insert(0, "tactic", [grids.get(v, _tactic_of(path.stem)) for v in df["variant"]])
        df.insert(0, "source", path.name)
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _settings(label: str) -> dict[str, Any] | None:
    return next((dict(params) for grid in tuning.GRIDS.values() for lab, (_, params) in grid.items() if lab == label),
                None)


def tuning_variants(runs: pd.DataFrame, cfg: SearchConfig) -> list[TuningVariant]:
    """The tuning record as typed rows: per (file, variant, cell) the medians of ``tuning.summarise_runs``."""
    if runs.empty:
        return []
    dev = {cell_name(d, v) for d, v in tuning.DEV_CELLS}
    out = []
    for (source, tactic), group in runs.groupby(["source", "tactic"], sort=False):
        table = tuning.summarise_runs(group.drop(columns=["source", "tactic"]))
        for r in table.to_dict("records"):
            settings = _settings(str(r["variant"]))
            out.append(TuningVariant(
                tactic=str(tactic), variant=str(r["variant"]), cell=str(r["cell"]), seeds=int(r["seeds"]),
                evals=[TuningEvals(float(t), float(r[f"median_evals@{t}"]), float(r[f"reached@{t}"]))
                       for t in tuning.THRESHOLDS],
                median_final_hv=float(r["median_final_hv"]), median_cpu_s=float(r["median_cpu_s"]), source=str(source),
                settings=", ".join(f"{k}={v}" for k, v in (settings or {}).items()),
                chosen=None if settings is None else same_settings(str(tactic), settings, cfg.params_of(str(tactic))),
                dev_cell=str(r["cell"]) in dev))
    return out


def faithful_checks(cells: list[CellSummary], threshold: float = 0.99,
                    record: pd.DataFrame | None = None) -> list[FaithfulCheck]:
    """This stage's ``linas_faithful`` runs against DyNAS-T 1.6.0 (``tuning.DYNAST_EVALS_TO_099``),
    with the fidelity record's variants per cell (``record``: :func:`load_faithful_record`)."""
    by_name = {c.name: c for c in cells}
    out = []
    for device, evals in tuning.DYNAST_EVALS_TO_099.items():
        name = cell_name("cifar10", device)
        cell = by_name.get(name)
        ours = cell.threshold(FAITHFUL, threshold, "space") if cell else None
        out.append(FaithfulCheck(name, threshold, float(evals), ours, faithful_variants(record, name)))
    return out


def load_faithful_record(folder: str | Path | None = None) -> pd.DataFrame:
    """The per-run rows of ``faithful_check.csv`` (:mod:`nas_utils.search.faithful_check`); no file: empty."""
    path = (Path(folder) if folder is not None else project_root() / TUNING_DIR) / Path(faithful_check.RECORD).name
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


def load_prior_track(folder: str | Path | None = None, record: str = tuning.PRIOR_TRACK_RECORD) -> pd.DataFrame:
    """The per-run rows of a record of :mod:`nas_utils.search.prior_track` (default: the prior-knowledge
    track; ``tuning.PRIOR_TRACK_DEV_RECORD`` / ``PRIOR_ORACLE_RECORD``: the oracle diagnostic); no file: empty."""
    name = Path(record).name
    path = (Path(folder) if folder is not None else project_root() / TUNING_DIR) / name
    return pd.read_csv(path).assign(source=name) if path.exists() else pd.DataFrame()


def prior_track_results(record: pd.DataFrame, tactic: str | None, prior: str = "transfer") -> list[PriorTrackResult]:
    """Per (cell, k, budget) of the record's runs with ``prior`` (rows without a ``prior`` column: the
    transfer track), for the near-limit ``tactic``: medians over seeds with intervals."""
    if record.empty or tactic is None:
        return []
    out = []
    rows = record[(record["tactic"] == tactic) & (record.get("prior", "transfer") == prior)]
    for (cell, k, budget, method), g in rows.groupby(["cell", "k", "budget", "method"], sort=False):
        evals = [cmp.threshold_result(tactic, t, g[f"evals@{t:g}"].to_numpy(dtype=float), int(budget))
                 for t in tuning.THRESHOLDS]
        source = str(g["source"].iloc[0]) if "source" in g else Path(tuning.PRIOR_TRACK_RECORD).name
        rho = float(g["latency_spearman"].median())
        out.append(PriorTrackResult(str(cell), tactic, str(method), int(k), int(budget),
                                    None if np.isnan(rho) else rho, evals, source, prior))
    return out


def prior_oracle_results(tactic: str | None, thresholds: tuple[float, ...]) -> list[PriorTrackResult]:
    """The oracle diagnostic of :mod:`nas_utils.search.prior_track` (development cells, then the test cells
    post hoc): per cell and prior, medians with intervals, and the cell's greedy true-front bound."""
    out = []
    for record in (tuning.PRIOR_TRACK_DEV_RECORD, tuning.PRIOR_ORACLE_RECORD):
        rows = load_prior_track(record=record)
        for prior in ORACLE_PRIORS:
            for r in prior_track_results(rows, tactic, prior):
                out.append(replace(r, oracle=oracle_bounds(*r.cell.split("/"), thresholds)))
    return out


#: Variants of a tactic run on the test cells after the verdicts (``tuning ... --cells test --post-hoc``).
POST_HOC_GLOB = "posthoc_*.csv"


def post_hoc_variants(record: pd.DataFrame, cfg: SearchConfig, folder: str | Path | None = None
                      ) -> list[PostHocVariant]:
    """Per (test cell, variant) of every ``posthoc_*.csv`` in ``folder``: the variant's validations to each
    threshold next to the registered near-limit tactic's on the same seeds, from the seed ``record``'s rows
    with the configured settings (a seed the record lacks is left out of both)."""
    folder = Path(folder) if folder is not None else project_root() / TUNING_DIR
    rows, _ = current_rows(record, cfg)
    tactic = cfg.near_limit_tactic
    if tactic is None or rows.empty:
        return []
    rows = rows[rows["tactic"] == tactic]
    out = []
    for path in sorted(folder.glob(POST_HOC_GLOB)):
        runs = pd.read_csv(path)
        for (cell, variant), g in runs.groupby(["cell", "variant"], sort=False):
            dataset, device = str(cell).split("/")
            base = rows[(rows["dataset"] == dataset) & (rows["device"] == device)].set_index("seed")
            g = g[g["seed"].isin(base.index)].sort_values("seed")
            if g.empty:
                continue
            evals, registered, ratios, fewer, more = [], [], [], [], []
            for t in tuning.THRESHOLDS:
                v = g[f"evals@{t}"].to_numpy(dtype=float)
                b = base.loc[g["seed"], f"evals@space@{t}"].to_numpy(dtype=float)
                evals.append(cmp.threshold_result(str(variant), t, v, cfg.budget))
                registered.append(cmp.threshold_result(tactic, t, b, cfg.budget))
                ratios.append(cmp.ratio_result(str(variant), tactic, t, v, b, cfg.budget))
                vc, bc = np.minimum(v, cfg.budget + 1), np.minimum(b, cfg.budget + 1)
                fewer.append(int((vc < bc).sum()))
                more.append(int((vc > bc).sum()))
            out.append(PostHocVariant(str(cell), str(variant), evals, registered, ratios, fewer, more, path.name))
    return out


def load_seed_record(folder: str | Path | None = None) -> pd.DataFrame:
    """The per-run rows of the seed record (:mod:`nas_utils.experiments.search_seeds`); no file: empty."""
    path = (Path(folder) if folder is not None else project_root() / TUNING_DIR) / Path(tuning.SEED_RECORD).name
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


def current_rows(record: pd.DataFrame, cfg: SearchConfig) -> tuple[pd.DataFrame, int]:
    """The record's rows whose tactic, settings and budget are the configured ones, and how many are not."""
    if record.empty:
        return record, 0
    current = record["tactic"].isin(cfg.tactics) & (record["budget"] == cfg.budget)
    current &= np.array([ok and bool(same_settings(str(t), json.loads(s), cfg.params_of(str(t))))
                         for t, s, ok in zip(record["tactic"], record["settings"], current)], dtype=bool)
    return record[current], int((~current).sum())


def record_agreement(record: pd.DataFrame, cfg: SearchConfig, curves: pd.DataFrame) -> dict[str, list[int]]:
    """Per tactic, ``[equal, shared]``: of the stage's runs that the record also holds (same tactic, settings,
    budget, cell and seed), how many end at the same final HV (to 1e-12). A difference means the record was
    written on another CPU (or code): the report then does not call it the stage's runs seed for seed."""
    return final_hv_agreement(current_rows(record, cfg)[0], curves)


def record_curves(by_tactic: dict[str, pd.DataFrame], budget: int) -> dict[str, np.ndarray]:
    """Tactic -> (seeds x ``budget``) space-wide HV curves from the record's :data:`HV_STEPS`, for the tactics
    whose every row has them (rows written before the column have none)."""
    return {t: np.stack([decode_steps(text, budget) for text in g[HV_STEPS]]) for t, g in by_tactic.items()
            if HV_STEPS in g and g[HV_STEPS].notna().all()}


def seed_record_summary(record: pd.DataFrame, cfg: SearchConfig) -> tuple[ComparisonSummary | None, int]:
    """The record's runs whose settings and budget are the configured ones, summarised like the stage's
    (thresholds in both views, ratios to LINAS, IGD+, the paper's framing where the rows carry their HV
    curves; medians over seeds with bootstrap intervals), and the number of rows left out as stale (other
    settings or budget)."""
    if record.empty:
        return None, 0
    rows, stale = current_rows(record, cfg)
    cells = []
    for (dataset, device), cell in rows.groupby(["dataset", "device"], sort=False):
        by_tactic = {str(t): g.sort_values("seed") for t, g in cell.groupby("tactic", sort=False)}
        tactics = [TacticResult(t, len(g), float(g["final_hv"].median()), None, float(g["final_hv_near"].median()),
                                    float(g["cpu_s"].median())) for t, g in by_tactic.items()]
        thresholds: list[ThresholdResult] = []
        ratios: list[RatioResult] = []
        for view in cmp.VIEWS:
            for thr in cfg.thresholds:
                hits = {t: g[f"evals@{view}@{thr:g}"].to_numpy(dtype=float) for t, g in by_tactic.items()}
                found, against = cmp.threshold_rows(hits, thr, cfg.budget, view=view)
                thresholds += found
                ratios += against
        igd = [cmp.igd_of(t, g[f"igd@{n}"].to_numpy(dtype=float), n) for n in dict.fromkeys((cfg.paper_linas_evals,
               cfg.budget)) for t, g in by_tactic.items() if f"igd@{n}" in g]
        cell_summary = CellSummary(str(dataset), str(device), tactics, thresholds, ratios, igd=igd,
                                   oracle=oracle_bounds(str(dataset), str(device), tuple(cfg.thresholds)))
        cells.append(cmp.with_paper_framing(cell_summary, record_curves(by_tactic, cfg.budget), cfg.paper_linas_evals,
                                            cfg.budget))
    seeds = {str(t): int(n) for t, n in rows.groupby("tactic", sort=False)["seed"].nunique().items()}
    method = f"every tactic with the stage's settings on the test cells, `{tuning.SEED_RECORD}`"
    return ComparisonSummary(method, cfg.budget, seeds, [float(t) for t in cfg.thresholds], cells), stale


def faithful_variants(record: pd.DataFrame | None, cell: str) -> list[FaithfulVariant]:
    """The record's variants on ``cell`` (in ``faithful_check.VARIANTS`` order), median over seeds."""
    if record is None or record.empty:
        return []
    rows = record[record["cell"] == cell]
    out = []
    for label, (_, description) in faithful_check.VARIANTS.items():
        g = rows[rows["variant"] == label]
        if g.empty:
            continue
        budget = int(g["budget"].max())
        vals = g[f"evals@{faithful_check.THRESHOLD}"].to_numpy(dtype=float)
        dynast = float(tuning.DYNAST_EVALS_TO_099[cell.split("/")[1]])
        out.append(FaithfulVariant(label, description, budget,
                                   cmp.threshold_result(FAITHFUL, faithful_check.THRESHOLD, vals, budget),
                                   float(g["distinct"].median()), faithful_check.small_sample_share(vals, dynast)))
    return out


def tuning_table(summary: SearchSummary) -> pd.DataFrame:
    """The tuning record as a table (the same rows as the report's)."""
    from nas_utils.sections.search import tuning_rows

    rows = tuning_rows(summary)
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["tactic", "variant", "settings", "chosen", "cells"])
