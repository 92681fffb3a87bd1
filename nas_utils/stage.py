"""Run a parameterised notebook as a pipeline stage (what every notebook DVC stage calls).

``python -m nas_utils.stage <section> <notebook> [--out DIR] [--set key=value ...]``

1. loads and validates ``params.yaml[<section>]`` (unknown key, wrong type or out-of-range value
   -> one-line error, nothing executed, nothing written); only that section's schema is
   imported (``nas_utils.schemas.<section>``);
2. executes the notebook with papermill, passing the section's keys (plus ``out_dir``) as
   parameters;
3. the notebook writes its tables and figures into the staging directory ``out_dir/.staging``
   (its ``out_dir`` parameter); only when every cell has succeeded are they moved into
   ``out_dir``, followed by the executed notebook, its HTML rendering and ``run_info.json``
   (wall time, the notebook's CPU seconds, the hypervisor's steal meanwhile, the machine's speed
   before and after it (:mod:`nas_utils.cpu_speed`), parameters, machine, library versions), each
   file atomically.

While it runs, the notebook's progress bars (:mod:`nas_utils.progress`: which run of how many,
ETA, current HV) stream to this process's stderr, so ``dvc repro`` is not silent; the executed
notebook keeps no progress output. The notebook runs with ``HWNAS_STAGE`` set, so relative
output paths resolve to the tracked tree (:func:`nas_utils.paths.output_path`); run by hand in
JupyterLab it writes under ``scratch/`` instead.

So a stage that fails or is killed mid-way leaves none of its declared outputs for a later
stage to read (DVC also deletes them before rerunning it). A failing cell stops the stage with
one line naming the cell and the exception; the partially executed notebook is kept only as
``<name>.failed.ipynb`` (not a declared output).

>>> from nas_utils.stage import parse_overrides
>>> parse_overrides(["budget=100", "devices=[a, b]"])
{'budget': 100, 'devices': ['a', 'b']}
"""

from __future__ import annotations

import os
import platform
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from nas_utils import config, cpu_speed, progress, runtime
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.errors import ConfigError, HwnasError
from nas_utils.io import atomic_path, write_json
from nas_utils.paths import STAGE_ENV, project_root

LIBRARIES = ("torch", "numpy", "pandas", "scikit-learn", "xgboost", "xgboost-cpu", "pymoo", "botorch", "papermill", "dvc", "onnxruntime")


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``key=value`` strings -> dict, values parsed as YAML scalars/lists.

    Raises:
        ConfigError: one line for an item without ``=`` or with a value that is not valid YAML.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"bad override {item!r}; expected key=value")
        try:
            out[key] = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError(
                f"bad override {item!r}: {raw!r} is not valid YAML ({problem}); "
                "valid: key=VALUE with a YAML value, e.g. budget=100, devices=[a, b], name='x: y'"
            ) from None
    return out


def environment() -> dict[str, Any]:
    """Machine and library versions, for provenance records."""
    versions: dict[str, str | None] = {}
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
        "blas": blas_kernels(),
        "libraries": versions,
    }


