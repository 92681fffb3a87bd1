"""Faithful LINAS against DyNAS-T 1.6.0: the fidelity record (issue 11).

Issue 11 gives DyNAS-T 1.6.0 LINAS's median validations to 0.99 of the true-front HV on NB201
CIFAR-10 x HELP latency (population 50, 5,000 inner evaluations, 500 validations, 5 seeds;
:data:`nas_utils.search.tuning.DYNAST_EVALS_TO_099`). This module runs ``linas_faithful`` under
that protocol for each :data:`VARIANTS` entry - the current code and the fidelity differences
found by reading DyNAS-T's source, switched back one at a time - and writes one row per run to
``data/preregistration/search/faithful_check.csv``, which stage ``search`` summarises (median
over seeds with a bootstrap 95 % interval) for the report::

    nice -n 10 python -m nas_utils.search.faithful_check --seeds 10 --out data/preregistration/search/faithful_check.csv

A run stops as soon as its HV reaches the threshold: DyNAS-T's loops do not depend on the
budget N (same seed, same loops), so the validations needed to reach it are those of the full
500-validation run, at a fraction of the CPU. ``evals@0.99`` is ``inf`` when a run never reached
it within the budget. ``cpu_s`` is therefore the CPU to reach the threshold, not of a full run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pymoo

from nas_utils import config
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.errors import ConfigError
from nas_utils.evaluators import Evaluator, load_benchmark
from nas_utils.latency.benchmark_devices import devices_for
from nas_utils.metrics import HypervolumeScorer, evals_to_threshold
from nas_utils.search.base import make_tactic
from nas_utils.search.records import extend_record
from nas_utils.search.tuning import DYNAST_EVALS_TO_099
from nas_utils.stats import bootstrap_ci

THRESHOLD = 0.99
#: The project's pymoo (``environment.yml``; a test holds the two equal).
PROJECT_PYMOO = "0.6.2"
BUDGET = 500  # DyNAS-T's reference protocol (the stage itself runs 300)
DYNAST_SEEDS = 5  # seeds behind each DyNAS-T median of issue 11
RECORD = "data/preregistration/search/faithful_check.csv"
#: The faithful-LINAS settings of the DyNAS-T reference runs. DyNAS-T's loops do not depend on N (same
#: seeds), so the first k validations of a 500-validation run are those of any run with a budget >= k.
FAITHFUL = {"population": 50, "inner_evals": 5000, "predictor": "auto", "predictor_grid": "dynast",
            "charge_repeats": True}

#: label -> (overrides of :data:`FAITHFUL`, what differs from DyNAS-T 1.6.0).
#: The first entry is the current ``linas_faithful``; each other one switches a fixed difference back.
VARIANTS: dict[str, tuple[dict[str, Any], str]] = {
    "faithful": ({}, ("the current code: the inner NSGA-II eliminates duplicate vectors (DyNAS-T "
                      "`eliminate_duplicates=True`, dynast/search/evolutionary.py) and the predictors fit on distinct "
                      "architectures (DyNAS-T `import_csv(drop_duplicates=True)`, dynast/search/encoding.py)")),
    "before the fixes": ({"inner_dedup": False, "distinct_training": False},
                         ("both switched back (the code of every run before session 6): inner populations repeat "
                          "vectors (each repeat validated and charged) and the predictors fit on the repeated rows")),
    "repeated inner vectors only": ({"inner_dedup": False}, "only the inner duplicate elimination switched back"),
    "repeated training rows only": ({"distinct_training": False}, "only the distinct training rows switched back"),
    "faithful under pymoo 0.6.1.1": ({}, ("the current code under pymoo 0.6.1.1 instead of the project's "
                                          f"{PROJECT_PYMOO} (DyNAS-T 1.6.0 asks for pymoo>=0.6.0; 0.6.2 rewrote SBX's "
                                          "child assignment, so the random streams differ)")),
}
#: The pymoo each variant runs under: the project's (``environment.yml``) unless named here. A variant runs only
#: where that pymoo is the one imported (``pip install --no-deps --target DIR pymoo==0.6.1.1``, then
#: ``PYTHONPATH=DIR python -m nas_utils.search.faithful_check --variants "faithful under pymoo 0.6.1.1"``).
PYMOO_OF = {"faithful under pymoo 0.6.1.1": "0.6.1.1"}


def runnable_here(variant: str) -> bool:
    """Whether ``variant`` runs under the pymoo imported here (:data:`PYMOO_OF`)."""
    return PYMOO_OF.get(variant, PROJECT_PYMOO) == pymoo.__version__


class _Reached(Exception):
    """Raised by :class:`_StopAtThreshold` once the validated rows reach the HV threshold."""


class _StopAtThreshold(Evaluator):
    """Wraps an evaluator; counts every validated row and stops the run once HV >= ``threshold``.

    The session hands every charged row (repeats included) to ``evaluate`` in history order, so
    the row count at the first hit is exactly ``evals_to_threshold`` of the full history.
    """

    def __init__(self, inner: Evaluator, scorer: HypervolumeScorer, threshold: float) -> None:
        super().__init__(inner.space, inner.objectives)
        self.inner, self.hv, self.threshold = inner, scorer, threshold
        self.rows: list[np.ndarray] = []
        self.F: list[np.ndarray] = []
        self.hit: int | None = None

    def _evaluate(self, X: np.ndarray) -> np.ndarray:
        F = self.inner.evaluate(X)
        self.rows.extend(X)
        self.F.extend(F)
        self.hit = evals_to_threshold(self.hv.curve(np.array(self.F)), self.threshold)
        if self.hit is not None:
            raise _Reached
        return F


@dataclass(frozen=True)
class CheckRun:
    """One ``linas_faithful`` run of the record."""

    variant: str
    device: str
    seed: int
    budget: int = BUDGET
    dataset: str = "cifar10"


def run_one(run: CheckRun) -> dict[str, Any]:
    """Validations to HV :data:`THRESHOLD` (``inf``: not within the budget), distinct architectures
    validated until then, CPU seconds (``time.process_time``) of the run until then."""
    if not runnable_here(run.variant):
        raise ConfigError(f"variant {run.variant!r} runs under pymoo {PYMOO_OF.get(run.variant, PROJECT_PYMOO)}; "
                          f"this environment imports pymoo {pymoo.__version__}")
    bench = load_benchmark("nb201", run.dataset, run.device)
    scorer = bench.scorer()
    assert scorer is not None
    wrapped = _StopAtThreshold(bench, scorer, THRESHOLD)
    params = {**FAITHFUL, **VARIANTS[run.variant][0]}
    start = time.process_time()
    try:
        make_tactic("linas_faithful", **params).run(wrapped, run.budget, run.seed)
    except _Reached:
        pass
    cpu = time.process_time() - start
    n = wrapped.hit if wrapped.hit is not None else len(wrapped.rows)
    distinct = len(np.unique(np.array(wrapped.rows[:n]), axis=0)) if n else 0
    return {"variant": run.variant, "cell": f"{run.dataset}/{run.device}", "seed": run.seed, "budget": run.budget,
            f"evals@{THRESHOLD}": float(wrapped.hit) if wrapped.hit is not None else np.inf,
            "distinct": distinct, "cpu_s": round(cpu, 2)}


def small_sample_share(vals: np.ndarray, reference: float, k: int = DYNAST_SEEDS, draws: int = 20_000,
                       seed: int = 0) -> float:
    """Share of ``k``-seed medians, resampled (with replacement) from our per-seed ``vals``, at or
    below ``reference``: how often ``k`` of our seeds would report DyNAS-T's median or fewer
    (``inf`` = not reached counts as more)."""
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(np.asarray(vals, dtype=float), size=(draws, k)), axis=1)
    return float(np.mean(medians <= reference))


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (variant, cell): seeds, median validations to the threshold with its bootstrap 95 %
    interval (censored at budget + 1), fraction reached, median distinct, DyNAS-T's median and
    :func:`small_sample_share` of it."""
    rows = []
    for (variant, cell), g in runs.groupby(["variant", "cell"], sort=False):
        vals = g[f"evals@{THRESHOLD}"].to_numpy(dtype=float)
        budget = int(g["budget"].max())
        ci = bootstrap_ci(vals, censor_at=budget + 1)
        dynast = float(DYNAST_EVALS_TO_099.get(str(cell).split("/")[1], np.nan))
        rows.append({"variant": variant, "cell": cell, "seeds": len(g), "budget": budget, "median": ci.estimate,
                     "ci_low": ci.low, "ci_high": ci.high, "reached": float(np.isfinite(vals).mean()),
                     "median_distinct": float(g["distinct"].median()),
                     "dynast_median": dynast, "share_5seed_medians_le_dynast": small_sample_share(vals, dynast)})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m nas_utils.search.faithful_check",
                           description="Faithful LINAS vs DyNAS-T 1.6.0: the fidelity record.")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=BUDGET)
    parser.add_argument("--devices", default=",".join(DYNAST_EVALS_TO_099))
    here = [v for v in VARIANTS if runnable_here(v)]
    parser.add_argument("--variants", default=",".join(here),
                        help="comma-separated labels of VARIANTS (default: those that run under the pymoo imported here)")
    parser.add_argument("--out", default="", help="CSV of per-run rows (rows already there for the same "
                                                  "variant, cell, seed and budget are kept, not rerun)")
    args = parser.parse_args(argv)
    config.check_range("--seeds", args.seeds, low=1)
    config.check_range("--budget", args.budget, low=1)
    devices, variants = args.devices.split(","), args.variants.split(",")
    config.check_choices("--devices", devices, devices_for("nb201"))
    config.check_choices("--variants", variants, VARIANTS)
    config.check_choices(f"--variants (pymoo {pymoo.__version__} imported here)", variants, here)
    runs = [CheckRun(variant, device, seed, args.budget) for device in devices
            for variant in variants for seed in range(args.seeds)]
    rows = extend_record(args.out, runs, run_one, lambda r: (r.variant, f"{r.dataset}/{r.device}", r.seed, r.budget),
                         lambda row: (row["variant"], row["cell"], int(row["seed"]), int(row["budget"])))
    print(summarise(pd.DataFrame(rows)).to_string(index=False))
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
