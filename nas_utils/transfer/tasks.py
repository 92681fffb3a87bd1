"""The latency-transfer task suite as data: space, source devices, target devices.

Task definitions follow NASFLAT's ``device_task_list.py`` (ALGORITHMS.md Part 1 §1b): ``ND``/``FD``
are the HELP splits, ``F1``-``F4``/``FA`` the harder FBNet splits. ``N1``-``N4`` and ``NA`` need
HW-NAS-Bench devices (edge TPU, Jetson, Snapdragon DSP/GPU, ...) that the HELP data does not
contain; they are listed in :data:`UNAVAILABLE` with the reason and never invented. Our own tasks
``<space>_edge2gpu`` / ``<space>_gpu2edge`` transfer from every CPU, phone and embedded device to
every GPU configuration, and the reverse -- the situation of a user who has measured one device
family and now deploys on the other.

>>> from nas_utils.transfer.tasks import get_task
>>> t = get_task("ND"); t.space, len(t.sources), t.targets[0]
('nb201', 9, 'titan_rtx_256')
>>> get_task("N1")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
nas_utils.transfer.tasks.UnavailableTaskError: unknown transfer task 'N1' (unavailable: needs HW-NAS-Bench ...
"""

from __future__ import annotations

from dataclasses import dataclass

from nas_utils.claims import NASFLAT_TABLE
from nas_utils.errors import UnknownNameError
from nas_utils.latency.benchmark_devices import devices_for, devices_of_kind
from nas_utils.registry import Registry


@dataclass(frozen=True)
class TransferTask:
    """One few-shot transfer task: pre-train on ``sources``, adapt to each of ``targets``."""

    name: str
    space: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    origin: str  # where the split comes from

    def __post_init__(self) -> None:
        valid = devices_for(self.space)
        for d in self.sources + self.targets:
            if d not in valid:
                raise UnknownNameError(f"device for space {self.space} in task {self.name}", d, valid)
        overlap = set(self.sources) & set(self.targets)
        if overlap:
            raise ValueError(f"task {self.name}: devices {sorted(overlap)} are both source and target")


TASKS: Registry[TransferTask] = Registry("transfer task")

_HELP_SRC = ("1080ti_1", "1080ti_32", "{big}", "silver_4114", "silver_4210r", "samsung_a50", "pixel3",
             "essential_ph_1", "samsung_s7")
_FB_GPUS = tuple(f"{g}_{b}" for g in ("1080ti", "2080ti", "titan_rtx", "titanx", "titanxp") for b in (1, 32, 64))

_NASFLAT = "NASFLAT device_task_list.py"
_TABLE: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("ND", "nb201", tuple(d.format(big="1080ti_256") for d in _HELP_SRC),
     ("titan_rtx_256", "gold_6226", "fpga", "pixel2", "raspi4", "eyeriss"), "HELP NB201 split = " + _NASFLAT + " 0"),
    ("FD", "fbnet", tuple(d.format(big="1080ti_64") for d in _HELP_SRC),
     ("fpga", "raspi4", "eyeriss"), "HELP FBNet split = " + _NASFLAT + " 0"),
    ("F1", "fbnet", ("2080ti_1", "essential_ph_1", "silver_4114", "titan_rtx_1", "titan_rtx_32"),
     ("eyeriss", "fpga", "raspi4", "samsung_a50", "samsung_s7"), _NASFLAT + " 1"),
    ("F2", "fbnet", ("essential_ph_1", "gold_6226", "gold_6240", "pixel3", "raspi4"),
     ("1080ti_1", "1080ti_32", "2080ti_32", "titan_rtx_1", "titanxp_1"), _NASFLAT + " 2"),
    ("F3", "fbnet", ("essential_ph_1", "pixel2", "pixel3", "raspi4", "samsung_s7"),
     ("1080ti_1", "1080ti_32", "2080ti_1", "titan_rtx_1", "titan_rtx_32"), _NASFLAT + " 3"),
    ("F4", "fbnet", ("1080ti_64", "2080ti_1", "eyeriss", "gold_6226", "gold_6240", "raspi4", "samsung_s7",
                     "silver_4210r", "titan_rtx_1", "titan_rtx_32"),
     ("1080ti_1", "pixel2", "essential_ph_1"), _NASFLAT + " 4"),
    ("FA", "fbnet", _FB_GPUS, ("gold_6226", "essential_ph_1", "samsung_s7", "pixel2"), _NASFLAT + " 5"),
)
for _name, _space, _src, _tgt, _origin in _TABLE:
    TASKS.add(_name, TransferTask(_name, _space, _src, _tgt, _origin))

_EDGE_KINDS = ("cpu", "mobile", "embedded", "asic", "fpga")
for _space in ("nb201", "fbnet"):
    _edge, _gpu = tuple(devices_of_kind(_space, *_EDGE_KINDS)), tuple(devices_of_kind(_space, "gpu"))
    TASKS.add(f"{_space}_edge2gpu", TransferTask(f"{_space}_edge2gpu", _space, _edge, _gpu, "ours: CPUs+phones+embedded -> GPUs"))
    TASKS.add(f"{_space}_gpu2edge", TransferTask(f"{_space}_gpu2edge", _space, _gpu, _edge, "ours: GPUs -> CPUs+phones+embedded"))

