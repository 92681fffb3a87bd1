"""The measured device configurations of the HELP latency dataset, as one registry.

A *device configuration* is a piece of hardware at one batch size, named like HELP's files
(``titan_rtx_256`` = Titan RTX at batch 256). The NAS-Bench-201 data has GPUs at batch
1/32/256; FBNet has them at 1/32/64. Everything else is batch 1.

>>> from nas_utils.latency.benchmark_devices import DEVICES, devices_for
>>> DEVICES.get("pixel2").kind
'mobile'
>>> len(devices_for("nb201")), len(devices_for("fbnet"))
(27, 27)
"""

from __future__ import annotations

from dataclasses import dataclass

from nas_utils.registry import Registry


@dataclass(frozen=True)
class DeviceConfig:
    """One measured device configuration (hardware x batch size)."""

    name: str
    hardware: str
    kind: str  # gpu | cpu | mobile | embedded | asic | fpga
    batch_size: int
    spaces: tuple[str, ...]


DEVICES: Registry[DeviceConfig] = Registry("device")

_GPUS = ("1080ti", "2080ti", "titanx", "titanxp", "titan_rtx")
_BATCHES = {"nb201": (1, 32, 256), "fbnet": (1, 32, 64)}


def _add(name: str, hardware: str, kind: str, batch: int, spaces: tuple[str, ...]) -> None:
    DEVICES.add(name, DeviceConfig(name, hardware, kind, batch, spaces))


for _gpu in _GPUS:
    for _batch in sorted({b for bs in _BATCHES.values() for b in bs}):
        _spaces = tuple(s for s, bs in _BATCHES.items() if _batch in bs)
        _add(f"{_gpu}_{_batch}", _gpu, "gpu", _batch, _spaces)
for _cpu in ("gold_6226", "gold_6240", "silver_4114", "silver_4210r"):
    _add(_cpu, _cpu, "cpu", 1, ("nb201", "fbnet"))
for _phone in ("pixel2", "pixel3", "samsung_a50", "samsung_s7", "essential_ph_1"):
    _add(_phone, _phone, "mobile", 1, ("nb201", "fbnet"))
_add("raspi4", "raspi4", "embedded", 1, ("nb201", "fbnet"))
_add("eyeriss", "eyeriss", "asic", 1, ("nb201", "fbnet"))
_add("fpga", "fpga", "fpga", 1, ("nb201", "fbnet"))


def devices_for(space: str) -> list[str]:
    """Names of the device configurations measured on ``space`` (sorted)."""
    return [n for n in DEVICES.names() if space in DEVICES.get(n).spaces]


def devices_of_kind(space: str, *kinds: str) -> list[str]:
    return [n for n in devices_for(space) if DEVICES.get(n).kind in kinds]
