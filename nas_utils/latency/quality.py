"""Can the measured latency rank sub-networks? Two independent passes, one statistic chosen on repeat data.

:func:`two_pass_check` measures the same sub-networks twice (two :func:`measure_many` calls
with different interleaving orders and input draws, ``rounds`` interleaved rounds each) and
reports the Spearman correlation of the two passes' latencies - the rank reproducibility that
search needs (target >= 0.98).

* **A sample that spans the latency range**: :func:`spanning_sample` spreads the sub-networks
  evenly over log-MACs (:func:`nas_utils.supernets.reference.spread_sample`), so the check is
  not dominated by a crowd of near-identical mid-size networks whose order is noise.
* **The statistic is chosen on repeat data, before the second pass is looked at**: within
  pass 1, each candidate per-round statistic (``min`` or ``median`` of a round's blocks) is
  scored by the split-half Spearman between its odd and even rounds; the best one is then
  applied to both passes (minimum over rounds). The reported two-pass Spearman is therefore
  out of sample for that choice.
* **Contention is part of the answer**: each pass's records carry ``contended`` and the
  reasons (:mod:`nas_utils.latency.measure`); the result counts them and says so.

>>> from nas_utils.supernets import build_supernet
>>> net = build_supernet("transformer_1d")
>>> X, models = spanning_sample(net, 5, seed=0)
>>> len(models)
5
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from torch import nn

from nas_utils.data import load_dataset
from nas_utils.latency.measure import LatencyRecord, MeasureSettings, measure_many
from nas_utils.metrics import rank_correlation
from nas_utils.supernets.base import SuperNet
from nas_utils.supernets.reference import macs_of, spread_sample

SPEARMAN_TARGET = 0.98
CANDIDATES = ("min", "median")


def spanning_sample(net: SuperNet, n: int, seed: int) -> tuple[np.ndarray, list[nn.Module]]:
    """``n`` sub-networks spread over the MAC (hence latency) range, extracted."""
    X = spread_sample(net, n, seed=seed)
    return X, [net.subnet(x) for x in X]


def _per_round(records: list[LatencyRecord], statistic: str) -> np.ndarray:
    """(models, rounds) per-round values of ``statistic`` (``median`` or ``min`` of the blocks)."""
    if statistic == "median":
        return np.array([r.round_values_ms for r in records]) if records[0].statistic == "median" else _missing(statistic)
    return np.array([r.round_min_ms for r in records])


def _missing(statistic: str) -> np.ndarray:
    raise ValueError(f"per-round {statistic} values are only recorded with MeasureSettings(statistic='{statistic}')")


def choose_statistic(records: list[LatencyRecord]) -> tuple[str, dict[str, float]]:
    """The candidate statistic whose odd-round and even-round minima agree best (Spearman)."""
    scores = {}
    for name in CANDIDATES:
        values = _per_round(records, name)
        if values.shape[1] < 2:
            scores[name] = float("nan")
            continue
        odd, even = values[:, 0::2].min(axis=1), values[:, 1::2].min(axis=1)
        scores[name] = rank_correlation(odd, even)[0]
    best = max(CANDIDATES, key=lambda k: -np.inf if np.isnan(scores[k]) else scores[k])
    return best, scores


@dataclass
class TwoPassResult:
    """Per-sub-network latencies of both passes and the verdict."""

    device: str
    statistic: str
    split_half: dict[str, float]
    spearman: float
    spearman_by_statistic: dict[str, float]
    contended_records: int
    records: int
    table: pd.DataFrame = field(repr=False)

    @property
    def met(self) -> bool:
        return self.spearman >= SPEARMAN_TARGET

    def summary(self) -> dict[str, Any]:
        return {"device": self.device, "statistic": self.statistic, "spearman_two_passes": self.spearman,
                "spearman_met": self.met, "split_half_spearman": self.split_half,
                "spearman_by_statistic": self.spearman_by_statistic, "contended_records": self.contended_records,
                "records": self.records, "contended": self.contended_records > 0}


def two_pass_check(net: SuperNet, device: str, n: int, rounds: int, settings: MeasureSettings,
                   seed: int = 0, sample: tuple[np.ndarray, list[nn.Module]] | None = None) -> TwoPassResult:
    """Two independent passes over ``n`` spanning sub-networks of ``net`` on ``device``.

    The per-round statistic is recorded as ``median`` (the per-round minimum is always kept
    too), so both candidates are available. ``sample``: a ready ``spanning_sample`` result
    (reusing its models reuses their ONNX exports across consecutive checks).
    """
    settings = replace(settings, statistic="median")
    X, models = sample if sample is not None else spanning_sample(net, n, seed)
    shape = tuple(load_dataset(net.dataset).input_shape)
    passes = [measure_many(models, device, shape, replace(settings, seed=settings.seed + p), rounds=rounds)
              for p in (0, 1)]
    statistic, split = choose_statistic(passes[0])
    lat = [_per_round(recs, statistic).min(axis=1) for recs in passes]
    by_stat = {name: rank_correlation(*(_per_round(recs, name).min(axis=1) for recs in passes))[0]
               for name in CANDIDATES}
    table = pd.DataFrame({"arch": net.space.to_strings(X), "macs": macs_of(net, X), "latency_ms_1": lat[0],
                          "latency_ms_2": lat[1], "contended_1": [r.contended for r in passes[0]],
                          "contended_2": [r.contended for r in passes[1]],
                          "cpu_share_1": [r.cpu_share for r in passes[0]], "cpu_share_2": [r.cpu_share for r in passes[1]],
                          "load_avg_1m_1": [r.load_avg_1m for r in passes[0]],
                          "load_avg_1m_2": [r.load_avg_1m for r in passes[1]]})
    contended = int(table["contended_1"].sum() + table["contended_2"].sum())
    return TwoPassResult(passes[0][0].device, statistic, split, by_stat[statistic], by_stat, contended, 2 * len(X), table)


def main(argv: list[str] | None = None) -> int:
    """``python -m nas_utils.latency.quality --families mbv3_1d --n 60 --rounds 4 --runs 2``:
    consecutive two-pass checks (wall and thread clock) on ONNX Runtime, one JSON line each."""
    import argparse
    import json
    import warnings

    from nas_utils.latency.measure import ContentionWarning
    from nas_utils.supernets import build_supernet

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--families", default="mbv3_1d")
    p.add_argument("--device", default="onnxruntime_cpu_1")
    p.add_argument("--n", type=int, default=60)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--clocks", default="wall,thread")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore", ContentionWarning)  # counted in each line instead
    for family in args.families.split(","):
        net = build_supernet(family)
        sample = spanning_sample(net, args.n, 0)
        for run in range(args.runs):
            for clock in args.clocks.split(","):
                res = two_pass_check(net, args.device, args.n, args.rounds,
                                     MeasureSettings(repeats=15, warmup=5, min_block_ms=1.0, clock=clock), sample=sample)
                loads = res.table[["load_avg_1m_1", "load_avg_1m_2"]]
                print(json.dumps({"family": family, "run": run, "clock": clock, **res.summary(),
                                  "load_avg_1m": [float(loads.min().min()), float(loads.max().max())]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
