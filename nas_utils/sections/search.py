"""Section 1 of the report: sub-network search on NAS-Bench-201 x HELP latency (LINAS vs WeakNAS,
NSGA-II, BO; DyNAS-T): evaluations to each HV threshold per cell and view, IGD+, the verdict table,
faithful LINAS against DyNAS-T, the tuning record and the stage's CPU cost, from :class:`SearchSummary`.

Notebook 05 prints parts of it (:func:`reference_points`, :func:`verdict_table`, :func:`faithful_lines`,
:func:`tuning_sentence`), so the notebook and the report word them alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nas_utils import claims
from nas_utils.claims import Estimate, Verdict, describe, verdict
from nas_utils.results import SearchSummary
from nas_utils.results.search import ORACLE_PRIORS, CellSummary, ComparisonSummary, ThresholdResult, TuningVariant, View
from nas_utils.sections.common import (
    ORACLE, figure, fmt, interval, markdown_table, match_lines, match_seeds, notebook_link, oracle_text, plain,
    ratio_estimate, ratio_text, ratio_words, record_agreement_phrase, seeds_per_tactic,
)


def search_section(s: SearchSummary, root: Path) -> list[str]:
    cells = [c.name for c in s.cells]
    lines = [
        "## 1. Sub-network search: LINAS vs WeakNAS and NSGA-II (DyNAS-T, arXiv 2202.12954 / 2205.10358)", "",
        f"**Published:** LINAS needs **{claims.WEAKNAS_VS_LINAS.published('x')}** fewer validations than WeakNAS "
        f"({claims.PAPER_LINAS_EVALS} vs {claims.PAPER_WEAKNAS_EVALS} on OFA-MobileNetV3) and "
        f"**{claims.NSGA2_VS_LINAS.published('x')}** fewer than NSGA-II on CNN super-networks.", "",
        f"**Ours** (NAS-Bench-201 x HELP latency, true front known; cells {', '.join(cells)}; seeds per tactic "
        f"{seeds_per_tactic(s)}, budget {s.budget}). {plain(s.method)}", "",
        *cells_sentence(s), "",
    ]
    for view in VIEW_TITLES:
        if any(view in c.views() for c in s.cells):
            refs = reference_points(s) if view == "near_front" else ""
            oracle = (f"; last row per cell, *{ORACLE}*: the validations an oracle needs that validates only "
                      "true-front members, greedily by HV gain, the limit of any tactic" if any(c.oracle for c in s.cells)
                      else "")
            lines += [f"**{VIEW_TITLES[view]}**{refs}: median real evaluations to each HV threshold [bootstrap "
                      "95 % interval of the median] (ratio to LINAS [95 % interval]; `>`: a lower bound, the "
                      "tactic's median never reached it; `<`: an upper bound, LINAS's median never reached it; "
                      f"`n/a`: neither did{oracle}).", "", *fair_table(s, view), ""]
    if any(c.igd for c in s.cells):
        lines += ["**IGD+ to the true front** (pymoo; space-wide normalised objectives, lower is better; median over "
                  "seeds [95 % interval]):", "", *igd_table(s), ""]
    lines += ["**Verdicts on this stage's runs** (the rule: `nas_utils.claims.verdict`; each claim against our ratio at "
              "every threshold and view; the ratios and intervals are those of the tables above):", "", *verdict_table(s), ""]
    if near := near_limit_lines(s):
        lines += [f"**Our near-limit tactic** (`{s.near_limit_tactic}`, pre-registered in `params.yaml` "
                  "`search.near_limit_tactic`; issue 11's goals: median validations to HV 0.995 at most "
                  f"{claims.NEAR_LIMIT_GOALS[0.995].low:g} on every test cell and HV 0.999 within "
                  f"{claims.NEAR_LIMIT_GOALS[0.999].low:g}; space-wide view; the goal is met only where the whole "
                  "95 % interval meets it). *oracle*: the validations needed by an oracle that validates only "
                  "true-front members, greedily by HV gain, the physical limit of any tactic:", "", *near, ""]
    lines += seed_record_lines(s)
    for block in (prior_track_lines(s), prior_oracle_lines(s), post_hoc_lines(s)):
        if block:
            lines += [*block, ""]
    lines += match_lines(s, f"on this stage's runs ({match_seeds(s)})")
    if s.faithful:
        lines += ["**Faithful LINAS against DyNAS-T 1.6.0** (the same benchmark, population 50, 5,000 inner "
                  "evaluations, 5 seeds; validations to HV 0.99, space-wide view):", "", *faithful_lines(s), ""]
    lines += ["**Tuning record** (settings tried on the development cells only; median evaluations to each HV "
              "threshold per dev cell):", "", *tuning_sentence(s), ""]
    if s.tuning:
        lines += [*markdown_table(tuning_rows(s)), ""]
    if acquisition := bo_acquisition_sentence(s):
        lines += [acquisition, ""]
    if width := weaknas_width_sentence(s):
        lines += [width, ""]
    lines += [*cost_lines(s), ""]
    lines += figure(root, "search", "evals_to_threshold", "Evaluations to reach each HV threshold (median, IQR).")
    lines += figure(root, "search", "hv_curves", "1 - normalised HV vs real evaluations (median, IQR band).")
    lines += figure(root, "search", "hv_curves_near", "The same with the near-front reference point.")
    lines += figure(root, "search", "fronts", "Fronts found (seed 0) against the true front.")
    lines += [f"Notebook: {notebook_link('search')}", ""]
    return lines


VIEW_TITLES: dict[View, str] = {"space": "HV, space-wide reference point", "near_front": "HV, near-front reference point"}


def reference_points(s: SearchSummary) -> str:
    """The near-front reference point of every cell, e.g. ` (reference point: cifar10/pixel2 accuracy 90.7, latency 27.1)`."""
    parts = [f"{c.name} " + ", ".join(f"{k} {v:g}" for k, v in c.near_front_ref.items()) for c in s.cells
             if c.near_front_ref]
    return f" (reference point: {'; '.join(parts)})" if parts else ""


def _evals_ci(res: ThresholdResult | None) -> str:
    if res is None:
        return "n/a"
    return fmt(res.median, 4) + interval(res.ci_low, res.ci_high, 0)


def cells_sentence(s: SearchSummary) -> list[str]:
    """Which cells are reported and whether any of them is a development (tuning) cell."""
    names = [c.name for c in s.cells]
    dev = [n for n in names if n in s.dev_cells]
    other = [n for n in names if n not in s.test_cells and n not in s.dev_cells]
    text = (f"Test cells (pre-registered in `nas_utils.search.tuning`): {', '.join(s.test_cells) or 'n/a'}; every "
            f"tactic's settings were fixed on the development cells {', '.join(s.dev_cells) or 'n/a'}.")
    if dev:
        text += f" **Warning: {', '.join(dev)} {'is a development cell' if len(dev) == 1 else 'are development cells'}: " \
                "its numbers are not a test result.**"
    if other:
        text += f" {', '.join(other)}: neither a test nor a development cell."
    fewer = {t: n for t, n in s.seeds_per_tactic.items() if n < max(s.seeds_per_tactic.values())}
    if fewer:
        text += (f" Fewer seeds for the costly tactics ({', '.join(f'{t} {n}' for t, n in fewer.items())}; "
                 "`search.tactic_seeds`) keep the stage within its 8-minute budget on 2 CPU cores; their intervals "
                 "are wider accordingly (`profiles/paper.yaml` runs 10 seeds of every tactic).")
    return [text]


def fair_table(s: ComparisonSummary, view: View = "space") -> list[str]:
    """Per cell and tactic: evaluations to each threshold [95 % CI] (x LINAS [95 % CI]), final HV."""
    lines = ["| cell | tactic | seeds | " + " | ".join(f"HV {t:g}" for t in s.thresholds) + " | final HV |",
             "|---|---|---|" + "---|" * len(s.thresholds) + "---|"]
    for cell in s.cells:
        if view not in cell.views():
            continue
        for t in cell.tactics:
            vals = []
            for thr in s.thresholds:
                ratio = "" if t.tactic == "linas" else f" ({ratio_text(cell.ratio(t.tactic, thr, view=view))})"
                vals.append(_evals_ci(cell.threshold(t.tactic, thr, view)) + ratio)
            final = t.final_hv_median if view == "space" else t.final_hv_near_median
            lines.append(f"| {cell.name} | {t.tactic} | {t.seeds} | {' | '.join(vals)} | "
                         f"{'n/a' if final is None else f'{final:.4f}'} |")
        if cell.oracle:
            vals = [oracle_text(cell, thr, view) for thr in s.thresholds]
            lines.append(f"| {cell.name} | *{ORACLE}* | - | {' | '.join(vals)} | 1 |")
    return lines


def prior_track_lines(s: SearchSummary) -> list[str]:
    """The near-limit tactic with latency known before validation (a separate, labelled track): per test cell
    validations to each threshold [95 % CI] on true latencies next to the main contest's, and what it saw."""
    if not s.prior_track:
        return []
    first = s.prior_track[0]
    lines = [f"**Prior-knowledge track** (separate and labelled, not part of the contest; record "
             f"`{first.source}` from `python -m nas_utils.search.prior_track`): "
             f"`{first.tactic}` knows the latency of every candidate before any validation, predicted by the "
             f"transfer method `{first.method}` registered for the search loop in section 2 from k = {first.k} device "
             "measurements on "
             "the target (the other devices' full tables as sources), and takes it as the mean of its latency GP, "
             "which models the residual of the validated architectures' measured latencies; every validation "
             "returns both objectives as in the contest, so the device measurements to a threshold are k + the "
             "validations. Validations to each HV threshold [95 % CI], main contest in brackets:", "",
             "| cell | seeds | latency Spearman | " + " | ".join(f"HV {t:g}" for t in s.thresholds) + " |",
             "|---|---|---|" + "---|" * len(s.thresholds)]
    for p in s.prior_track:
        cell = s.cell(p.cell)
        vals = []
        for t in s.thresholds:
            main = cell.threshold(p.tactic, t) if cell else None
            vals.append(f"{_evals_ci(p.at(t))} ({_evals_ci(main)})")
        seeds = p.evals[0].seeds if p.evals else 0
        rho = "n/a" if p.latency_spearman is None else f"{p.latency_spearman:.3f}"
        lines.append(f"| {p.cell} | {seeds} | {rho} | {' | '.join(vals)} |")
    return lines


