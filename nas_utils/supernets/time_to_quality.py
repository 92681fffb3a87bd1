"""SparseNAS measured so the answer can be yes or no: shared yardstick, own schedules, time to quality.

Protocol of one seed, for one super-network family, in two halves (stage ``sparsenas`` runs the
first, stage ``supernet`` the second; :func:`run_seed` runs both in one process):

1. :func:`warm_up_and_filter` - the **sparse run's warm-up**: ``warmup_epochs`` on the full
   space at the peak learning rate (a warm-up that does not depend on the later budget), then
   the early accuracy of ``n_early`` (>= 200) sub-networks on ``early_val`` samples of the
   **validation** split, the pre-registered early ``predictor`` fitted on them (its out-of-fold
   Spearman, and that of every predictor in ``compare``, reported), ``n_score`` sub-networks
   scored and the predicted top ``keep_fraction`` kept
   (:func:`~nas_utils.supernets.filtering.select_subspace`). It never reads the test split.
2. :func:`time_to_quality_runs` - **sparse runs**: the warm-up continued on the kept sub-space
   for every budget in ``sparse_budgets`` (each its own cosine from the peak rate; a budget may be
   a fraction of an epoch, so that a short continuation can show a large speedup); **full
   runs**: one per budget in ``full_budgets`` from the same initial weights (each its own
   cosine, from scratch), so the full time-to-quality curve is the best over budgets, not one
   schedule's truncation.

* **Shared yardstick**: every checkpoint of both runs is judged on the *same* architecture set -
  ``n_yard_full`` networks spread over the full space's MACs (the same for every seed) plus
  ``n_yard_kept`` of this seed's kept region - on the **test** split. Quality = the normalised
  hypervolume of (test accuracy, MACs) with fixed bounds (chance..100 %, the yardstick's MAC
  range), so it compares across runs and seeds.
* **Time** = training CPU seconds (one torch thread); the sparse run also pays its overheads,
  reported on their own: warm-up (training), early-accuracy measurement and filtering
  (predictor fit + scoring; the out-of-fold comparison is reporting, not the method).
  Yardstick evaluations are the protocol's cost and are not charged to either run.
* **Time-to-quality curve** of a run type: the best quality any of its checkpoints reached by
  time ``t`` (:func:`envelope`). **Speedup** = time for the full runs to first reach
  ``(1 - hv_tolerance)`` x the longest full budget's final quality / time for the sparse runs
  to reach it; a seed whose sparse runs never reach it is censored (its time is above its
  longest sparse run's). **Ceiling** = full time / (warm-up + early measurement + filtering):
  what a sparse run whose training after filtering were free would achieve. **Grid maximum** =
  full time / the first sparse checkpoint after the warm-up (overhead + the shortest sparse
  budget's training): the largest speedup the budget grid can show at all. A grid whose maximum
  is below the claim cannot refute it (issue 13: "a protocol that cannot reach 3x by construction
  is not [a result]").

:func:`seed_table` and :func:`family_intervals` give per-seed numbers and bootstrap intervals
(:mod:`nas_utils.stats`): speedup = median full time / median sparse time over seeds
(:func:`~nas_utils.stats.ratio_ci`, censored seeds as bounds), ceiling and Spearman medians.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from nas_utils import config, stats
from nas_utils.data import Splits
from nas_utils.errors import ConfigError
from nas_utils.evaluators import ACCURACY
from nas_utils.metrics import HypervolumeScorer, rank_correlation
from nas_utils.predictors import Predictor, make_predictor
from nas_utils.scripts import OneLineParser, script_cli
from nas_utils.supernets.base import SUPERNETS, SuperNet, build_supernet
from nas_utils.supernets.cache import CachedScorer, EvalCache
from nas_utils.supernets.checkpoint import family_data
from nas_utils.supernets.evaluation import SubnetScorer
from nas_utils.supernets.filtering import (
    MACS,
    SparseSubspace,
    compare_predictors,
    features,
    select_subspace,
    unique_sample,
)
from nas_utils.supernets.reference import macs_of, spread_sample
from nas_utils.supernets.training import Trainer, TrainSettings

#: Early predictors see a few hundred rows: a small MLP (WeakNAS uses 4x1000 on 100s of rows).
PREDICTOR_OPTIONS: dict[str, dict[str, Any]] = {"xgb": {"n_estimators": 200, "max_depth": 4},
                                               "mlp": {"hidden": (64, 64), "max_iter": 500}}


@dataclass(frozen=True)
class ProtocolSettings:
    """One family's protocol (the stages' schemas map ``params.yaml`` onto it)."""

    family: str
    mnist1d_samples: int = 5000
    full_budgets: tuple[int, ...] = (4, 8)
    sparse_budgets: tuple[float, ...] = (1, 3)  # epochs on the kept sub-space after the warm-up (may be fractional)
    warmup_epochs: int = 1
    n_early: int = 200
    early_val: int = 200  # validation samples per early measurement (0 = the whole split)
    n_score: int = 2000
    keep_fraction: float = 0.1
    predictor: str = "xgb"
    compare: tuple[str, ...] = ("xgb",)
    cv_folds: int = 5
    n_yard_full: int = 30
    n_yard_kept: int = 10
    eval_every: int = 2
    hv_tolerance: float = 0.005
    calib_samples: int = 64
    train: dict[str, Any] = field(default_factory=dict)  # extra TrainSettings fields (lr, batch_size, ...)
    data_seed: int = 0

    def _settings(self, epochs: float, seed: int, hold: int = 0) -> TrainSettings:
        return TrainSettings(total_epochs=epochs, seed=seed, calib_samples=self.calib_samples, hold_epochs=hold,
                             **self.train)

    def warmup_settings(self, seed: int) -> TrainSettings:
        """The warm-up's settings: the peak rate is held, so the horizon (here one epoch more)
        does not matter; each sparse budget continues with its own (:meth:`sparse_settings`)."""
        return self.sparse_settings(1, seed)

    def sparse_settings(self, budget: float, seed: int) -> TrainSettings:
        return self._settings(self.warmup_epochs + budget, seed, hold=self.warmup_epochs)

    def full_settings(self, budget: int, seed: int) -> TrainSettings:
        return self._settings(budget, seed)

    def options(self, name: str) -> dict[str, Any]:
        return PREDICTOR_OPTIONS.get(name, {})


@dataclass
class Curve:
    """Quality of one training run at its evaluated checkpoints."""

    run: str
    time_s: list[float] = field(default_factory=list)
    quality: list[float] = field(default_factory=list)
    epoch: list[float] = field(default_factory=list)

    def add(self, t: float, q: float, epoch: float) -> None:
        self.time_s.append(float(t))
        self.quality.append(float(q))
        self.epoch.append(epoch)

    def time_to(self, target: float) -> float:
        """First checkpoint time whose quality reaches ``target`` (``inf`` if none)."""
        hit = [t for t, q in zip(self.time_s, self.quality) if q >= target - 1e-12]
        return min(hit) if hit else float("inf")

    @property
    def kind(self) -> str:
        return self.run.split("_")[0]


@dataclass
class FilterOutcome:
    """The sparse run's warm-up and filtering of one seed (stage ``sparsenas``)."""

    family: str
    seed: int
    sub: SparseSubspace
    overhead: dict[str, float]  # CPU seconds: warmup, early_measurement, filtering
    early: pd.DataFrame  # arch, macs, early_accuracy, oof_<predictor>
    predictors: pd.DataFrame  # predictor, spearman, kendall (out of fold)
    early_spearman: float  # out-of-fold Spearman of the pre-registered predictor
    scored: pd.DataFrame = field(default_factory=pd.DataFrame)  # arch, predicted, macs, front, kept

    def info(self) -> dict[str, Any]:
        acc = self.early["early_accuracy"]
        return {"family": self.family, "seed": self.seed, "kept": len(self.sub), "scored": self.sub.scored,
                "early_spearman_oof": self.early_spearman, "early_accuracy_min": float(acc.min()),
                "early_accuracy_max": float(acc.max()), "early_accuracy_std": float(acc.std()),
                **{f"{k}_s": v for k, v in self.overhead.items()}}


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
    test_samples: int = 0  # signals of the test split the yardstick is scored on

    @property
    def t_sparse_max(self) -> float:
        """The longest sparse run's final time (a censored seed's time is above it)."""
        return max(c.time_s[-1] for c in self.curves if c.kind == "sparse")

    @property
    def speedup(self) -> float:
        """Full time / sparse time; for a censored seed the upper bound full time / longest sparse time."""
        return self.t_full / (self.t_sparse if np.isfinite(self.t_sparse) else self.t_sparse_max)

    @property
    def reached(self) -> bool:
        return bool(np.isfinite(self.t_sparse))

    @property
    def t_sparse_first(self) -> float:
        """The earliest sparse checkpoint after the warm-up's: overhead + the shortest budget's training."""
        return min(c.time_s[1] for c in self.curves if c.kind == "sparse" and len(c.time_s) > 1)

    @property
    def grid_max(self) -> float:
        """The largest speedup the budget grid can show: full time / :attr:`t_sparse_first`."""
        return self.t_full / self.t_sparse_first

    @property
    def ceiling(self) -> float:
        return self.t_full / sum(self.overhead.values())

    def row(self) -> dict[str, Any]:
        return {"family": self.family, "seed": self.seed, "speedup": self.speedup, "reached": self.reached,
                "ceiling": self.ceiling, "grid_max": self.grid_max, "t_full_s": self.t_full, "t_sparse_s": self.t_sparse,
                "t_sparse_max_s": self.t_sparse_max, "target_quality": self.target,
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
    the full space's MACs (independent of the run and the seed) plus ``n_kept`` of the kept region."""
    full = spread_sample(net, n_full, seed=0)
    have = set(net.space.keys(full))
    kept = np.array([x for x in sub.X if net.space.keys(x[None])[0] not in have])
    rng = np.random.default_rng([seed, 11])
    if len(kept):
        kept = kept[np.sort(rng.choice(len(kept), size=min(n_kept, len(kept)), replace=False))]
        return np.vstack([full, kept])
    return full


def early_split(data: Splits, ps: ProtocolSettings) -> tuple[torch.Tensor, torch.Tensor]:
    """The validation samples the early accuracy is measured on (a fixed prefix)."""
    n = len(data.y_val) if ps.early_val <= 0 else min(ps.early_val, len(data.y_val))
    return data.x_val[:n], data.y_val[:n]


def fit_predictor(net: SuperNet, ps: ProtocolSettings, seed: int, X: np.ndarray, acc: np.ndarray) -> Predictor:
    """The pre-registered early predictor fitted on the measured early accuracies."""
    return make_predictor(ps.predictor, seed=seed, **ps.options(ps.predictor)).fit(features(net.space, X), acc)


def filter_subspace(net: SuperNet, data: Splits, ps: ProtocolSettings, seed: int) -> FilterOutcome:
    """Early accuracy on the *validation* split, early predictor, kept sub-space (no warm-up here).

    Reads only ``data.x_train`` (calibration) and the validation split, never the test split.
    The early measurement and the filtering (fit + scoring) are timed as SparseNAS overheads;
    the out-of-fold comparison of predictors is reporting and not charged. Nothing is cached:
    a rerun served from a cache would under-charge the overhead.
    """
    rng = np.random.default_rng([seed, 1])
    x_val, y_val = early_split(data, ps)
    cpu0 = time.process_time()
    X_early = unique_sample(net.space, rng, ps.n_early)
    acc = SubnetScorer(net, x_val, y_val, data.x_train[: ps.calib_samples]).accuracy(X_early)
    early_s = time.process_time() - cpu0
    cpu1 = time.process_time()
    model = fit_predictor(net, ps, seed, X_early, acc)
    sub, scored = select_subspace(net, model, unique_sample(net.space, rng, ps.n_score), ps.keep_fraction)
    filter_s = time.process_time() - cpu1
    names = tuple(dict.fromkeys((ps.predictor, *ps.compare)))
    table, oof = compare_predictors(net.space, X_early, acc, names, ps.cv_folds, seed,
                                    {n: ps.options(n) for n in names})
    early = pd.DataFrame({"arch": net.space.to_strings(X_early), "macs": macs_of(net, X_early), "early_accuracy": acc,
                          **{f"oof_{n}": p for n, p in oof.items()}})
    rho = float(table.loc[table["predictor"] == ps.predictor, "spearman"].iloc[0])
    return FilterOutcome(net.name, seed, sub, {"early_measurement": early_s, "filtering": filter_s}, early, table, rho,
                         scored)


def warm_up_and_filter(ps: ProtocolSettings, seed: int, data: Splits,
                       save_to: str | Path | None = None) -> tuple[Trainer, FilterOutcome]:
    """The sparse run's first half: warm-up on the full space (peak rate held), then
    :func:`filter_subspace`; the warm-up checkpoint is written to ``save_to`` if given."""
    net = build_supernet(ps.family, seed=seed)
    trainer = Trainer(net, data, ps.warmup_settings(seed))
    warm = sum(float(trainer.train_epoch()["train_cpu_s"]) for _ in range(ps.warmup_epochs))
    if save_to is not None:
        trainer.save(save_to, meta={"stage": "sparsenas", "family": ps.family, "seed": seed})
    out = filter_subspace(net, data, ps, seed)
    out.overhead = {"warmup": warm, **out.overhead}
    return trainer, out


def _judge(net: SuperNet, data: Splits, X: np.ndarray, ps: ProtocolSettings, cache: EvalCache | None) -> np.ndarray:
    """Test-split accuracy of the yardstick at the current weights (cached by weights)."""
    scorer = SubnetScorer(net, data.x_test, data.y_test, data.x_train[: ps.calib_samples], split="test")
    return CachedScorer(scorer, cache).accuracy(X)


def _train(trainer: Trainer, epochs: float, curve: Curve, t0: float, judge: Callable[[], float], every: int) -> float:
    """Train ``epochs`` more epochs (the last one partial where ``epochs`` is fractional), judging every
    ``every`` epochs and at the end; returns time."""
    t, passes = t0, math.ceil(epochs)
    for k in range(passes):
        row = trainer.train_epoch()
        t += float(row["train_cpu_s"])
        if trainer.epoch % every == 0 or k == passes - 1:
            curve.add(t, judge(), trainer.epochs_done)
    return t


def time_to_quality_runs(ps: ProtocolSettings, filt: FilterOutcome, warmup: str | Path, data: Splits,
                         cache: EvalCache | None = None,
                         keep: Callable[[str, Trainer], None] | None = None) -> SeedResult:
    """The second half of a seed: sparse continuations of the warm-up checkpoint ``warmup``
    (every sparse budget) and full runs (every full budget), all judged on one yardstick.
    ``keep(run, trainer)`` is called after each run (e.g. to save the longest runs' weights)."""
    seed, sub = filt.seed, filt.sub
    probe = build_supernet(ps.family, seed=seed)
    yard = shared_yardstick(probe, sub, ps.n_yard_full, ps.n_yard_kept, seed)
    macs = macs_of(probe, yard)
    hv = quality_scorer(macs)
    accs: dict[str, list[np.ndarray]] = {}

    def judge_of(net: SuperNet, run: str) -> Callable[[], float]:
        def judge() -> float:
            acc = _judge(net, data, yard, ps, cache)
            accs.setdefault(run, []).append(acc)
            return hv.normalised(np.column_stack([acc, macs]))
        return judge

    curves: list[Curve] = []
    overhead_s = sum(filt.overhead.values())
    warm_q: float | None = None
    for budget in sorted(ps.sparse_budgets):
        trainer = Trainer(build_supernet(ps.family, seed=seed), data, ps.sparse_settings(budget, seed), sampler=sub)
        trainer.load(warmup, horizon=True)
        curve = Curve(f"sparse_{budget}ep")
        if warm_q is None:  # the warm-up state is shared by every sparse budget: judge it once
            warm_q = judge_of(trainer.net, curve.run)()
        curve.add(overhead_s, warm_q, trainer.epoch)
        _train(trainer, budget, curve, overhead_s, judge_of(trainer.net, curve.run), ps.eval_every)
        curves.append(curve)
        if keep is not None:
            keep(curve.run, trainer)
    for budget in sorted(ps.full_budgets):
        trainer = Trainer(build_supernet(ps.family, seed=seed), data, ps.full_settings(budget, seed))
        curve = Curve(f"full_{budget}ep")
        _train(trainer, budget, curve, 0.0, judge_of(trainer.net, curve.run), ps.eval_every)
        curves.append(curve)
        if keep is not None:
            keep(curve.run, trainer)
    full = [c for c in curves if c.kind == "full"]
    sparse = [c for c in curves if c.kind == "sparse"]
    longest = full[-1]
    target = (1.0 - ps.hv_tolerance) * longest.quality[-1]
    X_early = np.stack([probe.space.from_string(a) for a in filt.early["arch"]])
    predicted = fit_predictor(probe, ps, seed, X_early, filt.early["early_accuracy"].to_numpy()).predict(
        features(probe.space, yard))
    final_acc = accs[longest.run][-1]
    yard_df = pd.DataFrame({"arch": probe.space.to_strings(yard), "macs": macs, "predicted_early": predicted,
                            "kept": sub.contains(yard), **{f"final_{k}": v[-1] for k, v in accs.items()}})
    return SeedResult(ps.family, seed, curves, dict(filt.overhead), filt.early_spearman,
                      float(rank_correlation(predicted, final_acc)[0]), len(sub), sub.scored, target,
                      min(c.time_to(target) for c in full), min(c.time_to(target) for c in sparse), yard_df,
                      test_samples=len(data.y_test))


def run_seed(ps: ProtocolSettings, seed: int, cache: EvalCache | None = None,
             data: Splits | None = None) -> SeedResult:
    """Both halves of one seed in this process (see the module doc)."""
    data = data if data is not None else family_data(build_supernet(ps.family), ps.data_seed, ps.mnist1d_samples)
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warmup.pt"
        _, filt = warm_up_and_filter(ps, seed, data, save_to=warm)
        return time_to_quality_runs(ps, filt, warm, data, cache)


# --- curves and intervals -------------------------------------------------------------------


def curves_table(results: list[SeedResult]) -> pd.DataFrame:
    """Long table: family, seed, run, kind, epoch, train_s, quality (every evaluated checkpoint)."""
    return pd.DataFrame([{"family": r.family, "seed": r.seed, "run": c.run, "kind": c.kind, "epoch": e,
                          "train_s": t, "quality": q}
                         for r in results for c in r.curves for t, q, e in zip(c.time_s, c.quality, c.epoch)])


def envelope(points: pd.DataFrame, times: np.ndarray) -> np.ndarray:
    """Time-to-quality curve: the best ``quality`` among ``points`` with ``train_s <= t``, per ``t``
    (``nan`` before the first checkpoint)."""
    p = points.sort_values("train_s")
    best = np.maximum.accumulate(p["quality"].to_numpy())
    idx = np.searchsorted(p["train_s"].to_numpy(), times, side="right") - 1
    return np.where(idx >= 0, best[np.clip(idx, 0, None)], np.nan)


def median_curves(curves: pd.DataFrame) -> pd.DataFrame:
    """Per family: ``train_s`` (every checkpoint time of any seed) and, per run kind, the median
    over seeds of the time-to-quality curves (:func:`envelope`); ``nan`` until every seed has a
    checkpoint, so the median curve is monotone."""
    rows = []
    for family, g in curves.groupby("family", sort=False):
        times = np.unique(g["train_s"].to_numpy())
        out = pd.DataFrame({"family": family, "train_s": times})
        for kind in ("full", "sparse"):
            per_seed = [envelope(s, times) for _, s in g[g["kind"] == kind].groupby("seed")]
            out[kind] = np.median(np.vstack(per_seed), axis=0) if per_seed else np.nan
        rows.append(out)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["family", "train_s", "full", "sparse"])


