"""On-disk cache of sub-network evaluations, keyed by weights, evaluation settings and architecture.

One SQLite file holds every evaluation any stage, run, seed or rerun made::

    evals(weights TEXT, settings TEXT, arch TEXT, correct INTEGER, total INTEGER, accuracy REAL)
    PRIMARY KEY (weights, settings, arch)

* ``weights``: :func:`~nas_utils.supernets.evaluation.weights_digest` of the super-network
  (a new checkpoint has new weights, hence new keys: old entries simply stop matching);
* ``settings``: :meth:`EvalSettings.key` (split contents, calibration inputs, chunking and
  the evaluation procedure's version);
* ``arch``: the canonical architecture string.

Writes are one transaction per batch (``put_many``), so a search killed at any moment leaves
the file consistent: every row present is complete and equals a fresh evaluation, and a batch
is either wholly there or wholly absent (SQLite's rollback journal; WAL mode lets several
processes read while one writes). :class:`CachedScorer` puts the cache in front of a
:class:`~nas_utils.supernets.evaluation.SubnetScorer`.

>>> import tempfile, pathlib
>>> cache = EvalCache(pathlib.Path(tempfile.mkdtemp()) / "evals.sqlite")
>>> cache.put_many("w0", "s0", ["a", "b"], [7, 9], 10)
>>> cache.get_many("w0", "s0", ["a", "b", "c"])
{'a': 7, 'b': 9}
>>> len(cache)
2
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from nas_utils.spaces import SearchSpace
from nas_utils.supernets.evaluation import SubnetScorer, weights_digest

_SCHEMA = """
CREATE TABLE IF NOT EXISTS evals (
    weights TEXT NOT NULL, settings TEXT NOT NULL, arch TEXT NOT NULL,
    correct INTEGER NOT NULL, total INTEGER NOT NULL, accuracy REAL NOT NULL,
    PRIMARY KEY (weights, settings, arch)
) WITHOUT ROWID
"""
_CHUNK = 500  # SQLite host-parameter limit is 999 in old builds


class EvalCache:
    """SQLite-backed store of ``(weights, settings, arch) -> correct predictions``.

    Args:
        path: the database file (created with its folder if missing).
        timeout: seconds to wait for another process's write lock.
    """

    def __init__(self, path: str | Path, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=self.timeout)
        try:
            with con:  # one transaction: commit on success, roll back on error
                yield con
        finally:
            con.close()

    def get_many(self, weights: str, settings: str, archs: Sequence[str]) -> dict[str, int]:
        """Cached correct-prediction counts of those ``archs`` that are present."""
        found: dict[str, int] = {}
        unique = list(dict.fromkeys(archs))
        with self._connect() as con:
            for i in range(0, len(unique), _CHUNK):
                part = unique[i : i + _CHUNK]
                marks = ",".join("?" * len(part))
                rows = con.execute(
                    f"SELECT arch, correct FROM evals WHERE weights=? AND settings=? AND arch IN ({marks})",
                    (weights, settings, *part),
                )
                found.update({a: int(c) for a, c in rows})
        return found

    def put_many(self, weights: str, settings: str, archs: Sequence[str], correct: Sequence[int] | np.ndarray,
                 total: int) -> None:
        """Store a batch in one transaction (all rows or none)."""
        rows = [(weights, settings, a, int(c), int(total), 100.0 * int(c) / total) for a, c in zip(archs, correct)]
        with self._connect() as con:
            con.executemany("INSERT OR REPLACE INTO evals VALUES (?, ?, ?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        with self._connect() as con:
            return int(con.execute("SELECT COUNT(*) FROM evals").fetchone()[0])

    def count(self, weights: str, settings: str | None = None) -> int:
        """Entries stored for one network (and optionally one evaluation setting)."""
        query, args = "SELECT COUNT(*) FROM evals WHERE weights=?", [weights]
        if settings is not None:
            query, args = query + " AND settings=?", [weights, settings]
        with self._connect() as con:
            return int(con.execute(query, args).fetchone()[0])

    def integrity_ok(self) -> bool:
        with self._connect() as con:
            return bool(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


class CachedScorer:
    """A :class:`SubnetScorer` whose results go through an :class:`EvalCache`.

    ``accuracy(X)`` looks every canonical architecture up, evaluates only the missing ones in
    one batch (sub-networks sharing leading steps share their work, :meth:`SubnetScorer.iter_correct`),
    committing every ``flush_every`` finished ones (so an interrupted call keeps what it
    finished), and returns exactly the numbers a fresh evaluation gives.
    ``hits`` / ``computed`` count lookups served from the cache and fresh evaluations.

    The weights digest is taken once at construction: build a new ``CachedScorer`` after the
    super-network's weights change (e.g. per training checkpoint).
    """

    def __init__(self, scorer: SubnetScorer, cache: EvalCache | None, flush_every: int = 32) -> None:
        self.scorer, self.cache, self.flush_every = scorer, cache, flush_every
        self.weights = weights_digest(scorer.net)
        self.settings = scorer.settings.key()
        self.hits = self.computed = 0
        self._memory: dict[str, int] = {}

    @property
    def space(self) -> SearchSpace:
        return self.scorer.net.space

    def correct(self, X: np.ndarray) -> np.ndarray:
        space = self.space
        X = space.canonicalize(space.validate(np.asarray(X)))
        archs = space.to_strings(X)
        known = {a: self._memory[a] for a in archs if a in self._memory}
        missing = [a for a in dict.fromkeys(archs) if a not in known]
        if self.cache is not None and missing:
            known.update(self.cache.get_many(self.weights, self.settings, missing))
        todo = [a for a in dict.fromkeys(archs) if a not in known]
        self.hits += len(archs) - len([a for a in archs if a in todo])
        index = {a: i for i, a in enumerate(archs)}
        done: dict[str, int] = {}
        for row, count in self.scorer.iter_correct(X[[index[a] for a in todo]]):
            done[todo[row]] = count
            if len(done) == self.flush_every:
                self._store(done, known)
        self._store(done, known)
        self._memory.update(known)
        return np.array([known[a] for a in archs], dtype=np.int64)

    def _store(self, done: dict[str, int], known: dict[str, int]) -> None:
        """Commit finished evaluations to the disk cache (one transaction) and to ``known``; empty ``done``."""
        if done and self.cache is not None:
            self.cache.put_many(self.weights, self.settings, list(done), list(done.values()), len(self.scorer.y))
        known.update(done)
        self.computed += len(done)
        done.clear()

    def accuracy(self, X: np.ndarray) -> np.ndarray:
        """Top-1 accuracy (%) of every row of ``X`` (cached where possible)."""
        return 100.0 * self.correct(X) / len(self.scorer.y)