def prior_oracle_lines(s: SearchSummary, thresholds: tuple[float, ...] = (0.995, 0.999)) -> list[str]:
    """Where the near-limit tactic's validations go (the oracle diagnostic): per cell, validations to each
    threshold with no prior, the true latency, the true accuracy or both as the prior, next to the cell's
    greedy true-front bound. On a test cell without ``none`` runs, the stage's own runs of the tactic."""
    if not s.prior_oracles:
        return []
    by = {(p.cell, p.prior): p for p in s.prior_oracles}
    cells = list(dict.fromkeys(p.cell for p in s.prior_oracles))
    tactic = s.prior_oracles[0].tactic
    sources = ", ".join(f"`{src}`" for src in dict.fromkeys(p.source for p in s.prior_oracles))
    thr = " / ".join(f"{t:g}" for t in thresholds)
    lines = [f"**Where `{tactic}`'s validations go** (a diagnostic with oracles no tactic has; it chooses nothing; "
             f"records {sources} from `python -m nas_utils.search.prior_track`: development cells, and test cells "
             "run after the verdicts above with `--post-hoc`): the *true* value of one objective, or both, of every "
             "cell as the mean of the tactic's GP, which then models a residual of zero. With the true latency the "
             "validations left are what the accuracy model costs; with the true accuracy, what the latency model "
             "costs; with both, what the initial design and the batches cost. Median validations to HV "
             f"{thr} [95 % CI] (seeds per column where they differ); *oracle*: the greedy true-front bound of the section's "
             "tables:", "",
             "| cell | seeds | " + " | ".join(ORACLE_PRIORS.values()) + " | oracle |",
             "|---|---|" + "---|" * (len(ORACLE_PRIORS) + 1)]
    for c in cells:
        main, seeds, vals = s.cell(c), [], []
        for prior in ORACLE_PRIORS:
            p = by.get((c, prior))
            res = [p.at(t) if p else (main.threshold(tactic, t) if main and prior == "none" else None)
                   for t in thresholds]
            seeds.append(max([0, *(r.seeds for r in res if r)]))
            vals.append(" / ".join(_evals_ci(r) for r in res))
        first = next(p for p in s.prior_oracles if p.cell == c)
        bound = " / ".join(fmt(o.evals if o else None, 4) for o in map(first.oracle_at, thresholds))
        role = " (test)" if c in s.test_cells else " (dev)" if c in s.dev_cells else ""
        n = str(seeds[0]) if len(set(seeds)) == 1 else " / ".join(map(str, seeds))
        lines.append(f"| {c}{role} | {n} | {' | '.join(vals)} | {bound} |")
    return lines


