"""Section 5 of the report: search on our own super-networks (DyNAS-T's setting): every tactic's
evaluations to each HV threshold, the ratios to LINAS next to NAS-Bench-201's (section 1), the
verdicts (:func:`verdict_lines`, which notebook 06 prints too), the evaluation-backend check and the
seconds per run, from :class:`SearchSupernetSummary`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nas_utils import claims
from nas_utils.claims import describe
from nas_utils.paths import project_root
from nas_utils.results import SearchSummary, SearchSupernetSummary, StaleSummaryError
from nas_utils.results.fullspace import SUMMARY, FamilyReference, FullSpaceSummary
from nas_utils.results.latency import busy_run
from nas_utils.results.search import CellSummary, ComparisonSummary, View
from nas_utils.results.search_supernet import DevChoice
from nas_utils.sections.common import (
    ORACLE, STAGES, figure, fmt, markdown_table, match_lines, match_seeds, notebook_link, oracle_text, plain, ratio_text,
    ratio_verdicts, record_agreement_phrase, seeds_per_tactic,
)


def verdict_lines(summary: ComparisonSummary, threshold: float, view: View = "space") -> list[str]:
    """Markdown bullets: each published ratio against ours, cell by cell, with the 95 % interval."""
    lines = []
    for tactic, claim in claims.SEARCH_RATIOS.items():
        for cell, r, v in ratio_verdicts(summary, tactic, threshold, view):
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


def tactic_table(s: ComparisonSummary) -> list[str]:
    """Median evaluations to each threshold and the ratio to LINAS (95 % interval), per cell and tactic; last,
    the oracle bound (the fewest front members that reach each threshold, greedy by HV gain)."""
    lines = ["| cell | tactic | " + " | ".join(f"evals to HV {t:g} (x LINAS [95 % CI])" for t in s.thresholds)
             + " | final HV |", "|---|---|" + "---|" * len(s.thresholds) + "---|"]
    for cell in s.cells:
        for t in cell.tactics:
            vals = []
            for thr in s.thresholds:
                res = cell.threshold(t.tactic, thr)
                ratio = "" if t.tactic == "linas" else f" ({ratio_text(cell.ratio(t.tactic, thr))})"
                vals.append((fmt(res.median) if res else "n/a") + ratio)
            lines.append(f"| {cell.name} | {t.tactic} | {' | '.join(vals)} | {t.final_hv_median:.4f} |")
        if cell.oracle:
            lines.append(f"| {cell.name} | *{ORACLE}* | {' | '.join(oracle_text(cell, thr) for thr in s.thresholds)} | 1 |")
    return lines


#: Ratios to LINAS shown side by side for NAS-Bench-201 (section 1) and our super-networks.
SIDE_BY_SIDE = ("weaknas", "nsga2", "bo")


def _nb201(root: Path) -> SearchSummary | None:
    """The NAS-Bench-201 comparison (section 1), if its summary is current."""
    try:
        path = root / STAGES["search"].path
        return SearchSummary.load(path) if path.exists() else None
    except Exception:  # a stale file: section 1 says so; here the column is just left out
        return None


def side_by_side(s: SearchSupernetSummary, nb201: SearchSummary | None) -> list[str]:
    """WeakNAS/LINAS, NSGA-II/LINAS, BO/LINAS at every threshold: NB201 cells next to each family."""
    cols: list[tuple[str, CellSummary]] = [(f"NB201 {c.device}", c) for c in (nb201.cells if nb201 else [])]
    cols += [(c.dataset, c) for c in s.cells]
    thresholds = sorted(set(s.thresholds) | (set(nb201.thresholds) if nb201 else set()))
    lines = ["| ratio to LINAS (evaluations, 95 % CI) | HV | " + " | ".join(n for n, _ in cols) + " |",
             "|---|---|" + "---|" * len(cols)]
    for tactic in SIDE_BY_SIDE:
        for thr in thresholds:
            vals = [ratio_text(c.ratio(tactic, thr)) if c.threshold("linas", thr) else "-" for _, c in cols]
            lines.append(f"| {tactic}/LINAS | {thr:g} | " + " | ".join(vals) + " |")
    return lines


def _latency_text(f: Any) -> str:
    lat = f.latency
    if lat is None:
        return "n/a"
    if lat.source != "predicted":
        return f"measured on `{lat.device}`"
    n = (lat.k or 0) + (lat.n_test or 0)
    busy = ("" if not lat.contended_records else f"; {lat.contended_records} of {n} measurements marked contended"
            + (" (**most of them**: noisy inputs, rerun on a quiet machine)" if busy_run(lat.contended_records, n) else ""))
    timing = f", timed as {lat.timing}" if lat.timing else ""
    where = f" of {lat.cpu_model}" if lat.cpu_model else ""
    where += f", versioned in `{lat.store}`" if lat.store else ""
    return (f"predicted ({lat.predictor}, {lat.k} measured on `{lat.device}`{where}{timing}; held-out Spearman "
            f"{fmt(lat.test_spearman)} on {lat.n_test}{busy})")


def dev_rows(record: list[DevChoice], adopted: str = "adopts") -> list[dict[str, str]]:
    """A development or cost record (:class:`DevChoice`) as table rows: medians per family, the rule's verdict
    (``adopted``: the word for a variant the rule accepts but does not pick), the setting the stage ran."""
    rows = []
    for c in record:
        rows.append({"tactic": c.tactic, "variant": c.variant, **{f: fmt(m, 4) for f, m in c.medians.items()},
                     "mean": fmt(c.mean, 4), "change": f"{100 * c.change:+.1f} %",
                     "worst family": f"{100 * c.worst_family:+.1f} %",
                     "rule": "picked" if c.chosen else (adopted if c.adopted else "-"),
                     "CPU s per run": fmt(c.cpu_s, 3), "stage runs it": "yes" if c.in_params else "-"})
    return rows


def dev_lines(s: SearchSupernetSummary) -> list[str]:
    """The development record's paragraph (the rule, the table, any disagreement with params.yaml), then the
    cost record's (:func:`cost_lines`)."""
    if not s.dev_record:
        return cost_lines(s)
    rule = s.dev_rule
    lines = [f"**Settings chosen on development super-networks** (each family's second warm-up seed, "
             f"`checkpoints/<family>/full_dev.pt`; record `data/preregistration/search_supernet/`). Rule, fixed before "
             f"the rows were computed: per family the median evaluations to HV {rule['threshold']:g} of the development "
             f"checkpoint's exact front ({s.dev_record[0].seeds} seeds; a run short of it counted as budget + 1); a "
             f"variant is adopted if the mean over families falls by >= {100 * rule['gain']:.0f} % and no family rises "
             f"by > {100 * rule['worse']:.0f} %; of several, the lowest mean.", "", *markdown_table(dev_rows(s.dev_record)),
             ""]
    wrong = sorted({c.tactic for c in s.dev_record if c.chosen != c.in_params})
    if wrong:
        lines += [f"**params.yaml does not run the rule's pick for: {', '.join(wrong)}.**", ""]
    return lines + cost_lines(s)


