"""The one audited entry point for latency: measure a model on a device, get a record back.

:func:`measure` (one model) and :func:`measure_many` (many models, interleaved) are the only
places in the project that time a forward pass. The protocol, chosen for low spread on a small,
shared CPU machine:

1. the model is put in ``eval()`` mode and prepared once for the device (ONNX export and
   session, CUDA transfer); the input is ``randn(batch, *sample_shape)`` from a seeded generator;
2. thread settings are applied (1-thread devices are pinned to one core) and garbage collection
   is paused while timing;
3. **warm-up** for ``warmup`` passes and at least ``warmup_ms``;
4. **calibration** (as ``timeit`` does): a *repeat* is a block of ``number`` back-to-back passes,
   ``number`` chosen so a block lasts at least ``min_block_ms``; this averages out timer
   resolution and sub-millisecond jitter of tiny networks;
5. ``repeats`` timed blocks with ``time.perf_counter`` under ``torch.inference_mode`` (CUDA:
   ``torch.cuda.synchronize`` before and after each block); per-pass time = block / number;
6. per round, the chosen ``statistic`` of the per-pass times (``median``, or ``min``, the
   estimator ``timeit`` recommends on a shared machine, where other processes can only add
   time); over ``rounds`` interleaved rounds the lowest value is kept as ``latency_ms``
   (*min of medians* for the median statistic), and ``round_cv`` is the CV of the per-round
   values, i.e. how well the reported number repeats;
7. the record also holds the median, IQR, CV (std / mean) and robust CV (IQR / 1.349 / median)
   of the per-pass times of the kept round, and everything needed to interpret them (device,
   batch, input shape, dtype, threads, CPU model, core count, load average, library versions);
8. **contention** is detected, not hidden: the share of wall time the process actually ran
   while timing (``cpu_share``: CPU time / wall time of the timed blocks, per thread), the
   1-minute load average against the cores the process may use, and the round-to-round CV
   against the 3 % target. A record that fails any of them has ``contended=True`` and the
   reasons in ``contention``. A run most of whose records are marked
   (:func:`nas_utils.results.latency.busy_run`) was measured on a busy machine:
   :func:`measure_many` then emits a :class:`ContentionWarning`, and the reports warn.

Clock (``MeasureSettings.clock``): ``wall`` (``time.perf_counter``, the default and the only
choice for multi-threaded and CUDA devices) or ``thread`` (``time.thread_time``: CPU time of
the measuring thread, for single-threaded CPU devices). The thread clock does not advance while
the scheduler runs another process, so pre-emption on a shared machine no longer adds to the
latency; cache and memory-bandwidth interference still do. The record's ``clock`` field says
which clock timed it.

Blocks are short on purpose: on a shared machine the scheduler pre-empts a process every few
milliseconds, so a long block almost always contains a pause, while most 1 ms blocks contain
none. The per-block CV is dominated by the few pre-empted blocks; ``round_cv`` is the
reproducibility of the reported value. :func:`measure_many` interleaves many models over the
rounds (a fresh random order each round) so slow drifts of machine load hit every model alike.

>>> import torch
>>> from nas_utils.latency.measure import measure, MeasureSettings
>>> rec = measure(torch.nn.Linear(8, 4), "torch_cpu_1t_1", (8,), MeasureSettings(repeats=5))
>>> rec.device, rec.batch_size, rec.input_shape
('torch_cpu_1t_1', 1, (1, 8))
>>> rec.median_ms > 0
True
"""

from __future__ import annotations

import dataclasses
import gc
import os
import platform
import time
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from nas_utils import config
from nas_utils.cpu_speed import load_avg_1min
from nas_utils.errors import ConfigError
from nas_utils.latency.devices import (
    DTYPES,
    RUNTIMES,
    MeasureDevice,
    get_device,
    thread_settings,
)
from nas_utils.results.latency import busy_run


STATISTICS = ("median", "min")
CLOCKS = ("wall", "thread")

# Contention thresholds (see module docstring, step 8).
ROUND_CV_TARGET = 0.03      # the repeatability target of the latency stage
MIN_CPU_SHARE = 0.9         # the process ran < 90 % of the wall time it was timed for
LOAD_PER_CORE = 1.0         # more runnable processes than usable cores (1-minute average)


