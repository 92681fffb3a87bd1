"""Every tactic on the *full* spaces of our super-networks, evaluated live: a record beside stage ``search_supernet``
(issue 13 §2).

The stage searches tables of 2,187-2,457 networks, every one evaluated, so that its hypervolume is normalised by
an exact front: tied sub-spaces of mbv3_1d and resnet_1d, and transformer_1d's full space. DyNAS-T measured its 8x
on full spaces. This record runs the stage's tactics, with the stage's settings and per-family budgets, on each
family's full space (mbv3_1d about 1.0e10 networks, resnet_1d 1.4e7, transformer_1d 6,561 encodings). Each network
a tactic proposes is evaluated live: validation accuracy from the trained super-network, latency from the stage's
predictor. On transformer_1d the record therefore repeats the stage's runs, a check of its machinery
(:func:`nas_utils.sections.search_supernet.same_space_check`). Evaluations go through this record's own on-disk
cache (:data:`CACHE`), never through the stage's.

**A reference front that does not depend on one run.** For each family, a fixed set of ``--reference``
sub-networks spread over MACs is evaluated (:func:`~nas_utils.supernets.reference.spread_sample`; its objectives
are :data:`REFERENCE`). Hypervolume is normalised by the front of that set together with everything any current
run evaluated, with objective bounds from the same points (:func:`fullspace_summary`). That front is the best
known, not the exact one. So a threshold such as "0.99" means 0.99 of the best point set that all the runs and
the fixed set found together.

**How complete that front is.** After the runs the script evaluates each family's largest network and every network
one choice below it (:func:`corner_set`, written to :data:`CORNER`). They stay out of the best known front; the
summary says how many would join it and how much HV they would add. Beside it: the HV of the fixed set with no
search, whole and as a MACs-spread subset as large as the budget (:func:`fixed_spread`).

Each row of :data:`RECORD` is one run: its objectives in evaluation order, and the fingerprint of the reference
set it was run against. A retrained checkpoint or a new latency objective changes that fingerprint, so the old
rows are left out::

    nice -n 5 python -m nas_utils.experiments.supernet_fullspace --seeds 10 --workers 2

Resumable: runs are ordered seed by seed, and the tactic of the headline ratios runs first.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.experiments import comparison as cmp
from nas_utils.experiments import supernet_records as records
from nas_utils.experiments.search_supernet import build_evaluator, evaluate_batched, load_net, script_config
from nas_utils.experiments.search_supernet import table_fingerprint
from nas_utils.metrics import HypervolumeScorer, pareto_front
from nas_utils.paths import project_root
from nas_utils.results.fullspace import SUMMARY, FamilyReference, FullSpaceSummary
from nas_utils.results.search import ComparisonSummary
from nas_utils.schemas.search_supernet import SearchSupernetConfig
from nas_utils.scripts import script_cli
from nas_utils.search.records import extend_record, parse_seed_record_args, seed_record_parser, settings_key
from nas_utils.supernets import SuperNetEvaluator, build_supernet
from nas_utils.supernets.reference import macs_of, spread_sample

#: One row per run, and each family's fixed reference set (committed, beside the stage's other records).
RECORD, REFERENCE = records.FULLSPACE_RECORD, records.FULLSPACE_REFERENCE
#: The probe of each family's accurate end (:func:`corner_set`).
CORNER = records.FULLSPACE_CORNER
#: This record's own evaluation cache (not versioned: every entry can be recomputed).
CACHE = "scratch/fullspace_evals.sqlite"
OBJECTIVES = records.OBJECTIVES
#: How the record is made.
COMMAND = "nice -n 5 python -m nas_utils.experiments.supernet_fullspace --seeds 10 --workers 2"
#: The runs of each seed in this order: LINAS first, then the baselines of the published ratios.
ORDER = ("linas", "weaknas", "nsga2", "bo", "linas_faithful", "hvgain", "random")


class FullSpaceRun(NamedTuple):
    """One run of the record: a tactic on one family's full space."""

    tactic: str
    supernet: str
    device: str
    seed: int
    budget: int
    params: tuple[tuple[str, Any], ...]
    reference: str  # the fingerprint of the family's reference set


_EVALUATORS: dict[str, SuperNetEvaluator] = {}


def evaluator(cfg: SearchSupernetConfig, family: str) -> SuperNetEvaluator:
    """The family's full-space evaluator (one per process): the stage's accuracy and latency objective, this record's
    cache."""
    if family not in _EVALUATORS:
        ev = build_evaluator(cfg, load_net(cfg, family))[0]
        if tuple(ev.objectives) != OBJECTIVES:
            raise ConfigError(f"the full-space record needs the objectives {OBJECTIVES}, {family} has {ev.objectives}")
        _EVALUATORS[family] = ev
    return _EVALUATORS[family]