def post_hoc_lines(s: SearchSummary, thresholds: tuple[float, ...] = (0.995, 0.999)) -> list[str]:
    """Variants of the near-limit tactic run on the test cells after its verdicts: per cell and variant, the
    variant's validations to each threshold, the registered setting's on the same seeds, their ratio and the
    paired runs where the variant needed fewer / more validations. Explains; decides nothing."""
    if not s.post_hoc:
        return []
    sources = ", ".join(f"`{src}`" for src in dict.fromkeys(p.source for p in s.post_hoc))
    head = " | ".join(f"HV {t:g}: variant | registered | ratio | fewer / more" for t in thresholds)
    lines = [f"**Post hoc, not a verdict: variants of `{s.near_limit_tactic}` run on the test cells after the verdicts "
             f"above** (records {sources} from `python -m nas_utils.search.tuning {s.near_limit_tactic} --cells test "
             "--post-hoc`; each variant, its reason and its rule were written down before it ran, in "
             "`data/preregistration/search/README.md`; its development-cell rows are in the tuning record below). "
             "The registered setting and the verdicts above do not change on account of them. Median validations "
             "[95 % CI], the registered setting's on the same seeds (the seed record's runs), the ratio of the medians "
             "[95 % CI] and the paired runs where the variant needed fewer / more validations:", "",
             f"| cell | variant | seeds | {head} |", "|---|---|---|" + "---|---|---|---|" * len(thresholds)]
    for p in s.post_hoc:
        cols = []
        for t in thresholds:
            mine, reg, ratio = p.at(t)
            k = next((j for j, r in enumerate(p.evals) if r.threshold == t), None)
            paired = f"{p.fewer[k]} / {p.more[k]}" if k is not None else "n/a"
            cols.append(f"{_evals_ci(mine)} | {_evals_ci(reg)} | {ratio.text() if ratio else 'n/a'} | {paired}")
        seeds = p.evals[0].seeds if p.evals else 0
        lines.append(f"| {p.cell} | {p.variant} | {seeds} | {' | '.join(cols)} |")
    apart = [f"{p.variant} on {p.cell} at HV {r.threshold:g} ({r.text()})" for p in s.post_hoc for r in p.ratios
             if r.threshold in thresholds and r.ci_low is not None and r.ci_high is not None
             and (r.ci_high < 1 or r.ci_low > 1)]
    lines += ["", "Ratio intervals that exclude 1 (a difference the seeds support): "
              + ("; ".join(apart) if apart else "none") + "."]
    return lines


