"""The ``hwnas`` command line: scripted searches, listings, and profile switching.

Examples::

    hwnas search --tactic linas --dataset cifar10 --device gold_6226 --seed 0 --out history.csv
    hwnas list                      # valid tactics, devices, datasets, predictors, spaces
    hwnas transfer suggest --k 20 --out to_measure.csv     # what to measure on your own device
    hwnas transfer predict --measurements to_measure.csv --out predicted.csv   # every latency from those
    hwnas search --tactic hvgain --latency-file predicted.csv --out history.csv  # search for that device
    hwnas profile paper             # merge profiles/paper.yaml into params.yaml (comments kept)
    hwnas profile default           # undo it
    hwnas --version

``hwnas search`` takes the tactic's hyper-parameters from ``params.yaml``
(``search.tactic_params.<tactic>``, what the pipeline runs); ``--param`` overrides one of them and
``--builtin-defaults`` uses the tactic class's own defaults instead. The history file's format
follows its extension (.csv, .json, .parquet); a sidecar ``<out>.meta.json`` records the dataset,
device, units, hyper-parameters and whether the run completed.

Every user error prints one line (``error: ...``) and exits with status 2; Ctrl-C during a search
prints one line and exits with status 130, writing nothing unless ``--keep-partial`` is given.
Help and usage build their choice lists without importing torch, scikit-learn or pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nas_utils import names
from nas_utils.errors import ConfigError, HwnasError
from nas_utils.latency.benchmark_devices import devices_for
from nas_utils.paths import project_root
from nas_utils.scripts import OneLineParser

HISTORY_FORMATS = (".csv", ".json", ".parquet")
DECIMALS = 6  # rounding of the history's float columns (the benchmark tables hold <= 3 decimals)
# Constructor arguments that set a tactic's uniform random start (first generation / initial design).
INITIAL_SAMPLE_PARAMS = ("initial", "n_init", "init_sample", "population")
INTERRUPTED = 130  # 128 + SIGINT, the shell's status for a Ctrl-C
BUILTIN_BUDGET = 300  # --budget without params.yaml


def _registries() -> dict[str, list[str]]:
    return {
        "tactics": list(names.TACTICS),
        "spaces": list(names.TABULAR_SPACES),
        "datasets": list(names.DATASETS),
        "devices": devices_for("nb201"),
        "predictors": list(names.PREDICTORS),
        "all spaces": list(names.SPACES),
        "transfer methods": list(names.TRANSFER_METHODS),
    }


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("hwnas-lab")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        from nas_utils import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    reg = _registries()
    epilog = "\n".join(f"{k}: {', '.join(v)}" for k, v in reg.items())
    parser = OneLineParser(prog="hwnas", description=__doc__.splitlines()[0], epilog=epilog,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "search", help="run one search on the tabular benchmark", epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run one search. Hyper-parameters default to params.yaml's search.tactic_params.<tactic>\n"
                    "(what the pipeline runs); --param overrides one, --builtin-defaults uses the tactic's own.",
    )
    s.add_argument("--tactic", required=True, choices=reg["tactics"], metavar="TACTIC",
                   help=f"search tactic: {', '.join(reg['tactics'])}")
    s.add_argument("--space", default="nb201", choices=reg["spaces"], metavar="SPACE", help="default: nb201")
    s.add_argument("--dataset", default="cifar10", choices=reg["datasets"], metavar="DATASET",
                   help="accuracy objective (default: cifar10; choices below)")
    s.add_argument("--device", default="gold_6226", choices=reg["devices"], metavar="DEVICE",
                   help="latency objective (default: gold_6226; choices below)")
    s.add_argument("--latency-file", type=Path, default=None, metavar="CSV",
                   help="latency of every architecture on your own device, one line each (columns latency_ms and "
                        "index or arch, e.g. `hwnas transfer predict`'s output), in place of --device's table")
    s.add_argument("--budget", type=int, default=None,
                   help="real evaluations (default: params.yaml search.budget)")
    s.add_argument("--seed", type=int, default=0, help="random seed, integer >= 0 (default: 0)")
    s.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="override one tactic hyper-parameter (YAML value), e.g. --param inner_evals=2000")
    s.add_argument("--builtin-defaults", action="store_true",
                   help="use the tactic's built-in hyper-parameters instead of params.yaml's")
    s.add_argument("--params", type=Path, default=None, metavar="FILE",
                   help="params file for the defaults (default: the project's params.yaml)")
    s.add_argument("--out", type=Path, help="write the history here: .csv, .json or .parquet "
                   "(format from the extension), plus <out>.meta.json (dataset, device, units, parameters)")
    s.add_argument("--keep-partial", action="store_true",
                   help="on Ctrl-C, save the evaluations done so far to --out (marked incomplete)")
    s.add_argument("--quiet", action="store_true",
                   help="no progress bar (default: evaluations done and the current normalised HV on stderr)")

    sub.add_parser("list", help="print the registries (tactics, devices, datasets, ...) as JSON")

    _add_transfer(sub)

    p = sub.add_parser("profile", help="merge a parameter profile from profiles/ into params.yaml")
    p.add_argument("name", help="profile name: a file of profiles/ (e.g. paper), or default (undo the applied profile)")
    return parser


def _add_transfer(sub: Any) -> None:
    """``hwnas transfer suggest|predict``: notebook 04's predictor on a device that is in no table."""
    t = sub.add_parser("transfer", help="latency of every architecture on your own device from k measurements",
                       description="Latency transfer to your own device (nas_utils.transfer.own_device): `suggest` "
                                   "the k architectures to measure, then `predict` every other one from them, with "
                                   "params.yaml's pre-registered sampler and method (predictors.sampler, .method).")
    steps = t.add_subparsers(dest="step", required=True)
    for name, text in (("suggest", "the k architectures to measure (no device data; fill in latency_ms)"),
                       ("predict", "the latency of every architecture from your measurements")):
        q = steps.add_parser(name, help=text, description=text)
        q.add_argument("--space", default="nb201", choices=list(names.TRANSFER_SPACES), metavar="SPACE",
                       help="nb201 (15,625 cells) or fbnet (HELP's 5,000 networks); default: nb201")
        q.add_argument("--sources", default=None, metavar="DEV,DEV,...",
                       help="HELP devices to transfer from (default: HELP's split, ND's sources for nb201, FD's for "
                            "fbnet; `hwnas list` names the devices)")
        q.add_argument("--seed", type=int, default=0, help="random seed, integer >= 0 (default: 0)")
        q.add_argument("--out", type=Path, required=True, help="CSV to write (index, arch, latency_ms, ...)")
        if name == "suggest":
            q.add_argument("--k", type=int, default=20, help="architectures to measure (default: 20; notebook 04 "
                           "scores 5, 10, 20)")
        else:
            q.add_argument("--measurements", type=Path, required=True, metavar="CSV",
                           help="your measurements: columns latency_ms (ms) and index or arch, e.g. the suggest "
                                "file filled in")
            q.add_argument("--method", default=None, choices=list(names.TRANSFER_METHODS), metavar="METHOD",
                           help="transfer method (default: params.yaml predictors.method; `hwnas list` names them)")
            q.add_argument("--check", action="store_true",
                           help="also print the leave-one-out Spearman over your measurements (each predicted from "
                                "the others; k more predictions)")


