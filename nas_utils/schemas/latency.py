"""Schema of ``params.yaml: latency`` (stage ``latency_collection``, notebook 03)."""

from __future__ import annotations

from dataclasses import dataclass

from nas_utils import config
from nas_utils.latency.devices import MEASURE_DEVICES
from nas_utils.latency.measure import STATISTICS, MeasureSettings
from nas_utils.supernets import SUPERNETS


@config.section("latency")
@dataclass(frozen=True)
class LatencyConfig:
    """Parameters of the ``latency_collection`` stage (``params.yaml: latency``)."""

    supernets: tuple[str, ...]
    n_subnets: int
    devices: tuple[str, ...]
    repeats: int
    warmup: int
    min_block_ms: float
    rounds: int
    statistic: str
    quality_supernet: str
    quality_devices: tuple[str, ...]
    quality_n: int
    quality_rounds: int
    cuda_glob: str
    seed: int

    def __post_init__(self) -> None:
        config.check_nonempty("latency.supernets", self.supernets)
        config.check_choices("latency.supernets", self.supernets, SUPERNETS.names())
        config.check_nonempty("latency.devices", self.devices)
        config.check_choices("latency.devices", self.devices, MEASURE_DEVICES.names())
        config.check_range("latency.n_subnets", self.n_subnets, low=2)
        config.check_range("latency.repeats", self.repeats, low=3)
        config.check_range("latency.warmup", self.warmup, low=0)
        config.check_range("latency.min_block_ms", self.min_block_ms, low=0.0)
        config.check_range("latency.rounds", self.rounds, low=1)
        config.check_choice("latency.quality_supernet", self.quality_supernet, SUPERNETS.names())
        config.check_choice("latency.statistic", self.statistic, STATISTICS)
        config.check_choices("latency.quality_devices", self.quality_devices, MEASURE_DEVICES.names())
        config.check_range("latency.quality_n", self.quality_n, low=3)
        config.check_range("latency.quality_rounds", self.quality_rounds, low=2)

    def settings(self, seed_offset: int = 0) -> MeasureSettings:
        return MeasureSettings(repeats=self.repeats, warmup=self.warmup, min_block_ms=self.min_block_ms,
                               statistic=self.statistic, seed=self.seed + seed_offset)
