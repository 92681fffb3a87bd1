"""Run-to-run determinism check of the pipeline's tables.

A fingerprint maps every JSON / Parquet / CSV table under the given directories to a hash of
its *content*, after dropping the fields that legitimately change between runs: wall-clock
times and the environment record (keys or columns named like ``*time*``, ``*_s``, ``seconds``,
``wall``, ``duration``, ``environment``, ``git``...). Figures, executed notebooks and HTML are
not tables and are skipped (their bytes carry timestamps).

Tables derived from *physical* latency measurements of this machine (the ``latency`` stage and
the measured latency objective of ``search_supernet``) are listed in :data:`MEASURED`; they vary
with machine noise by nature, so ``compare`` reports them separately and does not fail on them.

Typical use (what ``make determinism`` runs)::

    python -m nas_utils.reproducibility snapshot reports data/processed --out run1.json
    dvc repro -f
    python -m nas_utils.reproducibility snapshot reports data/processed --out run2.json
    python -m nas_utils.reproducibility compare run1.json run2.json

>>> import pandas as pd
>>> a = pd.DataFrame({"x": [1, 2], "run_time_s": [0.1, 0.2]})
>>> b = pd.DataFrame({"x": [1, 2], "run_time_s": [9.0, 9.0]})
>>> frame_digest(a) == frame_digest(b)
True
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from nas_utils.scripts import OneLineParser
from nas_utils.errors import HwnasError
from nas_utils.io import write_json

#: Field names that record time or environment, not results. Speedups are ratios of measured
#: times (SparseNAS training speedup, 1 vs 2 workers), so they vary with the machine too.
VOLATILE = re.compile(
    r"(^|_)(time|times|timing|timings|seconds|wall|duration|environment|git|started|finished|date|host|speedup)(_|$)"
    r"|_s$|^s$",
    re.IGNORECASE,
)
#: Tables that hold (or are fitted on) wall-clock latency measurements of this machine; the
#: report's headline metrics quote some of them (each stage's own summary is checked on its own).
MEASURED = re.compile(r"^reports/(latency/|search_supernet/|headline\.json$)")
TABLES = (".json", ".parquet", ".csv")


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in sorted(obj.items()) if not VOLATILE.search(str(k))}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    return obj


def frame_digest(df: pd.DataFrame) -> str:
    """Hash of a table's values, column names and dtypes, without volatile columns."""
    df = df[[c for c in df.columns if not VOLATILE.search(str(c))]].copy()
    for c in df.columns[df.dtypes == object]:  # list/array cells (e.g. per-round values) -> text
        df[c] = df[c].map(lambda v: repr(v.tolist() if hasattr(v, "tolist") else v))
    h = hashlib.sha256(repr([(str(c), str(t)) for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df.reset_index(drop=True), index=False).to_numpy().tobytes())
    return h.hexdigest()


def file_digest(path: Path) -> str:
    if path.suffix == ".json":
        return hashlib.sha256(json.dumps(_clean(json.loads(path.read_text())), sort_keys=True).encode()).hexdigest()
    df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    return frame_digest(df)


def snapshot(dirs: Iterable[str | Path], root: Path | None = None) -> dict[str, str]:
    """``{relative path: content digest}`` of every table under ``dirs``."""
    root = root or Path.cwd()
    out: dict[str, str] = {}
    for d in dirs:
        base = Path(d)
        if not base.exists():
            raise HwnasError(f"snapshot: directory not found: {base}")
        for p in sorted(base.rglob("*")):
            if p.suffix in TABLES and p.is_file() and p.name != "run_info.json":
                out[str(p.resolve().relative_to(root.resolve()))] = file_digest(p)
    return out


def compare(a: dict[str, str], b: dict[str, str]) -> dict[str, list[str]]:
    """Tables only in one run, identical ones, and differing ones (split measured / not)."""
    common = sorted(set(a) & set(b))
    differ = [k for k in common if a[k] != b[k]]
    return {
        "identical": [k for k in common if a[k] == b[k]],
        "differ": [k for k in differ if not MEASURED.search(k)],
        "differ_measured": [k for k in differ if MEASURED.search(k)],
        "missing": sorted(set(a) ^ set(b)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.reproducibility", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot", help="fingerprint the tables under DIRS")
    s.add_argument("dirs", nargs="+")
    s.add_argument("--out", required=True)
    c = sub.add_parser("compare", help="compare two snapshots; exit 1 if a non-measured table differs")
    c.add_argument("a")
    c.add_argument("b")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "snapshot":
            snap = snapshot(args.dirs)
            write_json(args.out, snap)
            print(f"{len(snap)} tables fingerprinted -> {args.out}")
            return 0
        result = compare(*(json.loads(Path(p).read_text()) for p in (args.a, args.b)))
    except (HwnasError, FileNotFoundError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"identical: {len(result['identical'])} tables")
    for key in ("differ", "differ_measured", "missing"):
        for k in result[key]:
            print(f"{key}: {k}")
    return 1 if result["differ"] or result["missing"] else 0


if __name__ == "__main__":
    sys.exit(main())
