"""Section 2 of the report: transferable latency predictors (NASFLAT, HELP): our pre-registered
method's Spearman per task against the published figures, HELP on its own protocol, and the
predictor in the search loop, from :class:`PredictorsSummary`."""

from __future__ import annotations

from pathlib import Path

from nas_utils import claims
from nas_utils.claims import Estimate, Verdict, describe, verdict
from nas_utils.results import PredictorsSummary
from nas_utils.results.predictors import (REGISTRATIONS, LoopSettingRow, SearchLoopResult, SpearmanResult, TaskBest,
                                          registration)
from nas_utils.sections.common import figure, fmt, interval, notebook_link


def predictors_section(s: PredictorsSummary, root: Path) -> list[str]:
    lines = [
        "## 2. Transferable latency predictors (NASFLAT, MLSys 2024; HELP, NeurIPS 2021)", "",
        "**Published:** NASFLAT Spearman per task ("
        + ", ".join(f"{t} {v}" for t, v in claims.NASFLAT_SPEARMAN.items() if t in {x.task for x in s.targets})
        + f"); HELP ND mean {claims.HELP_ND_MEAN} with 10 target samples.", "",
        f"**Ours** ({s.protocol}):", "",
        "| task | NASFLAT | HELP (per NASFLAT) | HELP (ours, k + 10 reference) [95 % interval] | "
        "ours: pre-registered method (k) [95 % interval] | "
        "ours at k = 5 / 10 | ours, NASFLAT's protocol (first 128, no reset) [95 % interval] | "
        "verdict (our protocol; issue 12's margin goal where set) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    nasflat128 = {(r.task, r.k): r for r in s.rows("nasflat_128") if r.method == s.method}
    ours = {(r.task, r.k): r for r in s.rows("all_archs") if r.method == s.method}
    helps = {(r.task, r.k): r for r in s.rows("all_archs") if r.method in HELP_METHODS}
    for t in s.published_targets():
        n, h = nasflat128.get((t.task, t.best_k)), helps.get((t.task, t.best_k))
        small = " / ".join(fmt(r.spearman) if (r := ours.get((t.task, k))) else "-" for k in (5, 10))
        lines.append(f"| {t.task} | {t.nasflat} | {fmt(t.help_by_nasflat)} | "
                     f"{f'{h.spearman:.3f}{interval(h.ci_low, h.ci_high, 3)}' if h else '-'} | "
                     f"{fmt(t.ours_best)} ({t.best_method}, {t.best_k}){interval(t.ci_low, t.ci_high, 3)} | {small} | "
                     f"{f'{fmt(n.spearman)}{interval(n.ci_low, n.ci_high, 3)}' if n else '-'} | {task_verdict(t)}"
                     f"{seen_first(s.method, t.task)} |")
    lines += ["", "NASFLAT's protocol is shown beside ours so the reader sees how much of a published figure is "
              "protocol; it is not judged."]
    if note := help_column_note(s, helps):
        lines += ["", note]
    if note := help_comparison_note(s, helps):
        lines += ["", note]
    lines += ["", "Registrations of the headline method (records in `data/preregistration/predictors/`): "
              + "; ".join(f"{i}. `{r.method}` ({r.date}; chosen on {r.chosen_on})"
                          for i, r in enumerate(REGISTRATIONS, 1))
              + f". This run's headline uses `{s.method}`."]
    if (reg := registration(s.method)) is not None and reg.seen_first:
        lines[-1] += (f" Its verdict on {', '.join(reg.seen_first)} is not independent evidence: {reg.why_seen} "
                      "(the record discloses the order of events).")
    lines += ["", *information_budget_lines(s)]
    if note := help_scale_note(s):
        lines += ["", note]
    if (h := s.help_row()) is not None:
        lines += ["", f"HELP (our implementation, 10 support + 10 reference measurements) on its own protocol: "
                  f"{h.spearman:.3f}{interval(h.ci_low, h.ci_high, 3)} vs its published {claims.HELP_ND_MEAN}."]
        for cost in (s.help_cost(), s.help_cost(post_hoc=True)):
            if cost is not None:
                lines += ["", cost]
        if note := help_fidelity_note(s):
            lines[-1] += " " + note
    if rows := help_protocol_rows(s):
        parts = [f"with {HELP_BUDGETS[p]}: {r.spearman:.3f}{interval(r.ci_low, r.ci_high, 3)}, **{describe(v)}**"
                 f"{seen_first(r.method, r.task)}" for p, r, v in rows]
        lines += ["", f"HELP's own protocol (ND, k=10, 800 trimmed query architectures), ours {rows[0][1].method} vs "
                  f"HELP's published {claims.HELP_ND_MEAN} (HELP measured 10 support and its 10 reference architectures "
                  "on each target, and its loader scaled the labels by the min and max latency of the target's trimmed "
                  "train pool, two numbers ours does not read): " + "; ".join(parts) + ".", ""]
    loop = s.search_loop
    if loop:
        lines += [f"Predictor in the search loop ({loop.tactic} on {loop.target}, {loop.seeds} (cell, seed) runs): the same "
                  f"final HV (median {loop.predicted_hv:.3f}, true latencies) needs {loop.predicted_measured:.0f} device measurements with the transferred {loop.predictor} "
                  f"predictor vs {loop.measured_evals_to_same_hv:.0f} when every candidate is measured "
                  f"({loop.saving_factor:.2f}x fewer{interval(loop.saving_factor_ci_low, loop.saving_factor_ci_high)}; "
                  f"goal >= {claims.LOOP_SAVING_GOAL.low:g}x: **{describe(loop_verdict(loop))}**; NASFLAT reports "
                  f"{claims.NASFLAT_NAS_SPEEDUP:g}x in wall-clock time, not judged: ours counts measurements).", ""]
        if s.method is not None and loop.predictor != s.method:
            lines[-2] += (f" The loop runs `{loop.predictor}`, the method registered for it with its settings; the "
                          f"headline's later registration (`{s.method}`) did not change it.")
        if note := loop_settings_note(s):
            lines += [note, ""]
    lines += figure(root, "predictors", "k_curves", "Spearman vs number of target samples.")
    lines += [f"Notebook: {notebook_link('predictors')}", ""]
    return lines


#: our HELP's rows: run in the stage, or (FBNet tasks of the default profile) the record made beside it
HELP_RECORDED = "help_record"
HELP_METHODS = ("help", HELP_RECORDED)


def help_column_note(s: PredictorsSummary, helps: dict[tuple[str, int], SpearmanResult]) -> str:
    """What the "HELP (ours)" column is, HELP under NASFLAT's protocol (how NASFLAT ran it), the tasks whose
    figure comes from the record beside the stage, and the tasks it did not run on."""
    if not helps:
        return ""
    theirs = {(r.task, r.k): r for r in s.rows("nasflat_128") if r.method in HELP_METHODS}
    from_record = {task for (task, _), r in helps.items() if r.method == HELP_RECORDED}
    recorded = [t.task for t in s.published_targets() if t.task in from_record]
    under = [f"{t.task} {r.spearman:.3f}{interval(r.ci_low, r.ci_high, 3)} (k = {t.best_k}; NASFLAT's HELP figure "
             f"{fmt(t.help_by_nasflat)})" for t in s.published_targets() if (r := theirs.get((t.task, t.best_k)))]
    missing = [t.task for t in s.published_targets() if t.task not in {task for task, _ in helps}]
    return ("HELP (ours): our implementation of HELP (below), meta-trained on the task's source devices and adapted "
            "on each target from the same k samples as every method plus HELP's 10 reference architectures, scored like "
            "the other methods (every architecture, a fresh adaptation per target); HELP (per NASFLAT): HELP as NASFLAT "
            "ran it, their figure"
            + (f". Ours under NASFLAT's protocol (first 128 architectures): {'; '.join(under)}" if under else "")
            + (f". On {', '.join(recorded)}: HELP at its authors' FBNet budget (4,000 meta-training episodes), too "
               "long for this profile's stage, so run once beside it with the stage's seeds, samples and protocols "
               "(`python -m nas_utils.experiments.help_record`, data/preregistration/predictors/help_fbnet.csv)"
               if recorded else "")
            + (f". Not run on {', '.join(missing)} in this profile (HELP's FBNet meta-training: profiles/paper.yaml)."
               if missing else "."))


def help_comparison_note(s: PredictorsSummary, helps: dict[tuple[str, int], SpearmanResult]) -> str:
    """The pre-registered method against our HELP, task by task at the headline k under our protocol: ahead or
    behind only where the two 95 % intervals are apart, level where they overlap."""
    groups: dict[str, list[str]] = {"ahead of it": [], "level with it": [], "behind it": []}
    for t in s.published_targets():
        h = helps.get((t.task, t.best_k))
        if h is None or t.ci_low is None or t.ci_high is None or h.ci_low is None or h.ci_high is None:
            continue
        side = "ahead of it" if t.ci_low > h.ci_high else "behind it" if t.ci_high < h.ci_low else "level with it"
        groups[side].append(f"{t.task} ({fmt(t.ours_best)} vs {h.spearman:.3f})")
    parts = [f"{side} on {', '.join(tasks)}" for side, tasks in groups.items() if tasks]
    if not parts:
        return ""
    return ("**Against our HELP** (a baseline that also measures HELP's 10 reference architectures on each target), "
            f"the pre-registered method is {'; '.join(parts)} (ahead or behind: the two 95 % intervals "
            "apart; level: they overlap).")


def help_fidelity_note(s: PredictorsSummary) -> str:
    """Our HELP at its authors' budget on the test task (the post-hoc record, the rows
    :meth:`~nas_utils.results.PredictorsSummary.help_cost` reads with ``post_hoc``) against HELP's published figure:
    does the implementation reproduce HELP where the default profile's cheap setting does not?"""
    rows = [r for r in s.help_budget if not r.task.startswith("dev_") and r.target_scale == s.help_target_scale]
    if not rows:
        return ""
    top = max(rows, key=lambda r: r.episodes)
    v = verdict(Estimate(top.spearman, top.ci_low, top.ci_high), claims.HELP_ND)
    inside = top.ci_low is not None and top.ci_high is not None and top.ci_low <= claims.HELP_ND_MEAN <= top.ci_high
    return (f"At HELP's {top.episodes} episodes our implementation against HELP's published {claims.HELP_ND_MEAN}: "
            f"**{describe(v)}**, HELP's figure {'inside' if inside else 'outside'} our interval (a check of the "
            "implementation, not of our method).")


def task_verdict(t: TaskBest) -> str:
    """The pre-registered method on one task against NASFLAT's figure and, where issue 12 sets one (F2, F3),
    against the margin goal, by the one rule (the report's glance table uses it too)."""
    est = Estimate(t.ours_best, t.ci_low, t.ci_high)
    words = describe(verdict(est, claims.nasflat_claim(t.task)))
    if (goal := claims.nasflat_margin_goal(t.task)) is not None:
        words += f"; goal >= {goal.low:.3f} (NASFLAT + {claims.NASFLAT_MARGIN_GOAL[t.task]:g}): {describe(verdict(est, goal))}"
    return words


def seen_first(method: str | None, task: str) -> str:
    """A verdict's caveat where ``method`` was registered after ``task``'s result (or its test devices' data)
    had been seen: such a verdict is not independent evidence (the report's glance table uses it too)."""
    reg = registration(method)
    return f" (registered after {task}'s result was seen)" if reg is not None and task in reg.seen_first else ""


def help_scale_note(s: PredictorsSummary) -> str:
    """What HELP's two train-pool numbers of the target are worth: the development record at this run's episodes,
    labels scaled by the pool's range (HELP's loader) against by the target's own measurements."""
    rows = {r.target_scale: r for r in s.help_budget if r.task.startswith("dev_") and r.episodes == s.help_episodes}
    if {"pool", "measured"} - set(rows):
        return ""
    pool, own = rows["pool"], rows["measured"]
    return (f"What the target's train-pool range is worth to HELP (development target {pool.task}, {pool.episodes} "
            f"episodes, {pool.trials} trials, HELP's protocol; record `help_episodes.csv`): "
            f"{pool.spearman:.3f}{interval(pool.ci_low, pool.ci_high, 3)} with the support labels scaled by it, "
            f"as HELP's loader does{' and this run does' if s.help_target_scale == 'pool' else ''}, against "
            f"{own.spearman:.3f}"
            f"{interval(own.ci_low, own.ci_high, 3)} scaled by the target's own measurements only.")


def information_budget_lines(s: PredictorsSummary) -> list[str]:
    """The information budget: target measurements and source data each method sees, the pre-registered method
    first; methods that read the full source tables say so in their label."""
    if not s.information_budget:
        return []
    order = {"pre-registered": 0, "HELP": 1, "baseline": 2, "reference": 3}
    rows = sorted(s.information_budget, key=lambda r: order.get(r.role, 9))
    return ["**Information budget** (what each method sees on a target device; k: the target samples):",
            "", "| method | role | target measurements | source data |", "|---|---|---|---|",
            *(f"| {r.label} | {r.role} | {r.target_measurements} | {r.source_data} |" for r in rows)]


def loop_settings_note(s: PredictorsSummary) -> str:
    """How the loop's k and front budget were chosen: the development record's pick and its runners-up."""
    rows = sorted(s.loop_settings, key=lambda r: -r.median_saving)
    if not rows or not (pick := next((r for r in rows if r.chosen), None)):
        return ""

    def name(r: LoopSettingRow) -> str:
        return f"k {r.k} + {'the whole front' if r.front_budget == 0 else f'front {r.front_budget}'}"

    others = "; ".join(f"{name(r)} {r.median_saving:.2f}x" for r in rows if not r.chosen)
    return (f"Loop settings chosen on the development cells (CIFAR-100, never a test cell) by the rule in "
            f"`data/preregistration/predictors/README.md` (highest median saving over {pick.runs} dev runs): "
            f"**{name(pick)}**, {pick.median_saving:.2f}x{interval(pick.ci_low, pick.ci_high)} at median HV "
            f"{pick.median_hv:.3f} with {pick.median_measured:.0f} measurements; the other settings: {others} "
            f"(`loop_settings.csv`, `python -m nas_utils.transfer.loop_settings`).")


def loop_verdict(loop: SearchLoopResult) -> Verdict:
    """The in-loop saving against issue 12's goal (``claims.LOOP_SAVING_GOAL``), by the one rule. Where some
    seed's baseline never reached the predicted run's HV, the saving is a lower bound: the interval is open above."""
    high = loop.saving_factor_ci_high if loop.measured_reached == 1 else float("inf")
    return verdict(Estimate(loop.saving_factor, loop.saving_factor_ci_low, high, runs=loop.seeds),
                   claims.LOOP_SAVING_GOAL)


#: HELP's protocol with the target measurements each variant grants (HELP itself: 10 support + 10 reference).
HELP_BUDGETS = {"help_800_ref": "HELP's 20 target measurements (the 10 support samples + HELP's 10 reference "
                                "architectures)",
                "help_800": "the 10 support samples only (half of HELP's target measurements)"}


def help_protocol_rows(s: PredictorsSummary) -> list[tuple[str, SpearmanResult, Verdict]]:
    """(protocol, the pre-registered method's row, verdict vs HELP's 0.932) for each HELP-protocol budget,
    the information-matched one first."""
    out = []
    for protocol in HELP_BUDGETS:
        if (r := s.help_best(protocol)) is not None:
            out.append((protocol, r, verdict(Estimate(r.spearman, r.ci_low, r.ci_high), claims.HELP_ND)))
    return out