def full_config(**overrides: Any) -> SearchSupernetConfig:
    """The stage's configuration with this record's evaluation cache."""
    return script_config(eval_cache=str(project_root() / CACHE), **overrides)


def reference_set(cfg: SearchSupernetConfig, family: str, n: int) -> pd.DataFrame:
    """The family's fixed set (``n`` networks spread over MACs, seed ``cfg.seed``) and its objectives."""
    ev = evaluator(cfg, family)
    return _evaluated(ev, family, spread_sample(ev.net, n, cfg.seed), f"reference set of {family}")


def corner_set(cfg: SearchSupernetConfig, family: str, fingerprint: str) -> pd.DataFrame:
    """The family's largest network and every network one choice below it in one variable, evaluated (against the
    reference set of ``fingerprint``)."""
    ev = evaluator(cfg, family)
    top = np.asarray(ev.space.upper, dtype=np.int64)
    X = np.vstack([top] + [top - np.eye(len(top), dtype=np.int64)[j] for j in np.flatnonzero(top > 0)])
    return _evaluated(ev, family, np.unique(ev.space.canonicalize(X), axis=0), f"accurate end of {family}",
                      fingerprint)


def _evaluated(ev: SuperNetEvaluator, family: str, X: np.ndarray, label: str,
               fingerprint: str | None = None) -> pd.DataFrame:
    """``X`` evaluated, one row per network, with the fingerprint of its reference set (default: of these
    objectives, for the reference set itself)."""
    F = evaluate_batched(ev, X, label)
    return pd.DataFrame({"supernet": family, "reference": fingerprint or table_fingerprint(F),
                         "arch": ev.space.to_strings(X), "macs": macs_of(ev.net, X),
                         **{o.name: F[:, j] for j, o in enumerate(OBJECTIVES)}})


def run_row(spec: tuple[SearchSupernetConfig, FullSpaceRun]) -> dict[str, Any]:
    """One run through the live evaluator, reduced to a record row."""
    cfg, run = spec
    ev = evaluator(cfg, run.supernet)
    start = time.process_time()
    history = cmp.run_tactic(run.tactic, dict(run.params), ev, run.budget, run.seed, run.supernet, run.device)
    F = history[[o.name for o in OBJECTIVES]].to_numpy()
    return {"tactic": run.tactic, "supernet": run.supernet, "device": run.device, "seed": run.seed,
            "budget": run.budget, "settings": settings_key(dict(run.params)), "reference": run.reference,
            "cpu_s": round(time.process_time() - start, 2), "objectives": records.encode_objectives(F)}


def record_runs(cfg: SearchSupernetConfig, fingerprints: dict[str, str], seeds: int) -> list[FullSpaceRun]:
    """Every configured tactic on every family, seed by seed (a partial record holds whole seeds)."""
    tactics = sorted(cfg.tactics, key=lambda t: ORDER.index(t) if t in ORDER else len(ORDER))
    return [FullSpaceRun(t, f, cfg.latency_device, s, cfg.budget_of(f), tuple(sorted(cfg.params_of(t).items())),
                         fingerprints[f])
            for s in range(seeds) for f in cfg.supernets for t in tactics]


def _key(tactic: Any, supernet: Any, seed: Any, settings: Any, reference: Any) -> tuple[str, str, int, str, str]:
    return str(tactic), str(supernet), int(seed), str(settings), str(reference)