# Development tasks (issue 12 §3): methods and hyper-parameters are chosen on these only. Each
# holds out whole devices that are never a test target of any task above: source devices of ND/FD
# (leave-some-sources-out), and GPUs of FA's source set predicted from F2's and F3's CPU/phone
# sources (the GPU situation of F2/F3 without touching their targets).
_DEV_HELD_ND = ("1080ti_32", "silver_4210r", "samsung_s7")
_DEV_HELD_FD = ("1080ti_64", "silver_4210r", "pixel3")
_DEV: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str], ...] = (
    ("dev_ND", "nb201", tuple(d for d in TASKS.get("ND").sources if d not in _DEV_HELD_ND), _DEV_HELD_ND,
     "development: ND sources, 3 held out"),
    ("dev_FD", "fbnet", tuple(d for d in TASKS.get("FD").sources if d not in _DEV_HELD_FD), _DEV_HELD_FD,
     "development: FD sources, 3 held out"),
    ("dev_F2", "fbnet", TASKS.get("F2").sources, ("titanx_1", "titanx_32", "titanxp_32", "2080ti_64"),
     "development: F2 sources -> held-out FA source GPUs"),
    ("dev_F3", "fbnet", TASKS.get("F3").sources, ("titanx_64", "titanxp_64", "titan_rtx_64", "2080ti_64"),
     "development: F3 sources -> held-out FA source GPUs"),
    ("dev_FA", "fbnet", tuple(d for d in _FB_GPUS if d not in ("titanx_64", "titanxp_64")),
     ("silver_4114", "gold_6240", "pixel3"), "development: FA's GPUs -> CPUs/phone of other source sets"),
)
for _name, _space, _src, _tgt, _origin in _DEV:
    TASKS.add(_name, TransferTask(_name, _space, _src, _tgt, _origin))
DEV_TASKS: tuple[str, ...] = tuple(t[0] for t in _DEV)
#: A development task kept out of DEV_TASKS (data/preregistration/predictors/README.md, "Session 28"): pixel3, an ND
#: source that drops the NB201 ops that cannot reach the output, as raspi4 (an ND test target) does.
DEAD_OP_DEV_TASK = "dev_ND_pixel3"
TASKS.add(DEAD_OP_DEV_TASK, TransferTask(DEAD_OP_DEV_TASK, "nb201",
                                         tuple(d for d in TASKS.get("ND").sources if d != "pixel3"), ("pixel3",),
                                         "development: ND sources minus pixel3 -> pixel3"))
TEST_TARGETS: frozenset[tuple[str, str]] = frozenset((t[1], d) for t in _TABLE for d in t[3])
for _name, _space, _src, _tgt, _origin in (*_DEV, (DEAD_OP_DEV_TASK, "nb201", (), ("pixel3",), "")):
    assert not {(_space, d) for d in _tgt} & TEST_TARGETS, f"{_name} holds out a test target"

#: NASFLAT tasks we cannot run, with the reason (never replaced by invented data).
UNAVAILABLE: dict[str, str] = {
    "N1": "needs HW-NAS-Bench devices embedded_tpu_edge_tpu_int8, mobile_gpu_snapdragon_675_adreno_612_int8, "
          "mobile_gpu_snapdragon_855_adreno_640_int8 that the HELP data does not measure",
    "N2": "needs HW-NAS-Bench devices embedded_gpu_jetson_nano_fp16, embedded_tpu_edge_tpu_int8, "
          "mobile_dsp_snapdragon_*_hexagon_* that the HELP data does not measure",
    "N3": "needs HW-NAS-Bench devices desktop_gpu_gtx_1080ti_fp32, embedded_gpu_jetson_nano_fp16, "
          "mobile_dsp_snapdragon_675_hexagon_685_int8 that the HELP data does not measure",
    "N4": "needs HW-NAS-Bench devices desktop_cpu_core_i7_7820x_fp32, embedded_gpu_jetson_nano_fp32, "
          "embedded_tpu_edge_tpu_int8 and Snapdragon devices that the HELP data does not measure",
    "NA": "needs HW-NAS-Bench targets desktop_gpu_gtx_1080ti_fp32, embedded_tpu_edge_tpu_int8 "
          "that the HELP data does not measure",
}

#: Published Spearman (NASFLAT repo results_geomean.py; HELP README), ALGORITHMS.md Part 1.
PUBLISHED = NASFLAT_TABLE  # the published figures live in nas_utils.claims
#: HELP README Table 3 (NB201, 10 target samples, 800-arch trimmed query pool), per target device.
HELP_ND_PUBLISHED: dict[str, float] = {"titan_rtx_256": 0.987, "gold_6226": 0.989, "pixel2": 0.802,
                                       "raspi4": 0.890, "eyeriss": 0.940, "fpga": 0.985}


class UnavailableTaskError(UnknownNameError):
    """A published task whose devices the data lacks."""

    def __init__(self, name: str) -> None:
        super().__init__("transfer task", name, TASKS.names())
        self.args = (f"unknown transfer task {name!r} (unavailable: {UNAVAILABLE[name]}); "
                     f"valid choices: {', '.join(self.valid)}",)


def get_task(name: str) -> TransferTask:
    """The registered task ``name``; unavailable or unknown names raise a one-line error."""
    if name in UNAVAILABLE:
        raise UnavailableTaskError(name)
    return TASKS.get(name)
