"""The ``hwnas`` command line: scripted searches, listings, and profile switching.

Examples::

    hwnas search --tactic linas --space nb201 --dataset cifar10 --device gold_6226 \\
        --budget 500 --seed 0 --out history.csv
    hwnas list                      # valid tactics, devices, datasets, predictors, spaces
    hwnas profile paper             # merge profiles/paper.yaml into params.yaml (comments kept)
    hwnas profile default           # undo it

Every user error prints one line (``error: ...``) and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from nas_utils.latency.benchmark_devices import devices_for
from nas_utils.errors import ConfigError, HwnasError
from nas_utils.predictors import PREDICTORS
from nas_utils.search import TACTICS
from nas_utils.spaces import SPACES
from nas_utils.tables import DATASETS


def _registries() -> dict[str, list[str]]:
    return {
        "tactics": TACTICS.names(),
        "spaces": ["nb201"],
        "datasets": sorted(DATASETS),
        "devices": devices_for("nb201"),
        "predictors": PREDICTORS.names(),
        "all spaces": SPACES.names(),
    }


def build_parser() -> argparse.ArgumentParser:
    reg = _registries()
    epilog = "\n".join(f"{k}: {', '.join(v)}" for k, v in reg.items())
    parser = argparse.ArgumentParser(prog="hwnas", description=__doc__.splitlines()[0], epilog=epilog,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    s = sub.add_parser("search", help="run one search on the tabular benchmark", epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("--tactic", required=True, choices=reg["tactics"])
    s.add_argument("--space", default="nb201", choices=reg["spaces"])
    s.add_argument("--dataset", default="cifar10", choices=reg["datasets"])
    s.add_argument("--device", default="gold_6226", choices=reg["devices"])
    s.add_argument("--budget", type=int, default=300, help="real evaluations")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="tactic hyper-parameter (YAML value)")
    s.add_argument("--out", type=Path, help="write the history here (.csv or .parquet)")

    sub.add_parser("list", help="print the registries (tactics, devices, datasets, ...) as JSON")

    p = sub.add_parser("profile", help="merge a parameter profile from profiles/ into params.yaml")
    p.add_argument("name", help="profile name: a file of profiles/ (e.g. paper), or default (undo the applied profile)")
    return parser


def cmd_search(args: argparse.Namespace) -> int:
    from nas_utils.evaluators import load_benchmark
    from nas_utils.io import write_parquet, write_text
    from nas_utils.search import run_search
    from nas_utils.stage import parse_overrides

    if args.budget < 1:
        raise ConfigError(f"--budget={args.budget} is out of range; valid: [1, 15625]")
    bench = load_benchmark(args.space, args.dataset, args.device)
    start = time.perf_counter()
    history = run_search(args.tactic, bench, args.budget, args.seed, **parse_overrides(args.param))
    seconds = time.perf_counter() - start
    curve = bench.scorer().curve(history[["accuracy", "latency"]].to_numpy())
    if args.out:
        if args.out.suffix == ".parquet":
            write_parquet(args.out, history)
        else:
            write_text(args.out, history.to_csv(index=False))
    print(f"{args.tactic}: {len(history)} evaluations in {seconds:.1f} s, final normalised HV {curve[-1]:.4f}"
          + (f"; history -> {args.out}" if args.out else ""))
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    from nas_utils.profiles import apply

    print(apply(args.name))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "search":
            return cmd_search(args)
        if args.command == "list":
            print(json.dumps(_registries(), indent=2))
            return 0
        return cmd_profile(args)
    except HwnasError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
