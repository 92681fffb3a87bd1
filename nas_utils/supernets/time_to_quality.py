"""SparseNAS measured so the answer can be yes or no: shared yardstick, own schedules, time to quality.

Protocol of one seed (:func:`run_seed`), for one super-network family:

* **Sparse run** (its own, shorter cosine schedule of ``sparse_epochs``): ``warmup_epochs`` on
  the full space; early accuracy of ``n_early`` (>= 200) sub-networks on the **validation**
  split; an early predictor fitted on them (out-of-fold Spearman reported); ``n_score``
  sub-networks scored and the predicted top ``keep_fraction`` kept
  (:func:`~nas_utils.supernets.filtering.select_subspace`); the rest of the schedule samples
  the kept sub-space only.
* **Full runs**: one per budget in ``full_budgets`` (each its own cosine schedule, from
  scratch), so the full run's time-to-quality curve is the best over budgets, not one
  schedule's truncation.
* **Shared yardstick**: every checkpoint of both runs is judged on the *same* architecture set -
  ``n_yard_full`` networks spread over the full space's MACs plus ``n_yard_kept`` of this seed's
  kept region - on the **test** split (untouched by filtering and calibration). Quality = the
  normalised hypervolume of (test accuracy, MACs) with fixed bounds (chance..100 %, the
  yardstick's MAC range), so it compares across runs and seeds.
* **Time** = training CPU seconds; the sparse run also pays its overheads, reported on their
  own: warm-up (training), early-accuracy measurement and filtering (predictor fit + scoring).
  Yardstick evaluations are the protocol's cost and are not charged.
* **Speedup** = time for the full runs to first reach ``(1 - hv_tolerance)`` x the largest full
  budget's final quality / time for the sparse run to reach it (``inf`` time when it never does,
  so the seed's speedup is 0). **Ceiling** = full time / (warm-up + early measurement +
  filtering): what a sparse run with free training after filtering would achieve.

:func:`summarise_seeds` adds bootstrap intervals over seeds (median speedup, and the ratio of
median times). Evaluations go through :class:`~nas_utils.supernets.cache.CachedScorer`, so a
rerun of an unchanged protocol only re-trains.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy import stats

from nas_utils.data import Splits
from nas_utils.evaluators import ACCURACY
from nas_utils.metrics import HypervolumeScorer, rank_correlation
from nas_utils.predictors import make_predictor
from nas_utils.supernets.base import SuperNet, build_supernet
from nas_utils.supernets.cache import CachedScorer, EvalCache
from nas_utils.supernets.checkpoint import family_data
from nas_utils.supernets.evaluation import SubnetScorer
from nas_utils.supernets.filtering import MACS, SparseSubspace, compare_predictors, features, select_subspace, unique_sample
from nas_utils.supernets.reference import macs_of, spread_sample
from nas_utils.supernets.training import Trainer, TrainSettings


@dataclass(frozen=True)
class ProtocolSettings:
    """One family's protocol (the stage's schema maps ``params.yaml`` onto it)."""

    family: str
    mnist1d_samples: int = 5000
    full_budgets: tuple[int, ...] = (4, 8)
    sparse_epochs: int = 4
    warmup_epochs: int = 1
    n_early: int = 200
    n_score: int = 2000
    keep_fraction: float = 0.1
    predictor: str = "xgb"
    predictor_options: dict[str, Any] = field(default_factory=lambda: {"n_estimators": 200, "max_depth": 4})
    n_yard_full: int = 100
    n_yard_kept: int = 40
    eval_every: int = 1
    hv_tolerance: float = 0.005
    calib_samples: int = 128
    train: dict[str, Any] = field(default_factory=dict)  # extra TrainSettings fields (lr, batch_size, ...)
    data_seed: int = 0

    def train_settings(self, epochs: int, seed: int) -> TrainSettings:
        return TrainSettings(total_epochs=epochs, seed=seed, calib_samples=self.calib_samples, **self.train)


@dataclass
class Curve:
    """Quality of one training run at its evaluated checkpoints."""

    run: str
    time_s: list[float] = field(default_factory=list)
    quality: list[float] = field(default_factory=list)
    epoch: list[int] = field(default_factory=list)

    def add(self, t: float, q: float, epoch: int) -> None:
        self.time_s.append(float(t))
        self.quality.append(float(q))
        self.epoch.append(int(epoch))

    def time_to(self, target: float) -> float:
        """First checkpoint time whose quality reaches ``target`` (``inf`` if none)."""
        hit = [t for t, q in zip(self.time_s, self.quality) if q >= target - 1e-12]
        return min(hit) if hit else float("inf")


@dataclass
class SeedResult:
    family: str
    seed: int
    curves: list[Curve]
    overhead: dict[str, float]
    early_spearman: float
    final_rank_spearman: float
    kept: int
    scored: int
    target: float
    t_full: float
    t_sparse: float
    yardstick: pd.DataFrame

    @property
    def speedup(self) -> float:
        return self.t_full / self.t_sparse if np.isfinite(self.t_sparse) else 0.0

    @property
    def ceiling(self) -> float:
        return self.t_full / sum(self.overhead.values())

    def row(self) -> dict[str, Any]:
        return {"family": self.family, "seed": self.seed, "speedup": self.speedup, "ceiling": self.ceiling,
                "t_full_s": self.t_full, "t_sparse_s": self.t_sparse, "target_quality": self.target,
                "early_spearman_oof": self.early_spearman, "early_vs_final_spearman": self.final_rank_spearman,
                "kept": self.kept, "scored": self.scored, **{f"{k}_s": v for k, v in self.overhead.items()}}


def quality_scorer(macs: np.ndarray) -> HypervolumeScorer:
    """Normalised HV of (accuracy %, MMACs) with fixed bounds: chance (10 %) to 100 %, the
    yardstick's MAC range; 1.0 = a network with 100 % accuracy at the smallest MACs."""
    lo, hi = float(np.min(macs)), float(np.max(macs))
    bounds = np.array([[10.0, lo], [100.0, hi]])
    return HypervolumeScorer((ACCURACY, MACS), bounds, reference_front=np.array([[100.0, lo]]))


