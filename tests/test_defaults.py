"""One home for defaults: every notebook's parameters cell equals its ``params.yaml`` section.

"Run All" in JupyterLab must run what ``dvc repro`` runs; only the output location differs (an
interactive run writes under ``scratch/``, never into DVC-tracked ``reports/`` or ``checkpoints/``).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import nbformat
import yaml

from nas_utils import config

ROOT = Path(__file__).resolve().parents[1]
LOCATIONS = {"out_dir"}  # set by nas_utils.stage, not parameters


def notebook_stages() -> dict[str, tuple[str, Path]]:
    """stage name -> (params section, notebook) for every ``nas_utils.stage`` command in dvc.yaml."""
    out = {}
    for name, stage in yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"].items():
        words = stage["cmd"].split()
        if "nas_utils.stage" in words:
            i = words.index("nas_utils.stage")
            out[name] = (words[i + 1], ROOT / words[i + 2])
    return out


def parameters_cell(notebook: Path) -> dict[str, Any]:
    """The literal assignments of the notebook's cell tagged ``parameters`` (name -> value)."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{notebook.name}: expected one cell tagged 'parameters'"
    values = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value = node.targets[0].id, node.value
        else:
            continue
        try:
            values[name] = ast.literal_eval(value)
        except ValueError:
            values[name] = ast.unparse(value)  # a computed location (out_dir)
    return values


def differences() -> list[str]:
    """Every key where a notebook's parameters cell and params.yaml disagree (or one lacks it)."""
    params = config.read_params(ROOT / "params.yaml")
    found = []
    for stage, (section, notebook) in notebook_stages().items():
        cell = {k: v for k, v in parameters_cell(notebook).items() if k not in LOCATIONS}
        yaml_section = params.get(section, {})
        for key in sorted(set(cell) | set(yaml_section)):
            if key not in yaml_section:
                found.append(f"{notebook.name}: {key} not in params.yaml[{section}]")
            elif key not in cell:
                found.append(f"{notebook.name}: {key} missing from the parameters cell")
            elif cell[key] != yaml_section[key]:
                found.append(f"{notebook.name}: {key} = {cell[key]!r}, params.yaml[{section}] = {yaml_section[key]!r}")
    return found


def test_notebook_parameters_equal_params_yaml() -> None:
    found = differences()
    assert not found, f"{len(found)} differences:\n" + "\n".join(found)


def test_interactive_runs_write_to_scratch() -> None:
    """The parameters cell's ``out_dir`` is ``scratch(<the stage's --out>)``: JupyterLab's "Run All"
    writes under ``<root>/scratch/``, never into the DVC-tracked folder the stage writes."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    for stage, (section, notebook) in notebook_stages().items():
        words = stages[stage]["cmd"].split()
        out = words[words.index("--out") + 1]
        assert parameters_cell(notebook).get("out_dir") == f"scratch({out!r})", notebook.name


def test_relative_outputs_go_to_scratch_unless_under_a_stage(monkeypatch) -> None:  # noqa: ANN001
    from nas_utils import paths

    monkeypatch.delenv(paths.STAGE_ENV, raising=False)
    assert paths.output_path("checkpoints/x.pt") == paths.project_root() / "scratch" / "checkpoints" / "x.pt"
    assert paths.input_path("params.yaml") == paths.project_root() / "params.yaml"  # no scratch copy: tracked
    monkeypatch.setenv(paths.STAGE_ENV, "sparsenas")
    assert paths.output_path("checkpoints/x.pt") == paths.project_root() / "checkpoints" / "x.pt"


def test_schemas_carry_no_defaults() -> None:
    """params.yaml is the one source: no schema field has a default of its own."""
    for stage, (section, _) in notebook_stages().items():
        for f in dataclasses.fields(config.schema(section)):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, (section, f.name)
