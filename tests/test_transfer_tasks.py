import pytest

from nas_utils.errors import UnknownNameError
from nas_utils.transfer.tasks import PUBLISHED, TASKS, UNAVAILABLE, TransferTask, get_task


def test_help_split_matches_algorithms_md():
    t = get_task("ND")
    assert t.space == "nb201" and len(t.sources) == 9
    assert t.targets == ("titan_rtx_256", "gold_6226", "fpga", "pixel2", "raspi4", "eyeriss")
    assert get_task("FD").targets == ("fpga", "raspi4", "eyeriss")
    assert len(get_task("FA").sources) == 15


def test_every_available_published_task_is_registered():
    for name in PUBLISHED["NASFLAT"]:
        assert (name in TASKS) != (name in UNAVAILABLE)


def test_own_tasks_split_gpu_and_edge():
    t = get_task("nb201_edge2gpu")
    assert all(d.split("_")[-1].isdigit() and d[0].isdigit() or "titan" in d for d in t.targets)
    assert set(get_task("nb201_gpu2edge").sources) == set(t.targets)


def test_unknown_and_unavailable_tasks_give_one_line_errors():
    with pytest.raises(UnknownNameError) as exc:
        get_task("NX")
    assert "ND" in str(exc.value) and "\n" not in str(exc.value)
    with pytest.raises(UnknownNameError, match="unavailable: needs HW-NAS-Bench"):
        get_task("NA")


def test_unknown_device_in_task_lists_valid_devices():
    with pytest.raises(UnknownNameError, match="valid choices: .*pixel2"):
        TransferTask("x", "nb201", ("pixel9",), ("pixel2",), "test")


def test_help_reference_architectures_match_the_raw_data():
    import torch

    from nas_utils.paths import raw_dir
    from nas_utils.transfer.data import HELP_REFERENCE

    for space, folder in (("nb201", "nasbench201"), ("fbnet", "fbnet")):
        raw = torch.load(raw_dir() / "help" / folder / "hardware_embedding_index.pt")
        assert tuple(int(i) for i in raw) == HELP_REFERENCE[space]


def test_config_rejects_unknown_and_unavailable_tasks_in_one_line():
    from nas_utils import config
    from nas_utils.errors import ConfigError

    with pytest.raises(ConfigError, match="unavailable") as exc:
        config.load("predictors", tasks=["N2"])
    assert "\n" not in str(exc.value)
    with pytest.raises(ConfigError, match="valid choices: .*ND"):
        config.load("predictors", tasks=["XX"])
    with pytest.raises(ConfigError, match="predictors.method"):
        config.load("predictors", method="best_of_everything")
