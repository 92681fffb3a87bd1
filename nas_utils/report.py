"""The ``report`` stage: one page comparing each seed paper's claim with our reproduced number.

``python -m nas_utils.report`` loads the stages' typed summaries (:mod:`nas_utils.results`,
never an experiment module, never torch), judges every claim with the one verdict rule of
:mod:`nas_utils.claims`, and writes

* ``reports/index.md`` (readable on a git host) and ``reports/index.html``;
* ``reports/figures/*.png``: a copy of every figure the page shows, git-tracked, so the
  checked-in report renders complete on a git host and in a fresh clone;
* ``reports/headline.json``: the at-a-glance numbers, flat (the pipeline's DVC metrics).

A stage whose summary is missing is listed as "not run"; a summary written by an older version
of its stage stops the report with one line naming the stage to rerun (nothing is written).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nas_utils import claims
from nas_utils.claims import Estimate, Verdict, describe, verdict
from nas_utils.errors import HwnasError
from nas_utils.io import write_text
from nas_utils.paths import project_root, reports_dir
from nas_utils.results import (
    LatencySummary, PredictorsSummary, SearchSummary, SearchSupernetSummary, SparseNASSummary, StaleSummaryError,
    Summary, SupernetSummary,
)
from nas_utils.results.search import CellSummary, ComparisonSummary, RatioResult

FIGURES = "figures"


@dataclass(frozen=True)
class Stage:
    """Where a stage's summary lives, its typed class, and the DVC stage that writes it."""

    dir: str
    cls: type[Summary]
    dvc_stage: str
    notebook: str

    @property
    def path(self) -> str:
        return f"{self.dir}/summary.json"


STAGES: dict[str, Stage] = {
    "search": Stage("search", SearchSummary, "search", "05_search_comparison"),
    "predictors": Stage("predictors", PredictorsSummary, "predictor_transfer", "04_predictor_transfer"),
    "sparsenas_early": Stage("sparsenas_early", SparseNASSummary, "sparsenas", "01_sparsenas_early_filtering"),
    "sparsenas": Stage("sparsenas", SupernetSummary, "supernet", "02_supernet_training"),
    "latency": Stage("latency", LatencySummary, "latency_collection", "03_device_latency_collection"),
    "search_supernet": Stage("search_supernet", SearchSupernetSummary, "search_supernet", "06_search_supernet"),
}
#: Sections of the page, in order (stage ``sparsenas_early`` is shown through ``sparsenas``).
ORDER = ("search", "predictors", "sparsenas", "latency", "search_supernet")
#: Summary files the report reads (the report stage's deps).
SECTIONS = [STAGES[k].path for k in ORDER]


class Summaries(dict[str, Any]):
    """Stage dir -> loaded summary (absent stages are missing keys)."""


def load_summaries(root: Path | None = None) -> Summaries:
    """Every stage summary under ``root``; raises :class:`StaleSummaryError` for an outdated file."""
    root = root or reports_dir()
    out = Summaries()
    for key in ORDER:
        stage = STAGES[key]
        path = root / stage.path
        if path.exists():
            out[key] = stage.cls.load(path, stage=stage.dvc_stage)
    return out


def stale_summaries(root: Path | None = None) -> list[Stage]:
    """The stages whose summary file this version cannot read (written by older code)."""
    root = root or reports_dir()
    stale = []
    for stage in (STAGES[k] for k in ORDER):
        path = root / stage.path
        if path.exists():
            try:
                stage.cls.load(path, stage=stage.dvc_stage)
            except StaleSummaryError:
                stale.append(stage)
    return stale


def stale_message(stale: list[Stage]) -> str:
    """One line: which summaries are outdated and the command that regenerates them."""
    files = ", ".join(f"reports/{s.path}" for s in stale)
    return (f"{files} {'was' if len(stale) == 1 else 'were'} written by an older version of the pipeline; "
            f"rerun: dvc repro {' '.join(s.dvc_stage for s in stale)}")


# --- formatting -------------------------------------------------------------------------------


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if x == float("inf"):
        return "not reached"
    return f"{x:.{digits}g}"