def cost_lines(s: SearchSupernetSummary) -> list[str]:
    """The cost record's paragraph: cheaper settings of the development pick, judged for non-inferiority."""
    if not s.cost_record:
        return []
    rule = s.cost_rule
    lines = [f"**Cheaper settings for the default profile** (cost records `cost_<tactic>.csv`, the same development "
             f"checkpoints and protocol; the baseline is the development pick, or a baseline tactic's *authors' "
             f"setting* where the stage cannot afford it). Non-inferiority rule, fixed before the "
             f"rows were computed: on HV {rule['threshold']:g}, a variant qualifies if the mean of the family medians "
             f"rises by <= {100 * rule['mean_worse']:.0f} % and no family's by > {100 * rule['worse']:.0f} %; of "
             f"several, the least CPU. The change column is the quality the cheaper setting costs on the development "
             f"checkpoints.", "", *markdown_table(dev_rows(s.cost_record, adopted="qualifies")), ""]
    for tactic in dict.fromkeys(c.tactic for c in s.cost_record):
        mine = [c for c in s.cost_record if c.tactic == tactic]
        lines += censored_lines(tactic, mine, rule["threshold"])
        pick = next(c for c in mine if c.chosen)
        runs = next((c for c in mine if c.in_params), None)
        if pick.in_params:
            continue
        if runs is mine[0]:  # the baseline (each record lists it first)
            lines += [f"This profile runs {tactic}'s baseline setting, not the cost pick ({pick.variant}): the "
                      f"cheaper setting is for the default profile's time budget.", ""]
        elif runs is not None and pick is mine[0]:  # a cheaper setting that does not qualify, for time
            lines += [f"**This profile runs {tactic} below its {mine[0].variant}**: {runs.variant} does not qualify "
                      f"(mean {100 * runs.change:+.1f} %, worst family {100 * runs.worst_family:+.1f} % on the "
                      f"development checkpoints); the {mine[0].variant} does not fit the default profile's time "
                      f"budget, and `profiles/paper.yaml` runs it.", ""]
        else:
            lines += [f"This profile runs {tactic} with settings outside its cost record (neither its baseline nor a "
                      f"variant; e.g. a larger profile's own): the record does not judge them.", ""]
    return lines


