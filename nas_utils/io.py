"""Atomic output writing (a file either appears complete or not at all), and checked reading.

Stages write every output through these helpers, so a stage killed mid-way never leaves a
half-written table that a later stage (or ``dvc``) could mistake for a result. A table that is
missing, truncated or corrupt all the same (a copy cut short, a disk filled up) is read as one
:class:`~nas_utils.errors.DataError` line saying how to rebuild it, not a pyarrow traceback.

>>> import tempfile, pathlib
>>> from nas_utils.io import write_json
>>> p = pathlib.Path(tempfile.mkdtemp()) / "out" / "x.json"
>>> write_json(p, {"a": 1}); p.read_text()
'{\\n  "a": 1\\n}\\n'
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from nas_utils.errors import DataError


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _clean(obj: Any) -> Any:
    """Make floats JSON-safe and stable: NaN/inf -> null, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(path: str | Path, data: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_clean(data), indent=2, sort_keys=True) + "\n")


def write_parquet(path: str | Path, df: pd.DataFrame) -> None:
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def read_parquet(path: str | Path, rebuild: str) -> pd.DataFrame:
    """Read a Parquet table; a missing, truncated or corrupt file is one :class:`DataError` line.

    Args:
        path: the table.
        rebuild: how to regenerate it, e.g. "run `dvc repro prepare`" (ends the message).
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"missing table {path}; {rebuild}")
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid/ArrowIOError derive from these
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DataError(f"table {path} is truncated or corrupt ({reason}); {rebuild}") from None
