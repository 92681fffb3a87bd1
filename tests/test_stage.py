"""The stage runner: a failing notebook leaves no declared output behind; the report builds."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nas_utils.errors import HwnasError
from nas_utils.stage import run_notebook


def _notebook(path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("budget: int = 300  # real evaluations\nout_dir: str = 'x'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_failing_notebook_leaves_no_output(tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "boom.ipynb", "raise RuntimeError('disk on fire')")
    out = tmp_path / "out"
    with pytest.raises(HwnasError, match="boom.ipynb failed in cell .*RuntimeError: disk on fire"):
        run_notebook("search", nb, out)
    assert sorted(p.name for p in out.iterdir()) == ["boom.failed.ipynb"]


def test_report_builds_without_any_stage_output(tmp_path: Path) -> None:
    from nas_utils.report import build

    text = build(tmp_path)
    assert "search: not run" in text and "How this was produced" in text
