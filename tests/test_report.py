"""The report only renders typed summaries: no experiment module, no torch; one verdict rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from tests import summaries  # noqa: E402

from nas_utils import report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_report_imports_no_experiment_and_no_torch() -> None:
    code = ("import sys, nas_utils.report as r; r.build.__name__; "
            "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('nas_utils.experiments')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


@pytest.fixture()
def reports(tmp_path: Path) -> Path:
    """A reports/ folder with every typed summary and one figure per section."""
    root = tmp_path / "reports"
    for key, make in summaries.ALL.items():
        make().save(root / key / "summary.json")
    for stage, name in (("search", "evals_to_threshold"), ("search", "hv_curves"), ("latency", "rank_correlation")):
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1])
        fig.savefig(root / stage / f"{name}.png")
        plt.close(fig)
    return root


def test_page_renders_every_section_and_copies_its_figures(reports: Path) -> None:
    text = report.build(reports)
    for title in ("## 1. Sub-network search", "## 2. Transferable", "## 3. SparseNAS", "## 4. Device latency",
                  "## 5. Search on our own"):
        assert title in text
    assert "(figures/search_hv_curves.png)" in text and (reports / "figures" / "search_hv_curves.png").exists()
    assert "figure not produced" in text  # a figure whose stage did not write it is named, not linked
    assert ":mod:" not in text and "``" not in text
    assert "**Device codes:**" in text and "`raspi4` = Raspberry Pi 4" in text


def test_at_a_glance_and_sections_use_the_same_verdict(reports: Path) -> None:
    """One claim, one verdict at a glance: the seed record's (it holds the stage's runs and more seeds), the same
    as the record's verdict table in section 1."""
    text = report.build(reports)
    glance = text.split("## At a glance", 1)[1].split("## 1.", 1)[0]
    assert sum("NSGA-II/LINAS" in line for line in glance.splitlines()) == 1
    row = next(line for line in glance.splitlines() if "NSGA-II" in line)
    assert "-seed record, NSGA-II/LINAS" in row
    section = text.split("## 1.", 1)[1].split("## 2.", 1)[0].split("**Every tactic with more seeds**", 1)[1]
    header = next(l for l in section.splitlines() if l.startswith("| claim | cell |")).split("|")
    column = header.index(" space HV 0.99 ")
    for device in ("pixel2",):  # the fixture's record has one cell
        word = row.split(f"cifar10/{device}: ")[1].split(";")[0].split(" |")[0].strip()
        line = next(l for l in section.splitlines() if l.startswith("| nsga2 / LINAS") and f"| cifar10/{device} |" in l)
        assert line.split("|")[column].strip() == word


def test_section_five_puts_each_family_next_to_nb201(reports: Path) -> None:
    section = report.build(reports).split("## 5.", 1)[1]
    header = next(l for l in section.splitlines() if l.startswith("| ratio to LINAS"))
    assert [c.strip() for c in header.split("|")[3:-1]] == ["NB201 pixel2", "NB201 raspi4", "mbv3_1d", "resnet_1d"]
    row = next(l for l in section.splitlines() if l.startswith("| weaknas/LINAS | 0.99 |"))
    assert row.count(">7.50x [5.00, inf]") == 4
    assert "held-out Spearman 0.92" in section and "| resnet_1d | 6 free variables | 2187 (25) | measured" in section
    assert "random immigrants" in section and "not recorded on mbv3_1d, 1 of 5 runs on resnet_1d" in section
    assert "| mbv3_1d/onnxruntime_cpu_1 | *oracle (true front, greedy)* | 6 | 1 |" in section  # the oracle bound where it was computed
    assert "| resnet_1d/onnxruntime_cpu_1 | *oracle" not in section
    assert "budget 150 evaluations per run (resnet_1d: 300; a family's own budget" in section
    assert "| weaknas | 2 | 4 |" in section and "Rule's pick: 300; the stage runs 300." in section
    row = next(l for l in section.splitlines() if l.startswith("| bo | ordinal=true, refit_every=3 |"))
    assert "| picked |" in row and row.rstrip().endswith("| yes |") and "| 30 |" in row
    assert "does not run the rule's pick" not in section
    assert "**Cheaper settings for the default profile**" in section and "rises by <= 5 %" in section
    row = next(l for l in section.splitlines() if l.startswith("| bo | fit_maxiter=50 |"))
    assert "| +2.7 % |" in row and "| picked |" in row and row.rstrip().endswith("| yes |")
    assert "outside its cost record" not in section and "not the cost pick" not in section