def shared_yardstick(net: SuperNet, sub: SparseSubspace, n_full: int, n_kept: int, seed: int) -> np.ndarray:
    """The architecture set both runs of a seed are judged on: ``n_full`` networks spread over
    the full space's MACs (independent of the run) plus ``n_kept`` of the kept region."""
    full = spread_sample(net, n_full, seed=0)
    have = set(net.space.keys(full))
    kept = np.array([x for x in sub.X if net.space.keys(x[None])[0] not in have])
    rng = np.random.default_rng([seed, 11])
    if len(kept):
        kept = kept[np.sort(rng.choice(len(kept), size=min(n_kept, len(kept)), replace=False))]
        return np.vstack([full, kept])
    return full


def filter_subspace(net: SuperNet, data: Splits, ps: ProtocolSettings, seed: int,
                    cache: EvalCache | None) -> tuple[SparseSubspace, dict[str, float], float, Any]:
    """Early accuracy on the *validation* split, early predictor, kept sub-space.

    Reads only ``data.x_train`` (calibration) and the validation split; never the test split.
    Returns the sub-space, the overhead CPU seconds (early measurement, filtering), the
    predictor's out-of-fold Spearman and the fitted predictor. The early measurement bypasses
    the evaluation cache (``cache`` is unused): its cost is an overhead SparseNAS pays, and a
    rerun served from the cache would under-charge it.
    """
    del cache  # see above
    rng = np.random.default_rng([seed, 1])
    cpu0 = time.process_time()
    X_early = unique_sample(net.space, rng, ps.n_early)
    acc = SubnetScorer(net, data.x_val, data.y_val, data.x_train[: ps.calib_samples]).accuracy(X_early)
    early_s = time.process_time() - cpu0
    cpu1 = time.process_time()
    table, _ = compare_predictors(net.space, X_early, acc, (ps.predictor,), 5, seed, {ps.predictor: ps.predictor_options})
    model = make_predictor(ps.predictor, seed=seed, **ps.predictor_options).fit(features(net.space, X_early), acc)
    sub, _ = select_subspace(net, model, unique_sample(net.space, rng, ps.n_score), ps.keep_fraction)
    filter_s = time.process_time() - cpu1
    return sub, {"early_measurement": early_s, "filtering": filter_s}, float(table["spearman"].iloc[0]), model


