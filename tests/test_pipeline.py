"""The DVC pipeline's wiring: each notebook stage depends on exactly the parameters it reads.

That is what makes ``dvc exp run -S search.budget=400`` rerun only ``search`` (and the report
that reads its summary): a stage lists its own section's keys and no other section's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

import nas_utils.sections  # noqa: F401 - registers every params section
from nas_utils import config

ROOT = Path(__file__).resolve().parents[1]


def _stages() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def test_every_notebook_stage_reads_exactly_its_section() -> None:
    params = config.read_params(ROOT / "params.yaml")
    for name, stage in _stages().items():
        cmd = stage["cmd"].split()
        if cmd[:3] != ["python", "-m", "nas_utils.stage"]:
            continue
        section = cmd[3]
        fields = {f.name for f in dataclasses.fields(config.SECTIONS.get(section))}
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