def _interval(low: float | None, high: float | None, digits: int = 2) -> str:
    if low is None or high is None:
        return ""
    hi = "inf" if high == float("inf") else f"{high:.{digits}f}"
    return f" [{low:.{digits}f}, {hi}]"


def plain(text: str) -> str:
    """Strip Sphinx roles (``:mod:`x``` -> ```x```) so docstring text reads as Markdown."""
    text = re.sub(r":(?:mod|func|class|meth|data|attr):`~?([^`]+)`", r"`\1`", text)
    return " ".join(text.replace("``", "`").split())


def ratio_text(r: RatioResult | None) -> str:
    return "n/a" if r is None else r.text()


def ratio_estimate(r: RatioResult | None) -> Estimate:
    if r is None or r.ratio is None:
        return Estimate(None)
    return Estimate(r.ratio, r.ci_low, r.ci_high)


def ratio_verdicts(summary: ComparisonSummary, tactic: str, threshold: float) -> list[tuple[CellSummary, RatioResult | None, Verdict]]:
    """Per cell: our ratio ``tactic / LINAS`` at ``threshold`` and its verdict (the ONE rule)."""
    claim = claims.SEARCH_RATIOS[tactic]
    out = []
    for cell in summary.cells:
        r = cell.ratio(tactic, threshold)
        out.append((cell, r, verdict(ratio_estimate(r), claim)))
    return out


def verdict_lines(summary: ComparisonSummary, threshold: float) -> list[str]:
    """Markdown bullets: each published ratio against ours, cell by cell, with the 95 % interval."""
    lines = []
    for tactic, claim in claims.SEARCH_RATIOS.items():
        for cell, r, v in ratio_verdicts(summary, tactic, threshold):
            if r is None:
                continue
            if r.ratio is None:
                lines.append(f"- **{cell.name}**: neither {tactic} nor LINAS reached HV {threshold:g} within the "
                             f"budget (median); no ratio.")
                continue
            lines.append(f"- **{cell.name}**: {tactic} needs {ratio_text(r)} the evaluations of LINAS to reach HV "
                         f"{threshold:g} (95 % interval over seeds; published {claim.published('x')}): "
                         f"**{describe(v)}**.")
    return lines


def _figure(root: Path, stage: str, name: str, caption: str) -> list[str]:
    """Copy ``<stage>/<name>.png`` into ``figures/`` and link the copy (or say it is missing)."""
    src = root / stage / f"{name}.png"
    rel = f"{FIGURES}/{stage}_{name}.png"
    if not src.exists():
        return [f"*{caption} (figure not produced: run stage `{STAGES[stage].dvc_stage}`)*", ""]
    dst = root / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not dst.exists() or dst.read_bytes() != src.read_bytes():
        shutil.copyfile(src, dst)
    return [f"![{caption}]({rel})", f"*{caption}*", ""]


def _notebook(stage: str) -> str:
    nb = STAGES[stage].notebook
    return f"[{nb}]({stage}/{nb}.html) (executed notebook, a DVC output: run `dvc repro` to build it)"


def _seeds(summary: ComparisonSummary) -> str:
    return ", ".join(f"{t} {n}" for t, n in summary.seeds_per_tactic.items())


# --- device codes -----------------------------------------------------------------------------

_HARDWARE = {"gold_6226": "Intel Xeon Gold 6226", "gold_6240": "Intel Xeon Gold 6240",
             "silver_4114": "Intel Xeon Silver 4114", "silver_4210r": "Intel Xeon Silver 4210R",
             "pixel2": "Google Pixel 2", "pixel3": "Google Pixel 3", "samsung_a50": "Samsung Galaxy A50",
             "samsung_s7": "Samsung Galaxy S7", "essential_ph_1": "Essential PH-1", "raspi4": "Raspberry Pi 4",
             "eyeriss": "Eyeriss accelerator", "fpga": "FPGA", "1080ti": "NVIDIA GTX 1080 Ti",
             "2080ti": "NVIDIA RTX 2080 Ti", "titanx": "NVIDIA Titan X", "titanxp": "NVIDIA Titan Xp",
             "titan_rtx": "NVIDIA Titan RTX"}
_KINDS = {"cpu": "server CPU", "mobile": "phone", "embedded": "embedded board", "gpu": "GPU", "asic": "ASIC",
          "fpga": "FPGA"}