def cmd_transfer(args: argparse.Namespace) -> int:
    """Write the suggestion or the predictions as CSV (atomically; nothing on an error)."""
    if args.seed < 0:
        raise ConfigError(f"--seed={args.seed} is out of range; valid: integer >= 0")
    if args.out.suffix != ".csv":
        raise ConfigError(f"--out={str(args.out)!r} has an unknown format {args.out.suffix!r}; valid: .csv")
    check_out(args.out)
    from nas_utils.io import write_text
    from nas_utils.transfer import own_device

    sources = [d for d in args.sources.split(",") if d] if args.sources else None
    if args.step == "suggest":
        table = own_device.suggest(args.space, args.k, args.seed, sources)
        what = f"{len(table)} architectures to measure; fill in latency_ms (ms), then `hwnas transfer predict`"
    else:
        df = _read_csv(args.measurements, "--measurements", "columns latency_ms and index or arch")
        measured = own_device.parse_measurements(df, args.space)
        prepared = own_device.prepare(args.space, measured, args.seed, sources, args.method)  # once for both
        table = prepared.predict()
        what = f"latency of all {len(table)} architectures from {len(measured)} measurements"
        if args.check:
            rho = prepared.leave_one_out()
            what += (f" (leave-one-out Spearman over them {rho:.3f}: each predicted from the other "
                     f"{len(measured) - 1}, a rough check with {len(measured)} points' noise)")
    write_text(args.out, table.round(DECIMALS).to_csv(index=False))
    print(f"{what} -> {args.out}")
    return 0