def near_limit_verdicts(s: SearchSummary, runs: ComparisonSummary | None = None
                        ) -> list[tuple[CellSummary, float, ThresholdResult | None, Verdict]]:
    """(test cell, threshold, the near-limit tactic's evaluations, verdict against ``claims.NEAR_LIMIT_GOALS``)
    for every test cell the pre-registered near-limit tactic ran on; space-wide view. ``runs``: other runs
    than the stage's (the seed record, ``s.seed_record``)."""
    name, runs = s.near_limit_tactic, runs or s
    out = []
    for cell in runs.cells:
        if not name or cell.tactic(name) is None or cell.name not in s.test_cells:
            continue
        for thr, goal in claims.NEAR_LIMIT_GOALS.items():
            if thr in runs.thresholds:
                res = cell.threshold(name, thr)
                out.append((cell, thr, res, verdict(Estimate(res.median, res.ci_low, res.ci_high, runs=res.seeds) if res
                                                    else Estimate(None), goal)))
    return out


def near_limit_lines(s: SearchSummary, runs: ComparisonSummary | None = None) -> list[str]:
    """The pre-registered near-limit tactic against its goals per test cell, next to the oracle bound:
    median validations [95 % CI], the oracle's, the ratio of the two and the verdict by the one rule
    (``runs``: as in :func:`near_limit_verdicts`; the stage's runs only: where the missing HV lies)."""
    rows = near_limit_verdicts(s, runs)
    if not s.near_limit_tactic or not rows:
        return []
    goals = {thr: claims.NEAR_LIMIT_GOALS[thr] for _, thr, _, _ in rows}
    head = " | ".join(f"HV {thr:g}: {s.near_limit_tactic} [95 % CI] | oracle | x oracle | goal {g.published()}"
                      for thr, g in goals.items())
    lines = [f"| cell | seeds | {head} |", "|---|---|" + "---|---|---|---|" * len(goals)]
    by_cell: dict[str, list[str]] = {}
    for cell, thr, res, v in rows:
        o = cell.oracle_at(thr)
        times = (f"{res.median / o.evals:.1f}x" if res and o and o.evals and res.median != float("inf") else "n/a")
        seeds = cell.tactic(s.near_limit_tactic).seeds  # type: ignore[union-attr]
        by_cell.setdefault(f"| {cell.name} | {seeds}", []).append(
            f"{_evals_ci(res)} | {oracle_text(cell, thr)} | {times} | **{describe(v)}**")
    lines += [f"{key} | {' | '.join(parts)} |" for key, parts in by_cell.items()]
    if s.near_limit_gaps and runs is None:
        n = s.near_limit_gaps[0].evals
        lines += ["", f"Where the HV that `{s.near_limit_tactic}` still misses after {n} validations lies (median over "
                  "seeds; the share of the gap that adding every true-front member of each third of the front, by "
                  "latency, would close):", ""]
        lines += [f"- {g.cell}: gap {g.gap:.4f}; fastest third {100 * g.band_shares[0]:.0f} %, middle "
                  f"{100 * g.band_shares[1]:.0f} %, slowest {100 * g.band_shares[2]:.0f} %" for g in s.near_limit_gaps
                  if len(g.band_shares) == 3]
    return lines