class ContentionWarning(UserWarning):
    """Latency measured on a busy machine: the numbers are marked, not silently recorded."""


@dataclass(frozen=True)
class MeasureSettings:
    """How long and how often to time; defaults suit a 2-core CPU and millisecond models."""

    repeats: int = 25
    warmup: int = 5
    warmup_ms: float = 20.0
    min_block_ms: float = 1.0
    max_number: int = 1000
    max_round_ms: float = 250.0
    statistic: str = "median"
    dtype: str = "float32"
    clock: str = "wall"
    seed: int = 0

    def __post_init__(self) -> None:
        config.check_range("repeats", self.repeats, low=3)
        config.check_range("warmup", self.warmup, low=0)
        config.check_range("warmup_ms", self.warmup_ms, low=0)
        config.check_range("min_block_ms", self.min_block_ms, low=0)
        config.check_range("max_number", self.max_number, low=1)
        config.check_range("max_round_ms", self.max_round_ms, low=0)
        config.check_choice("statistic", self.statistic, STATISTICS)
        config.check_choice("dtype", self.dtype, DTYPES)
        config.check_choice("clock", self.clock, CLOCKS)


#: What a timing protocol sets: the :class:`MeasureSettings` fields (the seed aside) and the interleaved rounds.
TIMING_KEYS = tuple(f.name for f in dataclasses.fields(MeasureSettings) if f.name != "seed") + ("rounds",)


def with_timing(settings: MeasureSettings, rounds: int, changes: Mapping[str, Any],
                where: str) -> tuple[MeasureSettings, int]:
    """``settings`` and ``rounds`` with ``changes`` (keys of :data:`TIMING_KEYS`) applied, each value
    checked against its field's type and range.

    Raises:
        ConfigError: an unknown key or a bad value, in one line naming ``where.<key>``.
    """
    hints = typing.get_type_hints(MeasureSettings) | {"rounds": int}
    values = {}
    for key, value in changes.items():
        if key not in TIMING_KEYS:
            raise ConfigError(f"{where}.{key} is not a timing setting; valid: {', '.join(TIMING_KEYS)}")
        values[key] = config.coerce(f"{where}.{key}", value, hints[key])
    rounds = values.pop("rounds", rounds)
    config.check_range(f"{where}.rounds", rounds, low=1)
    try:
        return dataclasses.replace(settings, **values), rounds
    except ConfigError as exc:
        raise ConfigError(f"{where}.{exc}") from None


@dataclass(frozen=True)
class LatencyRecord:
    """One latency measurement of one model on one device (times in ms per forward pass)."""

    device: str
    runtime: str
    target: str
    threads: int
    batch_size: int
    input_shape: tuple[int, ...]
    dtype: str
    latency_ms: float
    statistic: str
    median_ms: float
    mean_ms: float
    min_ms: float
    q25_ms: float
    q75_ms: float
    iqr_ms: float
    cv: float
    robust_cv: float
    rounds: int
    round_values_ms: tuple[float, ...]
    round_cv: float
    repeats: int
    number: int
    warmup: int
    cpu_model: str
    cpu_count: int
    affinity: int
    torch_version: str
    onnxruntime_version: str | None
    python_version: str
    gpu_model: str | None
    load_avg_1m: float
    clock: str = "wall"
    cpu_share: float = float("nan")
    round_min_ms: tuple[float, ...] = ()
    contended: bool = False
    contention: str = ""

    @property
    def rel_iqr(self) -> float:
        return self.iqr_ms / self.median_ms if self.median_ms > 0 else float("nan")

    def as_row(self) -> dict[str, Any]:
        """Flat dict for a long-format table (the input shape as ``"1x1x40"``)."""
        row = dataclasses.asdict(self)
        row["input_shape"] = "x".join(map(str, self.input_shape))
        row["round_values_ms"] = list(self.round_values_ms)
        row["round_min_ms"] = list(self.round_min_ms)
        return row