def blas_kernels() -> str:
    """The BLAS libraries this process has loaded with the kernels they use (``openblas Haswell``: pinned
    by :func:`nas_utils.pin_blas_kernels`); numbers are bit-identical across machines only for equal kernels."""
    import numpy  # noqa: F401  (loads OpenBLAS, so that it is listed)
    from threadpoolctl import threadpool_info

    libs = [f"{i['internal_api']} {i.get('architecture') or ''}".strip() for i in threadpool_info()]
    return ", ".join(sorted(set(libs))) or "unknown"


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

    notebook = Path(notebook)
    if not notebook.exists():
        raise ConfigError(f"notebook not found: {notebook}")
    cfg = config.load(section, params_file, **(overrides or {}))
    runtime.settings()  # a bad HWNAS_* value stops here, before anything runs
    out_dir = Path(out_dir)
    staging = out_dir / STAGING
    shutil.rmtree(staging, ignore_errors=True)  # leftovers of a killed run
    staging.mkdir(parents=True)
    parameters = {**config.as_dict(cfg), "out_dir": str(staging)}
    target = out_dir / notebook.name
    failed = out_dir / f"{notebook.stem}.failed.ipynb"
    speed_before = cpu_speed.probe()
    start, cpu_start, steal_start = time.perf_counter(), _children_cpu_s(), cpu_speed.steal_s()
    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / notebook.name
        try:
            with _stage_environment(section, Path(tmp) / "progress.log"):
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
        nb = nbformat.read(executed, as_version=4)  # type: ignore[no-untyped-call]
        html, _ = HTMLExporter().from_notebook_node(nb)  # type: ignore[no-untyped-call]
        with atomic_path(target.with_suffix(".html")) as tmp_html:
            tmp_html.write_text(html)
        with atomic_path(target) as tmp_nb:
            tmp_nb.write_bytes(executed.read_bytes())
    wall_s, cpu_s, steal_end = time.perf_counter() - start, _children_cpu_s() - cpu_start, cpu_speed.steal_s()
    steal = round(steal_end - steal_start, 1) if steal_end is not None and steal_start is not None else None
    write_json(
        out_dir / "run_info.json",
        {"section": section, "notebook": notebook.name, "wall_time_s": round(wall_s, 1),
         "cpu_time_s": round(cpu_s, 1), "steal_s": steal,
         "cpu_speed": {"before": speed_before, "after": cpu_speed.probe()},
         "parameters": {**parameters, "out_dir": str(out_dir)}, "environment": environment()},
    )
    return target


def _children_cpu_s() -> float:
    """User + system CPU seconds of this process's finished children (the notebook's kernel and,
    through it, its worker processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


STAGING = ".staging"


@contextmanager
def _stage_environment(section: str, log: Path) -> Iterator[None]:
    """Run the block with ``HWNAS_STAGE`` and ``HWNAS_PROGRESS_FILE`` set (the kernel inherits
    them) while a thread copies what the kernel's bars write to ``log`` onto our stderr."""
    log.touch()
    saved = {k: os.environ.get(k) for k in (STAGE_ENV, progress.FILE_ENV)}
    os.environ.update({STAGE_ENV: section, progress.FILE_ENV: str(log)})
    done = threading.Event()
    thread = threading.Thread(target=_stream, args=(log, done), daemon=True)
    thread.start()
    start = time.perf_counter()
    print(f"stage {section}: running (progress below)", file=sys.stderr, flush=True)
    try:
        yield
    finally:
        done.set()
        thread.join()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        print(f"\nstage {section}: notebook finished in {time.perf_counter() - start:.0f} s",
              file=sys.stderr, flush=True)


def _stream(log: Path, done: threading.Event) -> None:
    """Copy new text of ``log`` to stderr every half second until ``done`` (then once more)."""
    with log.open(encoding="utf-8", errors="replace") as handle:
        while True:
            finished = done.wait(0.5)
            chunk = handle.read()
            if chunk:
                sys.stderr.write(chunk)
                sys.stderr.flush()
            if finished:
                return


def _publish(staging: Path, out_dir: Path) -> None:
    """Move everything the notebook wrote from ``staging`` into ``out_dir`` (file by file, atomic)."""
    for src in sorted(staging.rglob("*")):
        if src.is_file():
            dst = out_dir / src.relative_to(staging)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
    shutil.rmtree(staging)


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.stage", description=__doc__.splitlines()[0])
    parser.add_argument("section", help="params.yaml section holding the notebook's parameters")
    parser.add_argument("notebook", help="path of the notebook to execute")
    parser.add_argument("--out", required=True, help="directory for the executed notebook and its outputs")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override parameters")
    parser.add_argument("--params", default=None, help="params file (default: params.yaml)")
    args = parser.parse_args(argv)
    path = run_notebook(args.section, args.notebook, args.out, parse_overrides(args.set), args.params)
    print(f"wrote {path}")
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    sys.exit(cli())
