"""More seeds of SparseNAS per family: a record beside stage ``supernet`` (issue 13 §1).

Stages ``sparsenas`` and ``supernet`` run ``sparsenas.seeds`` (3) seeds per family to stay within the super-network
stages' 10 minutes, so every speedup verdict carries the caveat "3 seeds: a median's interval covers at most 75 %".
This script runs the whole protocol of one seed (:func:`~nas_utils.supernets.time_to_quality.run_seed`: warm-up,
early measurement, filtering, sparse and full runs, the test-split yardstick) with the stages' settings, for seeds
``sparsenas.seed`` to ``sparsenas.seed + N - 1`` of every family, single-threaded (CPU seconds, as the stages time
them), and records per seed the stage's per-seed row (:meth:`~nas_utils.supernets.time_to_quality.SeedResult.row`),
every protocol setting (``settings``) and the seed's CPU seconds::

    nice -n 5 python -m nas_utils.experiments.sparsenas_seeds --seeds 20 --workers 2

Stage ``supernet`` keeps the rows of its own settings (:func:`~nas_utils.experiments.sparsenas_records.current_rows`),
summarises them per family exactly as its own seeds and checks the seeds it shares with the record
(:func:`~nas_utils.experiments.sparsenas_records.agreement`): the fields that do not depend on the clock must be equal;
the times are measurements and differ from run to run. Resumable (:func:`~nas_utils.search.records.extend_record`);
``--fresh`` starts afresh.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, NamedTuple

from nas_utils import config
from nas_utils.experiments import supernet_training
from nas_utils.experiments.sparsenas_records import RECORD, protocol_key, settings_keys
from nas_utils.schemas.sparsenas import SparseNASConfig
from nas_utils.schemas.supernet import SupernetConfig
from nas_utils.scripts import script_cli
from nas_utils.search.records import extend_record, parse_seed_record_args, seed_record_parser
from nas_utils.supernets.time_to_quality import ProtocolSettings, run_seed


def protocols(sparse: SparseNASConfig, supernet: SupernetConfig) -> dict[str, ProtocolSettings]:
    """Each family's protocol, as the two stages build it (stage ``supernet`` reads ``sparsenas``'s settings)."""
    early = config.as_dict(sparse)
    return {f: supernet_training.protocol(supernet, early, f) for f in sparse.families}


class RecordSpec(NamedTuple):
    family: str
    seed: int
    protocol: ProtocolSettings


def record_specs(per_family: dict[str, ProtocolSettings], seeds: range, workers: int) -> list[RecordSpec]:
    """Every family x seed, ``workers`` seeds of one family at a time (runs of one family take about as long, so a
    group finishes together), the families taking turns in ``per_family``'s order (a record stopped early has about
    as many seeds of each).

    >>> ps = {f: ProtocolSettings(f) for f in ("mbv3_1d", "transformer_1d")}
    >>> [(s.family, s.seed) for s in record_specs(ps, range(3), 2)]  # doctest: +NORMALIZE_WHITESPACE
    [('mbv3_1d', 0), ('mbv3_1d', 1), ('transformer_1d', 0), ('transformer_1d', 1), ('mbv3_1d', 2),
     ('transformer_1d', 2)]
    """
    rank = {f: i for i, f in enumerate(per_family)}
    order = sorted(((f, s) for f in per_family for s in seeds),
                   key=lambda fs: ((fs[1] - seeds.start) // workers, rank[fs[0]], fs[1]))
    return [RecordSpec(f, s, per_family[f]) for f, s in order]


def record_row(spec: RecordSpec) -> dict[str, Any]:
    """One seed's whole protocol, reduced to the stage's per-seed row plus its settings and CPU seconds."""
    start = time.process_time()
    result = run_seed(spec.protocol, spec.seed)
    cpu = time.process_time() - start
    return {**result.row(), "settings": protocol_key(spec.protocol), "cpu_s": round(cpu, 1)}


def main(argv: list[str] | None = None) -> int:
    args = parse_seed_record_args(seed_record_parser(
        "python -m nas_utils.experiments.sparsenas_seeds",
        "SparseNAS's whole protocol, N seeds per family (a record beside stage supernet).", RECORD), argv)
    sparse, supernet = config.load("sparsenas"), config.load("supernet")
    per_family = protocols(sparse, supernet)
    keys = settings_keys(per_family)
    specs = record_specs(per_family, range(sparse.seed, sparse.seed + args.seeds), args.workers)
    if args.fresh and Path(args.out).exists():
        Path(args.out).unlink()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    extend_record(args.out, specs, record_row, lambda s: (s.family, s.seed, keys[s.family]),
                  lambda r: (str(r["family"]), int(r["seed"]), str(r["settings"])), workers=args.workers)
    return 0


cli = script_cli(main)


if __name__ == "__main__":
    raise SystemExit(cli())
