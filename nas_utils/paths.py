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