def device_glossary(names: list[str]) -> str:
    """One sentence explaining every device code on the page (HELP codes and our measured ones)."""
    from nas_utils.latency.benchmark_devices import DEVICES

    parts = []
    for name in dict.fromkeys(names):
        if name in DEVICES:
            d = DEVICES.get(name)
            parts.append(f"`{name}` = {_HARDWARE.get(d.hardware, d.hardware)} ({_KINDS.get(d.kind, d.kind)}, batch "
                         f"{d.batch_size}, HELP measurements)")
        elif m := re.fullmatch(r"(onnxruntime|torch)_(cpu|cuda)(?:_(1t|all))?_(\d+)", name):
            runtime = "ONNX Runtime" if m[1] == "onnxruntime" else "PyTorch eager"
            threads = {"1t": ", 1 thread", "all": ", all threads"}.get(m[3] or "", "")
            parts.append(f"`{name}` = {runtime} on this machine's {m[2].upper()}{threads}, batch {m[4]}")
    return ("**Device codes:** " + "; ".join(parts) + ".") if parts else ""


# --- sections ---------------------------------------------------------------------------------


def search_section(s: SearchSummary, root: Path) -> list[str]:
    lines = [
        "## 1. Sub-network search: LINAS vs WeakNAS and NSGA-II (DyNAS-T, arXiv 2202.12954 / 2205.10358)", "",
        f"**Published:** LINAS needs **{claims.WEAKNAS_VS_LINAS.published('x')}** fewer validations than WeakNAS "
        f"({claims.PAPER_LINAS_EVALS} vs {claims.PAPER_WEAKNAS_EVALS} on OFA-MobileNetV3) and "
        f"**{claims.NSGA2_VS_LINAS.published('x')}** fewer than NSGA-II on CNN super-networks.", "",
        f"**Ours** (NAS-Bench-201 x HELP latency, true front known; seeds per tactic {_seeds(s)}, budget "
        f"{s.budget}). {plain(s.method)}", "",
        *tactic_table(s), "",
    ]
    for thr in s.thresholds:
        lines += [f"**Verdict at HV {thr:g}** (the rule: `nas_utils.claims.verdict`):", "", *verdict_lines(s, thr), ""]
    paper = [f"- {c.name}: WeakNAS needs {_fmt(m.evals_to_match)} evaluations to match the HV "
             f"LINAS reaches with {c.paper_linas_evals}" for c in s.cells if (m := c.match("weaknas"))]
    if paper:
        lines += [f"**The paper's framing** (paper: {claims.PAPER_WEAKNAS_EVALS} vs {claims.PAPER_LINAS_EVALS}):", "",
                  *paper, ""]
    if s.timing:
        t = s.timing
        v = verdict(Estimate(t.median_s, min(t.seconds), max(t.seconds)), claims.LINAS_TIMING)
        lines += [f"Single-core LINAS with {t.budget} evaluations: median {t.median_s:.1f} s over {len(t.seconds)} runs "
                  f"(range {min(t.seconds):.1f}-{max(t.seconds):.1f} s; target < {claims.LINAS_TIMING.low:g} s): "
                  f"**{describe(v)}**.", ""]
    lines += _figure(root, "search", "evals_to_threshold", "Evaluations to reach each HV threshold (median, IQR).")
    lines += _figure(root, "search", "hv_curves", "1 - normalised HV vs real evaluations (median, IQR band).")
    lines += _figure(root, "search", "fronts", "Fronts found (seed 0) against the true front.")
    lines += [f"Notebook: {_notebook('search')}", ""]
    return lines


def tactic_table(s: ComparisonSummary) -> list[str]:
    """Median evaluations to each threshold and the ratio to LINAS (95 % interval), per cell and tactic."""
    lines = ["| cell | tactic | " + " | ".join(f"evals to HV {t:g} (x LINAS [95 % CI])" for t in s.thresholds)
             + " | final HV |", "|---|---|" + "---|" * len(s.thresholds) + "---|"]
    for cell in s.cells:
        for t in cell.tactics:
            vals = []
            for thr in s.thresholds:
                res = cell.threshold(t.tactic, thr)
                ratio = "" if t.tactic == "linas" else f" ({ratio_text(cell.ratio(t.tactic, thr))})"
                vals.append((_fmt(res.median) if res else "n/a") + ratio)
            lines.append(f"| {cell.name} | {t.tactic} | {' | '.join(vals)} | {t.final_hv_median:.4f} |")
    return lines