def censored_lines(tactic: str, record: list[DevChoice], threshold: float) -> list[str]:
    """Where every median of a record is censored (no setting reaches the rule's threshold within the budget),
    the rule cannot tell the settings apart: say so, with the median final HV per family of each setting."""
    if any(m <= c.budget for c in record for m in c.medians.values()) or not all(c.final_hv for c in record):
        return []
    hv = "; ".join(f"{c.variant} " + ", ".join(f"{f} {v:.3f}" for f, v in (c.final_hv or {}).items()) for c in record)
    return [f"Every median of {tactic}'s record is censored (no setting reaches HV {threshold:g} within "
            f"{record[0].budget} evaluations), so the rule cannot tell its settings apart; median final HV: {hv}.", ""]


def budget_text(s: SearchSupernetSummary) -> str:
    """``budget 250 evaluations per run (resnet_1d: 300, ...)``: the default and each family's own."""
    own = {f: b for f, b in s.budgets.items() if b != s.budget}
    rule = ("; a family's own budget is the smallest at which some tactic reaches HV 0.99 in most seeds, by the "
            "rule pre-registered in `data/preregistration/search_supernet/README.md`" if own else "")
    return (f"budget {s.budget} evaluations per run"
            + (" (" + ", ".join(f"{f}: {b}" for f, b in own.items()) + rule + ")" if own else ""))


def budget_lines(s: SearchSupernetSummary) -> list[str]:
    """The per-family budget's paragraph: the rule, the seeds of each tactic within its threshold at each ladder
    budget, the pick and whether the stage runs it."""
    lines = []
    rule = s.budget_rule
    for c in s.budget_record:
        budgets = list(next(iter(c.reached.values()), {}))
        prefix = ("every run's first evaluations are the stage's own history, so a smaller budget is a truncation"
                  if c.prefix_equal else "**some runs' histories depend on the budget: truncation is not exact**")
        lines += [f"**Budget of {c.family}** (issue 13 §2: a budget at which the best tactic reaches HV "
                  f"{rule.get('threshold', 0.99):g}; rule pre-registered in `data/preregistration/search_supernet/"
                  f"README.md`: the smallest ladder budget at which some tactic reaches it in >= "
                  f"{rule.get('min_seeds', 3):g} of {c.seeds} seeds). Seeds within HV {rule.get('threshold', 0.99):g} "
                  f"per budget, from runs at {c.runs_budget} (`{c.source}`; {prefix}):", "",
                  *markdown_table([{"tactic": t, **{str(b): str(n) for b, n in row.items()}}
                                   for t, row in c.reached.items()]), "",
                  f"Rule's pick: {c.picked if c.picked is not None else 'none of the ladder'}; the stage runs "
                  f"{s.budget_of(c.family)}" + ("." if c.in_params else " (**not the pick**).")
                  + (f" Ladder: {', '.join(map(str, budgets))}." if budgets else ""), ""]
    return lines


