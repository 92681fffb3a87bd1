"""Every ```python block of the README runs (the extension examples stay true)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BLOCKS = re.findall(r"```python\n(.*?)```", (Path(__file__).parents[1] / "README.md").read_text(), flags=re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index: int) -> None:
    out = subprocess.run([sys.executable, "-c", BLOCKS[index]], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


def test_readme_stage_commands_take_their_parameters() -> None:
    """Every ``nas_utils.stage <section> ... --set`` command the README shows passes the stage's own parameter
    check (the one that runs before anything is executed)."""
    import shlex

    from nas_utils import config
    from nas_utils.stage import parse_overrides

    text = (Path(__file__).parents[1] / "README.md").read_text().replace("\\\n", " ")
    commands = [shlex.split(line) for line in text.splitlines() if "nas_utils.stage " in line and "--set" in line]
    assert commands, "the README shows no stage command with --set"
    for words in commands:
        section = words[words.index("nas_utils.stage") + 1]
        items = words[words.index("--set") + 1:]
        config.load(section, **parse_overrides(items))


def test_readme_shows_the_two_commands() -> None:
    text = (Path(__file__).parents[1] / "README.md").read_text()
    assert "make reproduce" in text and "make test" in text


def test_readme_results_table_is_generated_from_the_summaries() -> None:
    """The README's results block equals what `make readme` builds from reports/*/summary.json."""
    from nas_utils.paths import reports_dir
    from nas_utils.report import README_BEGIN, README_END, readme_block, stale_summaries

    if not (reports_dir() / "search" / "summary.json").exists():
        pytest.skip("no stage summaries in reports/ (run `make reproduce` first)")
    if stale_summaries():
        pytest.skip("stage summaries written by an older version (rerun the pipeline first)")
    text = (Path(__file__).parents[1] / "README.md").read_text()
    block = README_BEGIN + text.split(README_BEGIN, 1)[1].split(README_END, 1)[0] + README_END
    assert block == readme_block(), "README results are stale: run `make readme`"
