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
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nas_utils import claims
from nas_utils.claims import describe
from nas_utils.cpu_speed import REFERENCE
from nas_utils.errors import HwnasError
from nas_utils.io import write_text
from nas_utils.paths import project_root, reports_dir
from nas_utils.results import SearchSupernetSummary, StaleSummaryError
from nas_utils.results.search import ComparisonSummary, RatioResult, SearchSummary
from nas_utils.sections.common import (  # noqa: F401  (SECTIONS: the report stage's deps)
    FIGURES, ORDER, SECTIONS, STAGES, Stage, fmt, interval, match_seeds, match_text, match_verdicts, ratio_text,
    ratio_verdicts, ratio_words,
)
from nas_utils.sections.devices import device_glossary
from nas_utils.sections.latency import latency_section, quality_verdicts, quality_words
from nas_utils.sections.predictors import (HELP_BUDGETS, help_protocol_rows, loop_verdict, predictors_section,
                                           seen_first, task_verdict)
from nas_utils.sections.search import near_limit_verdicts, search_section
from nas_utils.sections.search_supernet import search_supernet_section
from nas_utils.sections.sparsenas import sparsenas_section, sparsenas_speedup, sparsenas_verdict, verdict_families

#: Stage key -> the function rendering its section of the page (one module of :mod:`nas_utils.sections` each).
RENDERERS: dict[str, Callable[[Any, Path], list[str]]] = {
    "search": search_section, "predictors": predictors_section, "sparsenas": sparsenas_section,
    "latency": latency_section, "search_supernet": search_supernet_section,
}


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


# --- the at-a-glance table and the headline metrics -------------------------------------------


def _ratio_row(s: ComparisonSummary, tactic: str, where: str, by_name: bool = False) -> str:
    """One at-a-glance row: the ratio per cell (``by_name``: labelled ``dataset/device``, else by device)."""
    thr = s.thresholds[0]
    claim = claims.SEARCH_RATIOS[tactic]
    cells = ratio_verdicts(s, tactic, thr)
    def text(r: RatioResult | None) -> str:
        return "neither median reached it" if r is not None and r.bound == "undefined" else ratio_text(r)

    ours = "; ".join(f"{c.name if by_name else c.device} {text(r)}" for c, r, _ in cells)
    words = "; ".join(f"{c.name if by_name else c.device}: {ratio_words(r, v)}" for c, r, v in cells)
    return f"| {claim.text} | {claim.published('x')} | {ours} ({where}, HV {thr:g}) | {words} |"


def _match_row(s: ComparisonSummary, where: str) -> list[str]:
    """The at-a-glance row of DyNAS-T's own framing of the 8x (:func:`match_verdicts`), if ``s`` has it."""
    if not (match := match_verdicts(s)):
        return []
    ours = "; ".join(f"{c.name} {match_text(m, n)}" for c, n, m, _ in match)
    words = "; ".join(f"{c.name}: {describe(v)}" for c, _, _, v in match)
    return [f"| WeakNAS evaluations to match LINAS's HV after {match[0][1]} (the paper's own framing of the 8x) | "
            f"{claims.PAPER_WEAKNAS_EVALS} (LINAS: {claims.PAPER_LINAS_EVALS}; "
            f"{claims.PAPER_WEAKNAS_EVALS // claims.PAPER_LINAS_EVALS}x) | {ours} ({where}, {match_seeds(s)}) | {words} |"]


def _near_limit_rows(search: SearchSummary, runs: ComparisonSummary | None = None, label: str = "") -> list[str]:
    """At-a-glance rows of the near-limit goals (the stage's runs, or ``runs`` such as the seed record)."""
    lines = []
    for thr, goal in claims.NEAR_LIMIT_GOALS.items():
        rows = [(c, r, v) for c, t, r, v in near_limit_verdicts(search, runs) if t == thr]
        if rows:
            ours = "; ".join(f"{c.name} {fmt(r.median, 4) if r else 'n/a'}"
                             f"{interval(r.ci_low, r.ci_high, 0) if r else ''}" for c, r, _ in rows)
            words = "; ".join(f"{c.name}: {describe(v)}" for c, _, v in rows)
            where = f"{search.near_limit_tactic}, NB201 x HELP test cells" + (f", {label}" if label else "")
            lines.append(f"| {goal.text} ({where}) | {goal.published()} (project goal) | {ours} | {words} |")
    return lines


