"""The DVC pipeline's wiring: each notebook stage depends on exactly the parameters it reads.

That is what makes ``dvc exp run -S search.budget=400`` rerun only ``search`` (and the report
that reads its summary): a stage lists its own section's keys and no other section's.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import nbformat
import yaml

from nas_utils import config

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = "tools/py"  # picks .venv/bin/python when present (see tools/py)


def _stages() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def test_every_stage_runs_through_the_launcher() -> None:
    """Stage commands never name a bare ``python`` (that would be whatever is first on PATH)."""
    for name, stage in _stages().items():
        assert stage["cmd"].split()[:2] == [LAUNCHER, "-m"], (name, stage["cmd"])


def test_every_notebook_stage_reads_exactly_its_section() -> None:
    params = config.read_params(ROOT / "params.yaml")
    for name, stage in _stages().items():
        cmd = stage["cmd"].split()
        if cmd[:3] != [LAUNCHER, "-m", "nas_utils.stage"]:
            continue
        section = cmd[3]
        fields = {f.name for f in dataclasses.fields(config.schema(section))}
        declared = set(stage.get("params", []))
        assert declared in ({section}, {f"{section}.{f}" for f in fields}), (name, declared ^ {f"{section}.{f}" for f in fields})
        assert set(params[section]) <= fields, f"params.yaml {section} has keys the stage does not read"
        assert f"notebooks/{Path(cmd[4]).name}" in stage["deps"]


def test_report_is_last_and_depends_on_every_summary_it_reads() -> None:
    from nas_utils.report import SECTIONS

    stages = _stages()
    assert list(stages)[-1] == "report"
    assert {f"reports/{rel}" for rel in SECTIONS} <= set(stages["report"]["deps"])


def test_outputs_are_never_shared_between_stages() -> None:
    seen: dict[str, str] = {}
    for name, stage in _stages().items():
        for key in ("outs", "metrics"):
            for o in stage.get(key, []):
                path = o if isinstance(o, str) else next(iter(o))
                assert path not in seen, f"{path} is an output of {seen.get(path)} and {name}"
                seen[path] = name


# --- deps: every nas_utils module a stage can import is a declared dependency ---------------


def _module_file(name: str) -> Path | None:
    """The file of ``nas_utils`` module ``name`` (package -> its ``__init__.py``), or None."""
    base = ROOT / Path(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def _imports(tree: ast.AST, package: str) -> set[str]:
    """Every ``nas_utils`` module named by an import anywhere in ``tree`` (function-level too)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}  # `from pkg import module`
    return {m for m in found if m.split(".")[0] == "nas_utils" and _module_file(m)}


def import_closure(roots: set[str]) -> set[str]:
    """Files (relative to the root) of every ``nas_utils`` module reachable from ``roots``.

    Importing ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py`` too, so parents count.
    """
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):
            mod = ".".join(parts[:i])
            path = _module_file(mod)
            if mod in seen or path is None:
                continue
            seen.add(mod)
            package = mod if path.name == "__init__.py" else ".".join(parts[: i - 1])
            todo.extend(_imports(ast.parse(path.read_text()), package))
    return {str(_module_file(m).relative_to(ROOT)) for m in seen}


