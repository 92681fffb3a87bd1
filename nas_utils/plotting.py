"""Shared figure conventions: one style, one save function (PNG + SVG, atomic, metadata-free).

>>> import matplotlib.pyplot as plt, tempfile, pathlib
>>> from nas_utils.plotting import save_figure
>>> fig, ax = plt.subplots(); _ = ax.plot([0, 1])
>>> paths = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "line")
>>> sorted(p.suffix for p in paths)
['.png', '.svg']
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless by default; notebooks still display inline
from matplotlib.figure import Figure  # noqa: E402
import seaborn as sns  # noqa: E402

from nas_utils.io import atomic_path  # noqa: E402

#: Fixed colour per tactic so every figure of the project agrees.
TACTIC_COLOURS = {
    "random": "#7f7f7f", "nsga2": "#1f77b4", "linas_faithful": "#ff7f0e", "linas": "#d62728",
    "weaknas": "#2ca02c", "bo": "#9467bd", "hvgain": "#8c564b",
}


def use_style() -> None:
    sns.set_theme(context="notebook", style="whitegrid", font_scale=0.9)


def save_figure(fig: Figure, path: str | Path, formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save ``fig`` as ``path.<fmt>`` for each format, without timestamps (reproducible bytes)."""
    out = []
    for fmt in formats:
        target = Path(path).with_suffix(f".{fmt}")
        with atomic_path(target) as tmp:
            meta = {"Date": None} if fmt == "svg" else {"Software": None}
            fig.savefig(tmp, format=fmt, dpi=130, bbox_inches="tight", metadata=meta)
        out.append(target)
    return out


def save_figures(figures: dict[str, Figure], out_dir: str | Path,
                 formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Save every figure of a stage's ``figures(result, summary)`` as ``<out_dir>/<name>.<fmt>``."""
    out: list[Path] = []
    for name, fig in figures.items():
        out += save_figure(fig, Path(out_dir) / name, formats)
    return out
