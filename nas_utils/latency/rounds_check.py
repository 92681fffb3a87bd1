"""How should latency be timed so that it ranks sub-networks reproducibly? Evidence for the timing params.

Each *protocol* is the latency stage's timing (params.yaml ``latency``: repeats, warm-up, block
length, statistic, rounds) with some settings overridden, e.g. ``rounds=5`` or
``statistic=median,repeats=25`` (any :class:`~nas_utils.latency.measure.MeasureSettings` field,
or ``rounds``). Every protocol measures the same sub-networks in two independent passes, and
the whole comparison is repeated ``--repeats`` times, the protocols alternating within each
repeat so that slow drifts of the machine hit all of them alike. Per repeat and protocol: the
Spearman correlation of the two passes (target >= 0.98), the largest and the median relative
difference between them, the records marked contended and the seconds taken.

Two samples:

* default: the latency stage's quality check (``latency.quality_n`` sub-networks of
  ``latency.quality_supernet`` spread over the latency range); the evidence for
  ``latency.rounds`` (``--rounds 2,3`` is short for one protocol per number of rounds);
* ``--supernet NAME[,NAME]``: the uniform sample the super-network search fits its latency predictor
  on (:func:`nas_utils.latency.models.predictor_sample`, ``max(--k) + --test`` sub-networks).
  Each row then also holds the held-out Spearman of that predictor (``search_supernet.
  latency_predictor``) fitted on pass 1's first ``k`` and scored against pass 2 on the last
  ``--test``: how well the search's latency objective ranks what a second measurement sees;
  the evidence for ``search_supernet.latency_timing`` and ``latency_k``.

    python -m nas_utils.latency.rounds_check --rounds 2,3 --repeats 6 --out data/measured/rounds_check.csv
    python -m nas_utils.latency.rounds_check --supernet mbv3_1d,resnet_1d --protocol statistic=median,repeats=25 \\
        --protocol rounds=3 --protocol rounds=5 --k 40,100 --test 60 --repeats 3
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from nas_utils import config
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.errors import ConfigError
from nas_utils.io import write_text
from nas_utils.latency.measure import TIMING_KEYS, MeasureSettings, with_timing
from nas_utils.latency.models import predictor_sample, sample_shape
from nas_utils.latency.quality import spanning_sample, two_passes
from nas_utils.metrics import rank_correlation
from nas_utils.predictors import make_predictor
from nas_utils.supernets import SUPERNETS, build_supernet

@dataclasses.dataclass(frozen=True)
class Protocol:
    """A timing protocol: measurement settings and interleaved rounds, named by its overrides."""

    name: str
    settings: MeasureSettings
    rounds: int


def parse_protocol(text: str, base: MeasureSettings, rounds: int) -> Protocol:
    """``"rounds=5,statistic=median"`` -> the base protocol with those settings replaced.

    Raises:
        ConfigError: an unknown key or a bad value (one line, valid keys listed).
    """
    items = [item.partition("=") for item in filter(None, text.split(","))]
    if any(not key or not value for key, _, value in items):
        raise ConfigError(f"--protocol={text!r} is not valid; valid: KEY=VALUE[,KEY=VALUE], KEY one of {', '.join(TIMING_KEYS)}")
    try:
        settings, rounds = with_timing(base, rounds, {key: yaml.safe_load(value) for key, _, value in items}, "--protocol")
    except ConfigError as exc:
        raise ConfigError(f"--protocol={text!r} is not valid: {exc}") from None
    return Protocol(text or "stage", settings, rounds)


def compare(protocols: list[Protocol], repeats: int, device: str | None = None, supernet: str | None = None,
            ks: tuple[int, ...] = (), n_test: int = 0) -> pd.DataFrame:
    """One row per repeat and protocol (see module docstring); each row is printed as it is made."""
    cfg, search = config.load("latency"), config.load("search_supernet")
    device = device or cfg.quality_devices[0]
    if supernet is None:
        net = build_supernet(cfg.quality_supernet)
        X, models = spanning_sample(net, cfg.quality_n, cfg.seed + 1000)
    else:
        net = build_supernet(supernet)
        X = predictor_sample(net, max(ks) + n_test, search.seed)
        models = [net.subnet(x) for x in X]
        features = net.space.one_hot(X)
    shape = sample_shape(net)
    rows = []
    for rep in range(repeats):
        for p in protocols:
            start = time.perf_counter()
            passes = two_passes(models, device, shape, dataclasses.replace(p.settings, seed=p.settings.seed + 2 * rep),
                                p.rounds)
            a, b = (np.array([rec.latency_ms for rec in recs]) for recs in passes)
            rel = np.abs(a - b) / np.minimum(a, b)
            row = {"repeat": rep, "protocol": p.name, "rounds": p.rounds, "device": device,
                   "supernet": net.name, "spearman_two_passes": rank_correlation(a, b)[0],
                   "max_relative_difference": rel.max(), "median_relative_difference": float(np.median(rel)),
                   "contended_records": sum(rec.contended for recs in passes for rec in recs),
                   "seconds": time.perf_counter() - start}
            for k in ks:
                model = make_predictor(search.latency_predictor, seed=search.seed).fit(features[:k], a[:k])
                row[f"heldout_spearman_k{k}"] = rank_correlation(model.predict(features[-n_test:]), b[-n_test:])[0]
            rows.append(row)
            print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    return pd.DataFrame(rows)


def _ints(flag: str, text: str, low: int) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        values = []
    if not values or min(values) < low:
        raise ConfigError(f"{flag}={text!r} is not valid; valid: comma-separated integers >= {low}")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.latency.rounds_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", default=None, help="comma-separated numbers of rounds, one protocol each")
    parser.add_argument("--protocol", action="append", default=[],
                        help="KEY=VALUE[,KEY=VALUE] overrides of the latency stage's timing (repeatable)")
    parser.add_argument("--repeats", type=int, default=5, help="two-pass checks per protocol (default 5)")
    parser.add_argument("--device", default=None, help="measurement device (default: latency.quality_devices[0])")
    parser.add_argument("--supernet", default=None,
                        help="the search's latency-predictor sample of these super-networks (comma-separated, one after the other)")
    parser.add_argument("--k", default="40", help="with --supernet: predictor training sizes (default 40)")
    parser.add_argument("--test", type=int, default=60, help="with --supernet: held-out sub-networks (default 60)")
    parser.add_argument("--out", type=Path, default=None, help="CSV to write (default: print only)")
    args = parser.parse_args(argv)
    config.check_range("--repeats", args.repeats, low=1)
    supernets = args.supernet.split(",") if args.supernet is not None else [None]
    if args.supernet is not None:
        config.check_choices("--supernet", supernets, SUPERNETS.names())
        config.check_range("--test", args.test, low=3)
    cfg = config.load("latency")
    texts = [f"rounds={r}" for r in _ints("--rounds", args.rounds, 1)] if args.rounds else []
    protocols = [parse_protocol(t, cfg.settings(), cfg.rounds) for t in texts + args.protocol] or \
        [parse_protocol("", cfg.settings(), cfg.rounds)]
    ks = tuple(_ints("--k", args.k, 3)) if args.supernet else ()
    df = pd.concat([compare(protocols, args.repeats, args.device, net, ks, args.test) for net in supernets], ignore_index=True)
    metrics = ["spearman_two_passes", "contended_records", *(f"heldout_spearman_k{k}" for k in ks)]
    print(df.groupby(["supernet", "protocol"], sort=False)[metrics].agg(["min", "median"]).to_string())
    if args.out:
        write_text(args.out, df.to_csv(index=False, float_format="%.6g"))
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
