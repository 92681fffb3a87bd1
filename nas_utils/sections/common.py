"""What every section of the report shares: where each stage's summary lives (:data:`STAGES`) and the
page's section order, number and interval formatting, the ratio-to-LINAS verdicts (the one rule of
:func:`nas_utils.claims.verdict`), Markdown tables, and the figure and notebook links that end a section.

Torch-free and experiment-free: it reads only :mod:`nas_utils.results` and :mod:`nas_utils.claims`.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from nas_utils import claims
from nas_utils.claims import Estimate, Verdict, describe, verdict
from nas_utils.results import (
    LatencySummary, PredictorsSummary, SearchSummary, SearchSupernetSummary, SparseNASSummary, Summary,
    SupernetSummary,
)
from nas_utils.results.search import CellSummary, ComparisonSummary, MatchResult, RatioResult, View


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


def fmt(x: float | None, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits; ``n/a`` for None, ``not reached`` for infinity."""
    if x is None:
        return "n/a"
    if x == float("inf"):
        return "not reached"
    return f"{x:.{digits}g}"


#: The row label of the oracle bound (:func:`nas_utils.metrics.greedy_oracle_evals`).
ORACLE = "oracle (true front, greedy)"


def oracle_text(cell: CellSummary, threshold: float, view: View = "space") -> str:
    """The oracle's validations to ``threshold`` in ``view``: a count, ``never`` or ``n/a`` (not computed)."""
    o = cell.oracle_at(threshold, view)
    return "n/a" if o is None else "never" if o.evals is None else str(o.evals)


def interval(low: float | None, high: float | None, digits: int = 2) -> str:
    """`` [low, high]`` to ``digits`` decimals (``inf`` for an open end); empty without an interval."""
    if low is None or high is None:
        return ""
    hi = "inf" if high == float("inf") else f"{high:.{digits}f}"
    return f" [{low:.{digits}f}, {hi}]"


def plain(text: str) -> str:
    """Strip Sphinx roles (``:mod:`x``` -> ```x```) so docstring text reads as Markdown."""
    text = re.sub(r":(?:mod|func|class|meth|data|attr):`~?([^`]+)`", r"`\1`", text)
    return " ".join(text.replace("``", "`").split())


def ratio_text(r: RatioResult | None) -> str:
    """A ratio to LINAS with its 95 % interval (:meth:`RatioResult.text`), or ``n/a``."""
    return "n/a" if r is None else r.text()


def ratio_words(r: RatioResult | None, v: Verdict) -> str:
    """The verdict in words; for a ratio of two medians that both never reached the threshold (no ratio
    exists), says so rather than "no data"."""
    if r is not None and r.bound == "undefined":
        return "no verdict (neither reached)"
    return describe(v)


def ratio_estimate(r: RatioResult | None, cell: CellSummary | None = None) -> Estimate:
    """A ratio to LINAS as the :class:`Estimate` the verdict rule judges (empty when there is none); with
    its ``cell``, the estimate names the fewer seeds of its two medians (:attr:`Estimate.max_coverage`)."""
    if r is None or r.ratio is None:
        return Estimate(None)
    arms = [a for t in (r.tactic, r.reference) if cell is not None and (a := cell.tactic(t)) is not None]
    runs = min(a.seeds for a in arms) if arms else None
    return Estimate(r.ratio, r.ci_low, r.ci_high, runs=runs)


def ratio_verdicts(summary: ComparisonSummary, tactic: str, threshold: float,
                   view: View = "space") -> list[tuple[CellSummary, RatioResult | None, Verdict]]:
    """Per cell: our ratio ``tactic / LINAS`` at ``threshold`` (HV ``view``) and its verdict (the ONE rule)."""
    claim = claims.SEARCH_RATIOS[tactic]
    out = []
    for cell in summary.cells:
        r = cell.ratio(tactic, threshold, view=view)
        out.append((cell, r, verdict(ratio_estimate(r, cell), claim)))
    return out


def match_verdicts(summary: ComparisonSummary,
                   tactic: str = "weaknas") -> list[tuple[CellSummary, int, MatchResult, Verdict]]:
    """Per cell with the paper's framing: its N, the evaluations ``tactic`` needs to match the HV LINAS reaches
    after N, and their multiple of N judged against the claim's ratio (800 / 100) by the ONE rule."""
    claim = claims.SEARCH_RATIOS[tactic]
    out = []
    for cell in summary.cells:
        m, n = cell.match(tactic), cell.paper_linas_evals
        if m is None or not n:
            continue
        linas = cell.tactic("linas")  # the HV to match is LINAS's
        seeds = [x for x in (m.seeds, linas.seeds if linas else None) if x]
        runs = min(seeds) if seeds else None
        low, high = (None, None) if m.ci_low is None or m.ci_high is None else (m.ci_low / n, m.ci_high / n)
        out.append((cell, n, m, verdict(Estimate(m.evals_to_match / n, low, high, runs=runs), claim)))
    return out