def scale_note(s: SearchSupernetSummary) -> str:
    """Where the verdicts' setting differs from the paper's: the size of the searched space against the budget."""
    fams = [f for f in s.families if f.networks]
    shares = [100 * s.budget_of(f.supernet) / f.networks for f in fams]
    if not fams:
        return ""
    share = ", ".join(f"{f.supernet} {s.budget_of(f.supernet)} of {f.networks}" for f in fams)
    return ("**Read these verdicts at their scale.** DyNAS-T measured its 8x on OFA super-networks whose spaces hold "
            "3^29 (ResNet50) to about 10^19 (MobileNetV3) sub-networks; ours are tied sub-spaces of a few thousand, "
            f"and one run's budget is {min(shares):.0f}-{max(shares):.0f} % of the space searched ({share}). The room a predictor has to save "
            "evaluations may shrink with the space (a difference we state, not one we measured), so a miss here says "
            "that LINAS's advantage does not appear at this scale; it does not test the paper's.")


def seed_record_lines(s: SearchSupernetSummary) -> list[str]:
    """Every tactic with the record's seeds on the stage's tables: the table, the verdicts, the paper's framing."""
    r = s.seed_record
    if (r is None or not r.cells) and s.seed_record_stale:
        return [f"**The seed record** (`python -m nas_utils.experiments.supernet_seeds --seeds 20 --workers 2`): none "
                f"of its {s.seed_record_stale} rows searched this run's tables with this run's settings (a retrained "
                "checkpoint, e.g. on another CPU, or a new latency objective changes a table's fingerprint), so they "
                "are left out, and section 5's verdicts and the at-a-glance rows read the stage's own seeds until "
                "the record is rerun.", ""]
    if r is None or not r.cells:
        return []
    n = max(r.seeds_per_tactic.values())
    stale = (f" {s.seed_record_stale} rows of the record searched another table (checkpoint or latency objective) "
             "or ran other settings or budgets and are left out." if s.seed_record_stale else "")
    lines = [f"**Every tactic with more seeds** ({seeds_per_tactic(r)}; a record beside the stage: {r.method}, made by "
             f"`python -m nas_utils.experiments.supernet_seeds --seeds {n} --workers 2`; its rows name the fingerprint "
             f"of the table they searched, and only this run's tables count; "
             f"{record_agreement_phrase(s.seed_record_agreement)}).{stale} Median evaluations to each HV threshold "
             "(ratio to LINAS [95 % interval]):", "", *tactic_table(r), ""]
    for thr in r.thresholds:
        lines += [f"Verdict at HV {thr:g} on the record's runs ({n} seeds):", "", *verdict_lines(r, thr), ""]
    return lines + match_lines(r, f"on the record's runs ({match_seeds(r)})")


