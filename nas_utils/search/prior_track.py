"""The near-limit tactic with prior knowledge of latency: a separate, labelled track (issue 11, section 2).

On the test cells, the pre-registered near-limit tactic (``params.yaml`` ``search.near_limit_tactic``,
with its ``tactic_params``) runs once more, but the latency of *every* candidate is known before
any validation: predicted by the transfer method registered for use inside a search
(``predictors.search_method``, notebook 04's in-loop method; the record was made with it, and the third
registration of the headline method, ``predictors.method``, left it unchanged), adapted from ``k`` device
measurements chosen by ``predictors.sampler``; the searched device is never a source, :func:`nas_utils.transfer.in_loop.cell_task`), offered to the tactic as the
evaluator's :meth:`~nas_utils.evaluators.Evaluator.prior`; ``hvgain`` takes it as the mean of its
latency GP, which models the residual of the measured latencies of the validated architectures.

What the track sees beyond the main contest: the source devices' full latency tables and ``k``
device measurements on the target. Validations (accuracy) and device measurements are counted
apart: each validated architecture is also measured on the device (the main contest's validations
return both objectives too), so the device measurements to a threshold are ``k`` + the validations. The record (one row per run) is summarised by stage ``search``::

    nice -n 10 python -m nas_utils.search.prior_track --seeds 5 --out data/preregistration/search/prior_track.csv

No setting is chosen here: the tactic's settings are those of the main contest (fixed on the
development cells), the transfer method and sampler are notebook 04's pre-registered ones.

Where the tactic's validations go, a diagnostic with oracles no tactic has (it chooses nothing): the
*true* value of an objective of every cell as the prior, ``exact_latency``, ``exact_accuracy`` or
``exact_both``, next to ``none`` (the contest's tactic, the same seeds). The GP of a known objective
then models a residual of zero, so the validations left are those the *other* objective's model costs;
with both known, those the initial design and the batch acquisition cost. On the development cells::

    python -m nas_utils.search.prior_track --cells dev --prior exact_latency,exact_accuracy,exact_both,none --seeds 3 --out data/preregistration/search/prior_track_dev.csv

and, after the verdicts (``--post-hoc``: explains a test cell's result, chooses nothing; ``none`` is
the contest's own runs there)::

    python -m nas_utils.search.prior_track --cells test --post-hoc --prior exact_latency,exact_accuracy,exact_both --seeds 5 --out data/preregistration/search/prior_oracles.csv

(:data:`~nas_utils.search.tuning.PRIOR_TRACK_DEV_RECORD`, :data:`~nas_utils.search.tuning.PRIOR_ORACLE_RECORD`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nas_utils import config
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.errors import ConfigError
from nas_utils.evaluators import Evaluator, TabularBenchmark, load_benchmark
from nas_utils.metrics import evals_to_threshold, rank_correlation
from nas_utils.search.base import make_tactic
from nas_utils.search.records import extend_record
from nas_utils.search.tuning import (
    DEV_CELLS,
    PRIOR_ORACLE_RECORD,
    PRIOR_TRACK_DEV_RECORD,
    PRIOR_TRACK_RECORD,
    TEST_CELLS,
    THRESHOLDS,
)
from nas_utils.transfer.data import load_task_data
from nas_utils.transfer.in_loop import PriorBenchmark, PriorLatencyBenchmark, calibrate, cell_task
from nas_utils.transfer.methods import make_method
from nas_utils.transfer.samplers import select
from nas_utils.transfer.study import sample_features

RECORD, DEV_RECORD, ORACLE_RECORD = PRIOR_TRACK_RECORD, PRIOR_TRACK_DEV_RECORD, PRIOR_ORACLE_RECORD
K = 20  # device measurements to adapt the predictor (notebook 04's headline k)
BUDGET = 300  # validations, as in the main contest


#: Oracle priors (a diagnostic): the objectives whose true value of every cell is known before validation.
ORACLES: dict[str, tuple[str, ...]] = {"exact_latency": ("latency",), "exact_accuracy": ("accuracy",),
                                       "exact_both": ("accuracy", "latency")}
#: Where the prior comes from: the transfer method (the track), an oracle (a diagnostic), none.
PRIORS = ("transfer", *ORACLES, "none")
CELLS = {"test": TEST_CELLS, "dev": DEV_CELLS}


@dataclass(frozen=True)
class TrackRun:
    dataset: str
    device: str
    seed: int
    k: int = K
    budget: int = BUDGET
    prior: str = "transfer"


class OraclePriorBenchmark(PriorBenchmark):
    """The tabular benchmark with the *true* value of the ``known`` objectives of every architecture as prior
    knowledge: an oracle no tactic has, for diagnostics only."""

    def __init__(self, bench: TabularBenchmark, known: Sequence[str]) -> None:
        super().__init__(bench, np.where([o.name in known for o in bench.objectives], bench.table, np.nan))


def predicted_latency(device: str, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Latency of every NB201 cell on ``device`` predicted by the in-search transfer method from ``k``
    measurements (benchmark row order), the measured rows, and the method's name."""
    p = config.load("predictors")
    data = load_task_data(cell_task(device), p.n_pretrain_nb201)
    method = make_method(p.search_method, p.settings())
    method.prepare(data, seed)
    idx = select(p.sampler, sample_features(data, p.sampler), k, np.random.default_rng([seed, 99, 0]),
                 data.cost[:, 0])
    return calibrate(method.predict(data, 0, idx, seed), idx, data.tgt_lat[idx, 0]), idx, p.search_method