def match_lines(summary: ComparisonSummary, where: str = "") -> list[str]:
    """The paper's framing as a paragraph: per cell, WeakNAS's evaluations to match LINAS's HV after N with
    their interval and verdict (:func:`match_verdicts`); empty where no cell has it. ``where``: which runs,
    after the title (e.g. ``"on the record's 20 seeds"``)."""
    bullets = [f"- {c.name}: WeakNAS's evaluations to match the HV LINAS reaches with {n}: {match_text(m, n)}, "
               f"**{describe(v)}**" for c, n, m, v in match_verdicts(summary)]
    if not bullets:
        return []
    title = f"The paper's framing {where}".strip()
    return [f"**{title}** (paper: {claims.PAPER_WEAKNAS_EVALS} vs {claims.PAPER_LINAS_EVALS}, the "
            f"{claims.WEAKNAS_VS_LINAS.published('x')} judged here; the HV to match is the median over LINAS's seeds "
            "after that many evaluations; the bootstrap 95 % interval resamples LINAS's seeds and WeakNAS's "
            "independently, so it carries the uncertainty of the target as well):", "", *bullets, ""]


def match_seeds(summary: ComparisonSummary) -> str:
    """``WeakNAS 3 and LINAS 6 seeds``: the runs behind the paper's framing in ``summary``."""
    return (f"WeakNAS {summary.seeds_per_tactic.get('weaknas', 0)} and LINAS "
            f"{summary.seeds_per_tactic.get('linas', 0)} seeds")


def record_agreement_phrase(agreement: dict[str, list[int]]) -> str:
    """How a seed record relates to the stage's own runs, as checked (``seed_record_agreement`` of
    ``SearchSummary`` and ``SearchSupernetSummary``)."""
    equal, shared = (sum(v[i] for v in agreement.values()) for i in (0, 1))
    if not shared:
        return "it shares no run with the stage"
    if equal == shared:
        return f"seed for seed the stage's runs (checked: all {shared} shared runs end at the same HV)"
    differ = ", ".join(f"{t} {n - e} of {n}" for t, (e, n) in agreement.items() if e < n)
    return (f"the same code and seeds as the stage's runs, but {shared - equal} of the {shared} shared runs end at "
            f"another HV here ({differ}): the record was written on another CPU, whose BLAS kernels round the last "
            "bits differently, and GP and model fits amplify that; its rows are what that CPU gave")


def match_text(m: MatchResult, n: int) -> str:
    """``142 [92, 149] (1.42x [0.92, 1.49])``: evaluations to match LINAS's HV after ``n``, as a multiple of ``n``."""
    if m.ci_low is None or m.ci_high is None:
        return fmt(m.evals_to_match)
    evals = f"{fmt(m.evals_to_match, 4)}{interval(m.ci_low, m.ci_high, 0)}"
    if m.evals_to_match == float("inf"):  # the median run never matched: a lower bound
        return f"{evals} (>{m.ci_low / n:.2f}x)"
    return f"{evals} ({m.evals_to_match / n:.2f}x{interval(m.ci_low / n, m.ci_high / n)})"


def figure(root: Path, stage: str, name: str, caption: str) -> list[str]:
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


def notebook_link(stage: str) -> str:
    """A link to the stage's executed notebook (a DVC output next to its summary)."""
    nb = STAGES[stage].notebook
    return f"[{nb}]({stage}/{nb}.html) (executed notebook, a DVC output: run `dvc repro` to build it)"


def seeds_per_tactic(summary: ComparisonSummary) -> str:
    """``linas 10, weaknas 10, ...``: seeds run per tactic."""
    return ", ".join(f"{t} {n}" for t, n in summary.seeds_per_tactic.items())


def markdown_table(rows: list[dict[str, str]]) -> list[str]:
    """A Markdown table with the first row's keys as columns (no lines for no rows)."""
    if not rows:
        return []
    cols = list(rows[0])
    return ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols),
            *("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |" for r in rows)]