def fullspace_lines(path: Path | None = None, stage: SearchSupernetSummary | None = None) -> list[str]:
    """The full-space record (:mod:`nas_utils.experiments.supernet_fullspace`, its summary beside it): each family's
    best known front, every tactic's evaluations to each threshold and the verdicts; with the ``stage``'s summary,
    :func:`same_space_check`; nothing where it was never made."""
    path = path or project_root() / SUMMARY
    if not path.exists():
        return []
    try:
        f = FullSpaceSummary.load(path)
    except StaleSummaryError:
        return [f"**Full spaces**: `{path.name}` was written by another version; rerun the record's command.", ""]
    r, n = f.comparison, max(f.comparison.seeds_per_tactic.values(), default=0)
    left = f" {f.left_out} rows of another reference set, settings or budget are left out." if f.left_out else ""
    lines = [f"**Full spaces** (the verdicts above are on the stage's tables: tied sub-spaces where a family's space is "
             f"too large to tabulate; DyNAS-T searched full spaces). A record "
             f"beside the stage, made by `{f.command}`: {r.method}; {seeds_per_tactic(r)}.{left} The best known "
             "front is not the exact one: a threshold of 0.99 means 0.99 of the HV that all runs and the fixed set "
             "found together, so a censored median (`>`) may also mean that no single run gets that close.", "",
             "| super-network | networks in the space | fixed set | HV with no search: the fixed set (a subset of it "
             "as large as the budget, evenly spaced in MACs) | distinct points the runs evaluated | best known "
             "front (points only the runs found) | latency objective |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {x.supernet} | {x.space_size:,} | {x.fixed:,} | {x.fixed_hv:.4f} ({x.spread_hv:.4f}) | "
              f"{x.evaluated:,} | {x.front} ({x.from_runs}) | {x.latency} |" for x in f.families]
    if probes := [x for x in f.families if x.corner]:
        joined = any(x.corner_joins for x in probes)
        lines += ["", "**How complete is the best known front at the accurate end?** Each family's largest network and "
                  "every network one choice below it were evaluated after the runs (`fullspace_corner.csv`; not part "
                  "of the best known front): " + "; ".join(corner_text(x) for x in probes) + "."
                  + (" Where networks join, the best known front is incomplete, so each run's HV as a share of it, "
                     "and each threshold, is easier than against the exact front." if joined else "")]
    lines += ["", "Median evaluations to each HV threshold (ratio to LINAS [95 % interval]):", "", *tactic_table(r), ""]
    for thr in r.thresholds:
        lines += [f"Verdict at HV {thr:g} on the full spaces ({n} seeds):", "", *verdict_lines(r, thr), ""]
    lines += match_lines(r, f"on the full spaces ({match_seeds(r)})")
    return lines + ([check, ""] if stage and (check := same_space_check(f, stage)) else [])


def corner_text(x: FamilyReference) -> str:
    """What the accurate-end probe of one family adds to its best known front."""
    text = (f"{x.supernet}, {x.corner} networks, at most {x.corner_top:.2f} % (the runs' best: {x.top_runs:.2f} %), "
            f"{x.corner_joins} would join the front")
    return text + (f" and raise its HV by {100 * (x.corner_hv - 1):.2f} %" if x.corner_joins else "")


def same_space_check(f: FullSpaceSummary, s: SearchSupernetSummary) -> str:
    """Where the stage's table already is a family's full space, the record repeats the stage's runs with live
    evaluations and the best known front: whether its front and every ratio to LINAS equal the stage's."""
    parts = []
    for fam in s.families:
        ours = next((x for x in f.families if x.supernet == fam.supernet), None)
        a = next((c for c in s.cells if c.dataset == fam.supernet), None)
        b = next((c for c in (f.same_space.cells if f.same_space else []) if c.dataset == fam.supernet), None)
        if "the full space" not in fam.space or ours is None or a is None or b is None:
            continue
        same = a.ratios == b.ratios and a.thresholds == b.thresholds
        seeds = max(f.same_space.seeds_per_tactic.values(), default=0) if f.same_space else 0
        parts.append(f"{fam.supernet}'s stage table is already its full space ({fam.networks:,} distinct networks), "
                     f"so there the record's seeds 0-{seeds - 1} repeat the stage's runs seed for seed, with live "
                     f"evaluations and the best known front "
                     f"({ours.front} points; the exact front has {fam.front}): every evaluation count and ratio to "
                     f"LINAS {'equals' if same else '**differs from**'} the stage's")
    return f"**A check of the record's machinery.** {'; '.join(parts)}." if parts else ""


