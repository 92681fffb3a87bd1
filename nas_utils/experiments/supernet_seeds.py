"""More seeds of every tactic on our three super-networks: a record beside stage ``search_supernet`` (issue 13 §2).

Stage ``search_supernet`` runs ``search_supernet.seeds`` (5) seeds per tactic and family to stay within the
super-network stages' 10 minutes, so a verdict whose interval needs more seeds carries the caveat "5 seeds: a
median's interval covers at most 94 %". This script tabulates each family as the stage does (the same
checkpoint, evaluation cache and latency objective: every search is a table look-up), runs every tactic of
``search_supernet.tactics`` with the stage's settings and per-family budget for seeds ``0 .. N-1``, single-threaded,
and records per run its space-wide HV curve as its steps (``hv_steps``), its final HV and CPU seconds::

    nice -n 5 python -m nas_utils.experiments.supernet_seeds --seeds 20 --workers 2

Each row also carries the fingerprint of the table it searched
(:func:`~nas_utils.experiments.search_supernet.table_fingerprint`: every network's objectives), so a retrained checkpoint or a new latency objective leaves the old rows out instead of mixing them
in (:func:`~nas_utils.experiments.supernet_records.current_rows`). The stage summarises the current rows exactly
as its own runs (:func:`~nas_utils.experiments.supernet_records.record_summary`), checks that the runs it shares
with the record end at the same HV, and shows both. Resumable
(:func:`~nas_utils.search.records.extend_record`); ``--fresh`` starts afresh.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, NamedTuple

from nas_utils.evaluators import TabularBenchmark
from nas_utils.experiments import comparison as cmp
from nas_utils.experiments.search_supernet import FamilyTable, build_evaluator, load_net, script_config, tabulate
from nas_utils.experiments.supernet_records import RECORD
from nas_utils.schemas.search_supernet import SearchSupernetConfig
from nas_utils.scripts import script_cli
from nas_utils.search.records import HV_STEPS, encode_steps, extend_record, settings_key
from nas_utils.search.records import parse_seed_record_args, seed_record_parser


class RecordSpec(NamedTuple):
    """One run of the record: a tactic on one family's table."""

    tactic: str
    supernet: str
    device: str
    seed: int
    budget: int
    params: tuple[tuple[str, Any], ...]
    table: str  # the table's fingerprint
    bench: TabularBenchmark


def family_tables(cfg: SearchSupernetConfig) -> dict[str, FamilyTable]:
    """Each configured family's table, as the stage builds it (through the evaluation cache)."""
    tables = {}
    for family in cfg.supernets:
        inner, latency = build_evaluator(cfg, load_net(cfg, family))
        tables[family] = tabulate(cfg, family, inner, latency)
    return tables


def record_specs(cfg: SearchSupernetConfig, tables: dict[str, FamilyTable], seeds: int) -> list[RecordSpec]:
    """Every tactic on every family, seeds ``0 .. seeds-1``."""
    return [RecordSpec(t, f, cfg.latency_device, s, cfg.budget_of(f), tuple(sorted(cfg.params_of(t).items())),
                       tables[f].record.table, tables[f].bench)
            for f in cfg.supernets for t in cfg.tactics for s in range(seeds)]


def record_row(spec: RecordSpec) -> dict[str, Any]:
    """One run (the stage's :func:`~nas_utils.experiments.comparison.run_tactic`), reduced to a record row."""
    start = time.process_time()
    history = cmp.run_tactic(spec.tactic, dict(spec.params), spec.bench, spec.budget, spec.seed, spec.supernet,
                             spec.device)
    cpu = time.process_time() - start
    hv = cmp.run_curves(history, {"hv": spec.bench.scorer()})["hv"].to_numpy()
    return {"tactic": spec.tactic, "supernet": spec.supernet, "device": spec.device, "seed": spec.seed,
            "budget": spec.budget, "settings": settings_key(dict(spec.params)), "table": spec.table,
            "cpu_s": round(cpu, 2), "final_hv": float(hv[-1]), HV_STEPS: encode_steps(hv)}


def _key(tactic: Any, supernet: Any, seed: Any, settings: Any, table: Any) -> tuple[str, str, int, str, str]:
    return str(tactic), str(supernet), int(seed), str(settings), str(table)


def main(argv: list[str] | None = None) -> int:
    args = parse_seed_record_args(seed_record_parser(
        "python -m nas_utils.experiments.supernet_seeds",
        "Every search tactic, N seeds, on our super-networks (a record).", RECORD), argv)
    cfg = script_config()
    tables = family_tables(cfg)
    if args.fresh and Path(args.out).exists():
        Path(args.out).unlink()
    extend_record(args.out, record_specs(cfg, tables, args.seeds), record_row,
                  lambda s: _key(s.tactic, s.supernet, s.seed, settings_key(dict(s.params)), s.table),
                  lambda r: _key(r["tactic"], r["supernet"], r["seed"], r["settings"], r["table"]),
                  workers=args.workers)
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