def _stage_roots(stage: dict) -> set[str]:
    """The stage command's module, the notebook's imports and the schema the stage loads by name."""
    words = stage["cmd"].split()
    roots = {words[words.index("-m") + 1]}
    if roots == {"nas_utils.stage"}:
        section, notebook = words[words.index("-m") + 2: words.index("-m") + 4]
        roots.add(f"nas_utils.schemas.{section}")
        nb = nbformat.read(ROOT / notebook, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                roots |= _imports(ast.parse(cell.source), "nas_utils")
    return roots


def _covers(dep: str, module: str) -> bool:
    """Whether the ``deps`` entry ``dep`` (a file or a folder) covers ``module``."""
    return module == dep or module.startswith(dep + "/")


def _deps_and_closures() -> dict[str, tuple[list[str], set[str]]]:
    """stage -> (its ``deps`` entries, its import closure)."""
    return {name: ([d.rstrip("/") for d in stage.get("deps", [])], import_closure(_stage_roots(stage)))
            for name, stage in _stages().items()}


def missing_deps() -> dict[str, list[str]]:
    """stage -> modules of its import closure that no ``deps`` entry covers (file or folder)."""
    out = {}
    for name, (deps, closure) in _deps_and_closures().items():
        missing = sorted(f for f in closure if not any(_covers(d, f) for d in deps))
        if missing:
            out[name] = missing
    return out


def test_deps_cover_every_imported_module() -> None:
    """Editing any module a stage imports must make ``dvc repro`` rerun that stage."""
    missing = missing_deps()
    assert not missing, "\n".join(f"{stage}: {', '.join(files)}" for stage, files in missing.items())


def extra_deps() -> dict[str, list[str]]:
    """stage -> ``nas_utils`` deps (file or folder) holding no module of its import closure."""
    out = {}
    for name, (deps, closure) in _deps_and_closures().items():
        extra = sorted(d for d in deps if d.startswith("nas_utils/") and not any(_covers(d, f) for f in closure))
        if extra:
            out[name] = extra
    return out


def test_deps_name_only_imported_modules() -> None:
    """Editing a module a stage does not import (e.g. another report section) must not rerun it."""
    extra = extra_deps()
    assert not extra, "\n".join(f"{stage}: {', '.join(files)}" for stage, files in extra.items())


# --- metrics and plots: what `dvc metrics show` / `dvc plots show` read ----------------------


def test_headline_is_the_only_metrics_file_and_summaries_are_git_tracked_outs() -> None:
    stages = _stages()
    metrics = [next(iter(m)) if isinstance(m, dict) else m for s in stages.values() for m in s.get("metrics", [])]
    assert metrics == ["reports/headline.json"]
    for name, stage in stages.items():
        for out in stage.get("outs", []):
            path = next(iter(out)) if isinstance(out, dict) else out
            if path.endswith(("summary.json", "/plots")) or path == "reports/figures":
                assert isinstance(out, dict) and out[path] == {"cache": False}, (name, path)


def test_plots_name_the_default_profile_columns() -> None:
    """The y fields of each curve are the tactics / methods / runs params.yaml runs."""
    params = config.read_params(ROOT / "params.yaml")
    plots = {next(iter(p)): next(iter(p.values())) for p in yaml.safe_load((ROOT / "dvc.yaml").read_text())["plots"]}
    expected = {"reports/search/plots": ("eval", params["search"]["tactics"]),
                "reports/predictors/plots": ("k", [params["predictors"]["method"], *params["predictors"]["methods"]]),
                "reports/sparsenas/plots": ("train_s", ["full", "sparse"]),
                "reports/search_supernet/plots": ("eval", params["search_supernet"]["tactics"])}
    assert {k: (v["x"], v["y"]) for k, v in plots.items()} == expected
    outs = {next(iter(o)) if isinstance(o, dict) else o for s in _stages().values() for o in s.get("outs", [])}
    assert set(plots) <= outs, "every plot folder is some stage's output"


def test_report_depends_on_every_figure_it_copies() -> None:
    """reports/figures/ holds copies of stage figures: each copied figure is a dep of the report."""
    import re

    sections = sorted((ROOT / "nas_utils" / "sections").glob("*.py"))  # the report's sections show the figures
    source = "\n".join(p.read_text() for p in sections)
    shown = {f"reports/{stage}/{name}.png" for stage, name in re.findall(r'\bfigure\(root, "(\w+)", "(\w+)"', source)}
    assert shown, "no figure(root, stage, name, ...) call found in nas_utils/sections/"
    assert shown <= set(_stages()["report"]["deps"]), shown - set(_stages()["report"]["deps"])
