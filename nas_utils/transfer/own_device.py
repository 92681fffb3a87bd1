"""Your own device: which architectures to measure, and the latency of every other one (``hwnas transfer``).

Notebook 04 measures how well a latency predictor transfers to a device from k measurements; this
module applies the same predictor to a device that is in no table, in two steps:

1. :func:`suggest`: the k architectures to measure, chosen by the pre-registered sampler
   (``params.yaml`` ``predictors.sampler``) from the space's encodings alone (no device data);
2. :func:`predict`: given your k measurements, the latency of every architecture of the space, by
   the pre-registered method (``predictors.method``), with the source devices of HELP's split of the
   space (``ND`` for NB201, ``FD`` for FBNet: the setting notebook 04 scores) or any HELP devices you
   name, calibrated to milliseconds by a least-squares line through your measurements.

::

    hwnas transfer suggest --space nb201 --k 20 --out to_measure.csv     # fill in its latency_ms column
    hwnas transfer predict --measurements to_measure.csv --out predicted.csv
    hwnas search --tactic hvgain --dataset cifar10 --latency-file predicted.csv --out history.csv

The last line searches NAS-Bench-201 with the benchmark's accuracy and your device's predicted latency
(:func:`benchmark`); measure the front it reports on the device before you trust it.

The method reads only the measured rows of your device (a column that is missing everywhere else, so
an accidental read would show as a missing prediction). What to expect: notebook 04's Spearman for
the task nearest your situation (same space, a device family among the sources or not).

>>> from nas_utils.transfer.own_device import parse_measurements
>>> import pandas as pd
>>> table = pd.DataFrame({"index": [3, 7, 11, 12, 40], "latency_ms": [1.5, 2.0, 2.5, 1.0, 3.0]})
>>> parse_measurements(table, "nb201")[:2].tolist()
[[3.0, 1.5], [7.0, 2.0]]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from nas_utils import config
from nas_utils.errors import ConfigError
from nas_utils.evaluators import ACCURACY, LATENCY, TabularBenchmark
from nas_utils.spaces import get_space
from nas_utils.tables import load_accuracy, load_archs
from nas_utils.transfer.data import TaskData, load_task_data
from nas_utils.transfer.in_loop import calibrate
from nas_utils.transfer.methods import TransferMethod, make_method
from nas_utils.transfer.samplers import select
from nas_utils.transfer.study import sample_features
from nas_utils.transfer.tasks import TransferTask, get_task

#: HELP's split per space, whose sources are the default ones (notebook 04 scores the method there)
DEFAULT_SOURCES: dict[str, str] = {"nb201": "ND", "fbnet": "FD"}
#: fewest measurements the stacked methods accept (their weights come from leave-one-out on the k samples)
MIN_MEASUREMENTS = 5


def sources_for(space: str, sources: Sequence[str] | None = None) -> tuple[str, ...]:
    """The source devices: ``sources`` if given (validated against the space's tables), else HELP's split's."""
    if space not in DEFAULT_SOURCES:
        raise ConfigError(f"--space={space!r} is not a transfer space; valid: {', '.join(DEFAULT_SOURCES)}")
    return tuple(sources) if sources else get_task(DEFAULT_SOURCES[space]).sources


def own_device_data(space: str, sources: Sequence[str] | None = None, measured: np.ndarray | None = None) -> TaskData:
    """The task data of a device in no table: ``sources`` as the sources, one target column that holds
    ``measured`` (rows ``measured[:, 0]``, ms ``measured[:, 1]``) and is missing (NaN) everywhere else."""
    task = TransferTask(name=f"own_{space}", space=space, sources=sources_for(space, sources), targets=(),
                        origin="your measurements")
    data = load_task_data(task, config.load("predictors").n_pretrain(space))
    column = np.full((len(data.X), 1), np.nan)
    if measured is not None:
        column[measured[:, 0].astype(np.int64), 0] = measured[:, 1]
    return dataclasses.replace(data, tgt_lat=column)


def suggest(space: str, k: int, seed: int = 0, sources: Sequence[str] | None = None) -> pd.DataFrame:
    """The ``k`` architectures to measure (sampler ``predictors.sampler``, no device data), with an empty
    ``latency_ms`` column to fill in."""
    p = config.load("predictors")
    data = own_device_data(space, sources)
    idx = np.sort(select(p.sampler, sample_features(data, p.sampler), k, np.random.default_rng([seed, 99, 0]),
                         data.cost[:, 0]))
    return pd.DataFrame({"index": idx, "arch": get_space(space).to_strings(data.X[idx]), "latency_ms": np.nan})


def parse_measurements(df: pd.DataFrame, space: str) -> np.ndarray:
    """(row, ms) pairs from a table with ``latency_ms`` and ``index`` (benchmark row) or ``arch`` (string).

    Raises:
        ConfigError: a missing column, an unknown architecture or index, a repeated one, a latency that
            is not a positive number, or fewer than :data:`MIN_MEASUREMENTS` measurements.
    """
    by_index = "index" in df.columns and df["index"].notna().all()
    if "latency_ms" not in df.columns or not (by_index or "arch" in df.columns):
        raise ConfigError(f"measurements have the columns {', '.join(map(str, df.columns))}; valid: latency_ms (ms) "
                          "and index (every line filled) or arch")
    X = load_archs(space)
    if by_index:
        rows = pd.to_numeric(df["index"], errors="coerce").to_numpy(dtype=np.float64)
        ok = np.isfinite(rows) & (rows == np.round(rows)) & (rows >= 0) & (rows < len(X))
        if not ok.all():
            raise ConfigError(f"index {str(df['index'][~ok].iloc[0])!r} is not a row of {space}; "
                              f"valid: integers 0..{len(X) - 1}")
    else:
        lookup = {s: i for i, s in enumerate(get_space(space).to_strings(X))}
        unknown = [a for a in df["arch"] if a not in lookup]
        if unknown:
            raise ConfigError(f"arch {unknown[0]!r} is not an architecture of {space}; valid: the arch strings "
                              f"that `hwnas transfer suggest` writes (e.g. {next(iter(lookup))})")
        rows = np.array([lookup[a] for a in df["arch"]], dtype=np.float64)
    ms = pd.to_numeric(df["latency_ms"], errors="coerce").to_numpy(dtype=np.float64)
    if not (ok := ms > 0).all():  # NaN (a blank cell, text) fails ms > 0 too
        first = int(np.flatnonzero(~ok)[0])
        value = df["latency_ms"].iloc[first]
        shown = "blank" if pd.isna(value) else repr(str(value))
        raise ConfigError(f"latency_ms on data line {first + 1} is {shown}, not a measured latency; valid: a number "
                          "> 0 (ms) on every line")
    if (dup := pd.Series(rows).duplicated()).any():
        raise ConfigError(f"architecture index {int(rows[dup.to_numpy()][0])} is measured twice; valid: one "
                          "measurement per architecture (average repeats first)")
    if len(rows) < MIN_MEASUREMENTS:
        raise ConfigError(f"{len(rows)} measurements are too few; valid: at least {MIN_MEASUREMENTS} "
                          "(notebook 04 scores k = 5, 10, 20)")
    return np.column_stack([rows, ms])


@dataclasses.dataclass(frozen=True)
class Prepared:
    """The method prepared on the sources for your device, ready to predict from ``measured`` (row, ms) pairs."""

    space: str
    data: TaskData
    method: TransferMethod
    name: str
    measured: np.ndarray
    seed: int

    def _ms(self, idx: np.ndarray, ms: np.ndarray) -> np.ndarray:
        """Latency of every architecture from the measurements at rows ``idx``."""
        scores = self.method.predict(self.data, 0, idx, self.seed)
        if not np.all(np.isfinite(scores)):
            raise ConfigError(f"method {self.name!r} read rows of your device that are not measured; valid: a method "
                              "that reads only the measured rows (e.g. the default, predictors.method)")
        return calibrate(scores, idx, ms)

    def predict(self) -> pd.DataFrame:
        """:func:`predict`'s table."""
        ms = self._ms(self.measured[:, 0].astype(np.int64), self.measured[:, 1])
        return pd.DataFrame({"index": np.arange(len(ms)), "arch": get_space(self.space).to_strings(self.data.X),
                             "latency_ms": ms, "measured_ms": self.data.tgt_lat[:, 0]})

    def leave_one_out(self) -> float:
        """:func:`leave_one_out`'s Spearman."""
        idx, ms = self.measured[:, 0].astype(np.int64), self.measured[:, 1]
        held = [self._ms(np.delete(idx, i), np.delete(ms, i))[idx[i]] for i in range(len(idx))]
        return float(spearmanr(held, ms).statistic)


def prepare(space: str, measured: np.ndarray, seed: int = 0, sources: Sequence[str] | None = None,
            method: str | None = None) -> Prepared:
    """Your device's task data and the method (default: ``predictors.method``), prepared on the sources once
    for :meth:`Prepared.predict` and :meth:`Prepared.leave_one_out`."""
    p = config.load("predictors")
    name = method or p.method
    data = own_device_data(space, sources, measured)
    m = make_method(name, p.settings())
    if m.target_extra:
        raise ConfigError(f"method {name!r} also reads {m.target_extra}, which a device in no table does not "
                          "have; valid: a method that reads only your measurements (e.g. the "
                          "default, predictors.method)")
    if m.extra_target_measurements and np.isnan(data.tgt_lat[data.help_ref, 0]).any():
        raise ConfigError(f"method {name!r} also reads HELP's {m.extra_target_measurements} reference architectures "
                          f"of your device, indices {', '.join(map(str, data.help_ref))}; valid: measure them too, or "
                          "a method that reads only your samples (e.g. the default, predictors.method)")
    m.prepare(data, seed)
    return Prepared(space, data, m, name, measured, seed)


def predict(space: str, measured: np.ndarray, seed: int = 0, sources: Sequence[str] | None = None,
            method: str | None = None) -> pd.DataFrame:
    """Latency (ms) of every architecture of ``space`` on your device from ``measured`` (row, ms) pairs,
    by ``method`` (default: the pre-registered ``predictors.method``); measured rows keep their value in
    ``measured_ms``."""
    return prepare(space, measured, seed, sources, method).predict()


def leave_one_out(space: str, measured: np.ndarray, seed: int = 0, sources: Sequence[str] | None = None,
                  method: str | None = None) -> float:
    """Spearman between your k measurements and their leave-one-out predictions (each from the other k - 1):
    a rough check of the ranking on your device, with k points' noise (notebook 04 scores every architecture)."""
    return prepare(space, measured, seed, sources, method).leave_one_out()


def latency_table(df: pd.DataFrame, space: str) -> np.ndarray:
    """Every architecture's latency (ms, benchmark row order) from a table with one line per architecture,
    such as :func:`predict`'s (columns ``latency_ms`` and ``index`` or ``arch``; other columns are ignored).

    Raises:
        ConfigError: what :func:`parse_measurements` rejects, or a table that misses architectures.
    """
    pairs = parse_measurements(df, space)
    n = len(load_archs(space))
    if len(pairs) != n:
        raise ConfigError(f"the latency table has {len(pairs)} architectures; valid: all {n} of {space}, one line "
                          "each (`hwnas transfer predict` writes such a table)")
    column = np.empty(n)
    column[pairs[:, 0].astype(np.int64)] = pairs[:, 1]
    return column


def benchmark(dataset: str, latency_ms: np.ndarray, label: str) -> TabularBenchmark:
    """NAS-Bench-201 with the benchmark's accuracy on ``dataset`` and the given latency of every cell (your
    device's, e.g. predicted): a search on it is a search for your device."""
    space = "nb201"
    F = np.column_stack([load_accuracy(space, dataset), latency_ms])
    return TabularBenchmark(get_space(space), load_archs(space), F, (ACCURACY, LATENCY), f"{space}/{dataset}/{label}")