def predictors_section(s: PredictorsSummary, root: Path) -> list[str]:
    lines = [
        "## 2. Transferable latency predictors (NASFLAT, MLSys 2024; HELP, NeurIPS 2021)", "",
        "**Published:** NASFLAT Spearman per task ("
        + ", ".join(f"{t} {v}" for t, v in claims.NASFLAT_SPEARMAN.items() if t in {x.task for x in s.targets})
        + f"); HELP ND mean {claims.HELP_ND_MEAN} with 10 target samples.", "",
        f"**Ours** ({s.protocol}):", "",
        "| task | NASFLAT | HELP (per NASFLAT) | ours, best (method, k) | ours, best learned (method, k) | verdict |",
        "|---|---|---|---|---|---|",
    ]
    for t in s.published_targets():
        v = describe(verdict(Estimate(t.ours_best), claims.nasflat_claim(t.task)))
        lines.append(f"| {t.task} | {t.nasflat} | {_fmt(t.help_by_nasflat)} | {_fmt(t.ours_best)} ({t.best_method}, "
                     f"{t.best_k}) | {_fmt(t.ours_best_learned)} ({t.best_learned_method}, {t.best_learned_k}) | {v} |")
    best = s.help_best()
    if best:
        v = describe(verdict(Estimate(best.spearman), claims.HELP_ND))
        lines += ["", f"HELP's own protocol (ND, k=10, 800 trimmed query architectures): best ours {best.method} "
                  f"{best.spearman:.3f} vs HELP's published {claims.HELP_ND_MEAN}: {v}.", ""]
    loop = s.search_loop
    if loop:
        lines += [f"Predictor in the search loop ({loop.tactic} on {loop.target}, {loop.seeds} seeds): the same final HV "
                  f"needs {loop.predicted_measured:.0f} device measurements with the transferred {loop.predictor} "
                  f"predictor vs {loop.measured_evals_to_same_hv:.0f} when every candidate is measured "
                  f"({loop.saving_factor:.2f}x fewer{_interval(loop.saving_factor_ci_low, loop.saving_factor_ci_high)}; "
                  f"NASFLAT reports 5.8x in wall-clock).", ""]
    lines += _figure(root, "predictors", "k_curves", "Spearman vs number of target samples.")
    lines += [f"Notebook: {_notebook('predictors')}", ""]
    return lines


def sparsenas_section(s: SupernetSummary, root: Path) -> list[str]:
    paper, goal = claims.SPARSENAS_SPEEDUP, claims.SPARSENAS_GOAL
    lines = [
        "## 3. SparseNAS early filtering (Huang et al., KBS 2024)", "",
        f"**Published:** {paper.low:g}x faster super-network training at comparable accuracy (our goal: >= "
        f"{goal.low:g}x). Time basis: {s.time_basis}; 'same quality' = normalised HV within {s.hv_tolerance} of the "
        f"full-space run's final value; evaluation protocol `{s.eval_protocol}`. One run per family: no interval.", "",
        "| family | speedup (CPU time) | vs goal | kept fraction | early-vs-final Spearman | "
        "best-acc delta at equal time (pp, per MAC budget) |", "|---|---|---|---|---|---|",
    ]
    for f in s.families:
        deltas = ", ".join(f"q{b.quantile:g}: {_fmt(b.delta_equal_time)}" for b in f.budgets)
        v = describe(verdict(Estimate(f.speedup_cpu), goal)) if f.speedup_cpu is not None else "not reached"
        lines.append(f"| {f.family} | {_fmt(f.speedup_cpu)} | {v} | {f.kept_fraction:.3g} | "
                     f"{_fmt(f.early_vs_final_spearman)} | {deltas} |")
    lines.append("")
    lines += _figure(root, "sparsenas", "hv_vs_time", "Sub-network front quality vs training time, full space vs SparseNAS.")
    lines += [f"Notebooks: {_notebook('sparsenas_early')}, {_notebook('sparsenas')}", ""]
    return lines


