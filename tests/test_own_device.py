"""`hwnas transfer`: notebook 04's predictor on a device in no table (nas_utils.transfer.own_device)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from nas_utils.cli import main
from nas_utils.errors import ConfigError
from nas_utils.spaces import get_space
from nas_utils.tables import load_latency
from nas_utils.transfer import own_device
from nas_utils.transfer.tasks import get_task

DEVICE = "gold_6240"  # a HELP device that is neither a source nor a target of ND: it stands in for "yours"


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`suggest`'s file with the stand-in device's latencies filled in, as a user would."""
    path = tmp_path_factory.mktemp("own") / "to_measure.csv"
    assert main(["transfer", "suggest", "--k", "10", "--out", str(path)]) == 0
    df = pd.read_csv(path)
    df["latency_ms"] = load_latency("nb201", [DEVICE])[df["index"], 0]
    df.to_csv(path, index=False)
    return path


def test_suggest_is_k_distinct_architectures_without_device_data_and_fixed_by_the_seed() -> None:
    a = own_device.suggest("nb201", 10, seed=0)
    assert list(a.columns) == ["index", "arch", "latency_ms"] and len(a) == 10 and a["index"].is_unique
    assert a["latency_ms"].isna().all()
    space, X = get_space("nb201"), own_device.own_device_data("nb201").X
    assert [int(np.flatnonzero((X == space.from_string(s)).all(axis=1))[0])
            for s in a["arch"]] == a["index"].tolist()  # the arch strings name the rows
    assert own_device.suggest("nb201", 10, seed=0).equals(a) and not own_device.suggest("nb201", 10, seed=1).equals(a)


def test_predict_reads_only_the_measured_rows_and_ranks_the_device(filled: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "predicted.csv"
    assert main(["transfer", "predict", "--measurements", str(filled), "--out", str(out)]) == 0
    p = pd.read_csv(out)
    assert list(p.columns) == ["index", "arch", "latency_ms", "measured_ms"] and len(p) == 15625
    assert p["latency_ms"].notna().all()  # the device's column is NaN off the measured rows: none was read
    m = pd.read_csv(filled)
    assert p.loc[m["index"], "measured_ms"].tolist() == pytest.approx(m["latency_ms"].round(6).tolist())
    assert p["measured_ms"].notna().sum() == 10
    truth = load_latency("nb201", [DEVICE])[:, 0]
    assert spearmanr(p["latency_ms"], truth).statistic > 0.8  # a sanity bound, not a benchmark number
    by_arch = tmp_path / "by_arch.csv"
    m.drop(columns="index").to_csv(by_arch, index=False)
    out2 = tmp_path / "predicted2.csv"
    capsys.readouterr()
    assert main(["transfer", "predict", "--measurements", str(by_arch), "--out", str(out2), "--check"]) == 0
    assert pd.read_csv(out2).equals(p)  # arch strings or indices: the same prediction; --check changes nothing
    said = capsys.readouterr().out
    rho = float(said.split("leave-one-out Spearman over them ", 1)[1].split(":", 1)[0])
    measured = own_device.parse_measurements(m, "nb201")
    assert rho == round(own_device.leave_one_out("nb201", measured), 3) and 0.5 < rho <= 1


def test_sources_default_to_helps_split_of_the_space() -> None:
    assert own_device.sources_for("nb201") == get_task("ND").sources
    assert own_device.sources_for("fbnet", ["pixel3"]) == ("pixel3",)


@pytest.mark.parametrize(("table", "message"), [
    ({"index": [1, 2, 3, 4, 5]}, "have the columns index; valid: latency_ms"),
    ({"index": [1, 2, 3, 4, 5], "latency_ms": [1, 2, None, 4, 5]}, "latency_ms on data line 3 is blank"),
    ({"index": [1, 2, 3, 4, 5], "latency_ms": [1, 2, 3, 4, -5]}, "latency_ms on data line 5 is '-5'"),
    ({"index": [1, 2, 3, 4, 15625], "latency_ms": [1, 2, 3, 4, 5]}, "index '15625' is not a row of nb201"),
    ({"index": [1, 2, 3, 4, 4], "latency_ms": [1, 2, 3, 4, 5]}, "architecture index 4 is measured twice"),
    ({"index": [1, 2, 3], "latency_ms": [1, 2, 3]}, "3 measurements are too few; valid: at least 5"),
    ({"arch": ["|x|"] * 5, "latency_ms": [1, 2, 3, 4, 5]}, "arch '|x|' is not an architecture of nb201"),
])
def test_bad_measurements_name_the_value_and_the_valid_choices(table: dict[str, list[object]], message: str) -> None:
    with pytest.raises(ConfigError, match="valid") as err:
        own_device.parse_measurements(pd.DataFrame(table), "nb201")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "p.csv"
    blank = tmp_path / "blank.csv"
    own_device.suggest("nb201", 5).to_csv(blank, index=False)  # latency_ms not filled in
    for argv in (["predict", "--measurements", str(blank)], ["predict", "--measurements", str(tmp_path / "none.csv")],
                 ["suggest", "--k", "0"], ["suggest", "--sources", "pixel3,nope"], ["suggest", "--seed", "-1"]):
        assert main(["transfer", *argv, "--out", str(out)]) == 2, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "valid" in err and len(err.splitlines()) == 1, err
    assert main(["transfer", "suggest", "--out", str(tmp_path / "p.json")]) == 2
    assert not list(tmp_path.glob("p.*"))


def test_a_search_on_a_latency_file_is_the_search_on_that_table(tmp_path: Path) -> None:
    """`hwnas search --latency-file` with a HELP device's own table gives that device's search, evaluation for
    evaluation; a file that misses architectures stops with one line and writes nothing."""
    table = tmp_path / "gold.csv"
    pd.DataFrame({"index": np.arange(15625), "latency_ms": load_latency("nb201", ["gold_6226"])[:, 0]}).to_csv(
        table, index=False)
    runs = {}
    for name, extra in (("file", ["--latency-file", str(table)]), ("device", ["--device", "gold_6226"])):
        out = tmp_path / f"{name}.csv"
        assert main(["search", "--tactic", "nsga2", "--budget", "40", "--quiet", "--out", str(out), *extra]) == 0
        runs[name] = pd.read_csv(out)
    assert (runs["file"]["device"] == "file:gold.csv").all()
    cols = [c for c in runs["device"].columns if c != "device"]
    assert runs["file"][cols].equals(runs["device"][cols])
    short = tmp_path / "short.csv"
    pd.read_csv(table).head(100).to_csv(short, index=False)
    assert main(["search", "--tactic", "nsga2", "--latency-file", str(short), "--out", str(tmp_path / "x.csv")]) == 2
    assert not (tmp_path / "x.csv").exists()


def test_a_method_that_reads_more_of_the_target_says_so_and_is_refused_before_training(
        filled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """HELP's faithful label scaling reads the min and max of the target's trimmed train pool: the information-budget
    table says so, and a device in no table cannot give it (one line, before any meta-training)."""
    from nas_utils import config
    from nas_utils.experiments.predictor_transfer import budget_table

    budget = budget_table(config.load("predictors")).set_index("method")["target_measurements"]
    assert budget["help"] == ("k + 10, and the min and max latency of the target's trimmed train pool (HELP's label "
                              "scaling)")
    assert budget["stack_linear_blocks_out"] == "k"
    out = tmp_path / "p.csv"
    assert main(["transfer", "predict", "--measurements", str(filled), "--method", "help", "--out", str(out)]) == 2
    assert "also reads the min and max latency of the target's trimmed train pool" in capsys.readouterr().err
    assert not out.exists()