def test_near_limit_tactic_is_judged_against_the_goal_next_to_the_oracle(reports: Path) -> None:
    text = report.build(reports)
    section = text.split("## 1.", 1)[1].split("## 2.", 1)[0]
    assert "| cifar10/pixel2 | *oracle (true front, greedy)* | - | 4 | 5 | 1 |" in section  # space view
    assert "| cifar10/pixel2 | *oracle (true front, greedy)* | - | 7 | 8 | 1 |" in section  # near-front view
    # linas (the fixture's pre-registered tactic): 40 [28, 60] to HV 0.995 meets "<= 60" (inclusive), 8.0x the oracle's 5
    assert "| cifar10/pixel2 | 10 | 40 [28, 60] | 5 | 8.0x | **meets** |" in section
    assert "- cifar10/pixel2: gap 0.0123; fastest third 70 %, middle 20 %, slowest 5 %" in section
    assert "**Prior-knowledge track** (separate and labelled" in section
    assert "| cifar10/pixel2 | 5 | 0.950 | 30 [21, 41] (40 [28, 60]) | n/a (40 [28, 60]) |" in section
    assert "**Where `linas`'s validations go** (a diagnostic with oracles no tactic has" in section
    assert ("| cifar100/silver_4114 (dev) | 3 | 150 [145, 155] / n/a | 80 [75, 85] / n/a | 60 [55, 65] / n/a | "
            "25 [20, 30] / n/a | 8 / n/a |") in section
    # a test cell (post hoc) without its own "none" runs: the stage's runs of the tactic, their seeds
    assert "| cifar10/pixel2 (test) | 10 / 5 / 5 / 5 | 40 [28, 60] / n/a | 80 [75, 85] / n/a |" in section
    glance = text.split("## At a glance", 1)[1].split("## 1.", 1)[0]
    row = next(line for line in glance.splitlines() if "near-limit tactic" in line)
    assert "<= 60 (project goal)" in row and "cifar10/pixel2: meets" in row
    head = report.headline(report.load_summaries(reports))
    assert head["search.pixel2.near_limit_evals_0.995"] == 40.0


def test_headline_is_flat_small_and_numeric(reports: Path) -> None:
    """Numbers, and beside a censored ratio (a bound, not a value) its ``_bound`` entry."""
    head = report.headline(report.load_summaries(reports))
    assert 0 < len(head) <= 60
    bounds = {k: v for k, v in head.items() if k.endswith("_bound")}
    assert all(isinstance(v, (float, type(None))) for k, v in head.items() if k not in bounds)
    assert head["search.pixel2.nsga2_x_linas"] == 3.75 and "search.pixel2.nsga2_x_linas_bound" not in head
    assert head["search.pixel2.weaknas_x_linas"] == 7.5 and bounds["search.pixel2.weaknas_x_linas_bound"] == "lower"
    assert set(bounds.values()) <= {"lower", "upper"}


