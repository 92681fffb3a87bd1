"""Section 3 of the report: SparseNAS early filtering: per super-network family the speedup to the
target quality (and its ceiling) against our goal and the paper's, from :class:`SupernetSummary`.
:func:`sparsenas_speedup` and :func:`sparsenas_verdict` also fill the report's at-a-glance row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nas_utils import claims
from nas_utils.claims import Estimate, Verdict, describe
from nas_utils.results import SupernetSummary
from nas_utils.results.supernet import FamilySpeedup
from nas_utils.sections.common import figure, interval, notebook_link


def sparsenas_speedup(f: Any) -> str:
    """``<= 1.2x [0.9, 1.4]``: the speedup, its bound (:mod:`nas_utils.stats`) and 95 % interval."""
    if f.speedup is None:
        return "n/a"
    prefix = {"upper": "<= ", "lower": ">= "}.get(f.speedup_bound, "")
    return f"{prefix}{f.speedup:.2f}x{interval(f.speedup_low, f.speedup_high)}"


def sparsenas_verdict(f: Any, claim: claims.Claim) -> Verdict:
    """The one rule on a family's speedup interval (an upper bound can only miss or stay inconclusive), and
    *inconclusive* where the budget grid cannot show the claim (:func:`~nas_utils.claims.speedup_verdict`)."""
    return claims.speedup_verdict(Estimate(f.speedup, f.speedup_low, f.speedup_high, runs=f.seeds), f.grid_max, claim)


def test_noise_note(s: SupernetSummary) -> str:
    """How large the test split's sampling noise is against the target's tolerance (issue 13 §1)."""
    fams = [(f, se, se / acc) for f in s.families
            if (se := f.accuracy_se) is not None and (acc := f.median_test_accuracy)]
    if not fams:
        return ""
    parts = "; ".join(f"{f.family}: {f.test_samples} signals at {100 * (f.median_test_accuracy or 0):.0f} % median "
                      f"accuracy, {100 * se:.1f} pp ({100 * rel:.1f} % of the accuracy)" for f, se, rel in fams)
    above = [f.family for f, _, rel in fams if rel > s.hv_tolerance]
    return (f"Test-split noise: one sub-network's test accuracy has a binomial standard error of {parts}. The target's "
            f"tolerance is {100 * s.hv_tolerance:g} % of HV. Every run is scored on the same signals and HV pools the "
            "yardstick's sub-networks, so differences between runs are paired; "
            + (f"still, on {', '.join(above)} one network's accuracy moves by more than the tolerance from the sample "
               "alone (profiles/paper.yaml generates more signals: `sparsenas.mnist1d_samples`)." if above else
               "one network's sampling error is within the tolerance."))


HEADER = ("| family | seeds | speedup [95 % CI] | vs goal | vs paper | ceiling [95 % CI] | grid maximum [95 % CI] | "
          "full time to target (s) | overhead: warm-up + early measurement + filtering (s) | "
          "early predictor Spearman (out of fold) | sparse reached target |", "|---|---|---|---|---|---|---|---|---|---|---|")


def _grid_max(f: FamilySpeedup) -> str:
    return "n/a" if f.grid_max is None else f"{f.grid_max:.2f}x{interval(f.grid_max_low, f.grid_max_high)}"


def _row(f: FamilySpeedup, predictor: str) -> str:
    """One family's table row (the stage's seeds or the seed record's)."""
    paper, goal = claims.SPARSENAS_SPEEDUP, claims.SPARSENAS_GOAL
    rho = "n/a" if f.early_spearman_oof is None else (
        f"{f.early_spearman_oof:.2f}{interval(f.early_spearman_oof_low, f.early_spearman_oof_high)} ({predictor})")
    return (f"| {f.family} | {f.seeds} | {sparsenas_speedup(f)} | {describe(sparsenas_verdict(f, goal))} | "
            f"{describe(sparsenas_verdict(f, paper))} | {f.ceiling:.2f}x{interval(f.ceiling_low, f.ceiling_high)} | "
            f"{_grid_max(f)} | {f.t_full_s:.1f} | {f.warmup_s:.1f} + {f.early_measurement_s:.1f} + {f.filtering_s:.1f} | {rho} | "
            f"{f.sparse_reached}/{f.seeds} |")