def seed_record_lines(s: SearchSummary) -> list[str]:
    """Every tactic with the record's seeds (beside the stage): both HV-view tables, the verdicts and
    the near-limit goals on those runs."""
    r = s.seed_record
    if r is None or not r.cells:
        return []
    stale = (f" {s.seed_record_stale} rows of the record have other settings or another budget than `params.yaml` "
             "and are left out." if s.seed_record_stale else "")
    lines = [f"**Every tactic with more seeds** ({seeds_per_tactic(r)}; a record beside the stage: {r.method}, made "
             f"by `python -m nas_utils.experiments.search_seeds --seeds {max(r.seeds_per_tactic.values())} --workers 2`; "
             f"{record_agreement_phrase(s.seed_record_agreement)}; "
             f"the stage runs fewer seeds of the costly tactics to stay within 8 minutes).{stale} Median real evaluations to each HV threshold [95 % interval] "
             "(ratio to LINAS [95 % interval]; `>`, `<` and `n/a` as above), space-wide view:", "", *fair_table(r, "space"),
             "", "Near-front view:", "", *fair_table(r, "near_front"), "",
             f"Verdicts on the record's runs (the same rule; {max(r.seeds_per_tactic.values())} seeds):", "",
             *verdict_table(r), ""]
    if near := near_limit_lines(s, r):
        lines += [f"The near-limit goals on these runs (`{s.near_limit_tactic}`):", "", *near, ""]
    lines += match_lines(r, f"on the record's runs ({match_seeds(r)})")
    return lines


def igd_table(s: ComparisonSummary) -> list[str]:
    evals = sorted({r.evals for c in s.cells for r in c.igd})
    lines = ["| cell | tactic | " + " | ".join(f"IGD+ after {n}" for n in evals) + " |",
             "|---|---|" + "---|" * len(evals)]
    for cell in s.cells:
        for t in cell.tactics:
            vals = [f"{r.median:.4f} [{r.ci_low:.4f}, {r.ci_high:.4f}]" if (r := cell.igd_at(t.tactic, n)) else "n/a"
                    for n in evals]
            lines.append(f"| {cell.name} | {t.tactic} | {' | '.join(vals)} |")
    return lines


def verdict_table(s: ComparisonSummary) -> list[str]:
    """Rows = (published claim, cell); columns = (view, threshold); entries = the verdict word."""
    views = [v for v in VIEW_TITLES if any(v in c.views() for c in s.cells)]
    cols = [(v, thr) for v in views for thr in s.thresholds]
    lines = ["| claim | cell | " + " | ".join(f"{'space' if v == 'space' else 'near-front'} HV {thr:g}"
                                             for v, thr in cols) + " |", "|---|---|" + "---|" * len(cols)]
    for tactic, claim in claims.SEARCH_RATIOS.items():
        for cell in s.cells:
            if cell.tactic(tactic) is None or cell.tactic("linas") is None:
                continue
            words = [ratio_words(r, verdict(ratio_estimate(r, cell), claim))
                     for v, thr in cols for r in [cell.ratio(tactic, thr, view=v)]]
            lines.append(f"| {tactic} / LINAS = {claim.published('x')} | {cell.name} | {' | '.join(words)} |")
    return lines