def _ci(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f" [{low:.3f}, {high:.3f}]"


def results_table(root: Path | None = None, summaries: Summaries | None = None) -> list[str]:
    """One row per headline claim: published figure, ours (with 95 % intervals), verdict."""
    sm = summaries if summaries is not None else load_summaries(root)
    lines = ["| claim | published | ours (default profile) | verdict |", "|---|---|---|---|"]
    if (search := sm.get("search")) is not None:
        # With a seed record, its rows carry the verdict: it holds the stage's runs seed for seed and more seeds of
        # every tactic, so one claim gets one verdict here (section 1 shows the stage's own runs and the record).
        if (record := search.seed_record) is not None and record.cells:
            n = max(record.seeds_per_tactic.values())
            lines.append(_ratio_row(record, "weaknas", f"{n}-seed record, WeakNAS/LINAS evaluations", by_name=True))
            lines.append(_ratio_row(record, "nsga2", f"{n}-seed record, NSGA-II/LINAS evaluations", by_name=True))
        else:
            lines.append(_ratio_row(search, "weaknas", "NB201 x HELP, WeakNAS/LINAS evaluations", by_name=True))
            lines.append(_ratio_row(search, "nsga2", "NB201 x HELP, NSGA-II/LINAS evaluations", by_name=True))
        if record is not None and record.cells:
            lines += _match_row(record, f"{n}-seed record") or _match_row(search, "the stage's runs")
            lines += _near_limit_rows(search, record, f"{n}-seed record")
        else:
            lines += _match_row(search, "the stage's runs")
            lines += _near_limit_rows(search)
    if (pred := sm.get("predictors")) is not None:
        rows = pred.published_targets()
        # The same rule and the same 95 % intervals as section 2 (sections.predictors.predictors_section).
        ours = ", ".join(f"{t.task} {fmt(t.ours_best)}{_ci(t.ci_low, t.ci_high)}" for t in rows)
        pub = ", ".join(f"{t.task} {t.nasflat}" for t in rows)
        words = ", ".join(f"{t.task}: {task_verdict(t)}{seen_first(pred.method, t.task)}" for t in rows)
        lines.append(f"| NASFLAT few-shot latency transfer (Spearman, k = 20 target samples, pre-registered "
                     f"{pred.method}) | {pub} | {ours} | {words} |")
        for protocol, best, v in help_protocol_rows(pred):  # the same rows and rule as section 2
            lines.append(f"| {claims.HELP_ND.text}; ours with {HELP_BUDGETS[protocol]} | {claims.HELP_ND_MEAN} | "
                         f"{best.spearman:.3f}{_ci(best.ci_low, best.ci_high)} ({best.method}) | {describe(v)}"
                         f"{seen_first(best.method, best.task)} |")
        if (loop := pred.search_loop) is not None:  # the same rule as section 2 (sections.predictors.loop_verdict)
            lines.append(f"| {claims.LOOP_SAVING_GOAL.text} ({loop.tactic}, {loop.predictor}, k = {loop.k}; "
                         f"NB201 x HELP test cells) | >= {claims.LOOP_SAVING_GOAL.low:g}x (project goal) | "
                         f"{loop.saving_factor:.2f}x{interval(loop.saving_factor_ci_low, loop.saving_factor_ci_high)} "
                         f"at median HV {loop.predicted_hv:.3f} | "
                         f"{describe(loop_verdict(loop))} |")
    if (sparse := sm.get("sparsenas")) is not None:
        goal = claims.SPARSENAS_GOAL  # the same interval and rule as section 3 (sections.sparsenas.sparsenas_verdict)
        families, source = verdict_families(sparse)
        ours = ", ".join(f"{f.family} {sparsenas_speedup(f)} (ceiling {f.ceiling:.1f}x"
                         + ("" if f.grid_max is None else f", grid maximum {f.grid_max:.1f}x") + ")" for f in families)
        words = ", ".join(f"{f.family}: {describe(sparsenas_verdict(f, goal))}" for f in families)
        lines.append(f"| {claims.SPARSENAS_SPEEDUP.text} | {claims.SPARSENAS_SPEEDUP.low:g}x (goal >= {goal.low:g}x) | "
                     f"{ours} ({source}) | {words} |")
    if (lat := sm.get("latency")) is not None:
        devs = lat.quality.devices
        ours = ", ".join("{} CV {}, rho {}".format(d.device, *quality_words(d)) for d in devs)
        words = ", ".join("{}: CV {}, rho {}".format(d.device, *map(describe, quality_verdicts(d))) for d in devs)
        busy = sum(r.contended for r in lat.per_device)
        if busy or any(d.contended for d in devs):  # a measurement on a busy machine says so here too (section 4)
            words += f"; contended machine: {busy} of {len(lat.per_device)} collection runs busy (section 4)"
        lines.append(f"| Latency measurement quality (project target) | CV < 3 %, rho >= 0.98 | {ours or 'n/a'} | "
                     f"{words or 'n/a'} |")
    if (sup := sm.get("search_supernet")) is not None:
        # As for NB201: with a seed record (the stage's runs and more seeds), its rows carry the verdict.
        if (runs := sup.seed_record) is not None and runs.cells:
            where = f"our super-networks, {max(runs.seeds_per_tactic.values())}-seed record"
        else:
            runs, where = sup, "our super-networks"
        lines.append(_ratio_row(runs, "weaknas", f"{where}, WeakNAS/LINAS", by_name=True))
        lines += _match_row(runs, where)
    return lines


def headline(summaries: Summaries) -> dict[str, float | str | None]:
    """The at-a-glance numbers as one flat mapping (``reports/headline.json``, the DVC metrics). A censored
    ratio or speedup (a bound, marked ``<``/``>`` in the report) gets a ``<key>_bound`` entry, ``upper`` or
    ``lower``, beside its number."""
    out: dict[str, float | str | None] = {}

    def ratio(key: str, r: RatioResult | None) -> None:
        out[key] = num(r.ratio if r else None)
        out[f"{key}_ci_low"] = num(r.ci_low if r else None)
        if r is not None and r.bound in ("lower", "upper"):
            out[f"{key}_bound"] = r.bound

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
                ratio(f"{key}.{where}.{tactic}_x_linas", r)
        if key == "search" and s.timing:
            out["search.linas_timing_median_s"] = num(s.timing.median_s)
        if isinstance(s, SearchSummary):
            for cell, n, m, _ in match_verdicts(s):  # DyNAS-T's framing: WeakNAS's evaluations to match LINAS's HV
                out[f"search.{cell.device}.weaknas_match_x"] = num(m.evals_to_match / n)
            for cell, t, evals, _ in near_limit_verdicts(s):
                out[f"search.{cell.device}.near_limit_evals_{t:g}"] = num(evals.median if evals else None)
            if s.seed_record is not None:
                for tactic in claims.SEARCH_RATIOS:
                    for cell, r, _ in ratio_verdicts(s.seed_record, tactic, thr):
                        ratio(f"search_seeds.{cell.device}.{tactic}_x_linas", r)
                for cell, n, m, _ in match_verdicts(s.seed_record):
                    out[f"search_seeds.{cell.device}.weaknas_match_x"] = num(m.evals_to_match / n)
                for cell, t, evals, _ in near_limit_verdicts(s, s.seed_record):
                    out[f"search_seeds.{cell.device}.near_limit_evals_{t:g}"] = num(evals.median if evals else None)
        if isinstance(s, SearchSupernetSummary) and s.seed_record is not None:
            for tactic in claims.SEARCH_RATIOS:
                for cell, r, _ in ratio_verdicts(s.seed_record, tactic, thr):
                    ratio(f"search_supernet_seeds.{cell.dataset}.{tactic}_x_linas", r)
            for cell, n, m, _ in match_verdicts(s.seed_record):
                out[f"search_supernet_seeds.{cell.dataset}.weaknas_match_x"] = num(m.evals_to_match / n)
    if (p := summaries.get("predictors")) is not None:
        for t in p.published_targets():
            out[f"predictors.{t.task}.best_spearman"] = num(t.ours_best)
        if (best := p.help_best()) is not None:
            out["predictors.help_nd_k10_spearman"] = num(best.spearman)
        if (ref := p.help_best("help_800_ref")) is not None:
            out["predictors.help_nd_k10_ref_spearman"] = num(ref.spearman)
        if p.search_loop:
            out["predictors.loop_saving_factor"] = num(p.search_loop.saving_factor)
    if (sp := summaries.get("sparsenas")) is not None:
        for f in sp.families:
            out[f"supernet.{f.family}.speedup"] = num(f.speedup)
            out[f"supernet.{f.family}.speedup_ci_high"] = num(f.speedup_high)
            if f.speedup_bound in ("lower", "upper"):
                out[f"supernet.{f.family}.speedup_bound"] = f.speedup_bound
            out[f"supernet.{f.family}.ceiling"] = num(f.ceiling)
        for f in sp.record.families if sp.record is not None else []:
            out[f"supernet.{f.family}.record_seeds"] = f.seeds
            out[f"supernet.{f.family}.record_speedup"] = num(f.speedup)
            out[f"supernet.{f.family}.record_speedup_ci_high"] = num(f.speedup_high)
            out[f"supernet.{f.family}.record_sparse_reached"] = f.sparse_reached
    if (lat := summaries.get("latency")) is not None:
        for d in lat.quality.devices:
            out[f"latency.{d.device}.median_round_cv"] = num(d.median_round_cv)
            out[f"latency.{d.device}.spearman_two_passes"] = num(d.spearman_two_passes)
            for name, ci in (("median_round_cv", d.median_round_cv_ci), ("spearman_two_passes", d.spearman_two_passes_ci)):
                if ci:
                    out[f"latency.{d.device}.{name}_ci_low"], out[f"latency.{d.device}.{name}_ci_high"] = map(num, ci)
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
             f"- machine: {env['cpu']}, {env['cpu_count']} cores, {env['platform']}; BLAS kernels: {env['blas']}",
             "- libraries: " + ", ".join(f"{k} {v}" for k, v in env["libraries"].items() if v), ""]
    infos = sorted(reports_dir().glob("*/run_info.json"))
    if infos:
        lines += ["| stage (command) | notebook | wall time (s) | CPU time (s) | steal (s) | CPU speed before / after |",
                  "|---|---|---|---|---|---|"]
        for p in infos:
            info = json.loads(p.read_text())
            stage = next((s.dvc_stage for s in STAGES.values() if info["notebook"].startswith(s.notebook)),
                         info["section"])
            speed = info.get("cpu_speed", {})
            readings = " / ".join(f"{speed[k]['index']:.2f}" for k in ("before", "after") if k in speed) or "-"
            cpu, steal = (info.get(k) for k in ("cpu_time_s", "steal_s"))  # absent before session 34
            lines.append(f"| {stage} (`dvc repro -s {stage}`) | {info['notebook']} | {info['wall_time_s']} | "
                         f"{'-' if cpu is None else cpu} | {'-' if steal is None else steal} | {readings} |")
        lines += ["", "CPU time: the notebook's and its worker processes'. Steal: CPU time the hypervisor took from "
                  "this machine meanwhile, all cores. CPU speed: "
                  f"`nas_utils.cpu_speed`'s probe index (1.00 = {REFERENCE}; 0.80 = 25 % more CPU time for the "
                  "same work), read before and after the notebook. A reading tells the speed of its minute, and the "
                  "machine's speed moves over minutes (`data/checks/cpu_speed_check.csv`), so the CPU seconds are "
                  "the steadier record of how much work a stage did."]
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