def verdict_families(s: SupernetSummary) -> tuple[list[FamilySpeedup], str]:
    """The families the report's at-a-glance verdict reads, and where from: the seed record where it holds every
    family with more seeds than the stage ran and the stage's seeds it shares agree with it, else the stage's seeds."""
    stage: tuple[list[FamilySpeedup], str] = (list(s.families), "the stage's seeds")
    if s.record is None or not s.families:
        return stage
    chosen: list[FamilySpeedup] = []
    for f in s.families:
        r, shared = s.record.family(f.family), s.record.agreement.get(f.family)
        if r is None or r.seeds <= f.seeds or not shared or shared[0] != shared[1]:
            return stage
        chosen.append(r)
    low, high = min(r.seeds for r in chosen), max(r.seeds for r in chosen)
    return chosen, f"{low}-seed record" if low == high else f"{low}-{high}-seed record"


def record_lines(s: SupernetSummary) -> list[str]:
    """The seed record's table (the same columns), with what it is and whether the stage's seeds agree with it."""
    rec = s.record
    if rec is None or not rec.families:
        return []
    shared = "; ".join(f"{f} {eq} of {n}" for f, (eq, n) in rec.agreement.items()) or "none shared"
    predictor = s.families[0].predictor if s.families else "pre-registered"
    return [f"**Seed record** (`{rec.path}`, `python -m nas_utils.experiments.sparsenas_seeds`): the same protocol and "
            "settings with more seeds per family, each seed run whole in one single-threaded process beside the stage; "
            "its times were measured in that run (CPU seconds, as above). Of the seeds this run shares with it, those "
            "that agree on every field that does not depend on the clock (target quality, whether the sparse runs "
            f"reached it, the kept sub-space's size, the early Spearman): {shared}. Rows of other settings left out: {rec.rows_stale}. "
            "Where it holds more seeds of every family and agrees, the at-a-glance verdict reads it.", "",
            *HEADER, *[_row(f, predictor) for f in rec.families], ""]


def sparsenas_section(s: SupernetSummary, root: Path) -> list[str]:
    paper, goal = claims.SPARSENAS_SPEEDUP, claims.SPARSENAS_GOAL
    fam0 = s.families[0] if s.families else None
    lines = [
        "## 3. SparseNAS early filtering (Huang et al., KBS 2024)", "",
        f"**Published:** {paper.low:g}x faster super-network training at comparable accuracy (our goal: >= "
        f"{goal.low:g}x).", "",
        "**Ours:** per family and seed, a sparse run (warm-up on the full space, early accuracy on the validation "
        "split, early predictor, training continued on the kept sub-space for every sparse budget) against "
        "full-space runs for every full budget, each run its own cosine schedule; both judged on one shared "
        f"yardstick ({s.yardstick}). Quality = normalised HV of (test accuracy, MACs); time = {s.time_basis}. "
        f"Speedup = median full time / median sparse time to reach (1 - {s.hv_tolerance:g}) x the longest full "
        "run's final quality, read off the time-to-quality curves; 95 % bootstrap interval over seeds; '<=' marks an "
        "upper bound (some seed's sparse runs never reached the target). Ceiling = full time / overhead: the "
        "speedup a sparse run with free training after filtering would reach. Grid maximum = full time / the first "
        "sparse checkpoint after the warm-up (overhead + the shortest sparse budget's training): the largest speedup "
        "the budgets can show at all; where it lies below a claim, the verdict on that claim is *inconclusive*, "
        "since such a grid cannot refute it." + (
            f" Budgets (epochs): full {fam0.full_budgets}, sparse {fam0.sparse_budgets} after the warm-up." if fam0 else ""),
        "",
        *HEADER,
    ]
    lines += [_row(f, f.predictor) for f in s.families]
    lines.append("")
    lines += record_lines(s)
    if note := test_noise_note(s):
        lines += [note, ""]
    lines += figure(root, "sparsenas", "time_to_quality",
                     "Time-to-quality curves per family: best test-yardstick quality reached by each training time "
                     "(median over seeds), full space vs SparseNAS; dashed: target; grey: SparseNAS overhead.")
    lines += figure(root, "sparsenas", "overheads", "SparseNAS overheads (warm-up, early measurement, filtering) "
                     "next to the full runs' time to the target, and the ceiling.")
    lines += [f"Notebooks: {notebook_link('sparsenas_early')}, {notebook_link('sparsenas')}", ""]
    return lines