def test_main_writes_page_headline_and_figures(reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HWNAS_ROOT", str(reports.parent))
    assert report.main([]) == 0
    assert {"index.md", "index.html", "headline.json"} <= {p.name for p in reports.iterdir()}
    assert json.loads((reports / "headline.json").read_text())
    assert (reports / "figures" / "search_evals_to_threshold.png").exists()


def test_stale_summary_stops_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "reports" / "search").mkdir(parents=True)
    (tmp_path / "reports" / "search" / "summary.json").write_text(json.dumps({"cells": {}, "budget": 300}))
    (tmp_path / "params.yaml").write_text("{}\n")
    env = {**os.environ, "HWNAS_ROOT": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "nas_utils.report"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0 and "rerun: dvc repro search" in out.stderr
    assert "Traceback" not in out.stderr and not (tmp_path / "reports" / "index.md").exists()


def test_footer_names_head_and_dirty_only_when_true(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.email=a@b", "-c", "user.name=t", "commit", "-qm", "init")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "index.md").write_text("generated\n")  # generated output: not "uncommitted changes"
    assert f"`{head}`" in report.provenance(tmp_path) and "uncommitted" not in report.provenance(tmp_path)
    (tmp_path / "code.py").write_text("x = 2\n")
    assert "uncommitted changes" in report.provenance(tmp_path)


def test_rendered_page_has_no_broken_image_and_screenshots(reports: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The HTML a reader opens: every image resolves; headless Chromium renders it (when installed)."""
    from nas_utils import report_check

    monkeypatch.setenv("HWNAS_ROOT", str(reports.parent))
    assert report.main([]) == 0
    html = reports / "index.html"
    assert report_check.missing_images(html) == []
    if report_check.chromium() is None:
        pytest.skip("headless Chromium not installed (Debian: apt-get install chromium)")
    shot = report_check.screenshot(html, reports / ".screenshot.png", height=2000)
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1200, 2000) and len(set(im.convert("L").getdata())) > 10  # not a blank page


def test_other_thresholds_and_budgets_fill_their_columns(tmp_path: Path) -> None:
    """Thresholds and training budgets are row values: changing them can never empty a column."""
    from dataclasses import replace

    root = tmp_path / "reports"
    s = summaries.search()
    replace(s, thresholds=[0.97], cells=[summaries.search_cell("cifar10", "pixel2", (0.97,))]).save(root / "search" / "summary.json")
    sup = summaries.supernet()
    fam = replace(sup.families[0], full_budgets=[5, 10], sparse_budgets=[2])
    replace(sup, families=[fam]).save(root / "sparsenas" / "summary.json")
    text = report.build(root)
    assert "| HV 0.97 |" in text and "| cifar10/pixel2 | nsga2 | 10 | 150 [110, 230] (3.75x [2.40, 5.90]) |" in text
    assert "| cifar10/pixel2 | nsga2 | 10 | 200 [110, 280] (3.75x [2.40, 5.90]) |" in text  # the near-front view
    assert "full [5, 10], sparse [2]" in text
    assert "| mbv3_1d | 3 | <= 1.75x [0.00, 1.80] | misses (3 seeds: a median's interval covers at most 75 %) |" in text


def test_help_row_states_the_cost_of_its_cheap_setting(reports: Path) -> None:
    """Section 2's HELP row: our HELP on its protocol, then its budget vs HELP's own on the development target."""
    section = report.build(reports).split("## 2.", 1)[1].split("## 3.", 1)[0]
    assert "own protocol: 0.860 [0.850, 0.870]" in section
    assert ("Cost of the cheap setting: 500 meta-training episodes instead of HELP's 2000 (development target "
            "dev_ND, HELP's protocol, 3 trials): 0.800 [0.750, 0.850] vs 0.840 [0.800, 0.880], a loss of 0.040 "
            "[0.010, 0.070] (paired by trial) for 90 instead of 360 CPU s per meta-training.") in section
    assert "On the test targets" not in section  # no post-hoc record: nothing said


def test_helps_cheap_setting_is_also_costed_on_the_test_task_post_hoc() -> None:
    """The post-hoc record on the test task gets its own sentence; the development sentence reads dev rows only."""
    from dataclasses import replace

    from nas_utils.results.predictors import HelpBudgetRow

    s = summaries.predictors()
    test_rows = [HelpBudgetRow("ND", "pool", 500, 5, 0.88, 0.86, 0.90, 0.05, 0.03, 0.07, 70.0),
                 HelpBudgetRow("ND", "pool", 2000, 5, 0.93, 0.92, 0.94, 0.0, 0.0, 0.0, 280.0)]
    s = replace(s, help_budget=s.help_budget + test_rows)
    assert s.help_cost() == summaries.predictors().help_cost()
    assert s.help_cost(post_hoc=True) == (
        "On the test targets: 500 meta-training episodes instead of HELP's 2000 (test task ND, measured after the "
        "verdicts (post hoc: it chooses nothing), HELP's protocol, 5 trials): 0.880 [0.860, 0.900] vs 0.930 [0.920, "
        "0.940], a loss of 0.050 [0.030, 0.070] (paired by trial) for 70 instead of 280 CPU s per meta-training.")
    assert summaries.predictors().help_cost(post_hoc=True) is None
    from nas_utils.sections.predictors import help_fidelity_note

    assert help_fidelity_note(s) == ("At HELP's 2000 episodes our implementation against HELP's published 0.932: "
                                     "**inconclusive**, HELP's figure inside our interval (a check of the "
                                     "implementation, not of our method).")
    assert help_fidelity_note(summaries.predictors()) == ""


def test_help_protocol_is_judged_at_helps_information_budget_and_never_best_of_methods() -> None:
    """HELP's 0.932 used 10 support + 10 reference measurements per target: the pre-registered method is judged
    with those 20 (help_800_ref) and with the 10 support samples only (help_800); a better other method is ignored."""
    from dataclasses import replace

    from nas_utils.results.predictors import SpearmanResult
    from nas_utils.sections.predictors import help_protocol_rows, predictors_section

    rows = [SpearmanResult("help_800", "ND", "stack", 10, 0.874, 0.04, 5, 0.821, 0.927),
            SpearmanResult("help_800_ref", "ND", "stack", 10, 0.926, 0.01, 5, 0.918, 0.934),
            SpearmanResult("help_800_ref", "ND", "ridge", 10, 0.99, 0.01, 5, 0.98, 0.995)]
    s = replace(summaries.predictors(), method="stack", spearman=rows)
    assert [(p, r.method, v.outcome) for p, r, v in help_protocol_rows(s)] == [
        ("help_800_ref", "stack", "inconclusive"), ("help_800", "stack", "misses")]
    text = " ".join(predictors_section(s, Path(".")))
    assert ("with HELP's 20 target measurements (the 10 support samples + HELP's 10 reference architectures): "
            "0.926 [0.918, 0.934], **inconclusive**") in text
    assert "0.990" not in text
    assert replace(s, spearman=rows[2:]).help_best("help_800_ref") is None  # registered method absent: no stand-in


def test_the_seed_record_has_its_own_tables_verdicts_and_glance_rows(reports: Path) -> None:
    text = report.build(reports)
    section = text.split("## 1.", 1)[1].split("## 2.", 1)[0]
    record = section.split("**Every tactic with more seeds** (linas 10, nsga2 10, weaknas 10;", 1)[1]
    assert "`data/preregistration/search/seed_record.csv`" in record and "3 rows of the record" in record
    assert "| nsga2 / LINAS" in record and "| cifar10/pixel2 | 10 | 40 [28, 60] | 5 | 8.0x | **meets** |" in record
    glance = text.split("## At a glance", 1)[1].split("## 1.", 1)[0]
    assert "10-seed record, WeakNAS/LINAS" in glance and "test cells, 10-seed record)" in glance
    head = report.headline(report.load_summaries(reports))
    assert head["search_seeds.pixel2.nsga2_x_linas"] == 3.75 and head["search_seeds.pixel2.near_limit_evals_0.995"] == 40.0
    # The paper's framing on the record's seeds: its own paragraph, and the glance row reads the record, not the stage.
    assert "**The paper's framing on the record's runs (WeakNAS 10 and LINAS 10 seeds)**" in record
    assert "**The paper's framing on this stage's runs (WeakNAS 10 and LINAS 10 seeds)**" in section
    match = next(line for line in glance.splitlines() if "the paper's own framing of the 8x" in line)
    assert "(10-seed record, WeakNAS 10 and LINAS 10 seeds)" in match and "cifar10/raspi4" not in match
    assert "search_seeds.pixel2.weaknas_match_x" in head and "search_seeds.raspi4.weaknas_match_x" not in head


def test_the_search_loop_saving_is_judged_against_issue_12s_goal(reports: Path) -> None:
    """One rule, the same verdict at a glance and in section 2; a censored saving (a lower bound) cannot miss."""
    from dataclasses import replace

    from nas_utils.sections.predictors import loop_verdict

    text = report.build(reports)
    glance = text.split("## At a glance", 1)[1].split("## 1.", 1)[0]
    row = next(line for line in glance.splitlines() if "search loop" in line)
    assert "| >= 10x (project goal) | 4.67x [3.90, 5.20] at median HV 0.985 | misses |" in row
    assert "(4.67x fewer [3.90, 5.20]; goal >= 10x: **misses**;" in text
    loop = report.load_summaries(reports)["predictors"].search_loop
    assert loop is not None and loop_verdict(replace(loop, measured_reached=0.9)).outcome == "inconclusive"


def test_weaknas_width_sentence_states_the_cost_of_the_cpu_width() -> None:
    """Scores count unreached medians as budget + 1; the gap is stated only where the paper width needs fewer."""
    from dataclasses import replace

    from nas_utils.results.search import TuningEvals, TuningVariant
    from nas_utils.sections.search import weaknas_width_sentence
    from tests import summaries

    def rows(variant: str, evals: list[float], chosen: bool) -> list[TuningVariant]:
        return [TuningVariant("weaknas", variant, c, 3, [TuningEvals(0.99, e, 1.0)], 0.99, 10.0, "tuning_weaknas.csv",
                              "", chosen) for c, e in zip(("a", "b"), evals)]

    base = summaries.search()
    assert weaknas_width_sentence(base) == ""  # no width record in the fixture
    s = replace(base, tuning=rows("4x100", [200.0, float("inf")], True) + rows("4x1000 (paper width)", [150.0, 251.0],
                                                                                 False))
    text = weaknas_width_sentence(s)
    assert "*4x100* 250.5" in text and "*4x1000 (paper width)* 200.5" in text and "needs at least 50.0 fewer (at least 20 %)" in text
    flipped = replace(base, tuning=rows("4x100", [150.0, 251.0], True) + rows("4x1000 (paper width)", [200.0, 301.0],
                                                                              False))
    assert "needs no fewer" in weaknas_width_sentence(flipped)


def test_bo_acquisition_sentence_reads_the_registered_rule() -> None:
    """Session 25's record: the stage's setting stays when it scores lowest on the full seeds; a costly variant run
    on fewer seeds is named a screen, not a choice; a lower-scoring variant is named with its cost."""
    from dataclasses import replace

    from nas_utils.results.search import TuningEvals, TuningVariant
    from nas_utils.sections.search import bo_acquisition_sentence
    from tests import summaries

    def rows(variant: str, evals: list[float], chosen: bool, seeds: int = 3, cpu: float = 12.0) -> list[TuningVariant]:
        return [TuningVariant("bo", variant, c, seeds, [TuningEvals(0.99, e, 1.0)], 0.99, cpu,
                              "tuning_bo_acquisition.csv", "", chosen) for c, e in zip(("a", "b"), evals)]

    base = summaries.search()
    assert bo_acquisition_sentence(base) == ""
    s = replace(base, tuning=rows("stage", [150.0, 200.0], True) + rows("categorical", [float("inf"), 200.0], False)
                + rows("qLogNEHVI", [100.0, 120.0], False, seeds=1, cpu=900.0))
    text = bo_acquisition_sentence(s)
    assert "*stage* 175.0" in text and "*categorical* 250.5" in text and "the strongest: it stays" in text
    assert "*qLogNEHVI*: a screen on fewer seeds for cost (900 CPU s per run" in text
    cheaper = replace(s, tuning=rows("stage", [150.0, 200.0], True) + rows("categorical", [100.0, 200.0], False))
    assert "*categorical* scores lower than the stage's setting and fits the CPU envelope" in bo_acquisition_sentence(cheaper)


def test_issue_12_section_shows_both_protocols_with_intervals_small_k_the_budget_and_the_margin_goal() -> None:
    """Section 2 per task: the pre-registered method at k = 20 with its interval, at k = 5 / 10, under NASFLAT's
    protocol with its interval (not judged), the margin goal on F2/F3, and the information-budget table."""
    from dataclasses import replace

    from nas_utils import claims
    from nas_utils.results.predictors import BudgetRow, SpearmanResult, TaskBest
    from nas_utils.sections.predictors import predictors_section, task_verdict

    assert claims.nasflat_margin_goal("ND") is None
    goal = claims.nasflat_margin_goal("F2")
    assert goal is not None and goal.low == pytest.approx(0.891)
    f2 = TaskBest("F2", "all_archs", "stack", 20, 0.867, 0.02, None, None, None, 0.871, 0.543, 5, 0.847, 0.887)
    assert task_verdict(f2) == "inconclusive; goal >= 0.891 (NASFLAT + 0.02): misses"
    rows = [SpearmanResult("all_archs", "F2", "stack", k, v, 0.01, 5, v - 0.01, v + 0.01)
            for k, v in ((5, 0.506), (10, 0.722), (20, 0.867))]
    rows.append(SpearmanResult("nasflat_128", "F2", "stack", 20, 0.879, 0.01, 5, 0.855, 0.903))
    budget = [BudgetRow("flops", "flops", "baseline", "0 (zero-shot)", "none (analytic)", False),
              BudgetRow("stack", "stack [reads full source tables]", "pre-registered", "k", "full source tables", True)]
    s = replace(summaries.predictors(), method="stack", spearman=rows, targets=[f2], information_budget=budget)
    text = "\n".join(predictors_section(s, Path(".")))
    assert ("| F2 | 0.871 | 0.543 | - | 0.867 (stack, 20) [0.847, 0.887] | 0.506 / 0.722 | 0.879 [0.855, 0.903] | "
            "inconclusive; goal >= 0.891 (NASFLAT + 0.02): misses |") in text
    assert "HELP (ours):" not in text  # HELP not run on any task: no column note
    nd = replace(f2, task="ND", nasflat=0.959, help_by_nasflat=0.948)
    helps = [SpearmanResult("all_archs", "ND", "help", 20, 0.9, 0.01, 5, 0.89, 0.91),
             SpearmanResult("all_archs", "ND", "help", 5, 0.8, 0.01, 5, 0.79, 0.81),  # the headline's k only
             SpearmanResult("nasflat_128", "ND", "help", 20, 0.948, 0.01, 5, 0.942, 0.954)]
    text = "\n".join(predictors_section(replace(s, spearman=rows + helps, targets=[f2, nd]), Path(".")))
    assert "| ND | 0.959 | 0.948 | 0.900 [0.890, 0.910] | 0.867 (stack, 20)" in text and "| F2 | 0.871 | 0.543 | - |" in text
    assert ("Ours under NASFLAT's protocol (first 128 architectures): ND 0.948 [0.942, 0.954] (k = 20; NASFLAT's "
            "HELP figure 0.948). Not run on F2 in this profile (HELP's FBNet meta-training: profiles/paper.yaml).") in text
    table = text.split("**Information budget**", 1)[1]
    assert table.index("| stack [reads full source tables] | pre-registered |") < table.index("| flops | baseline |")
    recorded = [SpearmanResult("all_archs", "F2", "help_record", 20, 0.7, 0.01, 5, 0.69, 0.71),
                SpearmanResult("nasflat_128", "F2", "help_record", 20, 0.6, 0.01, 5, 0.59, 0.61)]
    text = "\n".join(predictors_section(replace(s, spearman=rows + helps + recorded, targets=[f2, nd]), Path(".")))
    assert "| F2 | 0.871 | 0.543 | 0.700 [0.690, 0.710] | 0.867 (stack, 20)" in text and "Not run on" not in text
    assert ("(first 128 architectures): F2 0.600 [0.590, 0.610] (k = 20; NASFLAT's HELP figure 0.543); ND 0.948 "
            "[0.942, 0.954] (k = 20; NASFLAT's HELP figure 0.948). On F2: HELP at its authors' FBNet budget (4,000 "
            "meta-training episodes)") in text
    assert ("the pre-registered method is ahead of it on F2 (0.867 vs 0.700); behind it on ND (0.867 vs 0.900) (ahead "
            "or behind: the two 95 % intervals apart; level: they overlap).") in text
    level = replace(nd, ci_low=0.85, ci_high=0.95)
    text = "\n".join(predictors_section(replace(s, spearman=rows + helps, targets=[f2, level]), Path(".")))
    assert "the pre-registered method is level with it on ND (0.867 vs 0.900)" in text


def test_section_five_states_the_scale_of_the_searched_spaces_next_to_the_verdicts(reports: Path) -> None:
    section = report.build(reports).split("## 5.", 1)[1]
    assert section.index("**Verdict at HV") < section.index("**Read these verdicts at their scale.**")
    assert "is 7-14 % of the space searched (mbv3_1d 150 of 2187, resnet_1d 300 of 2187)" in section and "it does not test the paper's" in section


def test_section_three_states_the_test_splits_sampling_noise_against_the_tolerance() -> None:
    from dataclasses import replace

    from nas_utils.sections.sparsenas import sparsenas_section, test_noise_note

    s = summaries.supernet()
    assert test_noise_note(s) == ""  # not recorded: nothing said
    fam = replace(s.families[0], test_samples=1000, median_test_accuracy=0.84)
    assert fam.accuracy_se == pytest.approx((0.84 * 0.16 / 1000) ** 0.5)
    text = "\n".join(sparsenas_section(replace(s, families=[fam]), Path(".")))
    assert "mbv3_1d: 1000 signals at 84 % median accuracy, 1.2 pp (1.4 % of the accuracy)" in text
    assert "on mbv3_1d one network's accuracy moves by more than the tolerance" in text
    quiet = replace(fam, test_samples=10**6)
    assert "within the tolerance" in test_noise_note(replace(s, families=[quiet]))


def test_a_verdict_registered_after_its_tasks_result_was_seen_says_so() -> None:
    """The third registration came from ND test devices' data after ND's miss had been published: its ND verdict
    (our protocol and HELP's) carries the caveat in section 2; other tasks, and earlier registrations, do not."""
    from dataclasses import replace

    from nas_utils.results.predictors import REGISTRATIONS, SpearmanResult, TaskBest, registration
    from nas_utils.sections.predictors import predictors_section, seen_first

    third = registration("stack_linear_blocks_out")
    assert third is REGISTRATIONS[-1] and third.seen_first == ("ND",)
    assert seen_first("stack_linear_blocks_out", "ND") == " (registered after ND's result was seen)"
    assert seen_first("stack_linear_blocks_out", "F2") == "" and seen_first("stack_linear_blocks", "ND") == ""
    assert seen_first(None, "ND") == "" and registration("flops") is None
    nd = TaskBest("ND", "all_archs", third.method, 20, 0.955, 0.003, None, None, None, 0.959, 0.948, 5, 0.952, 0.958)
    f2 = replace(nd, task="F2", nasflat=0.871, help_by_nasflat=0.543)
    helps = [SpearmanResult("help_800", "ND", third.method, 10, 0.88, 0.04, 5, 0.83, 0.93)]
    s = replace(summaries.predictors(), method=third.method, spearman=helps, targets=[nd, f2])
    text = "\n".join(predictors_section(s, Path(".")))
    nd_row = next(line for line in text.splitlines() if line.startswith("| ND |"))
    f2_row = next(line for line in text.splitlines() if line.startswith("| F2 |"))
    assert nd_row.endswith("misses (registered after ND's result was seen) |")
    assert "registered after" not in f2_row
    assert "**misses** (registered after ND's result was seen)" in text  # HELP's protocol is ND too
    assert "Its verdict on ND is not independent evidence: its output-op features came from" in text
    assert ("The loop runs `mlp`, the method registered for it with its settings; the headline's later registration "
            "(`stack_linear_blocks_out`) did not change it.") in text
    same = "\n".join(predictors_section(replace(s, method="mlp"), Path(".")))
    assert "The loop runs" not in same  # the loop and the headline use one method: nothing to say


def test_the_worth_of_helps_train_pool_range_is_read_off_the_development_record() -> None:
    """HELP's loader scales a target's labels by its train-pool range: section 2 states what that is worth on the
    development target at this run's episodes (both scales in the record), and says nothing without both."""
    from dataclasses import replace

    from nas_utils.sections.predictors import help_scale_note, predictors_section

    s = summaries.predictors()
    note = help_scale_note(s)
    assert note == ("What the target's train-pool range is worth to HELP (development target dev_ND, 500 episodes, 3 "
                    "trials, HELP's protocol; record `help_episodes.csv`): 0.800 [0.750, 0.850] with the support labels "
                    "scaled by it, as HELP's loader does and this run does, against 0.700 scaled by the target's own "
                    "measurements only.")
    assert note in "\n".join(predictors_section(s, Path(".")))
    assert help_scale_note(replace(s, help_episodes=2000)) == ""  # no 'measured' row at 2,000 episodes
    assert "and this run does" not in help_scale_note(replace(s, help_target_scale="measured"))


def test_the_papers_framing_of_the_8x_gets_an_interval_and_a_verdict(reports: Path) -> None:
    """DyNAS-T's own statement (WeakNAS needs 800 evaluations to match LINAS's HV after 100) is judged like every
    ratio: a censored median is a lower bound, and the same words stand at a glance and in section 1."""
    text = report.build(reports)
    glance = text.split("## At a glance", 1)[1].split("## 1.", 1)[0]
    row = next(line for line in glance.splitlines() if "to match LINAS's HV after 100" in line)
    assert "cifar10/pixel2 not reached [301, inf] (>3.01x)" in row and "cifar10/pixel2: inconclusive" in row
    assert "no verdict" not in row
    section = text.split("## 1.", 1)[1].split("## 2.", 1)[0]
    assert ("- cifar10/pixel2: WeakNAS's evaluations to match the HV LINAS reaches with 100: not reached "
            "[301, inf] (>3.01x), **inconclusive**") in section
    assert report.headline(report.load_summaries(reports))["search.pixel2.weaknas_match_x"] is None
    assert "**The paper's framing on this stage's runs (" in text.split("## 5.", 1)[1]  # super-networks: the same paragraph
    assert sum("the paper's own framing of the 8x" in line for line in glance.splitlines()) == 2


def test_a_ratio_of_two_censored_medians_says_that_neither_reached() -> None:
    """No ratio exists when neither median reached the threshold: the words say so instead of "no data"."""
    from nas_utils.claims import WEAKNAS_VS_LINAS, Estimate, verdict
    from nas_utils.results.search import RatioResult
    from nas_utils.sections.common import ratio_words

    none = RatioResult("weaknas", "linas", 0.99, None, None, None, "undefined")
    assert ratio_words(none, verdict(Estimate(None), WEAKNAS_VS_LINAS)) == "no verdict (neither reached)"
    assert ratio_words(None, verdict(Estimate(None), WEAKNAS_VS_LINAS)) == "no data"


def test_a_super_network_record_of_other_tables_is_named_not_silently_dropped() -> None:
    """A retrained checkpoint (e.g. on another CPU) changes the tables: the record's rows are left out, and the
    report says so and how to rerun it."""
    from dataclasses import replace

    from nas_utils.sections.search_supernet import seed_record_lines

    s = replace(summaries.search_supernet(), seed_record=None, seed_record_stale=420)
    (line, _) = seed_record_lines(s)
    assert "none of its 420 rows searched this run's tables" in line and "supernet_seeds --seeds 20" in line
    assert seed_record_lines(replace(s, seed_record_stale=0)) == []
