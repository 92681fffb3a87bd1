"""Where things live. Every path is relative to the project root, never hard-coded elsewhere.

The root is the directory holding ``params.yaml``; set ``HWNAS_ROOT`` to point elsewhere
(tests use it to run stages inside a temporary copy).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("HWNAS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "params.yaml").exists() and (candidate / "nas_utils").is_dir():
            return candidate
    # Installed non-editable: fall back to the package's parent.
    return Path(__file__).resolve().parent.parent


def raw_dir() -> Path:
    return project_root() / "data" / "raw"


def processed_dir() -> Path:
    return project_root() / "data" / "processed"


def reports_dir() -> Path:
    return project_root() / "reports"


# --- where a run writes: the tracked tree under a pipeline stage, scratch/ interactively -----

STAGE_ENV = "HWNAS_STAGE"  # set by nas_utils.stage for the notebook it runs


def under_stage() -> bool:
    """True inside a notebook run by ``nas_utils.stage`` (a DVC stage), False in JupyterLab."""
    return bool(os.environ.get(STAGE_ENV))


def scratch_root() -> Path:
    """``<root>/scratch``: mirrors the project tree for interactive runs (git-ignored)."""
    return project_root() / "scratch"


def scratch(rel: str) -> str:
    """Default ``out_dir`` of a notebook's parameters cell: ``<root>/scratch/<rel>``.

    The pipeline stage always passes the real ``reports/<stage>``; "Run All" in JupyterLab
    therefore never overwrites a DVC-tracked output.
    """
    return str(scratch_root() / rel)


def output_path(rel: str | Path) -> Path:
    """Where to write ``rel``: under the root in a stage, under ``scratch/`` otherwise."""
    path = Path(rel)
    if path.is_absolute():
        return path
    return (project_root() if under_stage() else scratch_root()) / path


def input_path(rel: str | Path) -> Path:
    """Where to read ``rel``: an interactive run reads its own scratch copy first, else the tracked one."""
    path = Path(rel)
    if path.is_absolute():
        return path
    if not under_stage() and (scratch_root() / path).exists():
        return scratch_root() / path
    return project_root() / path
