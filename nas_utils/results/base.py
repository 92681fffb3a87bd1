"""``Summary``: the one JSON (de)serialisation of every stage's typed result.

A stage summary is a frozen dataclass whose fields are JSON-friendly types: ``str``, ``int``,
``float`` (``inf`` allowed: stored as the string ``"inf"``), ``bool``, ``None``, ``list[T]``,
``tuple[T, ...]``, ``dict[str, T]``, ``X | None``, ``Literal[...]`` and nested dataclasses (typed rows). Numbers
that vary with a parameter (a threshold, a quantile) are fields of a row, never part of a key,
so changing a parameter can never silently empty a column of the report.

>>> from nas_utils.results.search import ThresholdResult
>>> row = ThresholdResult("nsga2", 0.99, seeds=10, median=float("inf"), q1=80.0, q3=float("inf"),
...                       ci_low=120.0, ci_high=float("inf"), reached=0.4)
>>> encode(row)["median"]
'inf'
>>> decode(ThresholdResult, encode(row)) == row
True
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from pathlib import Path
from typing import Any, ClassVar, TypeVar, Union

from nas_utils.errors import HwnasError

S = TypeVar("S", bound="Summary")

_NONFINITE = {"inf": math.inf, "-inf": -math.inf}


class StaleSummaryError(HwnasError):
    """A summary file that this version of the package cannot read (written by older code)."""


def encode(value: Any) -> Any:
    """Dataclasses -> dicts (sorted keys), tuples -> lists, non-finite floats -> ``"inf"``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in sorted(dataclasses.fields(value), key=lambda f: f.name)}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("NaN cannot be stored in a summary; use None for a missing value")
        return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return encode(value.item())
    return value


def decode(hint: Any, data: Any) -> Any:
    """Rebuild a value of type ``hint`` from its :func:`encode`-d form (raises on a mismatch)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return data
    if origin is typing.Literal:
        if data not in typing.get_args(hint):
            raise ValueError(f"{data!r} is not one of {typing.get_args(hint)}")
        return data
    if origin in (Union, types.UnionType):
        args = typing.get_args(hint)
        if data is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return decode(arg, data)
            except (TypeError, ValueError, KeyError) as exc:
                errors.append(str(exc))
        raise TypeError(f"{data!r} matches none of {hint}: {'; '.join(errors)}")
    if origin in (list, tuple):
        if not isinstance(data, list):
            raise TypeError(f"expected a list for {hint}, got {data!r}")
        (item, *_) = typing.get_args(hint) or (Any,)
        seq = [decode(item, d) for d in data]
        return tuple(seq) if origin is tuple else seq
    if origin is dict:
        key_t, val_t = typing.get_args(hint) or (str, Any)
        if not isinstance(data, dict):
            raise TypeError(f"expected a mapping for {hint}, got {data!r}")
        return {decode(key_t, k): decode(val_t, v) for k, v in data.items()}
    if dataclasses.is_dataclass(hint):
        return _decode_dataclass(hint, data)
    if hint is float:
        if isinstance(data, str) and data in _NONFINITE:
            return _NONFINITE[data]
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise TypeError(f"expected a number, got {data!r}")
        return float(data)
    if hint is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise TypeError(f"expected an integer, got {data!r}")
        return data
    if hint in (str, bool):
        if not isinstance(data, hint):
            raise TypeError(f"expected {hint.__name__}, got {data!r}")
        return data
    if hint is type(None):
        if data is not None:
            raise TypeError(f"expected null, got {data!r}")
        return None
    raise TypeError(f"unsupported field type {hint!r}")


def _decode_dataclass(cls: Any, data: Any) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"expected a mapping for {cls.__name__}, got {data!r}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.name in data:
            kwargs[f.name] = decode(hints[f.name], data[f.name])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise KeyError(f"{cls.__name__}.{f.name} is missing")
    return cls(**kwargs)


class Summary:
    """Mixin for a stage's typed summary (a frozen dataclass): JSON round trip, save, load.

    Subclasses set ``KIND`` (the stage name) and bump ``VERSION`` when the schema changes
    incompatibly; both are written into the file so a stale file is detected, not misread.
    """

    KIND: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.KIND, "version": self.VERSION, **encode(self)}

    @classmethod
    def from_json(cls: type[S], data: dict[str, Any]) -> S:
        fields = {k: v for k, v in data.items() if k not in ("summary", "version")}
        return typing.cast(S, _decode_dataclass(cls, fields))

    def save(self, path: str | Path) -> None:
        from nas_utils.io import write_text  # late: keeps this module free of pandas

        write_text(path, json.dumps(self.to_json(), indent=2, sort_keys=True, allow_nan=False) + "\n")

    @classmethod
    def load(cls: type[S], path: str | Path, stage: str | None = None) -> S:
        """Read a summary file; a file of another schema -> :class:`StaleSummaryError` (one line)."""
        rerun = f"rerun `dvc repro {stage or cls.KIND}`"
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise StaleSummaryError(f"{path}: cannot be read ({exc}); {rerun}") from None
        if not isinstance(data, dict) or data.get("summary") != cls.KIND or data.get("version") != cls.VERSION:
            raise StaleSummaryError(f"{path} was written by an older version of stage "
                                    f"'{stage or cls.KIND}' (not a {cls.__name__} v{cls.VERSION}); {rerun}")
        try:
            return cls.from_json(data)
        except (TypeError, ValueError, KeyError) as exc:
            raise StaleSummaryError(f"{path} does not match {cls.__name__} ({exc}); {rerun}") from None
