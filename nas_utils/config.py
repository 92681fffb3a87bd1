"""Typed, validated stage parameters loaded from ``params.yaml``.

Each pipeline stage owns one top-level section of ``params.yaml`` and one frozen dataclass that
describes it (its schema, in ``nas_utils/schemas/<section>.py``: types and range checks, no
defaults - ``params.yaml`` is the one source of values). The dataclass is registered with
:func:`section`; :func:`schema` imports a section's module on first use; :func:`load` reads the
section, rejects unknown and missing keys, checks every value's type and runs the dataclass's
own range checks, so a typo or a negative budget stops the stage with one line naming the key
and the valid values.

>>> from dataclasses import dataclass
>>> from nas_utils import config
>>> @config.section("demo")
... @dataclass(frozen=True)
... class Demo:
...     budget: int
...     def __post_init__(self) -> None:
...         config.check_range("demo.budget", self.budget, low=1)
>>> config.parse("demo", {"budget": 5})
Demo(budget=5)
>>> config.parse("demo", {"budgt": 5})
Traceback (most recent call last):
...
nas_utils.errors.ConfigError: unknown key 'demo.budgt'; valid keys: demo.budget
>>> config.parse("demo", {})
Traceback (most recent call last):
...
nas_utils.errors.ConfigError: missing key 'demo.budget' (params.yaml holds every parameter's value)
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from nas_utils.errors import ConfigError, UnknownNameError
from nas_utils.paths import project_root
from nas_utils.registry import Registry

T = TypeVar("T")

SECTIONS: Registry[type] = Registry("params section")


def section(name: str) -> Callable[[type[T]], type[T]]:
    """Class decorator registering a frozen dataclass as the schema of ``params.yaml[name]``."""

    def add(cls: type[T]) -> type[T]:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass")
        SECTIONS.add(name, cls)
        return cls

    return add


def schema(name: str) -> type:
    """The registered dataclass of section ``name``, importing ``nas_utils.schemas.<name>`` on first use."""
    from nas_utils.schemas import MODULES

    if name not in SECTIONS and name in MODULES:
        importlib.import_module(f"nas_utils.schemas.{MODULES[name]}")
    return SECTIONS.get(name)


def all_schemas() -> dict[str, type]:
    """Every section's schema (imports all of them: for tests and tools, never for one stage)."""
    from nas_utils.schemas import MODULES

    return {name: schema(name) for name in MODULES}


def read_params(path: str | Path | None = None) -> dict[str, Any]:
    """Read the whole params file (default: ``<root>/params.yaml``)."""
    path = Path(path) if path is not None else project_root() / "params.yaml"
    if not path.exists():
        raise ConfigError(f"params file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"params file {path} is not valid YAML: {first}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"params file {path} must hold a mapping of sections")
    return data


def load(name: str, path: str | Path | None = None, **overrides: Any) -> Any:
    """Load and validate section ``name`` of the params file, applying keyword overrides."""
    params = read_params(path)
    if name not in params:
        raise ConfigError(f"params file has no section {name!r}; sections: {', '.join(sorted(params))}")
    values = dict(params[name] or {})
    values.update(overrides)
    return parse(name, values)


def parse(name: str, values: Mapping[str, Any]) -> Any:
    """Build the registered dataclass of section ``name`` from a plain mapping."""
    cls = schema(name)
    if not isinstance(values, Mapping):
        raise ConfigError(f"section {name!r} must be a mapping, got {type(values).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        valid = ", ".join(f"{name}.{k}" for k in fields)
        raise ConfigError(f"unknown key '{name}.{unknown[0]}'; valid keys: {valid}")
    missing = [k for k, f in fields.items() if k not in values
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ConfigError(f"missing key '{name}.{missing[0]}' (params.yaml holds every parameter's value)")
    hints = typing.get_type_hints(cls)
    kwargs = {k: coerce(f"{name}.{k}", v, hints[k]) for k, v in values.items()}
    try:
        return cls(**kwargs)
    except UnknownNameError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def from_namespace(name: str, namespace: Mapping[str, Any]) -> Any:
    """Build section ``name`` from the variables of a namespace (a notebook's ``globals()``).

    Only the section's own field names are read, so a notebook's parameters cell can be turned
    into a validated config in one line: ``cfg = config.from_namespace("search", globals())``.
    """
    cls = schema(name)
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    return parse(name, {k: namespace[k] for k in names if k in namespace})


def as_dict(cfg: Any) -> dict[str, Any]:
    """The dataclass as plain JSON-able data (tuples become lists)."""
    data: dict[str, Any] = json.loads(json.dumps(dataclasses.asdict(cfg)))
    return data


def save_resolved(cfg: Any, path: str | Path) -> None:
    """Write the resolved config next to a stage's outputs."""
    Path(path).write_text(json.dumps(as_dict(cfg), indent=2, sort_keys=True) + "\n")


# --- validation helpers used by the sections' __post_init__ -------------------------------


def check_range(key: str, value: float, low: float | None = None, high: float | None = None) -> None:
    """Raise unless ``low <= value <= high`` (either bound may be omitted)."""
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ConfigError(f"{key}={value!r} is out of range; valid: [{lo}, {hi}]")


def check_choice(key: str, value: object, valid: Iterable[object]) -> None:
    valid = list(valid)
    if value not in valid:
        raise ConfigError(f"{key}={value!r} is not valid; valid choices: {', '.join(map(str, valid))}")


def check_choices(key: str, values: Iterable[object], valid: Iterable[object]) -> None:
    valid = list(valid)
    for v in values:
        check_choice(key, v, valid)


def check_nonempty(key: str, values: tuple[Any, ...]) -> None:
    if len(values) == 0:
        raise ConfigError(f"{key} must not be empty")


def coerce(key: str, value: Any, hint: Any) -> Any:
    """Check ``value`` against a simple type hint; lists become tuples (dataclasses are frozen)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in (a for a in args if a is not type(None)):
            try:
                return coerce(key, value, arg)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0])
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key} must be a list, got {type(value).__name__} {value!r}")
        (item,) = typing.get_args(hint)[:1] or (Any,)
        return tuple(coerce(f"{key}[{i}]", v, item) for i, v in enumerate(value))
    if hint is Any:
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{key} must be a number, got {type(value).__name__} {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} must be an integer, got {type(value).__name__} {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} must be true or false, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} must be a string, got {type(value).__name__} {value!r}")
        return value
    return value
