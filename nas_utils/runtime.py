"""Runtime-only settings: how a run uses this machine, never what it computes.

Worker processes, torch threads, progress bars and the evaluation backend change how fast a
stage runs, not its results (tests prove it), so they are not ``params.yaml`` parameters (a
changed worker count must not make DVC rerun a stage). They are read from the environment:

=====================  =========================================  ========
variable               meaning                                    default
=====================  =========================================  ========
``HWNAS_WORKERS``      worker processes of a stage                2
``HWNAS_THREADS``      torch intra-op threads of compute loops    1
``HWNAS_PROGRESS``     inner progress bars (training epochs...)   off
``HWNAS_BACKEND``      evaluation backend: serial, process, ray   process
``HWNAS_RAY_ADDRESS``  ``local`` or a Ray cluster address         local
=====================  =========================================  ========

>>> from nas_utils.runtime import settings, torch_threads
>>> settings({"HWNAS_WORKERS": "4"}).workers
4
>>> import torch
>>> before = torch.get_num_threads()
>>> with torch_threads(1):
...     torch.get_num_threads()
1
>>> torch.get_num_threads() == before
True
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from nas_utils.errors import ConfigError

BACKEND_NAMES = ("serial", "process", "ray")
_TRUE, _FALSE = ("1", "on", "true", "yes"), ("", "0", "off", "false", "no")


@dataclass(frozen=True)
class Runtime:
    """The runtime settings of this process (see the module docstring)."""

    workers: int
    threads: int
    progress: bool
    backend: str
    ray_address: str

    @property
    def backend_kw(self) -> dict[str, Any]:
        """Keyword arguments of :func:`nas_utils.backends.make_backend` beyond name and workers."""
        return {} if self.ray_address in ("", "local") else {"address": self.ray_address}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name}={raw!r} is not valid; valid: a positive integer")
    return int(raw)


def settings(env: Mapping[str, str] | None = None) -> Runtime:
    """Read the runtime settings from ``env`` (default: ``os.environ``); bad value -> ConfigError."""
    env = os.environ if env is None else env
    progress = env.get("HWNAS_PROGRESS", "off").strip().lower()
    if progress not in _TRUE + _FALSE:
        raise ConfigError(f"HWNAS_PROGRESS={progress!r} is not valid; valid choices: on, off")
    backend = env.get("HWNAS_BACKEND", "process").strip() or "process"
    if backend not in BACKEND_NAMES:
        raise ConfigError(f"HWNAS_BACKEND={backend!r} is not valid; valid choices: {', '.join(BACKEND_NAMES)}")
    return Runtime(workers=_int(env, "HWNAS_WORKERS", 2), threads=_int(env, "HWNAS_THREADS", 1),
                   progress=progress in _TRUE, backend=backend,
                   ray_address=env.get("HWNAS_RAY_ADDRESS", "local").strip() or "local")


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads (``None``: unchanged); restore the previous count."""
    import torch

    previous = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