def measure(
    model: nn.Module,
    device: str | MeasureDevice,
    sample_shape: Sequence[int],
    settings: MeasureSettings | None = None,
    rounds: int = 1,
) -> LatencyRecord:
    """Latency record of ``model`` on ``device`` for inputs of shape ``(batch, *sample_shape)``.

    With ``rounds > 1`` the timing is repeated and the lowest per-round statistic is kept;
    ``round_cv`` is then the spread of the repeated measurements.

    Raises:
        UnknownNameError: unknown device name (lists the valid ones).
        DeviceUnavailableError: a registered device this machine cannot run (one line).
    """
    return measure_many([model], device, sample_shape, settings, rounds=rounds)[0]


def measure_many(
    models: Sequence[nn.Module],
    device: str | MeasureDevice,
    sample_shape: Sequence[int],
    settings: MeasureSettings | None = None,
    rounds: int = 1,
    progress: Callable[[Iterator[Any]], Iterator[Any]] | None = None,
) -> list[LatencyRecord]:
    """Records of many models on one device, interleaved over ``rounds`` (min over rounds).

    Args:
        models: the models (each prepared once for the device).
        device: a registered device name or record.
        sample_shape: input shape of one sample (without the batch dimension).
        settings: timing protocol (default :class:`MeasureSettings`).
        rounds: interleaved passes over all models; per model the round with the lowest
            statistic is kept.
        progress: optional wrapper for the round iterator (e.g. ``tqdm``).
    """
    settings = settings or MeasureSettings()
    config.check_range("rounds", rounds, low=1)
    dev = get_device(device).check_available()
    dtype = DTYPES[settings.dtype]
    gen = torch.Generator().manual_seed(settings.seed)
    x = torch.randn(dev.batch_size, *sample_shape, generator=gen).to(dtype)
    order_rng = np.random.default_rng(settings.seed)
    results: list[list[tuple[np.ndarray, int, float]]] = [[] for _ in models]
    clock = effective_clock(dev, settings)
    with thread_settings(dev), _frozen_heap():
        runners = [RUNTIMES.get(dev.runtime).prepare(m.to(dtype), x, dev) for m in models]
        it: Iterator[Any] = iter(range(rounds))
        for _ in progress(it) if progress else it:
            order = order_rng.permutation(len(models)) if rounds > 1 else np.arange(len(models))
            for i in order:
                results[i].append(_time(runners[i], settings, clock))
    records = [_record(dev, tuple(x.shape), settings, r, clock) for r in results]
    _warn_contention(records)
    return records


def effective_clock(dev: MeasureDevice, settings: MeasureSettings) -> str:
    """``thread`` only where it measures the whole forward pass: one thread, on the CPU."""
    return "thread" if settings.clock == "thread" and dev.target == "cpu" and dev.effective_threads() == 1 else "wall"


def contention_reasons(cpu_share: float, load_avg_1m: float, cores: int, round_cv: float, threads: int = 1) -> list[str]:
    """Why a measurement looks contended (empty list: it does not).

    Args:
        cpu_share: CPU time / wall time of the timed blocks (all threads of the process).
        load_avg_1m: 1-minute load average when the record was made.
        cores: cores the process may use (its affinity mask).
        round_cv: CV of the per-round statistic (NaN with one round: not checked).
        threads: threads the device computes with (the expected CPU share).
    """
    reasons = []
    if np.isfinite(cpu_share) and cpu_share < MIN_CPU_SHARE * threads:
        reasons.append(f"ran {100 * cpu_share / threads:.0f} % of the timed wall time")
    if np.isfinite(load_avg_1m) and load_avg_1m > LOAD_PER_CORE * cores:
        reasons.append(f"load average {load_avg_1m:.1f} > {cores} usable cores")
    if np.isfinite(round_cv) and round_cv > ROUND_CV_TARGET:
        reasons.append(f"round-to-round CV {100 * round_cv:.1f} % > {100 * ROUND_CV_TARGET:.0f} %")
    return reasons


