"""Parameter profiles: larger settings merged into ``params.yaml`` without losing its comments.

``params.yaml`` is the default profile. ``profiles/<name>.yaml`` lists overrides (same sections,
only the keys that change); :func:`apply` merges them into ``params.yaml`` in place with a
round-trip YAML parser (ruamel.yaml), so every comment - the tuning rationale - stays, and
records the values it replaced in ``profiles/.undo.yaml`` (git-ignored). ``apply("default")``
merges that record back: the file is byte-identical to before, other edits kept.

For a one-off variant, DVC's own mechanism needs no profile:
``dvc exp run -S search.budget=200`` (see the README).
"""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

from nas_utils.errors import ConfigError
from nas_utils.paths import project_root

DEFAULT = "default"
UNDO = ".undo.yaml"
ABSENT = "<absent>"  # an undo value: the key did not exist before the profile added it


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: keeps comments, key order, flow/block style
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _styled(value: Any) -> Any:
    """Lists and mappings of a profile as inline (flow) YAML, like the hand-written file."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        out = CommentedMap((k, _styled(v)) for k, v in value.items())
        out.fa.set_flow_style()
        return out
    if isinstance(value, list):
        seq = CommentedSeq(_styled(v) for v in value)
        seq.fa.set_flow_style()
        return seq
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return copy.copy(value)


def merge(target: Any, extra: dict[str, Any], where: str = "") -> dict[str, Any]:
    """Deep-merge ``extra`` into the round-trip mapping ``target``; return the inverse overrides."""
    undo: dict[str, Any] = {}
    for key, value in extra.items():
        current = target.get(key) if hasattr(target, "get") else None
        if isinstance(value, dict) and isinstance(current, dict):
            undo[key] = merge(current, value, f"{where}{key}.")
            continue
        undo[key] = _plain(current) if key in target else ABSENT
        if value == ABSENT:
            del target[key]
        elif key in target and current == value:
            continue  # unchanged: keep the original text and style
        else:
            target[key] = _styled(value)
            _realign_comment(target, key)
    return undo


def _realign_comment(mapping: Any, key: str) -> None:
    """Put ``key``'s end-of-line comment two spaces after its new value (as hand-written)."""
    token = mapping.ca.items.get(key, [None] * 4)[2] if hasattr(mapping, "ca") else None
    if token is None or not token.value.startswith("#"):  # no comment on the key's own line
        return
    yaml = _yaml()
    buffer = io.StringIO()
    yaml.dump({key: mapping[key]}, buffer)
    width = len(buffer.getvalue().splitlines()[0])
    token.column = (getattr(mapping.lc, "col", 0) or 0) + width + 2


def names(root: Path | None = None) -> list[str]:
    root = root or project_root()
    return [*sorted(p.stem for p in (root / "profiles").glob("*.yaml") if not p.name.startswith(".")), DEFAULT]


def apply(name: str, root: Path | None = None) -> str:
    """Merge profile ``name`` into ``<root>/params.yaml`` (``default``: undo the last profile)."""
    root = root or project_root()
    params_path, undo_path = root / "params.yaml", root / "profiles" / UNDO
    if name not in names(root):
        raise ConfigError(f"unknown profile {name!r}; valid choices: {', '.join(names(root))}")
    yaml = _yaml()
    params = yaml.load(params_path.read_text())
    if name == DEFAULT:
        if not undo_path.exists():
            return "params.yaml already holds the default profile (no profile applied)"
        overrides, undo_path_after = yaml.load(undo_path.read_text()) or {}, None
    else:
        if undo_path.exists():
            raise ConfigError(f"a profile is applied already; run `hwnas profile {DEFAULT}` first")
        overrides, undo_path_after = yaml.load((root / "profiles" / f"{name}.yaml").read_text()) or {}, undo_path
    for section in overrides:
        if section not in params:
            raise ConfigError(f"profile {name}: unknown section {section!r}; sections: {', '.join(params)}")
    undo = merge(params, _plain(overrides))
    buffer = io.StringIO()
    yaml.dump(params, buffer)
    from nas_utils.io import write_text

    write_text(params_path, buffer.getvalue())
    if undo_path_after is None:
        undo_path.unlink()
        return "params.yaml is back to the default profile"
    buffer = io.StringIO()
    yaml.dump(undo, buffer)
    write_text(undo_path, f"# Values replaced by profile {name!r}; `hwnas profile default` restores them.\n"
               + buffer.getvalue())
    return f"params.yaml now uses profile {name!r} (git diff params.yaml shows the changes; back: hwnas profile default)"
