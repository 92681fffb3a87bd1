"""How many interleaved rounds make measured latency rank reproducibly? The evidence for ``latency.rounds``.

The latency stage's quality check (two independent passes over ``latency.quality_n``
sub-networks of ``latency.quality_supernet`` spread over the latency range, params.yaml's
timing settings, the minimum over rounds kept) is repeated ``--repeats`` times for each number
of rounds in ``--rounds``, the settings alternating within each repeat so that slow drifts of
the machine hit all of them alike. Per repeat and setting: the Spearman correlation of the two
passes (target >= 0.98), the largest and the median relative difference between them, the
records marked contended and the seconds taken.

    python -m nas_utils.latency.rounds_check --rounds 2,3,4 --repeats 5 --out data/measured/rounds_check.csv
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.cli import record_cli
from nas_utils.data import load_dataset
from nas_utils.errors import ConfigError
from nas_utils.io import write_text
from nas_utils.latency.measure import measure_many
from nas_utils.latency.quality import spanning_sample
from nas_utils.metrics import rank_correlation
from nas_utils.supernets import build_supernet


def compare(rounds: list[int], repeats: int, device: str | None = None) -> pd.DataFrame:
    """One row per repeat and number of rounds (see module docstring)."""
    cfg = config.load("latency")
    device = device or cfg.quality_devices[0]
    net = build_supernet(cfg.quality_supernet)
    _, models = spanning_sample(net, cfg.quality_n, cfg.seed + 1000)
    shape = tuple(load_dataset(net.dataset).input_shape)
    rows = []
    for rep in range(repeats):
        for r in rounds:
            start = time.perf_counter()
            passes = [measure_many(models, device, shape, cfg.settings(2 * rep + p), rounds=r) for p in (0, 1)]
            a, b = (np.array([rec.latency_ms for rec in recs]) for recs in passes)
            rel = np.abs(a - b) / np.minimum(a, b)
            rows.append({"repeat": rep, "rounds": r, "device": device, "spearman_two_passes": rank_correlation(a, b)[0],
                         "max_relative_difference": rel.max(), "median_relative_difference": float(np.median(rel)),
                         "contended_records": sum(rec.contended for recs in passes for rec in recs),
                         "seconds": time.perf_counter() - start})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", default="2,3,4", help="comma-separated numbers of rounds (default 2,3,4)")
    parser.add_argument("--repeats", type=int, default=5, help="two-pass checks per setting (default 5)")
    parser.add_argument("--device", default=None, help="measurement device (default: latency.quality_devices[0])")
    parser.add_argument("--out", type=Path, default=None, help="CSV to write (default: print only)")
    args = parser.parse_args(argv)
    config.check_range("--repeats", args.repeats, low=1)
    try:
        rounds = [int(r) for r in args.rounds.split(",")]
    except ValueError:
        raise ConfigError(f"--rounds={args.rounds!r} is not valid; valid: comma-separated integers >= 1") from None
    if min(rounds) < 1:
        raise ConfigError(f"--rounds={args.rounds!r} is not valid; valid: comma-separated integers >= 1")
    df = compare(rounds, args.repeats, args.device)
    print(df.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(df.groupby("rounds")["spearman_two_passes"].agg(["min", "median"]).to_string())
    if args.out:
        write_text(args.out, df.to_csv(index=False, float_format="%.6g"))
    return 0


cli = record_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