def fullspace_summary(cfg: SearchSupernetConfig, record: pd.DataFrame, reference: pd.DataFrame,
                      latency: str = "", corner: pd.DataFrame | None = None) -> FullSpaceSummary | None:
    """HV curves of the current rows against each family's best known front (the fixed set and every run's points,
    which also give the objective bounds), summarised by
    :func:`~nas_utils.experiments.supernet_records.summarise_families`: the stage's thresholds, ratios to LINAS
    with bootstrap intervals, the paper's framing; with what the ``corner`` probe (:func:`corner_set`) would add to
    each front. ``None`` without current rows."""
    rows = records.fullspace_rows(record, reference, cfg)
    if rows.empty:
        return None
    histories = records.fullspace_histories(rows)
    names = [o.name for o in OBJECTIVES]
    curves, families = [], []
    for family in dict.fromkeys(rows["supernet"]):
        fixed, points, front = records.best_known_points(family, reference, histories)
        scorer = HypervolumeScorer(OBJECTIVES, np.vstack([fixed, points]), reference_front=front)
        probe = records.corner_points(family, reference, corner)
        joined = pareto_front(np.vstack([front, probe]), OBJECTIVES)

        def hv(F: np.ndarray) -> float:
            return round(scorer.normalised(F), 4)

        families.append(FamilyReference(family, int(build_supernet(family).space.size), len(fixed), len(points),
                                        len(front), _outside(front, fixed), latency, hv(fixed),
                                        hv(fixed_spread(reference, family, cfg.budget_of(family))),
                                        float(points[:, 0].max()), len(probe),
                                        float(probe[:, 0].max()) if len(probe) else None,
                                        _outside(joined, front), hv(joined)))
        runs = histories[histories["dataset"] == family]
        curves += [run[["dataset", "device", "tactic", "seed", "eval"]].assign(hv=scorer.curve(run[names].to_numpy()))
                   for _, run in runs.groupby(["tactic", "seed"], sort=False)]
    curves_all = cmp.order_histories(pd.concat(curves, ignore_index=True), cfg.tactics)
    method = (f"every tactic with the stage's settings and budgets on each family's full space, evaluated live "
              f"(`{RECORD}`); HV normalised by the best known front: a fixed set spread over MACs (`{REFERENCE}`) "
              "and every point any run evaluated")
    same = curves_all[curves_all["dataset"].map(lambda f: not cfg.ties_of(f)) & (curves_all["seed"] < cfg.seeds)]
    return FullSpaceSummary(_comparison(curves_all, cfg, method), families, len(rows), len(record) - len(rows),
                            COMMAND, _comparison(same, cfg, f"{method}; the stage's seeds only") if len(same) else None)


def _outside(points: np.ndarray, among: np.ndarray) -> int:
    """How many of ``points`` no row of ``among`` matches."""
    known = {tuple(p) for p in among}
    return sum(tuple(p) not in known for p in points)


def fixed_spread(reference: pd.DataFrame, family: str, n: int) -> np.ndarray:
    """The objectives of ``n`` members of a family's fixed set evenly spaced in MACs rank, the smallest and the
    largest included: a search-free baseline at a tactic's budget."""
    fixed = reference[reference["supernet"] == family].sort_values("macs", kind="stable")
    take = np.unique(np.round(np.linspace(0, len(fixed) - 1, min(n, len(fixed)))).astype(int))
    return fixed.iloc[take][[o.name for o in OBJECTIVES]].to_numpy()


def _comparison(curves: pd.DataFrame, cfg: SearchSupernetConfig, method: str) -> ComparisonSummary:
    cells, seeds = records.summarise_families(curves, cfg, {})
    return ComparisonSummary(method, cfg.budget, seeds, [float(t) for t in cfg.thresholds], cells)


def main(argv: list[str] | None = None) -> int:
    parser = seed_record_parser("python -m nas_utils.experiments.supernet_fullspace",
                                "Every search tactic, N seeds, on our super-networks' full spaces (a record).", RECORD,
                                seeds=10)
    parser.add_argument("--reference", type=int, default=2000, help="networks of each family's fixed reference set")
    args = parse_seed_record_args(parser, argv)
    config.check_range("--reference", args.reference, low=2)
    cfg = full_config()
    out = Path(args.out)  # the reference set and the summary are written beside it
    sets = pd.concat([reference_set(cfg, f, args.reference) for f in cfg.supernets], ignore_index=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    sets.to_csv(out.parent / Path(REFERENCE).name, index=False)
    fingerprints = sets.groupby("supernet")["reference"].first().to_dict()
    if args.fresh and out.exists():
        out.unlink()
    rows = extend_record(str(out), [(cfg, r) for r in record_runs(cfg, fingerprints, args.seeds)], run_row,
                         lambda s: _key(s[1].tactic, s[1].supernet, s[1].seed, settings_key(dict(s[1].params)),
                                        s[1].reference),
                         lambda r: _key(r["tactic"], r["supernet"], r["seed"], r["settings"], r["reference"]),
                         workers=args.workers)
    corner = pd.concat([corner_set(cfg, f, fingerprints[f]) for f in cfg.supernets], ignore_index=True)
    corner.to_csv(out.parent / Path(CORNER).name, index=False)
    summary = fullspace_summary(cfg, pd.DataFrame(rows), sets, latency_text(cfg), corner)
    if summary is not None:
        summary.save(out.parent / Path(SUMMARY).name)
    return 0


def latency_text(cfg: SearchSupernetConfig) -> str:
    """The latency objective as the summary names it."""
    return (f"{cfg.latency_source} on {cfg.latency_device}" + (f" (the stage's predictor, {cfg.latency_predictor} "
            f"on {cfg.latency_k} measured sub-networks)" if cfg.latency_source == "predicted" else ""))


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