def run_one(run: TrackRun) -> dict[str, object]:
    """One run of the near-limit tactic with predicted latency as prior knowledge; true-HV thresholds."""
    search = config.load("search")
    tactic = search.near_limit_tactic
    bench = load_benchmark("nb201", run.dataset, run.device)
    start = time.process_time()
    if run.prior == "transfer":
        ms, _, method = predicted_latency(run.device, run.k, run.seed)
        evaluator: Evaluator = PriorLatencyBenchmark(bench, ms)
    elif run.prior in ORACLES:
        known = ORACLES[run.prior]
        method, evaluator = f"true {' and '.join(known)} (oracle)", OraclePriorBenchmark(bench, known)
        ms = bench.table[:, 1] if "latency" in known else np.full(len(bench.table), np.nan)
    else:
        ms, method, evaluator = np.full(len(bench.table), np.nan), "none", bench
    history = make_tactic(tactic, **search.tactic_params.get(tactic, {})).run(evaluator, run.budget, run.seed)
    curve = bench.scorer().curve(history[[o.name for o in bench.objectives]].to_numpy())  # true objectives
    rho = rank_correlation(ms, bench.table[:, 1])[0] if np.all(np.isfinite(ms)) else float("nan")
    out: dict[str, object] = {"tactic": tactic, "cell": f"{run.dataset}/{run.device}", "seed": run.seed,
                              "budget": run.budget, "k": run.k if run.prior == "transfer" else 0, "prior": run.prior,
                              "method": method, "latency_spearman": round(rho, 4), "final_hv": float(curve[-1])}
    for t in THRESHOLDS:
        n = evals_to_threshold(curve, t)
        out[f"evals@{t:g}"] = float("inf") if n is None else n
    out["cpu_s"] = round(time.process_time() - start, 1)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.search.prior_track", description="The near-limit tactic with predicted latency as prior knowledge.")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--k", type=int, default=K)
    parser.add_argument("--budget", type=int, default=BUDGET)
    parser.add_argument("--cells", default="test", choices=sorted(CELLS), help="test cells, or dev cells only")
    parser.add_argument("--prior", default="transfer", help=f"comma-separated, of: {', '.join(PRIORS)}")
    parser.add_argument("--post-hoc", action="store_true",
                        help="allow oracle priors on the test cells: a diagnostic after the verdicts, chooses nothing")
    parser.add_argument("--out", default="", help="CSV of per-run rows (rows already there are kept, not rerun)")
    parser.add_argument("--workers", type=int, default=1, help="single-threaded worker processes")
    args = parser.parse_args(argv)
    config.check_range("--workers", args.workers, low=1)
    priors = args.prior.split(",")
    if bad := [p for p in priors if p not in PRIORS]:
        raise ConfigError(f"--prior={bad[0]!r} is not valid; valid choices: {', '.join(PRIORS)}")
    if (oracle := next((p for p in priors if p in ORACLES), None)) and args.cells != "dev" and not args.post_hoc:
        raise ConfigError(f"--prior={oracle} (an oracle) runs on --cells dev, or on the test cells with --post-hoc "
                          "(a diagnostic after the verdicts); valid: --cells dev, --post-hoc")
    runs = [TrackRun(dataset, device, seed, args.k, args.budget, prior) for dataset, device in CELLS[args.cells]
            for prior in priors for seed in range(args.seeds)]
    extend_record(args.out, runs, run_one, lambda r: (f"{r.dataset}/{r.device}", r.seed, r.prior, r.budget),
                  lambda row: (row["cell"], int(row["seed"]), row.get("prior", "transfer"), int(row["budget"])),
                  workers=args.workers)
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
