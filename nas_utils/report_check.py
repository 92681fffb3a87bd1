"""Check the rendered report as a reader sees it: every image resolves, and a headless screenshot.

``python -m nas_utils.report_check [--html reports/index.html] [--out reports/.screenshot.png]``

1. every ``<img src>`` of the page must point to a file that exists relative to the page (a
   broken image on a git host is exactly a link to an untracked file);
2. the page is rendered with headless Chromium (Debian package ``chromium``) into a PNG for a
   person to look at (``--window-size`` tall enough for the whole page).

Exit status 0 when both pass, 2 with one line naming the problem otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from nas_utils.scripts import OneLineParser
from nas_utils.paths import reports_dir

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--hide-scrollbars")


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources += [v for k, v in attrs if k == "src" and v]


def missing_images(html: Path) -> list[str]:
    """``src`` of every image of ``html`` that is not a file next to it (remote URLs are ignored)."""
    parser = _Images()
    parser.feed(html.read_text())
    return [s for s in parser.sources if not re.match(r"^[a-z]+:", s) and not (html.parent / s).is_file()]


def chromium() -> str | None:
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def screenshot(html: Path, out: Path, width: int = 1200, height: int = 9000, timeout: float = 120.0) -> Path:
    """Render ``html`` with headless Chromium into ``out`` (PNG)."""
    exe = chromium()
    if exe is None:
        raise FileNotFoundError("headless Chromium not found (Debian: apt-get install chromium)")
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [exe, *CHROMIUM_FLAGS, f"--window-size={width},{height}", f"--screenshot={out.resolve()}",
           html.resolve().as_uri()]
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.report_check", description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=reports_dir() / "index.html")
    parser.add_argument("--out", type=Path, default=reports_dir() / ".screenshot.png")
    parser.add_argument("--height", type=int, default=9000, help="window height in pixels (whole page)")
    args = parser.parse_args(argv)
    if not args.html.exists():
        print(f"error: {args.html} not found; build it with `python -m nas_utils.report`", file=sys.stderr)
        return 2
    if missing := missing_images(args.html):
        print(f"error: {len(missing)} image(s) of {args.html} do not exist: {', '.join(missing)}", file=sys.stderr)
        return 2
    try:
        path = screenshot(args.html, args.out, height=args.height)
    except (FileNotFoundError, subprocess.SubprocessError) as exc:
        print(f"error: screenshot failed: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    print(f"every image resolves; screenshot: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