def _judge(net: SuperNet, data: Splits, X: np.ndarray, ps: ProtocolSettings, cache: EvalCache | None) -> np.ndarray:
    """Test-split accuracy of the yardstick at the current weights (cached by weights)."""
    scorer = SubnetScorer(net, data.x_test, data.y_test, data.x_train[: ps.calib_samples], split="test")
    return CachedScorer(scorer, cache).accuracy(X)


def _train(trainer: Trainer, epochs: int, curve: Curve, t0: float, judge: Callable[[], float], every: int,
           last: int) -> float:
    """Train ``epochs`` epochs, judging every ``every`` epochs and at epoch ``last``; returns time."""
    t = t0
    for _ in range(epochs):
        row = trainer.train_epoch()
        t += float(row["train_cpu_s"])
        if trainer.epoch % every == 0 or trainer.epoch == last:
            curve.add(t, judge(), trainer.epoch)
    return t


def run_seed(ps: ProtocolSettings, seed: int, cache: EvalCache | None = None,
             data: Splits | None = None) -> SeedResult:
    """Sparse run, full runs (every budget), both judged on one yardstick; see the module doc."""
    probe = build_supernet(ps.family, seed=seed)
    data = data if data is not None else family_data(probe, ps.data_seed, ps.mnist1d_samples)
    # Sparse run: warm-up on the full space, filter, continue on the kept sub-space.
    sparse = Trainer(probe, data, ps.train_settings(ps.sparse_epochs, seed))
    warm = sum(float(sparse.train_epoch()["train_cpu_s"]) for _ in range(ps.warmup_epochs))
    sub, overhead, early_rho, model = filter_subspace(probe, data, ps, seed, cache)
    overhead = {"warmup": warm, **overhead}
    yard = shared_yardstick(probe, sub, ps.n_yard_full, ps.n_yard_kept, seed)
    macs = macs_of(probe, yard)
    hv = quality_scorer(macs)

    def judge_of(net: SuperNet, store: list[np.ndarray]) -> Callable[[], float]:
        def judge() -> float:
            acc = _judge(net, data, yard, ps, cache)
            store.append(acc)
            return hv.normalised(np.column_stack([acc, macs]))
        return judge

    accs: dict[str, list[np.ndarray]] = {}
    curves = [Curve("sparse")]
    t = sum(overhead.values())
    curves[0].add(t, judge_of(probe, accs.setdefault("sparse", []))(), sparse.epoch)
    sparse.sampler = sub
    _train(sparse, ps.sparse_epochs - ps.warmup_epochs, curves[0], t, judge_of(probe, accs["sparse"]), ps.eval_every,
           ps.sparse_epochs)
    for budget in ps.full_budgets:
        net = build_supernet(ps.family, seed=seed)
        curve = Curve(f"full_{budget}ep")
        _train(Trainer(net, data, ps.train_settings(budget, seed)), budget, curve, 0.0,
               judge_of(net, accs.setdefault(curve.run, [])), ps.eval_every, budget)
        curves.append(curve)
    longest = curves[1 + int(np.argmax(ps.full_budgets))]
    target = (1.0 - ps.hv_tolerance) * longest.quality[-1]
    t_full = min(c.time_to(target) for c in curves[1:])
    final_acc = accs[longest.run][-1]
    predicted = model.predict(features(probe.space, yard))
    yard_df = pd.DataFrame({"arch": probe.space.to_strings(yard), "macs": macs, "predicted_early": predicted,
                            "kept": sub.contains(yard), **{f"final_{k}": v[-1] for k, v in accs.items()}})
    return SeedResult(ps.family, seed, curves, overhead, early_rho, rank_correlation(predicted, final_acc)[0],
                      len(sub), sub.scored, target, t_full, curves[0].time_to(target), yard_df)


def curves_table(results: list[SeedResult]) -> pd.DataFrame:
    """Long table: family, seed, run, epoch, train_s, quality (the time-to-quality curves)."""
    return pd.DataFrame([{"family": r.family, "seed": r.seed, "run": c.run, "epoch": e, "train_s": t, "quality": q}
                         for r in results for c in r.curves for t, q, e in zip(c.time_s, c.quality, c.epoch)])


