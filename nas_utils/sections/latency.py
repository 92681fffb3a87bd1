"""Section 4 of the report: device latency measured on this machine: per super-network and device
the latency and its spread, and the measurement-quality verdicts (:func:`latency_quality_lines`,
which notebook 03 prints too), from :class:`LatencySummary`."""

from __future__ import annotations

from pathlib import Path

from nas_utils import claims
from nas_utils.claims import Estimate, Verdict, describe, verdict
from nas_utils.results import LatencySummary
from nas_utils.results.latency import BUSY_RUN_SHARE, QualityDevice
from nas_utils.sections.common import figure, notebook_link


def quality_words(d: QualityDevice) -> tuple[str, str]:
    """``(CV, rho)``: each statistic with its bootstrap interval over the sub-networks, as text."""
    cv, rho = d.median_round_cv_ci, d.spearman_two_passes_ci
    cv_text = f"{100 * d.median_round_cv:.2f} %" + (f" [{100 * cv[0]:.2f}, {100 * cv[1]:.2f}]" if cv else "")
    rho_text = f"{d.spearman_two_passes:.3f}" + (f" [{rho[0]:.3f}, {rho[1]:.3f}]" if rho else "")
    return cv_text, rho_text


def quality_verdicts(d: QualityDevice) -> tuple[Verdict, Verdict]:
    """``(CV, rho)`` judged against the project targets, on their intervals where the summary has them."""
    def est(value: float, ci: list[float] | None) -> Estimate:
        return Estimate(value, ci[0], ci[1]) if ci else Estimate(value)

    return (verdict(est(d.median_round_cv, d.median_round_cv_ci), claims.LATENCY_CV),
            verdict(est(d.spearman_two_passes, d.spearman_two_passes_ci), claims.LATENCY_SPEARMAN))


def latency_quality_lines(s: LatencySummary) -> list[str]:
    """One honest sentence per quality device, built from the measured numbers (intervals: bootstrap
    over the sub-networks, both passes of one together)."""
    q = s.quality
    lines = []
    for d in q.devices:
        cv, rho = (describe(v) for v in quality_verdicts(d))
        cv_text, rho_text = quality_words(d)
        lo, hi = d.load_avg_1m
        lines.append(
            f"- **{d.device}** ({q.n_subnets} sub-networks of {q.supernet}, {q.rounds_per_pass} rounds per pass, "
            f"statistic `{q.statistic}`): median CV of repeated rounds {cv_text} (target "
            f"< {100 * claims.LATENCY_CV.low:g} %: {cv}); Spearman between two passes {rho_text} "
            f"(target >= {claims.LATENCY_SPEARMAN.low:g}: {rho}; {d.spearman_two_passes_median_statistic:.3f} with "
            f"the median statistic). Within one round the per-block CV is {100 * d.median_within_round_cv:.1f} % "
            f"(pre-empted blocks). 1-minute load average during the passes: {lo:.1f}-{hi:.1f} on "
            f"{d.cpu_count or '?'} cores.")
        if d.contended:
            lines.append(
                f"  - **Warning: contended machine.** {d.contended_records} of {d.records} records were marked "
                f"contended (e.g. {d.contention or 'see the records'}; median CPU share while timing "
                f"{100 * (d.median_cpu_share or float('nan')):.0f} %). These numbers describe a busy machine, "
                f"not the device; rerun on a quiet one.")
        elif d.contended_records:
            lines.append(
                f"  - {d.contended_records} of {d.records} records crossed a per-record contention bound (e.g. "
                f"{d.contention or 'see the records'}) and {'is' if d.contended_records == 1 else 'are'} marked; "
                f"fewer than the {100 * BUSY_RUN_SHARE:.0f} % that mark a busy machine.")
    return lines or ["No quality device was available."]


def collection_contention_lines(s: LatencySummary) -> list[str]:
    """Which (super-network, device) runs of the collection were measured on a busy machine
    (:func:`~nas_utils.results.latency.busy_run`), named, with an example reason; one calm line
    where records were marked but no run crossed the share."""
    busy = [r for r in s.per_device if r.contended]
    marked = sum(r.contended_records for r in s.per_device)
    total = sum(r.n for r in s.per_device)
    if busy:
        runs = "; ".join(f"{r.supernet}/{r.device} {r.contended_records} of {r.n}" for r in busy)
        return [f"**Warning: contended measurements.** In {len(busy)} of {len(s.per_device)} (super-network, device) "
                f"runs more than {100 * BUSY_RUN_SHARE:.0f} % of the records were marked contended ({runs}; e.g. "
                f"{busy[0].contention or 'see the records'}). Each record keeps its fastest round, but the spread and "
                f"the rankings of these runs describe a disturbed machine, not the device: rerun on a quiet one "
                f"before reading them. {marked} of {total} records are marked in all (`contended` in latency.parquet)."]
    if marked:
        return [f"{marked} of {total} records crossed a per-record contention bound and are marked (`contended` in "
                f"latency.parquet); no (super-network, device) run crossed the {100 * BUSY_RUN_SHARE:.0f} % share "
                f"that marks a busy machine."]
    return []


def latency_section(s: LatencySummary, root: Path) -> list[str]:
    env = s.environment
    lines = ["## 4. Device latency on this machine", "",
             f"Measured on {env.cpu_model or 'unknown CPU'} ({env.cpu_count or '?'} cores), torch "
             f"{env.torch_version or '?'}, onnxruntime {env.onnxruntime_version or '?'}. Devices skipped: "
             f"{'; '.join(s.devices_skipped) or 'none'}.", "",
             "| super-network | device | sub-networks | median latency (ms) | range (ms) | median CV of rounds | "
             "records marked contended |",
             "|---|---|---|---|---|---|---|"]
    for r in s.per_device:
        lines.append(f"| {r.supernet} | {r.device} | {r.n} | {r.median_latency_ms:.3f} | {r.min_ms:.3f}-{r.max_ms:.3f} | "
                     f"{100 * r.median_round_cv:.2f} % | {r.contended_records}{' (busy)' if r.contended else ''} |")
    if contention := collection_contention_lines(s):
        lines += ["", *contention]
    lines += ["", "**Measurement quality** (project targets):", "", *latency_quality_lines(s), ""]
    lines += figure(root, "latency", "rank_correlation", "Cross-device rank correlation of measured latency.")
    lines += [f"Notebook: {notebook_link('latency')}", ""]
    return lines