def latency_quality_lines(s: LatencySummary) -> list[str]:
    """One honest sentence per quality device, built from the measured numbers."""
    q = s.quality
    lines = []
    for d in q.devices:
        cv = describe(verdict(Estimate(d.median_round_cv), claims.LATENCY_CV))
        rho = describe(verdict(Estimate(d.spearman_two_passes), claims.LATENCY_SPEARMAN))
        lo, hi = d.load_avg_1m
        lines.append(
            f"- **{d.device}** ({q.n_subnets} sub-networks of {q.supernet}, {q.rounds_per_pass} rounds per pass, "
            f"statistic `{q.statistic}`): median CV of repeated rounds {100 * d.median_round_cv:.2f} % ({cv} the "
            f"< {100 * claims.LATENCY_CV.low:g} % target); Spearman between two passes {d.spearman_two_passes:.3f} "
            f"({rho} the >= {claims.LATENCY_SPEARMAN.low:g} target; {d.spearman_two_passes_median_statistic:.3f} with "
            f"the median statistic). Within one round the per-block CV is {100 * d.median_within_round_cv:.1f} % "
            f"(pre-empted blocks). 1-minute load average during the passes: {lo:.1f}-{hi:.1f} on "
            f"{d.cpu_count or '?'} cores.")
    return lines or ["No quality device was available."]


def latency_section(s: LatencySummary, root: Path) -> list[str]:
    env = s.environment
    lines = ["## 4. Device latency on this machine", "",
             f"Measured on {env.cpu_model or 'unknown CPU'} ({env.cpu_count or '?'} cores), torch "
             f"{env.torch_version or '?'}, onnxruntime {env.onnxruntime_version or '?'}. Devices skipped: "
             f"{'; '.join(s.devices_skipped) or 'none'}.", "",
             "| super-network | device | sub-networks | median latency (ms) | range (ms) | median CV of rounds |",
             "|---|---|---|---|---|---|"]
    for r in s.per_device:
        lines.append(f"| {r.supernet} | {r.device} | {r.n} | {r.median_latency_ms:.3f} | {r.min_ms:.3f}-{r.max_ms:.3f} | "
                     f"{100 * r.median_round_cv:.2f} % |")
    lines += ["", "**Measurement quality** (project targets):", "", *latency_quality_lines(s), ""]
    lines += _figure(root, "latency", "rank_correlation", "Cross-device rank correlation of measured latency.")
    lines += [f"Notebook: {_notebook('latency')}", ""]
    return lines


def search_supernet_section(s: SearchSupernetSummary, root: Path) -> list[str]:
    lines = ["## 5. Search on our own super-networks", "",
             f"Super-network `{s.supernet}` (`{s.checkpoint or 'untrained'}`); seeds per tactic {_seeds(s)}, budget "
             f"{s.budget}; HV normalised by the {s.reference}.", "", *tactic_table(s), ""]
    lines += [f"**Verdict at HV {s.thresholds[0]:g}:**", "", *verdict_lines(s, s.thresholds[0]), ""]
    lat = s.latency
    if lat:
        test = (f"; held-out Spearman {_fmt(lat.test_spearman)}, MAPE {_fmt(lat.test_mape)}"
                if lat.test_spearman is not None else "")
        lines += [f"Latency objective: {lat.source} on `{lat.device}`"
                  + (f" ({lat.predictor} fitted on {lat.k} measured sub-networks{test})" if lat.source == "predicted" else "")
                  + ".", ""]
    check = s.backend_check
    if check:
        parts = [f"{b} {sp:.2f}x" for b in dict.fromkeys(r.backend for r in check.runs if r.backend != "serial")
                 if (sp := check.speedup(b)) is not None]
        same = all(r.identical_to_serial for r in check.runs if r.error is None)
        lines += [f"Evaluation backends, {check.batch} evaluations, 1 vs {check.workers} workers: "
                  + (", ".join(parts) or "not measured")
                  + f"; every backend returned {'exactly' if same else '**not** exactly'} the serial objectives.", ""]
    if s.times:
        lines += ["Seconds per run (mean over seeds; wall = waiting for evaluations + search overhead; 'charged' "
                  "prices each evaluation at its first computation, so it can exceed the wait when runs share the cache):", "",
                  "| tactic | wall | = evaluation wait | + search overhead | evaluation charged |", "|---|---|---|---|---|"]
        lines += [f"| {t.tactic} | {t.run_time_s:.2f} | {t.eval_wait_s:.2f} | {t.search_overhead_s:.2f} | "
                  f"{t.eval_charged_s:.2f} |" for t in s.times]
        lines.append("")
    lines += _figure(root, "search_supernet", "hv_curves", "Normalised HV vs evaluations on the trained super-network.")
    lines += [f"Notebook: {_notebook('search_supernet')}", ""]
    return lines


