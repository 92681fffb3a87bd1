"""Latency objectives for super-network search: measured on a device, or predicted from k samples.

Both plug into :class:`nas_utils.supernets.SuperNetEvaluator` through its latency hook (an
``objective`` plus ``__call__(net, config) -> float``):

* :class:`MeasuredLatency` times the extracted sub-network with :func:`nas_utils.latency.measure.measure`
  on every call (real, but noisy and not reproducible bit for bit);
* :class:`PredictedLatency` answers from a predictor of :mod:`nas_utils.predictors` fitted on the
  one-hot encodings of ``k`` sub-networks measured on the device (:func:`fit_latency_predictor`);
  deterministic once fitted, so parallel evaluation backends give identical results.

>>> from nas_utils.supernets import build_supernet
>>> net = build_supernet("transformer_1d")
>>> model, info = fit_latency_predictor(net, "onnxruntime_cpu_1", k=8, n_test=4,
...     settings=MeasureSettings(repeats=3))                              # doctest: +SKIP
>>> model(net, net.largest_config()) > 0                                  # doctest: +SKIP
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nas_utils.data import load_dataset
from nas_utils.io import atomic_path
from nas_utils.latency.measure import MeasureSettings, effective_clock, measure, measure_many
from nas_utils.latency.devices import get_device
from nas_utils.metrics import Objective, rank_correlation
from nas_utils.predictors import Predictor, make_predictor
from nas_utils.supernets import SuperNet

LATENCY_MS = Objective("latency", minimize=True, unit="ms")


def sample_shape(net: SuperNet) -> tuple[int, ...]:
    """Per-sample input shape of the super-network's dataset."""
    return tuple(load_dataset(net.dataset).input_shape)


@dataclass
class MeasuredLatency:
    """Latency (ms) of each sub-network measured live on ``device``."""

    device: str
    settings: MeasureSettings = field(default_factory=MeasureSettings)
    rounds: int = 1
    objective: Objective = LATENCY_MS

    def __call__(self, net: SuperNet, config: dict[str, Any]) -> float:
        rec = measure(net.subnet(config), self.device, sample_shape(net), self.settings, rounds=self.rounds)
        return rec.latency_ms


@dataclass
class PredictedLatency:
    """Latency (ms) predicted from the canonical one-hot encoding of the sub-network."""

    device: str
    predictor: Predictor
    objective: Objective = LATENCY_MS

    def __call__(self, net: SuperNet, config: dict[str, Any]) -> float:
        x = net.space.canonicalize(net.space.encode(config)[None])
        return float(max(self.predictor.predict(net.space.one_hot(x))[0], 1e-6))


def fit_latency_predictor(
    net: SuperNet, device: str, k: int, n_test: int = 0, predictor: str = "ridge", seed: int = 0,
    settings: MeasureSettings | None = None, rounds: int = 3, store: str | Path | None = None,
) -> tuple[PredictedLatency, dict[str, Any]]:
    """Measure ``k + n_test`` distinct sub-networks on ``device``; fit on ``k``, test on the rest.

    Returns the latency model and a report (Spearman/Kendall and MAPE on the held-out
    sub-networks, the measured ranges, the measurement environment, how many records were
    marked contended). With ``store`` (a JSON
    file), measurements are kept on disk keyed by super-network, device, sample, settings and
    rounds (:func:`store_key`), so a rerun reuses them and fits the same model (latency does not
    depend on weights), on this machine or, from a versioned store, on any other; delete the entry to
    measure afresh. ``rounds``: interleaved rounds per sub-network, 3 as in the latency
    stage (``latency.rounds``; evidence in ``data/measured/rounds_check.csv``).
    """
    dev = get_device(device)
    X = predictor_sample(net, k + n_test, seed)
    key = store_key(net, dev.name, X, settings, rounds)
    kept = _read_store(store).get(key) if store else None
    if kept is None:  # measure here (stored measurements need no device: they may come from another machine)
        records = measure_many([net.subnet(x) for x in X], dev.check_available(), sample_shape(net), settings,
                               rounds=rounds)
        kept = {"latency_ms": [r.latency_ms for r in records], "cpu_model": records[0].cpu_model,
                "load_avg_1m": records[0].load_avg_1m, "contended": [r.contended for r in records]}
        if store:
            _write_store(store, key, kept)
    y = np.array(kept["latency_ms"], dtype=float)
    features = net.space.one_hot(X)
    model = make_predictor(predictor, seed=seed).fit(features[:k], y[:k])
    s = settings or MeasureSettings()
    report: dict[str, Any] = {"device": dev.name, "k": k, "n_test": n_test, "predictor": predictor,
                              "timing": f"{s.statistic} of {s.repeats} blocks per round, lowest of {rounds} rounds, {effective_clock(dev, s)} clock",
                              "measured_range_ms": [float(y.min()), float(y.max())],
                              "cpu_model": kept["cpu_model"], "load_avg_1m": kept["load_avg_1m"],
                              # records measured on a busy machine (measure.contention_reasons); None: a store
                              # entry written before the marks existed
                              "contended_records": sum(kept["contended"]) if "contended" in kept else None}
    if n_test >= 3:
        pred = model.predict(features[k:])
        rho, tau = rank_correlation(pred, y[k:])
        report.update(test_spearman=rho, test_kendall=tau,
                      test_mape=float(np.mean(np.abs(pred - y[k:]) / y[k:])))
    return PredictedLatency(dev.name, model), report


def store_key(net: SuperNet, device: str, X: np.ndarray, settings: MeasureSettings | None, rounds: int) -> str:
    """The key of one sample's measurements in a latency store: super-network, device, the sub-networks,
    the timing settings and rounds (not the machine: its CPU model is stored with the measurements)."""
    return json.dumps([net.name, get_device(device).name, X.tolist(), repr(settings), rounds])


def predictor_sample(net: SuperNet, n: int, seed: int) -> np.ndarray:
    """The ``n`` sub-networks (canonical encodings, drawn uniformly) a latency predictor is fitted and tested on."""
    return net.space.canonicalize(net.space.sample_unique(np.random.default_rng(seed), n))


def _read_store(store: str | Path) -> dict[str, Any]:
    path = Path(store)
    return json.loads(path.read_text()) if path.exists() else {}


def _write_store(store: str | Path, key: str, value: dict[str, Any]) -> None:
    """Add one entry; written to a temporary file and renamed, so a killed run leaves no half file."""
    data = _read_store(store) | {key: value}
    Path(store).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(Path(store)) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")  # a versioned store diffs by line