def _tolerant_claims() -> str:
    """The published figures read with a tolerance band, as the report names them."""
    return ", ".join([f"DyNAS-T's {claims.WEAKNAS_VS_LINAS.low:g}x", f"SparseNAS's {claims.SPARSENAS_SPEEDUP.low:g}x"])


def build(out_dir: Path | None = None) -> str:
    """The Markdown page (copies the figures it shows into ``<out_dir>/figures``)."""
    root = out_dir or reports_dir()
    sm = load_summaries(root)
    lines = ["# hwnas-lab: three papers, one pipeline - reproduced numbers", "",
             "Every number below is read from the pipeline's outputs; nothing is typed in. Each section gives the "
             "published claim, our number on the same footing and the gap. Verdicts follow one rule "
             "(`nas_utils.claims.verdict`): *beats* / *misses* when our whole 95 % interval lies above / below the "
             "claim's band, *within* when it lies inside, otherwise *inconclusive*; a project target is *met* or "
             "*missed* the same way. Our intervals are bootstrap intervals over seeds (searches, SparseNAS) or "
             "Student-t intervals over trials (latency predictors). The band is the published figure or range; "
             f"a figure from a single published run ({_tolerant_claims()}) is widened by "
             f"+-{100 * claims.WEAKNAS_VS_LINAS.tolerance:.0f} %, published means over trials (NASFLAT, HELP), "
             "medians over seeds (DyNAS-T 1.6.0's validation counts, 5 seeds) and ranges are taken as printed. With "
             "few seeds a bootstrap interval of a median is narrower than 95 %: with n seeds it covers the median at "
             f"most 1 - 2^(1-n) of the time (50 % at 2 seeds, 75 % at 3, 94 % at 5). A verdict from fewer than "
             f"{claims.MIN_MEDIAN_RUNS} seeds says so beside the word (e.g. 'misses (3 seeds: a median's interval "
             "covers at most 75 %)'; for a ratio of two medians the arm with fewer seeds sets the limit, roughly), "
             "and where a stage runs few seeds, the 20-seed record beside it (sections 1, 3 and 5) is the better "
             "read, and the at-a-glance table reads it. "
             "Without an interval the point "
             "estimate decides and the verdict says 'point estimate'.",
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