RENDERERS: dict[str, Callable[[Any, Path], list[str]]] = {
    "search": search_section, "predictors": predictors_section, "sparsenas": sparsenas_section,
    "latency": latency_section, "search_supernet": search_supernet_section,
}


# --- the at-a-glance table and the headline metrics -------------------------------------------


def _ratio_row(s: ComparisonSummary, tactic: str, where: str) -> str:
    thr = s.thresholds[0]
    claim = claims.SEARCH_RATIOS[tactic]
    cells = ratio_verdicts(s, tactic, thr)
    ours = "; ".join(f"{c.device} {ratio_text(r)}" for c, r, _ in cells)
    words = "; ".join(f"{c.device}: {describe(v)}" for c, _, v in cells)
    return f"| {claim.text} | {claim.published('x')} | {ours} ({where}, HV {thr:g}) | {words} |"


def results_table(root: Path | None = None, summaries: Summaries | None = None) -> list[str]:
    """One row per headline claim: published figure, ours (with 95 % intervals), verdict."""
    sm = summaries if summaries is not None else load_summaries(root)
    lines = ["| claim | published | ours (default profile) | verdict |", "|---|---|---|---|"]
    if (search := sm.get("search")) is not None:
        lines.append(_ratio_row(search, "weaknas", "NB201 x HELP, WeakNAS/LINAS evaluations"))
        lines.append(_ratio_row(search, "nsga2", "NB201 x HELP, NSGA-II/LINAS evaluations"))
        match = [f"{c.device} {_fmt(m.evals_to_match)}" for c in search.cells if (m := c.match("weaknas"))]
        n = next((c.paper_linas_evals for c in search.cells if c.paper_linas_evals), None)
        if match:
            lines.append(f"| WeakNAS evaluations to match LINAS's HV after {n} | {claims.PAPER_WEAKNAS_EVALS} "
                         f"(LINAS: {claims.PAPER_LINAS_EVALS}) | {', '.join(match)} | see section 1 |")
    if (pred := sm.get("predictors")) is not None:
        rows = pred.published_targets()
        verdicts = [(t, verdict(Estimate(t.ours_best), claims.nasflat_claim(t.task))) for t in rows]
        ours = ", ".join(f"{t.task} {_fmt(t.ours_best)}" for t in rows)
        pub = ", ".join(f"{t.task} {t.nasflat}" for t in rows)
        words = ", ".join(f"{t.task}: {v.outcome}" for t, v in verdicts)
        lines.append(f"| NASFLAT few-shot latency transfer (Spearman, <= 20 target samples) | {pub} | {ours} | "
                     f"{words} (mean over trials, no interval) |")
        if (best := pred.help_best()) is not None:
            v = verdict(Estimate(best.spearman), claims.HELP_ND)
            lines.append(f"| {claims.HELP_ND.text} | {claims.HELP_ND_MEAN} | {best.spearman:.3f} ({best.method}) | "
                         f"{describe(v)} |")
    if (sparse := sm.get("sparsenas")) is not None:
        goal = claims.SPARSENAS_GOAL
        ours = ", ".join(f"{f.family} {_fmt(f.speedup_cpu)}x" if f.speedup_cpu is not None else f"{f.family} not reached"
                         for f in sparse.families)
        words = ", ".join(f"{f.family}: " + (describe(verdict(Estimate(f.speedup_cpu), goal))
                                              if f.speedup_cpu is not None else "misses") for f in sparse.families)
        lines.append(f"| {claims.SPARSENAS_SPEEDUP.text} | {claims.SPARSENAS_SPEEDUP.low:g}x (goal >= {goal.low:g}x) | "
                     f"{ours} | {words} |")
    if (lat := sm.get("latency")) is not None:
        devs = lat.quality.devices
        ours = ", ".join(f"{d.device} CV {100 * d.median_round_cv:.2f} %, rho {d.spearman_two_passes:.3f}" for d in devs)
        words = ", ".join(f"{d.device}: CV {describe(verdict(Estimate(d.median_round_cv), claims.LATENCY_CV))}, "
                          f"rho {describe(verdict(Estimate(d.spearman_two_passes), claims.LATENCY_SPEARMAN))}"
                          for d in devs)
        lines.append(f"| Latency measurement quality (project target) | CV < 3 %, rho >= 0.98 | {ours or 'n/a'} | "
                     f"{words or 'n/a'} |")
    if (sup := sm.get("search_supernet")) is not None:
        lines.append(_ratio_row(sup, "weaknas", f"{sup.supernet}, WeakNAS/LINAS"))
    return lines


