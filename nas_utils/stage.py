"""Run a parameterised notebook as a pipeline stage (what every notebook DVC stage calls).

``python -m nas_utils.stage <section> <notebook> [--out DIR] [--set key=value ...]``

1. loads and validates ``params.yaml[<section>]`` (unknown key, wrong type or out-of-range value
   -> one-line error, nothing executed, nothing written);
2. executes the notebook with papermill, passing the section's keys (plus ``out_dir``) as
   parameters;
3. the notebook writes its tables and figures into the staging directory ``out_dir/.staging``
   (its ``out_dir`` parameter); only when every cell has succeeded are they moved into
   ``out_dir``, followed by the executed notebook, its HTML rendering and ``run_info.json``
   (wall time, parameters, machine, library versions), each file atomically.

So a stage that fails or is killed mid-way leaves none of its declared outputs for a later
stage to read (DVC also deletes them before rerunning it). A failing cell stops the stage with
one line naming the cell and the exception; the partially executed notebook is kept only as
``<name>.failed.ipynb`` (not a declared output).

>>> from nas_utils.stage import parse_overrides
>>> parse_overrides(["budget=100", "devices=[a, b]"])
{'budget': 100, 'devices': ['a', 'b']}
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from nas_utils import config
from nas_utils.errors import ConfigError, HwnasError
from nas_utils.io import atomic_path, write_json
from nas_utils.paths import project_root

LIBRARIES = ("torch", "numpy", "pandas", "scikit-learn", "xgboost", "pymoo", "botorch", "papermill", "dvc", "onnxruntime")


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``key=value`` strings -> dict, values parsed as YAML scalars/lists."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"bad override {item!r}; expected key=value")
        out[key] = yaml.safe_load(raw)
    return out


def environment() -> dict[str, Any]:
    """Machine and library versions, for provenance records."""
    versions = {}
    for lib in LIBRARIES:
        try:
            versions[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            versions[lib] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "libraries": versions,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_notebook(
    section: str,
    notebook: str | Path,
    out_dir: str | Path,
    overrides: dict[str, Any] | None = None,
    params_file: str | Path | None = None,
    kernel: str = "python3",
) -> Path:
    """Validate parameters, execute ``notebook`` and write it (``.ipynb`` + ``.html``) to ``out_dir``."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    import nas_utils.sections  # noqa: F401  (registers every section's schema)

    notebook = Path(notebook)
    if not notebook.exists():
        raise ConfigError(f"notebook not found: {notebook}")
    cfg = config.load(section, params_file, **(overrides or {}))
    out_dir = Path(out_dir)
    staging = out_dir / STAGING
    shutil.rmtree(staging, ignore_errors=True)  # leftovers of a killed run
    staging.mkdir(parents=True)
    parameters = {**config.as_dict(cfg), "out_dir": str(staging)}
    target = out_dir / notebook.name
    failed = out_dir / f"{notebook.stem}.failed.ipynb"
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / notebook.name
        try:
            pm.execute_notebook(
                str(notebook), str(executed), parameters=parameters, kernel_name=kernel,
                cwd=str(project_root()), progress_bar=False, log_output=False,
            )
        except pm.PapermillExecutionError as exc:
            if executed.exists():
                executed.replace(failed)
            shutil.rmtree(staging, ignore_errors=True)
            raise HwnasError(
                f"{notebook.name} failed in cell {exc.exec_count}: {exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}"
                f" (partial run: {failed})"
            ) from None
        failed.unlink(missing_ok=True)
        _publish(staging, out_dir)
        nb = nbformat.read(executed, as_version=4)
        html, _ = HTMLExporter().from_notebook_node(nb)
        with atomic_path(target.with_suffix(".html")) as tmp_html:
            tmp_html.write_text(html)
        with atomic_path(target) as tmp_nb:
            tmp_nb.write_bytes(executed.read_bytes())
    write_json(
        out_dir / "run_info.json",
        {"section": section, "notebook": notebook.name, "wall_time_s": round(time.perf_counter() - start, 1),
         "parameters": {**parameters, "out_dir": str(out_dir)}, "environment": environment()},
    )
    return target


STAGING = ".staging"


def _publish(staging: Path, out_dir: Path) -> None:
    """Move everything the notebook wrote from ``staging`` into ``out_dir`` (file by file, atomic)."""
    for src in sorted(staging.rglob("*")):
        if src.is_file():
            dst = out_dir / src.relative_to(staging)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    shutil.rmtree(staging)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nas_utils.stage", description=__doc__.splitlines()[0])
    parser.add_argument("section", help="params.yaml section holding the notebook's parameters")
    parser.add_argument("notebook", help="path of the notebook to execute")
    parser.add_argument("--out", required=True, help="directory for the executed notebook and its outputs")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override parameters")
    parser.add_argument("--params", default=None, help="params file (default: params.yaml)")
    args = parser.parse_args(argv)
    try:
        path = run_notebook(args.section, args.notebook, args.out, parse_overrides(args.set), args.params)
    except HwnasError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