def faithful_lines(s: SearchSummary) -> list[str]:
    """Per reference cell: our faithful LINAS's median validations to HV 0.99 [95 % CI] against DyNAS-T's,
    the verdict (fewer is better, DyNAS-T's 5-seed median taken as printed), and the fidelity record measured under
    DyNAS-T's own protocol (``python -m nas_utils.search.faithful_check``): the current code and the
    variants with each fixed difference switched back, so that a gap is explained by measurement."""
    lines = []
    variants = {r.variant: r.description for f in s.faithful for r in f.record}
    if variants:
        lines.append("- Fidelity record variants (`python -m nas_utils.search.faithful_check`, DyNAS-T's protocol, "
                     "validations counted as DyNAS-T charges them): "
                     + "; ".join(f"*{name}*: {text}" for name, text in variants.items()) + ".")
    for f in s.faithful:
        claim = claims.dynast_linas_claim(f.cell, f.dynast_median, f.threshold)
        if f.ours is None:
            line = (f"- **{f.cell}**: DyNAS-T {f.dynast_median:g}; no `linas_faithful` result at HV "
                    f"{f.threshold:g} on this cell in this run.")
        else:
            o = f.ours
            v = verdict(Estimate(o.median, o.ci_low, o.ci_high, runs=o.seeds), claim)  # censored: the closed end
            seeds = f"{o.seeds} seed{'s' if o.seeds != 1 else ''}"
            line = (f"- **{f.cell}**: this stage {_evals_ci(o)} validations to HV {f.threshold:g} (budget {s.budget}, "
                    f"{seeds}, {100 * o.reached:.0f} % reached it) vs DyNAS-T {f.dynast_median:g}: **{describe(v)}**.")
        if f.record:
            first = f.record[0]
            judged = {r.variant: verdict(Estimate(r.evals.median, r.evals.ci_low, r.evals.ci_high, runs=r.evals.seeds),
                                         claim)
                      for r in f.record}
            parts = [f"*{r.variant}* {_evals_ci(r.evals)} ({r.evals.seeds} seeds; **{describe(judged[r.variant])}**, "
                     f"DyNAS-T's {f.dynast_median:g} "
                     f"{'inside' if r.evals.ci_low <= f.dynast_median <= r.evals.ci_high else 'outside'} our interval; "
                     f"{r.median_distinct:g} distinct; share of our 5-seed medians <= {f.dynast_median:g}: "
                     f"{100 * r.dynast_share:.0f} %)" for r in f.record]
            line += f" Record (budget {first.budget}; verdicts by the same rule): " + "; ".join(parts) + "."
            unexplained = ("is not explained by a code difference we know of (every difference found in DyNAS-T "
                           "1.6.0's source is fixed above); " + _pymoo_reading(first.variant, judged))
            if judged[first.variant].outcome in ("beats", "misses"):
                line += f" The gap of *{first.variant}* {unexplained}"
            elif not first.evals.ci_low <= f.dynast_median <= first.evals.ci_high:
                line += (f" DyNAS-T's {f.dynast_median:g} lies outside the interval of *{first.variant}* but its "
                         f"+-{100 * claim.tolerance:.0f} % band overlaps it, so the rule sees no gap; the difference "
                         f"of the medians {unexplained}")
        else:
            line += (" No fidelity record for this cell (`python -m nas_utils.search.faithful_check`): a gap here is "
                     "not explained by measurement.")
        lines.append(line)
    return lines


def _pymoo_reading(first: str, judged: dict[str, Verdict]) -> str:
    """What is left to explain a gap of the record's ``first`` variant, with what the runs of the same code under
    another pymoo (variants named "... pymoo ...") say about the pymoo version."""
    other = next((v for v in judged if v != first and "pymoo" in v), None)
    if other is None:
        return ("left: the random streams, DyNAS-T's own 5-seed spread (unknown to us) and pymoo's version (no run "
                "under another pymoo in the record).")
    if judged[other].outcome == judged[first].outcome:
        return (f"left: the random streams and DyNAS-T's own 5-seed spread (unknown to us); not pymoo's version: "
                f"*{other}* {describe(judged[other])} alike.")
    return (f"left: the random streams, DyNAS-T's own 5-seed spread (unknown to us) and pymoo's version "
            f"(*{other}*: {describe(judged[other])}).")


def tuning_rows(s: SearchSummary) -> list[dict[str, str]]:
    """One row per (record file, tactic, variant): settings, whether chosen, per dev cell the median
    evaluations to each threshold (cells in ``dev_cells`` order, ``a / b / c``), final HV, CPU s."""
    groups: dict[tuple[str, str, str], list[TuningVariant]] = {}
    for t in s.tuning:
        groups.setdefault((t.source, t.tactic, t.variant), []).append(t)
    order = {c: i for i, c in enumerate(s.dev_cells)}
    rows = []
    for (source, tactic, variant), runs in groups.items():
        runs = sorted(runs, key=lambda r: order.get(r.cell, len(order)))
        first = runs[0]
        row = {"tactic": tactic, "variant": variant, "settings": first.settings or "-",
               "chosen": {True: "yes", False: "no", None: "?"}[first.chosen],
               "cells": " / ".join(r.cell if r.dev_cell else f"{r.cell} (NOT a dev cell)" for r in runs),
               "seeds": " / ".join(str(r.seeds) for r in runs)}
        for k, thr in enumerate(first.evals):
            row[f"evals to {thr.threshold:g}"] = " / ".join(fmt(r.evals[k].median, 4) for r in runs)
        row["final HV"] = " / ".join(f"{r.median_final_hv:.4f}" for r in runs)
        row["CPU s / run"] = " / ".join(f"{r.median_cpu_s:.1f}" for r in runs)
        row["record"] = source
        rows.append(row)
    return rows