def check_out(path: Path) -> None:
    """Fail before the search if the history cannot be written to ``path`` (nothing is created).

    Raises:
        ConfigError: a directory, an unknown extension, a parent that is a file, or a location
            where no file can be created.
    """
    if path.suffix not in HISTORY_FORMATS:
        raise ConfigError(f"--out={str(path)!r} has an unknown format {path.suffix!r}; valid: {', '.join(HISTORY_FORMATS)}")
    if path.is_dir():
        raise ConfigError(f"--out={str(path)!r} is a directory; valid: a file path ending in {', '.join(HISTORY_FORMATS)}")
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"--out={str(path)!r} is not writable: {parent} is a file, not a directory")
    try:  # the real test (permissions, read-only mounts, root's /proc): create and remove a file
        fd, probe = tempfile.mkstemp(prefix=".hwnas-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ConfigError(f"--out={str(path)!r} is not writable: cannot create files in {parent} ({exc.strerror})") from None


def tactic_params(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """The tactic's hyper-parameters (params.yaml's, then ``--param``) and where they came from."""
    from nas_utils.stage import parse_overrides

    overrides = parse_overrides(args.param)
    if args.builtin_defaults:
        return overrides, "built-in defaults (--builtin-defaults)"
    search = _search_section(args.params)
    if search is None:
        return overrides, "built-in defaults (no params.yaml here)"
    table = search.get("tactic_params") or {}
    if args.tactic not in table:
        return overrides, f"built-in defaults (params.yaml search.tactic_params has no {args.tactic})"
    return {**(table[args.tactic] or {}), **overrides}, f"params.yaml search.tactic_params.{args.tactic}"


def _search_section(path: Path | None) -> dict[str, Any] | None:
    """params.yaml's ``search`` section; ``None`` outside a project (no --params, no params.yaml)."""
    from nas_utils.config import read_params

    if path is None and not (project_root() / "params.yaml").exists():
        return None
    section = read_params(path).get("search") or {}
    if not isinstance(section, dict):
        raise ConfigError("params.yaml: section 'search' must be a mapping")
    return section


def initial_sample(tactic: Any) -> tuple[str, int] | None:
    """``(parameter, size)`` of a tactic's uniform random start, if it has one."""
    for name in INITIAL_SAMPLE_PARAMS:
        value = getattr(tactic, name, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return name, value
    return None


class _Recorder:
    """Evaluator wrapper that keeps every evaluation, so an interrupted run can still be saved.

    With ``progress`` (a :data:`nas_utils.progress.SearchCallback`) it also reports, after each
    batch, the evaluations done and the normalised HV of everything evaluated so far (on stderr;
    reading never changes what the search does).
    """

    def __init__(self, inner: Any, progress: Any = None) -> None:
        self.inner = inner
        self.X: list[Any] = []
        self.F: list[Any] = []
        self.progress = progress
        self._scorer = inner.scorer() if progress is not None else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def evaluate(self, X: Any) -> Any:
        F = self.inner.evaluate(X)
        self.X.append(X)
        self.F.append(F)
        if self.progress is not None and self._scorer is not None:
            import numpy as np

            self.progress(self.n_evaluated, float(self._scorer.normalised(np.concatenate(self.F))))
        return F

    @property
    def n_evaluated(self) -> int:
        return sum(len(x) for x in self.X)

    def history(self, tactic: str, seed: int) -> Any:
        """The evaluations so far, in the history's columns (without the tactic's bookkeeping)."""
        import numpy as np
        import pandas as pd

        space = self.inner.space
        X = np.concatenate(self.X) if self.X else np.empty((0, space.n_var), dtype=np.int64)
        F = np.concatenate(self.F) if self.F else np.empty((0, len(self.inner.objectives)))
        df = pd.DataFrame({"tactic": tactic, "seed": seed, "eval": np.arange(1, len(X) + 1),
                           "arch": space.to_strings(X) if len(X) else []})
        for j, obj in enumerate(self.inner.objectives):
            df[obj.name] = F[:, j]
        for j in range(space.n_var):
            df[f"x{j}"] = X[:, j]
        return df


def cmd_search(args: argparse.Namespace) -> int:
    if args.seed < 0:
        raise ConfigError(f"--seed={args.seed} is out of range; valid: integer >= 0")
    if args.out is not None:
        check_out(args.out)
    params, source = tactic_params(args)
    budget = args.budget if args.budget is not None else _default_budget(args)
    if budget < 1:
        raise ConfigError(f"--budget={budget} is out of range; valid: integer >= 1")

    from nas_utils.evaluators import load_benchmark
    from nas_utils.search import make_tactic, run_search

    if args.latency_file is not None:
        bench = _own_device_benchmark(args)
    else:
        bench = load_benchmark(args.space, args.dataset, args.device)
    if budget > bench.space.size:
        raise ConfigError(f"--budget={budget} is out of range; valid: [1, {bench.space.size}] (the size of {args.space})")
    tactic = make_tactic(args.tactic, **params)  # validates names and types before the search
    start = initial_sample(tactic)
    if start is not None and budget < start[1]:
        print(f"warning: --budget {budget} is smaller than {args.tactic}'s initial random sample "
              f"({start[0]}={start[1]}): this run is pure random search", file=sys.stderr)
    print(f"{args.tactic} on {bench.name}: budget {budget}, seed {args.seed}, parameters from {source} ...",
          file=sys.stderr, flush=True)
    from nas_utils.progress import search_reporter

    progress = None if args.quiet else search_reporter(f"{args.tactic} seed {args.seed}", budget)
    recorder = _Recorder(bench, progress)
    cpu = time.process_time()
    try:
        history = run_search(tactic, recorder, budget, args.seed)  # type: ignore[arg-type]  # one BLAS/torch thread, as the pipeline's runs
    except KeyboardInterrupt:
        if progress is not None:
            print(file=sys.stderr)  # the one-line message starts on a line of its own, after the bar
        return _interrupted(args, recorder, bench, budget, params, source)
    cpu = time.process_time() - cpu
    meta = _meta(args, bench, budget, params, source, complete=True, cpu_s=cpu)
    history = _finish(history, bench, args)
    if args.out:
        _write_history(args.out, history, meta)
    print(f"{args.tactic}: {len(history)} evaluations in {cpu:.1f} CPU s, final normalised HV {history['hv'].iloc[-1]:.4f}"
          + (f"; history -> {args.out}" if args.out else ""))
    return 0


def _read_csv(path: Path, option: str, expected: str) -> Any:
    """A CSV the user names, or one line saying why it cannot be read."""
    import pandas as pd

    if not path.is_file():
        raise ConfigError(f"{option}={str(path)!r} is not a file; valid: a CSV with {expected}")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{option}={str(path)!r} is not a readable CSV ({str(exc).splitlines()[0]}); "
                          f"valid: a CSV with {expected}") from None


def _own_device_benchmark(args: argparse.Namespace) -> Any:
    """The benchmark with ``--latency-file``'s latencies; ``args.device`` becomes the file's label."""
    from nas_utils.transfer import own_device

    latency = own_device.latency_table(
        _read_csv(args.latency_file, "--latency-file", "columns latency_ms and index or arch"), args.space)
    args.device = f"file:{args.latency_file.name}"
    return own_device.benchmark(args.dataset, latency, args.device)


def _default_budget(args: argparse.Namespace) -> int:
    search = None if args.builtin_defaults else _search_section(args.params)
    budget = (search or {}).get("budget", BUILTIN_BUDGET)
    if not isinstance(budget, int):
        raise ConfigError(f"params.yaml search.budget must be an integer, got {budget!r}")
    return budget


def _interrupted(args: argparse.Namespace, recorder: _Recorder, bench: Any, budget: int,
                 params: dict[str, Any], source: str) -> int:
    """Ctrl-C during the search: one line; the partial history only with ``--keep-partial``."""
    n = recorder.n_evaluated
    saved = "nothing written"
    if args.keep_partial and args.out and n:
        history = _finish(recorder.history(args.tactic, args.seed), bench, args)
        _write_history(args.out, history, _meta(args, bench, budget, params, source, complete=False, cpu_s=None))
        saved = f"partial history -> {args.out}"
    elif args.out:
        saved += " (--keep-partial saves the evaluations done so far)"
    print(f"interrupted: {args.tactic} stopped by Ctrl-C after {n} of {budget} evaluations; {saved}", file=sys.stderr)
    return INTERRUPTED


def _finish(history: Any, bench: Any, args: argparse.Namespace) -> Any:
    """Add dataset, device and the running normalised HV; round the float columns."""
    objectives = [o.name for o in bench.objectives]
    history = history.copy()
    history.insert(2, "dataset", args.dataset)
    history.insert(3, "device", args.device)
    at = list(history.columns).index(objectives[-1]) + 1
    history.insert(at, "hv", bench.scorer().curve(history[objectives].to_numpy()) if len(history) else [])
    return history.round(DECIMALS)


def _meta(args: argparse.Namespace, bench: Any, budget: int, params: dict[str, Any], source: str,
          complete: bool, cpu_s: float | None) -> dict[str, Any]:
    device = (f"on your device, from {args.latency_file}" if getattr(args, "latency_file", None) is not None
              else f"on device {args.device}")
    where = {"accuracy": f"test accuracy on {args.dataset}", "latency": device}
    units = {o.name: f"{o.unit} {where.get(o.name, '')} ({'min' if o.minimize else 'max'}imised)".replace("  ", " ")
             for o in bench.objectives}
    units["hv"] = ("normalised hypervolume of the evaluations so far (1 = the "
                   + ("front of the space under the file's latencies)" if getattr(args, "latency_file", None) is not None
                      else "benchmark's true Pareto front)"))
    return {
        "tactic": args.tactic, "space": args.space, "dataset": args.dataset, "device": args.device,
        "budget": budget, "seed": args.seed, "complete": complete,
        "tactic_params": params, "tactic_params_source": source, "units": units,
        "decimals": DECIMALS, "cpu_s": None if cpu_s is None else round(cpu_s, 2), "hwnas_version": _version(),
    }


def _write_history(path: Path, history: Any, meta: dict[str, Any]) -> None:
    """Write the history (format from the extension) and its sidecar, each atomically; Ctrl-C waits."""
    from nas_utils.io import write_json, write_parquet, write_text

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        if path.suffix == ".parquet":
            write_parquet(path, history)
        elif path.suffix == ".json":
            rows = history.to_json(orient="records", lines=True).strip().splitlines()
            write_text(path, "[\n" + ",\n".join(rows) + "\n]\n")  # a JSON array, one record per line
        else:
            write_text(path, history.to_csv(index=False))
        write_json(meta_path(path), meta)
    finally:
        signal.signal(signal.SIGINT, previous)


def meta_path(path: Path) -> Path:
    """The sidecar of a history file: ``h.csv`` -> ``h.csv.meta.json``."""
    return path.with_name(path.name + ".meta.json")


def cmd_profile(args: argparse.Namespace) -> int:
    from nas_utils.profiles import apply

    print(apply(args.name))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "search":
            return cmd_search(args)
        if args.command == "transfer":
            return cmd_transfer(args)
        if args.command == "list":
            print(json.dumps(_registries(), indent=2))
            return 0
        return cmd_profile(args)
    except HwnasError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: stopped by Ctrl-C; nothing written", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
