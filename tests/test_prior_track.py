"""The near-limit tactic with latency known a priori (a separate, labelled track): one run, its record rows
and the stage's summary of them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nas_utils.experiments.search_records import prior_track_results
from nas_utils.search.prior_track import TrackRun, run_one


def test_a_run_is_deterministic_and_counts_on_true_latencies() -> None:
    run = TrackRun("cifar10", "pixel2", seed=0, k=20, budget=30)
    row = run_one(run)
    assert row["tactic"] == "hvgain" and row["method"] == "stack_linear_blocks" and row["k"] == 20
    assert 0.5 < row["latency_spearman"] <= 1 and 0 < row["final_hv"] <= 1
    assert {k: v for k, v in run_one(run).items() if k != "cpu_s"} == {k: v for k, v in row.items() if k != "cpu_s"}


def test_summary_takes_medians_with_intervals_per_cell() -> None:
    record = pd.DataFrame([{"tactic": "hvgain", "cell": "cifar10/pixel2", "seed": s, "budget": 300, "k": 20,
                            "method": "stack_linear_blocks", "latency_spearman": 0.9 + s / 100, "final_hv": 0.999,
                            "evals@0.99": 40 + s, "evals@0.995": 50 + s, "evals@0.999": np.inf, "cpu_s": 5.0}
                           for s in range(5)])
    [res] = prior_track_results(record, "hvgain")
    assert res.cell == "cifar10/pixel2" and res.latency_spearman == 0.92 and res.at(0.995).median == 52
    assert res.at(0.999).never and res.at(0.999).ci_low == 301
    assert prior_track_results(record, "linas") == [] and prior_track_results(pd.DataFrame(), "hvgain") == []
    oracle = record.assign(prior="exact_latency", cell="cifar100/silver_4114")  # the oracle diagnostic, not the track
    [only] = prior_track_results(pd.concat([record.assign(prior="transfer"), oracle]), "hvgain")
    assert only.cell == "cifar10/pixel2"


def test_bad_prior_is_one_line_and_oracles_run_on_test_cells_only_post_hoc(capsys) -> None:
    from nas_utils.search.prior_track import cli

    assert cli(["--prior", "magic", "--cells", "dev"]) == 2
    assert capsys.readouterr().err == ("error: --prior='magic' is not valid; valid choices: transfer, exact_latency, "
                                       "exact_accuracy, exact_both, none\n")
    for prior in ("exact_latency", "exact_accuracy", "transfer,exact_both"):
        assert cli(["--prior", prior]) == 2
        assert "runs on --cells dev, or on the test cells with --post-hoc" in capsys.readouterr().err


def test_oracle_priors_know_exactly_their_objectives() -> None:
    from nas_utils.evaluators import load_benchmark
    from nas_utils.results.search import ORACLE_PRIORS
    from nas_utils.search.prior_track import ORACLES, OraclePriorBenchmark

    assert set(ORACLE_PRIORS) == {*ORACLES, "none"}  # the report labels every prior the script runs
    bench = load_benchmark("nb201", "cifar10", "pixel2")
    X = bench.space.enumerate()[:7]
    for known, columns in ((("latency",), [1]), (("accuracy",), [0]), (("accuracy", "latency"), [0, 1])):
        ev = OraclePriorBenchmark(bench, known)
        P = ev.prior(X)
        assert np.array_equal(P[:, columns], bench.evaluate(X)[:, columns])
        assert np.isnan(np.delete(P, columns, axis=1)).all()
        assert ev.n_evaluations == 0  # knowing is not validating
    row = run_one(TrackRun("cifar10", "pixel2", seed=0, budget=40, prior="exact_both"))
    assert row["method"] == "true accuracy and latency (oracle)" and row["latency_spearman"] == 1.0
    assert row["evals@0.999"] <= 40  # both objectives known: the acquisition goes straight to the front


def test_a_record_resumes_where_it_stopped(tmp_path) -> None:
    from nas_utils.search.records import extend_record

    out = str(tmp_path / "record.csv")
    calls: list[int] = []

    def run(n: int) -> dict[str, object]:
        calls.append(n)
        return {"n": n, "square": n * n}

    assert len(extend_record(out, [1, 2], run, lambda n: n, lambda row: int(row["n"]))) == 2
    rows = extend_record(out, [1, 2, 3], run, lambda n: n, lambda row: int(row["n"]))
    assert calls == [1, 2, 3] and [r["square"] for r in rows] == [1, 4, 9]  # 1 and 2 were not rerun
    assert pd.read_csv(out)["n"].tolist() == [1, 2, 3]
