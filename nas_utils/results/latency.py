"""Typed summary of stage ``latency_collection`` (notebook 03): device latency on this machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from nas_utils.results.base import Summary


@dataclass(frozen=True)
class Environment:
    cpu_model: str | None = None
    cpu_count: int | None = None
    affinity: int | None = None
    torch_version: str | None = None
    onnxruntime_version: str | None = None
    python_version: str | None = None
    gpu_model: str | None = None


@dataclass(frozen=True)
class DeviceLatency:
    """Latency of the sampled sub-networks of one super-network on one device."""

    supernet: str
    device: str
    n: int
    median_latency_ms: float
    min_ms: float
    max_ms: float
    median_round_cv: float
    median_cv: float
    median_robust_cv: float
    contended_records: int = 0          # records marked contended (measure.py step 8)
    contention: str = ""                # the first marked record's reasons

    @property
    def contended(self) -> bool:
        """Measured on a busy machine (:func:`busy_run` over the ``n`` records)."""
        return busy_run(self.contended_records, self.n)


#: A run (the records of one measurement call or quality check) counts as measured on a busy
#: machine when more than this share of its records is marked contended. Records cross the
#: per-record bounds on a quiet machine too, mostly the round-to-round CV, whose 3 % bound is the
#: stage's target for the *median* record: quiet runs of the latency stage and of the two-pass
#: checks (data/measured/rounds_check.csv) marked 0-47 % of their 200 records, the two busy stage
#: runs on record 75-79 %. The cut sits between the two.
BUSY_RUN_SHARE = 0.6


def busy_run(contended: int, records: int) -> bool:
    """Whether a run as a whole was measured on a busy machine: more than :data:`BUSY_RUN_SHARE`
    of its ``records`` are marked contended (one marked record says only that it was disturbed).

    >>> busy_run(94, 200), busy_run(151, 200), busy_run(1, 1)
    (False, True, True)
    """
    return records > 0 and contended > BUSY_RUN_SHARE * records


@dataclass(frozen=True)
class QualityDevice:
    """Repeatability (CV of repeated rounds) and rank stability (two passes) on one device."""

    device: str
    median_round_cv: float
    spearman_two_passes: float
    kendall_two_passes: float
    spearman_two_passes_median_statistic: float
    median_within_round_cv: float
    median_within_round_robust_cv: float
    median_relative_difference: float
    latency_range_ms: list[float]
    load_avg_1m: list[float]
    cpu_count: int | None = None
    contended_records: int = 0          # records of both passes marked contended (measure.py step 8)
    records: int = 0
    median_cpu_share: float | None = None
    contention: str = ""                # the most frequent reason, e.g. "load average 6.1 > 2 usable cores"
    clock: str = "wall"
    # bootstrap 95 % intervals over the sub-networks ([low, high]; None in summaries made before them)
    median_round_cv_ci: list[float] | None = None
    spearman_two_passes_ci: list[float] | None = None

    @property
    def contended(self) -> bool:
        """Measured on a busy machine (:func:`busy_run`)."""
        return busy_run(self.contended_records, self.records)


@dataclass(frozen=True)
class QualityCheck:
    supernet: str
    n_subnets: int
    rounds_per_pass: int
    statistic: str
    devices: list[QualityDevice]
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LatencySummary(Summary):
    KIND: ClassVar[str] = "latency_collection"
    environment: Environment
    devices_measured: list[str]
    devices_skipped: list[str]
    n_rows: int
    per_device: list[DeviceLatency]
    quality: QualityCheck
    cuda_tables: list[str] = field(default_factory=list)
    cuda_measured_in_this_run: bool = False
    wall_time_s: float | None = None