def headline(summaries: Summaries) -> dict[str, float | None]:
    """The at-a-glance numbers as one flat mapping (``reports/headline.json``, the DVC metrics)."""
    out: dict[str, float | None] = {}

    def num(x: float | None) -> float | None:
        return None if x is None or x in (float("inf"), float("-inf")) else round(float(x), 4)

    for key in ("search", "search_supernet"):
        s = summaries.get(key)
        if s is None:
            continue
        thr = s.thresholds[0]
        for tactic in claims.SEARCH_RATIOS:
            for cell, r, _ in ratio_verdicts(s, tactic, thr):
                where = cell.device if key == "search" else cell.dataset
                out[f"{key}.{where}.{tactic}_x_linas"] = num(r.ratio if r else None)
                out[f"{key}.{where}.{tactic}_x_linas_ci_low"] = num(r.ci_low if r else None)
        if key == "search" and s.timing:
            out["search.linas_timing_median_s"] = num(s.timing.median_s)
    if (p := summaries.get("predictors")) is not None:
        for t in p.published_targets():
            out[f"predictors.{t.task}.best_spearman"] = num(t.ours_best)
        if (best := p.help_best()) is not None:
            out["predictors.help_nd_k10_spearman"] = num(best.spearman)
        if p.search_loop:
            out["predictors.loop_saving_factor"] = num(p.search_loop.saving_factor)
    if (sp := summaries.get("sparsenas")) is not None:
        for f in sp.families:
            out[f"supernet.{f.family}.speedup_cpu"] = num(f.speedup_cpu)
    if (lat := summaries.get("latency")) is not None:
        for d in lat.quality.devices:
            out[f"latency.{d.device}.median_round_cv"] = num(d.median_round_cv)
            out[f"latency.{d.device}.spearman_two_passes"] = num(d.spearman_two_passes)
    return out


README_BEGIN, README_END = "<!-- results:begin (generated by `make readme`) -->", "<!-- results:end -->"


def readme_block(root: Path | None = None) -> str:
    return "\n".join([README_BEGIN, *results_table(root), README_END])


def update_readme(readme: Path, root: Path | None = None) -> None:
    """Replace the README's generated results block with the table built from the summaries."""
    text = readme.read_text()
    if README_BEGIN not in text or README_END not in text:
        raise HwnasError(f"{readme}: results markers not found ({README_BEGIN} ... {README_END})")
    head, rest = text.split(README_BEGIN, 1)
    tail = rest.split(README_END, 1)[1]
    write_text(readme, head + readme_block(root) + tail)


# --- provenance -------------------------------------------------------------------------------

#: Paths the report stage itself (re)writes: never counted as "uncommitted changes" of the inputs.
GENERATED = ("reports", "dvc.lock", "README.md")