def bootstrap_interval(samples: np.ndarray, statistic: Callable[..., float], seed: int = 0,
                       level: float = 0.95, n_resamples: int = 2000) -> tuple[float, float]:
    """Seeded percentile bootstrap interval of ``statistic`` over ``samples`` (``scipy.stats``)."""
    samples = np.asarray(samples, dtype=np.float64)
    if len(samples) < 2 or np.all(samples == samples[0]):
        v = float(statistic(samples))
        return v, v
    res = stats.bootstrap((samples,), statistic, confidence_level=level, n_resamples=n_resamples,
                          method="percentile", random_state=np.random.default_rng(seed), vectorized=False)
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def summarise_seeds(results: list[SeedResult]) -> pd.DataFrame:
    """Per family: median speedup over seeds with its 95 % bootstrap interval, the ceiling, the
    overheads and the early predictor's Spearman (out of fold, and against final accuracy)."""
    rows = []
    for family, group in pd.DataFrame([r.row() for r in results]).groupby("family", sort=False):
        s = group["speedup"].to_numpy()
        lo, hi = bootstrap_interval(s, np.median)
        rows.append({
            "family": family, "seeds": len(group), "speedup_median": float(np.median(s)), "speedup_ci_low": lo,
            "speedup_ci_high": hi, "sparse_reached": int(np.isfinite(group["t_sparse_s"]).sum()),
            "ceiling_median": float(group["ceiling"].median()), "t_full_s_median": float(group["t_full_s"].median()),
            **{c: float(group[c].median()) for c in ("warmup_s", "early_measurement_s", "filtering_s",
                                                     "early_spearman_oof", "early_vs_final_spearman")},
        })
    return pd.DataFrame(rows)


def settings_record(ps: ProtocolSettings) -> dict[str, Any]:
    return dataclasses.asdict(ps)


def run_family(ps: ProtocolSettings, seeds: int, cache_path: str | Path | None = None, threads: int = 1,
               on_seed: Callable[[list[SeedResult]], None] | None = None) -> list[SeedResult]:
    """:func:`run_seed` for seeds ``0..seeds-1`` (one torch thread: CPU seconds = uncontended
    time); ``on_seed(results so far)`` runs after each seed (e.g. to write partial outputs)."""
    cache = EvalCache(cache_path) if cache_path is not None else None
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    results: list[SeedResult] = []
    try:
        for s in range(seeds):
            results.append(run_seed(ps, s, cache))
            if on_seed is not None:
                on_seed(results)
        return results
    finally:
        torch.set_num_threads(old)


def main(argv: list[str] | None = None) -> int:
    """``python -m nas_utils.supernets.time_to_quality --family mbv3_1d --seeds 3 --out DIR``:
    run the protocol, write ``curves_<family>.csv``, ``seeds_<family>.csv``, ``summary_<family>.csv``."""
    import argparse
    import json

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--family", required=True)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--out", required=True)
    p.add_argument("--cache", default=None, help="evaluation cache (SQLite file)")
    p.add_argument("--settings", default="{}", help="JSON object of ProtocolSettings fields")
    args = p.parse_args(argv)
    extra = json.loads(args.settings)
    if "full_budgets" in extra:
        extra["full_budgets"] = tuple(extra["full_budgets"])
    ps = ProtocolSettings(args.family, **extra)
    out, wall = Path(args.out), time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    (out / f"settings_{ps.family}.json").write_text(json.dumps(settings_record(ps), indent=1))

    def write(results: list[SeedResult]) -> None:
        curves_table(results).to_csv(out / f"curves_{ps.family}.csv", index=False)
        pd.DataFrame([r.row() for r in results]).to_csv(out / f"seeds_{ps.family}.csv", index=False)
        summary = summarise_seeds(results).assign(wall_s=time.perf_counter() - wall)
        summary.to_csv(out / f"summary_{ps.family}.csv", index=False)
        print(summary.T.to_string(), flush=True)

    run_family(ps, args.seeds, args.cache, on_seed=write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