def _warn_contention(records: Sequence[LatencyRecord]) -> None:
    bad = [r for r in records if r.contended]
    if busy_run(len(bad), len(records)):
        import warnings

        warnings.warn(
            f"{len(bad)} of {len(records)} latency records on {bad[0].device} look contended "
            f"(e.g. {bad[0].contention}); they are marked contended=True", ContentionWarning, stacklevel=3,
        )


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Collect once, then move every live object to the permanent generation until exit, so the
    collection before each timed block (:func:`_gc_paused`) scans only objects created since: the
    same protocol, without re-scanning the whole heap of a large process (0.2-1 s each) once per
    model and round."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _time(run: Callable[[], Any], s: MeasureSettings, which: str = "wall") -> tuple[np.ndarray, int, float]:
    """Per-pass times (ms) of ``s.repeats`` blocks, the passes per block, and the CPU share
    (process CPU time / wall time) of the timed blocks."""
    clock = time.thread_time if which == "thread" else time.perf_counter
    with _gc_paused():
        start, n = clock(), 0
        while n < s.warmup or (clock() - start) * 1e3 < s.warmup_ms:
            run()
            n += 1
        # Calibrate: one pass's cost from the last warm-up passes, then enough passes per block.
        t0 = clock()
        run()
        one = max((clock() - t0) * 1e3, 1e-6)
        number = int(min(s.max_number, max(1, np.ceil(s.min_block_ms / one))))
        # Slow models get fewer repeats (at least 5) so one round stays within max_round_ms.
        repeats = int(np.clip(s.max_round_ms // (one * number), min(5, s.repeats), s.repeats))
        times = np.empty(repeats)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for r in range(repeats):
            t0 = clock()
            for _ in range(number):
                run()
            times[r] = (clock() - t0) * 1e3 / number
        share = (time.process_time() - cpu0) / max(time.perf_counter() - wall0, 1e-9)
    return times, number, share


def _record(dev: MeasureDevice, shape: tuple[int, ...], s: MeasureSettings,
            rounds: list[tuple[np.ndarray, int, float]], clock: str = "wall") -> LatencyRecord:
    """Statistics of the round with the lowest statistic, the spread over rounds, contention."""
    stat = np.median if s.statistic == "median" else np.min
    values = np.array([stat(t) for t, _, _ in rounds])
    times, number, _ = rounds[int(np.argmin(values))]
    share = float(np.min([c for _, _, c in rounds]))
    env, load = environment(), _load_avg()
    q25, med, q75 = np.percentile(times, [25, 50, 75])
    mean = float(times.mean())
    round_cv = float(values.std(ddof=1) / values.mean()) if len(values) > 1 else float("nan")
    return LatencyRecord(
        device=dev.name, runtime=dev.runtime, target=dev.target, threads=dev.effective_threads(),
        batch_size=dev.batch_size, input_shape=shape, dtype=s.dtype,
        latency_ms=float(values.min()), statistic=s.statistic,
        median_ms=float(med), mean_ms=mean, min_ms=float(times.min()), q25_ms=float(q25), q75_ms=float(q75),
        iqr_ms=float(q75 - q25), cv=float(times.std(ddof=1) / mean) if mean > 0 else float("nan"),
        robust_cv=float((q75 - q25) / 1.349 / med) if med > 0 else float("nan"),
        rounds=len(rounds), round_values_ms=tuple(float(v) for v in values), round_cv=round_cv,
        repeats=len(times), number=number, warmup=s.warmup, **env, load_avg_1m=load,
        clock=clock, cpu_share=share, round_min_ms=tuple(float(np.min(t)) for t, _, _ in rounds),
        **_contention(share, load, env["affinity"], round_cv, dev.effective_threads()),
    )


def _contention(share: float, load: float, cores: int, round_cv: float, threads: int) -> dict[str, Any]:
    reasons = contention_reasons(share, load, cores, round_cv, threads)
    return {"contended": bool(reasons), "contention": "; ".join(reasons)}


def _load_avg() -> float:
    load = load_avg_1min()
    return float("nan") if load is None else load


@lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    """The machine and library versions stored with every record."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 1
    return {
        "cpu_model": _cpu_model(), "cpu_count": os.cpu_count() or 1, "affinity": affinity,
        "torch_version": RUNTIMES.get("torch").version() or "", "onnxruntime_version": RUNTIMES.get("onnxruntime").version(),
        "python_version": platform.python_version(),
        "gpu_model": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def _cpu_model() -> str:
    name = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return name
