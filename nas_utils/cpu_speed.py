"""How fast this machine is right now: a fixed CPU probe, so stage timings compare across hours and VMs.

The 2-core development VMs change speed by up to ~30 % from hour to hour (docs/timings.md), so a
stage's wall time alone cannot say whether the code or the machine got slower. Every stage
(:mod:`nas_utils.stage`) therefore runs this probe before and after its notebook and writes the
result to ``run_info.json`` beside the wall time and the notebook's CPU seconds.

The probe times three fixed single-threaded workloads, each a miniature of what the stages do:

* ``python``: interpreter work (a loop over integers and a dict), like the search loops;
* ``blas``: float64 matrix products through numpy's OpenBLAS, like the regressions and GPs;
* ``torch``: forward and backward passes of a small MLP, like the predictor and super-network
  training.

Each workload runs :data:`REPEATS` times; its time is the median of the CPU seconds
(``time.thread_time``) of the repeats. The **speed index** is the geometric mean over the three
workloads of ``REFERENCE_S[w] / time[w]``: 1.0 is the reference machine (:data:`REFERENCE`),
0.8 a machine (or an hour) that needs 25 % more CPU time for the same work. The probe takes about
one second. It measures the CPU speed of one core at one moment: it does not see contention from
other processes (CPU time excludes waiting) and cannot see a change during the stage.

Why CPU time: on the development VM the hypervisor's steal time is negligible (1.4 s over a
24-minute ``dvc repro`` on 2 cores, ``/proc/stat``), so a slow hour shows as more CPU time for the
same work, which is what the probe reads (:func:`steal_s`: each stage records its steal too).

How far a reading can be trusted (session 34): within one quiet minute, twelve readings 4 s apart
spread over 0.948-0.983, so the probe itself is good to about +-2 %. But the VM's speed moves over
minutes: over 15 minutes of readings interleaved with fixed chunks of stage work
(``python -m nas_utils.experiments.cpu_speed_check``, record ``data/checks/cpu_speed_check.csv``)
the index had a standard deviation of 2.9 % (0.905-1.051) and followed the chunks' speed only
loosely (Spearman 0.58 and 0.42). So a reading tells the speed of its minute; the two readings
around a notebook of several minutes bracket its speed only loosely, and the notebook's own CPU
seconds (``cpu_time_s``) are the steadier record of how much work it did.

``python -m nas_utils.cpu_speed [--readings N] [--every S]`` prints N readings S seconds apart
and their median and range.

>>> from nas_utils.cpu_speed import speed_index, REFERENCE_S
>>> speed_index(dict(REFERENCE_S))
1.0
>>> speed_index({w: 2 * s for w, s in REFERENCE_S.items()})
0.5
"""

from __future__ import annotations

import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from nas_utils.errors import ConfigError
from nas_utils.scripts import OneLineParser, script_cli

#: the machine the reference times were measured on (speed index 1.0)
REFERENCE = "the session-34 development VM, a 2-core Intel Xeon with AVX-512 and AMX, quiet, on 2026-12-06"
#: median CPU seconds per workload on :data:`REFERENCE`
REFERENCE_S: dict[str, float] = {"python": 0.0472, "blas": 0.0350, "torch": 0.0540}
#: repeats per workload (the median is kept)
REPEATS = 7


def _python() -> None:
    table: dict[int, int] = {}
    total = 0
    for i in range(600_000):
        total += i * i % 7
        table[i % 1024] = total
    assert table


def _blas(a: np.ndarray = np.random.default_rng(0).standard_normal((256, 256)) / 16) -> None:
    b = a
    for _ in range(50):
        b = np.tanh(a @ b)


def _torch() -> None:
    import torch

    gen = torch.Generator().manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128),
                              torch.nn.ReLU(), torch.nn.Linear(128, 1))
    x, y = torch.randn(256, 32, generator=gen), torch.randn(256, 1, generator=gen)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3)
    for _ in range(100):
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(x), y).backward()
        opt.step()


WORKLOADS: dict[str, Callable[[], None]] = {"python": _python, "blas": _blas, "torch": _torch}


def speed_index(times_s: Mapping[str, float]) -> float:
    """Geometric mean over the workloads of reference time / measured time (1.0 = :data:`REFERENCE`)."""
    logs = [math.log(REFERENCE_S[w] / times_s[w]) for w in REFERENCE_S]
    return round(math.exp(sum(logs) / len(logs)), 3)


def probe(repeats: int = REPEATS) -> dict[str, Any]:
    """Time every workload on one thread; ``{"index": ..., "times_s": {...}, "load_avg_1min": ...}``."""
    from threadpoolctl import threadpool_limits

    from nas_utils.runtime import torch_threads

    times: dict[str, float] = {}
    with threadpool_limits(1), torch_threads(1):
        for name, work in WORKLOADS.items():
            work()  # warm-up: imports, allocator, first-call dispatch
            runs = []
            for _ in range(repeats):
                start = time.thread_time()
                work()
                runs.append(time.thread_time() - start)
            times[name] = round(statistics.median(runs), 5)
    return {"index": speed_index(times), "times_s": times, "load_avg_1min": load_avg_1min()}


def steal_s() -> float | None:
    """CPU seconds the hypervisor has taken from this machine since boot, all cores together (the
    ``steal`` column of ``/proc/stat``); None where there is no such file. Stages record the difference
    over their notebook."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def load_avg_1min() -> float | None:
    """The 1-minute load average (runnable processes); None where the OS has none."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.cpu_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=1, help="how many probes, >= 1 (default 1)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between probes, >= 0 (default 5)")
    args = parser.parse_args(argv)
    if args.readings < 1:
        raise ConfigError(f"--readings={args.readings} is out of range; valid: an integer >= 1")
    if not args.every >= 0:
        raise ConfigError(f"--every={args.every} is out of range; valid: seconds >= 0")
    indexes = []
    for i in range(args.readings):
        if i:
            time.sleep(args.every)
        reading = probe()
        indexes.append(reading["index"])
        print(json.dumps(reading), flush=True)
    if args.readings > 1:
        print(f"speed index: median {statistics.median(indexes):.3f}, range {min(indexes):.3f}-{max(indexes):.3f} "
              f"over {args.readings} readings (1.0 = {REFERENCE})")
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    sys.exit(cli())