#: Validations per run of the committed tuning records (``nas_utils.search.tuning.BUDGET``; the report imports
#: no experiment module).
TUNING_BUDGET = 300


@dataclass(frozen=True)
class RecordScore:
    """A tuning variant's score in one record file: the mean over the dev cells of the median validations to a
    threshold (unreached = budget + 1), with its final HV, CPU s per run and seeds (sessions 21-25's rule)."""

    variant: str
    score: float
    censored: bool  # some cell's median not reached: the score is a lower bound
    final_hv: float
    cpu_s: float
    seeds: int
    chosen: bool | None

    def text(self) -> str:
        return (f"*{self.variant}* {self.score:.1f} (final HV {self.final_hv:.4f}, {self.cpu_s:.0f} CPU s per run; "
                f"{self.seeds} seed{'s' if self.seeds != 1 else ''})")


def record_scores(s: SearchSummary, source: str, threshold: float = 0.99) -> dict[str, RecordScore]:
    """Every variant of the tuning record ``source`` (a file name), scored as in :class:`RecordScore`."""
    rows: dict[str, list[TuningVariant]] = {}
    for t in s.tuning:
        if t.source == source:
            rows.setdefault(t.variant, []).append(t)
    out = {}
    for variant, runs in rows.items():
        medians = [e.median for r in runs for e in r.evals if e.threshold == threshold]
        out[variant] = RecordScore(variant, sum(min(e, TUNING_BUDGET + 1) for e in medians) / max(len(medians), 1),
                                   any(e > TUNING_BUDGET for e in medians),
                                   sum(x.median_final_hv for x in runs) / len(runs),
                                   sum(x.median_cpu_s for x in runs) / len(runs), min(x.seeds for x in runs),
                                   runs[0].chosen)
    return out


def weaknas_width_sentence(s: SearchSummary, threshold: float = 0.99) -> str:
    """What WeakNAS's CPU width costs (a cost setting, not tuned; pre-registered reading in
    data/preregistration/search/README.md, "Session 22"): per width variant of ``tuning_weaknas.csv`` the mean over
    the dev cells of the median validations to ``threshold`` (unreached = budget + 1), its final HV and CPU s."""
    rows = record_scores(s, "tuning_weaknas.csv", threshold)
    if len(rows) < 2:
        return ""
    text = (f"**WeakNAS's width, the cost of the CPU setting** (4 x 100 in the default profile, the paper's 4 x 1000 "
            f"in `profiles/paper.yaml`; not a tuning choice): mean over the dev cells of the median validations to HV "
            f"{threshold:g} (unreached = {TUNING_BUDGET + 1}): " + "; ".join(r.text() for r in rows.values()) + ".")
    ours = next((r for r in rows.values() if r.chosen), None)
    paper = next((r for v, r in rows.items() if "paper width" in v), None)
    if ours is not None and paper is not None:
        gap = ours.score - paper.score
        # a median not reached counts budget + 1, its least value: censoring on the paper width's side makes
        # the gap an upper bound, on ours a lower one
        bound = {(True, False): "at most ", (False, True): "at least ", (True, True): "about "}.get(
            (paper.censored, ours.censored), "")
        text += (f" The paper width needs {bound}{gap:.1f} fewer ({bound}{100 * gap / ours.score:.0f} %): the default "
                 "profile's WeakNAS/LINAS ratios favour LINAS by about that much." if gap > 0 else
                 " The paper width needs no fewer: the CPU width does not weaken WeakNAS here.")
    return text


#: BO's CPU envelope per 300-validation run in the default profile (issue 11; session 25's rule).
BO_AFFORDABLE_CPU_S = 30.0