def _git(root: Path, *args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def provenance(root: Path) -> str:
    """Which commit the inputs come from, and whether they differ from it (generated files excluded)."""
    head = _git(root, "rev-parse", "--short", "HEAD")
    if head is None:
        return "- git commit: unknown (not a git checkout)"
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no", "--", ".", *(f":!{p}" for p in GENERATED))
    state = (" **with uncommitted changes** to tracked files (`git status`)" if dirty
             else " (clean: the code and parameters are exactly this commit)")
    return (f"- built from git commit `{head}`{state}; the generated report files are committed on top of it, "
            "so the commit that holds this page is a descendant of it")


def footer(root: Path) -> list[str]:
    lock = root / "dvc.lock"
    lock_hash = hashlib.sha256(lock.read_bytes()).hexdigest()[:16] if lock.exists() else "none"
    params = root / "params.yaml"
    params_hash = hashlib.sha256(params.read_bytes()).hexdigest()[:16] if params.exists() else "none"
    params_dirty = _git(root, "status", "--porcelain", "params.yaml")
    from nas_utils.stage import environment

    env = environment()
    lines = ["---", "### How this was produced", "", provenance(root),
             f"- `dvc.lock` sha256 `{lock_hash}` (hashes of every stage's inputs and outputs)",
             f"- parameters: `params.yaml` sha256 `{params_hash}`, "
             + ("**modified** from the committed default (e.g. `hwnas profile paper`)" if params_dirty
                else "the committed default profile"),
             f"- machine: {env['cpu']}, {env['cpu_count']} cores, {env['platform']}",
             "- libraries: " + ", ".join(f"{k} {v}" for k, v in env["libraries"].items() if v), ""]
    infos = sorted(reports_dir().glob("*/run_info.json"))
    if infos:
        lines += ["| stage | notebook | wall time (s) |", "|---|---|---|"]
        for p in infos:
            info = json.loads(p.read_text())
            lines.append(f"| {info['section']} | {info['notebook']} | {info['wall_time_s']} |")
    return lines


# --- the page -----------------------------------------------------------------------------------


def _devices(sm: Summaries) -> list[str]:
    names: list[str] = []
    for key in ("search", "search_supernet"):
        if (s := sm.get(key)) is not None:
            names += [c.device for c in s.cells]
    if (lat := sm.get("latency")) is not None:
        names += [d.device for d in lat.quality.devices] + [r.device for r in lat.per_device]
    return names


def build(out_dir: Path | None = None) -> str:
    """The Markdown page (copies the figures it shows into ``<out_dir>/figures``)."""
    root = out_dir or reports_dir()
    sm = load_summaries(root)
    lines = ["# hwnas-lab: three papers, one pipeline - reproduced numbers", "",
             "Every number below is read from the pipeline's outputs; nothing is typed in. Each section gives the "
             "published claim, our number on the same footing and the gap. Verdicts follow one rule "
             "(`nas_utils.claims.verdict`): *beats* / *misses* when the whole 95 % bootstrap interval over seeds lies "
             "above / below the published figure (a point figure read as +-10 %), *within* when it lies inside, "
             "otherwise *inconclusive*; without an interval (one run) the point estimate decides and the verdict says so.",
             ""]
    if glossary := device_glossary(_devices(sm)):
        lines += [glossary, ""]
    lines += ["## At a glance", "", *results_table(root, sm), ""]
    for key in ORDER:
        summary = sm.get(key)
        if summary is None:
            lines += [f"## {key}: not run (run `dvc repro {STAGES[key].dvc_stage}`)", ""]
        else:
            lines += RENDERERS[key](summary, root)
    lines += footer(project_root())
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if stale := stale_summaries():
        print(f"error: {stale_message(stale)}", file=sys.stderr)
        return 2
    if "--readme" in args:
        update_readme(project_root() / "README.md")
        print("README.md results table regenerated from reports/*/summary.json")
        return 0
    import mistune

    root = reports_dir()
    md = build(root)
    write_text(root / "index.md", md)
    body = mistune.html(md)
    html = ("<!doctype html><html><head><meta charset='utf-8'><title>hwnas-lab report</title><style>"
            "body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}img{max-width:100%}</style></head><body>"
            f"{body}</body></html>")
    write_text(root / "index.html", html)
    write_text(root / "headline.json", json.dumps(headline(load_summaries(root)), indent=2, sort_keys=True) + "\n")
    print(f"wrote {root / 'index.md'}, {root / 'index.html'}, {root / 'headline.json'} and {root / FIGURES}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