def seed_table(results: list[SeedResult]) -> pd.DataFrame:
    return pd.DataFrame([r.row() for r in results])


def family_intervals(seeds: pd.DataFrame, seed: int = 0) -> dict[str, stats.Interval]:
    """95 % bootstrap intervals over seeds for one family's :func:`seed_table` rows: ``speedup``
    (median full time / median sparse time; censored sparse seeds make it an upper bound),
    ``ceiling``, ``grid_max``, ``early_spearman_oof``, ``early_vs_final_spearman``."""
    t_sparse = seeds["t_sparse_s"].to_numpy(dtype=float)
    censored = ~np.isfinite(t_sparse)
    censor_at = float(seeds.loc[censored, "t_sparse_max_s"].min()) if censored.any() else None
    out = {"speedup": stats.ratio_ci(seeds["t_full_s"], t_sparse, censor_at=censor_at, seed=seed)}
    for col in ("ceiling", "grid_max", "early_spearman_oof", "early_vs_final_spearman"):
        out[col] = stats.bootstrap_ci(seeds[col].to_numpy(dtype=float), seed=seed)
    return out


def summarise_seeds(results: list[SeedResult]) -> pd.DataFrame:
    """Per family: speedup with its interval and bound, ceiling, overheads, Spearman (CLI table)."""
    rows = []
    for family, g in seed_table(results).groupby("family", sort=False):
        iv = family_intervals(g)
        rows.append({"family": family, "seeds": len(g), "sparse_reached": int(g["reached"].sum()),
                     **{f"{k}{s}": getattr(v, a) for k, v in iv.items()
                        for s, a in (("", "estimate"), ("_low", "low"), ("_high", "high"))},
                     "speedup_bound": iv["speedup"].bound,
                     **{c: float(g[c].median()) for c in ("t_full_s", "warmup_s", "early_measurement_s", "filtering_s")}})
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
    import json

    p = OneLineParser(prog="python -m nas_utils.supernets.time_to_quality", description=main.__doc__)
    p.add_argument("--family", required=True)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--out", required=True)
    p.add_argument("--cache", default=None, help="evaluation cache (SQLite file)")
    p.add_argument("--settings", default="{}", help="JSON object of ProtocolSettings fields")
    args = p.parse_args(argv)
    config.check_choice("--family", args.family, SUPERNETS.names())
    config.check_range("--seeds", args.seeds, low=1)
    fields = [f.name for f in dataclasses.fields(ProtocolSettings) if f.name != "family"]
    try:
        extra = json.loads(args.settings)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"--settings={args.settings!r} is not valid JSON ({exc.msg}); valid: a JSON object of "
                          f"{', '.join(fields)}") from None
    if not isinstance(extra, dict):
        raise ConfigError(f"--settings={args.settings!r} is not a JSON object; valid: a JSON object of {', '.join(fields)}")
    config.check_choices("--settings key", list(extra), fields)
    for key in ("full_budgets", "sparse_budgets", "compare"):
        if key in extra:
            extra[key] = tuple(extra[key])
    ps = ProtocolSettings(args.family, **extra)
    out, wall = Path(args.out), time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    (out / f"settings_{ps.family}.json").write_text(json.dumps(settings_record(ps), indent=1))

    def write(results: list[SeedResult]) -> None:
        curves_table(results).to_csv(out / f"curves_{ps.family}.csv", index=False)
        seed_table(results).to_csv(out / f"seeds_{ps.family}.csv", index=False)
        summary = summarise_seeds(results).assign(wall_s=time.perf_counter() - wall)
        summary.to_csv(out / f"summary_{ps.family}.csv", index=False)
        print(summary.T.to_string(), flush=True)

    run_family(ps, args.seeds, args.cache, on_seed=write)
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