def bo_acquisition_sentence(s: SearchSummary, threshold: float = 0.99) -> str:
    """BO's acquisition and kernel on the dev cells (``tuning_bo_acquisition.csv``; rule pre-registered in
    data/preregistration/search/README.md, "Session 25"): each variant's score, and what the rule reads from it."""
    rows = record_scores(s, "tuning_bo_acquisition.csv", threshold)
    if len(rows) < 2:
        return ""
    full = max(r.seeds for r in rows.values())
    text = (f"**BO's acquisition and kernel** (analytic EHVI with fantasies, the stage's, against qLogNEHVI, qNParEGO "
            f"and the categorical kernel, each changed alone; rule registered before the runs): mean over the dev cells "
            f"of the median validations to HV {threshold:g} (unreached = {TUNING_BUDGET + 1}): "
            + "; ".join(r.text() for r in rows.values()) + ".")
    judged = [r for r in rows.values() if r.seeds == full]
    screened = [r for r in rows.values() if r.seeds < full]
    ours = next((r for r in rows.values() if r.chosen), None)
    best = min(judged, key=lambda r: (r.score, -r.final_hv, not r.chosen))
    affordable = [r for r in judged if r.cpu_s <= BO_AFFORDABLE_CPU_S]
    if ours is not None and best is ours:
        text += f" On the {full}-seed runs the stage's setting is the strongest: it stays."
    elif ours is not None:
        text += (f" On the {full}-seed runs *{best.variant}* scores lower than the stage's setting"
                 + (" and fits the CPU envelope." if best in affordable else
                    f" but costs more than {BO_AFFORDABLE_CPU_S:.0f} CPU s per run."))
    if screened:
        text += (f" {', '.join(f'*{r.variant}*' for r in screened)}: a screen on fewer seeds for cost "
                 f"({', '.join(f'{r.cpu_s:.0f}' for r in screened)} CPU s per run, over the default profile's "
                 f"{BO_AFFORDABLE_CPU_S:.0f}), not a choice; compare the stage setting's runs of the same seeds in the "
                 "record.")
    return text


def tuning_sentence(s: SearchSummary) -> list[str]:
    """Which tactics have a tuning record, on which cells, and the ones without one."""
    tuned = list(dict.fromkeys(t.tactic for t in s.tuning))
    untuned = [t for t in s.seeds_per_tactic if t not in tuned]
    if not s.tuning:
        return ["No tuning record under `data/preregistration/search/` (files `tuning_<tactic>.csv`, written by "
                "`python -m nas_utils.search.tuning <grid> --out ...`): every tactic ran with its `params.yaml` "
                "settings, untuned."]
    cells = sorted({t.cell for t in s.tuning})
    bad = sorted({t.cell for t in s.tuning if not t.dev_cell})
    text = (f"Records: {', '.join(sorted({t.source for t in s.tuning}))} (`python -m nas_utils.search.tuning`). "
            f"Tuned: {', '.join(tuned)}, on {', '.join(cells)}: ")
    text += (f"**{', '.join(bad)} {'is' if len(bad) == 1 else 'are'} not a development cell.**" if bad else
             "development cells only; no record touches a test cell.")
    if untuned:
        text += (f" No tuning record for {', '.join(untuned)}: {'they' if len(untuned) > 1 else 'it'} ran with "
                 "the `params.yaml` settings, untuned.")
    return [text]


def cost_lines(s: SearchSummary) -> list[str]:
    """CPU seconds of the run grid per tactic and the single-core LINAS timing."""
    lines = []
    cpu: dict[str, list[float]] = {}
    for c in s.cells:
        for t in c.tactics:
            if t.median_run_cpu_s is not None:
                cpu.setdefault(t.tactic, []).append(t.median_run_cpu_s)
    if s.grid_cpu_s:
        per_run = ", ".join(f"{t} {sorted(v)[len(v) // 2]:.1f}" for t, v in cpu.items())
        total = sum(s.grid_cpu_s.values())
        lines += [f"**Cost:** the run grid took {total:.0f} CPU-s in all ("
                  + ", ".join(f"{t} {v:.0f}" for t, v in s.grid_cpu_s.items())
                  + f"); CPU s per {s.budget}-evaluation run (median over seeds, middle cell): {per_run}.", ""]
    if (timing := s.timing) is not None:
        v = verdict(Estimate(timing.median_s, min(timing.seconds), max(timing.seconds)), claims.LINAS_TIMING)
        lines += [f"Single-core LINAS with {timing.budget} evaluations: median {timing.median_s:.1f} s over "
                  f"{len(timing.seconds)} runs (range {min(timing.seconds):.1f}-{max(timing.seconds):.1f} s; target < "
                  f"{claims.LINAS_TIMING.low:g} s): **{describe(v)}**.", ""]
    return lines