def search_supernet_section(s: SearchSupernetSummary, root: Path) -> list[str]:
    lines = ["## 5. Search on our own super-networks (the 8x test, DyNAS-T's setting)", "",
             f"Every tactic on each trained super-network; seeds per tactic {seeds_per_tactic(s)}, {budget_text(s)}; HV "
             f"normalised by the {s.reference}. {plain(s.method)}", "",
             "| super-network | searched space | networks (front) | latency objective | s per fresh evaluation |"
             " evaluated afresh in this run |", "|---|---|---|---|---|---|"]
    lines += [f"| {f.supernet} | {f.space} | {f.networks} ({f.front}) | {_latency_text(f)} | {fmt(f.eval_s, 2)} | "
              f"{f.computed} |" for f in s.families]
    if any(c.oracle for c in s.cells):
        lines += ["", f"Median evaluations to each HV threshold; the last row per family, *{ORACLE}*: the evaluations "
                  "an oracle needs that evaluates only members of the exact front, greedily by HV gain, the limit of "
                  "any tactic."]
    lines += ["", *tactic_table(s), "", *budget_lines(s), *dev_lines(s)]
    if any(f.immigrant_runs for f in s.families):
        runs = ", ".join(f"{f.immigrant_runs} of {s.seeds_per_tactic.get('nsga2', '?')} runs on {f.supernet}"
                         if f.immigrant_runs is not None else f"not recorded on {f.supernet}" for f in s.families)
        lines += ["NSGA-II took random immigrants (after 20 generations that proposed only networks it had already "
                  "evaluated: repeats are free, so a converged population would otherwise loop without spending its "
                  f"budget) in {runs}.", ""]
    lines += ["**Next to NAS-Bench-201** (section 1; `>`: a lower bound, the tactic's median was censored at the "
              "budget; `<`: an upper bound, LINAS's was; `n/a`: both were; `-`: the column's stage does not "
              "compute that HV threshold):", "",
              *side_by_side(s, _nb201(root)), ""]
    for thr in s.thresholds:
        lines += [f"**Verdict at HV {thr:g}:**", "", *verdict_lines(s, thr), ""]
    lines += match_lines(s, f"on this stage's runs ({match_seeds(s)})")
    lines += seed_record_lines(s)
    full = fullspace_lines(stage=s)
    if note := scale_note(s):
        lines += [note + (" The full-space record below does, within our budgets." if full else ""), ""]
    if full:
        lines += full + figure(root, "search_supernet", "fullspace_fronts", "The full spaces: what each tactic has "
                               "found after the paper's LINAS budget (seed 0), against each family's best known front.")
    check = s.backend_check
    if check:
        parts = [f"{b} {sp:.2f}x" for b in dict.fromkeys(r.backend for r in check.runs if r.backend != "serial")
                 if (sp := check.speedup(b)) is not None]
        same = all(r.identical_to_serial for r in check.runs if r.error is None)
        lines += [f"Evaluation backends, {check.batch} evaluations, 1 vs {check.workers} workers: "
                  + (", ".join(parts) or "not measured")
                  + f"; every backend returned {'exactly' if same else '**not** exactly'} the serial objectives.", ""]
    if s.times:
        lines += ["Seconds per run (mean over seeds): the tactic's own work; its evaluations charged at one fresh "
                  "evaluation each (the stage evaluates each network once, then searches read the table):", "",
                  "| tactic | " + " | ".join(f.supernet for f in s.families) + " |",
                  "|---|" + "---|" * len(s.families)]
        by = {(t.supernet, t.tactic): t for t in s.times}
        for tactic in dict.fromkeys(t.tactic for t in s.times):
            cells = [(f"{t.run_time_s:.2f} + {fmt(t.eval_charged_s, 3)}" if (t := by.get((f.supernet, tactic)))
                      else "n/a") for f in s.families]
            lines.append(f"| {tactic} | " + " | ".join(cells) + " |")
        lines += ["", f"The stage's computation ({s.evaluations_computed} fresh evaluations) took {fmt(s.wall_time_s, 3)} s "
                  "of wall time (the notebook's total, with its start-up and figures, is in the footer).", ""]
    lines += figure(root, "search_supernet", "hv_curves", "1 - HV / HV(exact front) vs evaluations, per super-network.")
    evals = next((c.paper_linas_evals for c in s.cells if c.paper_linas_evals), s.budget)
    lines += figure(root, "search_supernet", "fronts", f"What each tactic has found after {evals} evaluations (the "
                    "paper's LINAS budget; seed 0), one panel per tactic, against each family's exact front.")
    lines += [f"Notebook: {notebook_link('search_supernet')}", ""]
    return lines
