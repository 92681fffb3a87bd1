"""Every ``>>>`` example in ``nas_utils``'s docstrings runs and prints what it shows (one test per module),
so the examples a reader copies stay true. Examples that need the project's data or a trained
super-network carry ``# doctest: +SKIP``."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "nas_utils").rglob("*.py")
                 if ">>> " in p.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False,
                             report=True)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed (printed above)"
