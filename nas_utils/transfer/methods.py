"""Every latency-transfer method behind one interface, comparable side by side.

A :class:`TransferMethod` is prepared once per task (pre-training on the source devices, if
any) and then, for each target device and draw of k measured samples, returns a latency score
for **every** architecture of the space. Only ranks matter for the metrics.

===============  =============================================================================
flops, params    analytic FLOPs / parameter count (no target samples used)
nearest_source   the measured latencies of the source device that correlates best (Spearman)
                 with the target on the k samples (reads the source devices' full tables; the
                 pre-trained models see only ``n_pretrain`` architectures per source device)
scratch_ridge,   Ridge / XGBoost / MLP fitted on the k target samples only (one-hot encoding)
scratch_xgb,
scratch_mlp
gnn              NASFLAT-style GNN + learned device table + FLOPs/params, pre-trained on the
                 sources, target row copied from the best-correlated source, fine-tuned
gnn_nosupp       the same without the supplementary FLOPs/params encoding (ablation)
gnn_help         the GNN with HELP's 10-reference-latency device representation
mlp              MLP on the flat one-hot (+ device table + FLOPs/params), pre-trained, fine-tuned
===============  =============================================================================

>>> from nas_utils.transfer.methods import METHODS
>>> "gnn" in METHODS and "flops" in METHODS
True
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch
from scipy import stats

from nas_utils.predictors import make_predictor
from nas_utils.registry import Registry
from nas_utils.transfer import models
from nas_utils.transfer.data import TaskData


@dataclass(frozen=True)
class TransferSettings:
    """Training hyper-parameters shared by the pre-trained methods (from params.yaml)."""

    pretrain_epochs: int = 30
    pretrain_lr: float = 1e-3
    pretrain_batch: int = 128
    finetune_epochs: int = 40
    finetune_lr: float = 3e-3
    finetune_batch: int = 16
    hidden: int = 64
    layers: int = 3
    scratch_mlp_hidden: int = 200
    help_episodes: int = 2000  # HELP's meta-training episodes on NB201
    help_episodes_fbnet: int = 4000  # ... and on FBNet (HELP's scripts)


class TransferMethod(ABC):
    """Prepare once per task, then score all architectures for one target and k samples."""

    name: str = "method"

    #: what the method reads besides the k target samples (information-budget table)
    source_data: str = "none"
    extra_target_measurements: int = 0
    #: what else it reads of the target device beyond those measurements ("" for nothing)
    target_extra: str = ""
    #: predictions may depend on earlier predict calls (NASFLAT's carried fine-tuning); methods
    #: without such state give the same scores for the same (target, samples, seed) under every protocol
    stateful: bool = False

    def prepare(self, data: TaskData, seed: int) -> None:
        """Pre-train on the task's source devices (no-op for methods without pre-training)."""

    def set_carry_over(self, carry: bool) -> None:
        """NASFLAT protocol: start each fine-tuning from the previous one's weights (no reset)."""

    @abstractmethod
    def predict(self, data: TaskData, target: int, idx: np.ndarray, seed: int) -> np.ndarray:
        """Scores of every architecture on target column ``target`` given its samples ``idx``."""

    def predict_rows(self, data: TaskData, target: int, idx: np.ndarray, seed: int, rows: np.ndarray) -> np.ndarray:
        """:meth:`predict` restricted to ``rows`` (methods that can score fewer rows for less override it)."""
        return self.predict(data, target, idx, seed)[rows]


METHODS: Registry[Callable[[TransferSettings], TransferMethod]] = Registry("transfer method")


class CostBaseline(TransferMethod):
    source_data = "none (analytic)"

    def __init__(self, column: int, name: str) -> None:
        self.column, self.name = column, name

    def predict(self, data: TaskData, target: int, idx: np.ndarray, seed: int) -> np.ndarray:
        return data.cost[:, self.column]


METHODS.add("flops", lambda s: CostBaseline(0, "flops"))
METHODS.add("params", lambda s: CostBaseline(1, "params"))


def best_source(data: TaskData, target: int, idx: np.ndarray) -> int:
    """Column of the source device whose latencies on ``idx`` rank-correlate best with the target's."""
    y = data.tgt_lat[idx, target]
    scores = [stats.spearmanr(data.src_lat[idx, s], y).statistic for s in range(data.src_lat.shape[1])]
    return int(np.nanargmax(np.nan_to_num(scores, nan=-np.inf))) if np.isfinite(scores).any() else 0


@METHODS.register("nearest_source")
class NearestSource(TransferMethod):
    name = "nearest_source"
    source_data = "full source tables"

    def __init__(self, settings: TransferSettings) -> None:
        pass

    def predict(self, data: TaskData, target: int, idx: np.ndarray, seed: int) -> np.ndarray:
        return data.src_lat[:, best_source(data, target, idx)]


class Scratch(TransferMethod):
    """A foundation predictor fitted on the k target samples only (one-hot features)."""

    def __init__(self, predictor: str, **kwargs: object) -> None:
        self.predictor, self.kwargs, self.name = predictor, kwargs, f"scratch_{predictor}"

    def predict(self, data: TaskData, target: int, idx: np.ndarray, seed: int) -> np.ndarray:
        model = make_predictor(self.predictor, seed=seed, **self.kwargs)
        model.fit(data.onehot[idx], data.tgt_lat[idx, target])
        return model.predict(data.onehot)


METHODS.add("scratch_ridge", lambda s: Scratch("ridge"))
METHODS.add("scratch_xgb", lambda s: Scratch("xgb"))
METHODS.add("scratch_mlp", lambda s: Scratch("mlp", hidden=(s.scratch_mlp_hidden,) * 3, max_iter=200))


class Pretrained(TransferMethod):
    """Pre-train on all source devices, fine-tune a fresh copy on each target's k samples."""

    def __init__(self, name: str, spec: models.ModelSpec, settings: TransferSettings) -> None:
        self.name, self.spec, self.settings = name, spec, settings
        self.pretrained: models.LatencyNet | None = None
        self.help_vec: torch.Tensor | None = None
        self.carry_over = False
        self._carried: models.LatencyNet | None = None
        self.source_data = "n_pretrain sampled architectures per source"
        self.extra_target_measurements = 10 if spec.device_repr == "help" else 0
        self.stateful = True

    def set_carry_over(self, carry: bool) -> None:
        self.carry_over, self._carried = carry, None

    def prepare(self, data: TaskData, seed: int) -> None:
        """Pre-train a fresh model on ``data.pretrain_rows(seed)`` of every source device."""
        self._carried = None
        s = self.settings
        n_src = data.src_lat.shape[1]
        self.help_vec = torch.zeros(n_src + 1, len(data.help_ref))
        for j in range(n_src):
            self.help_vec[j] = torch.as_tensor(models.minmax(data.src_lat[data.help_ref, j]))
        model = models.build(self.spec, data.archs, n_src + 1, seed)
        pre = data.pretrain_rows(seed)
        rows = np.tile(pre, n_src)
        dev = np.repeat(np.arange(n_src), len(pre))
        y = np.concatenate([models.minmax(data.src_lat[pre, j]) for j in range(n_src)])
        spec = models.TrainSpec(s.pretrain_epochs, s.pretrain_lr, s.pretrain_batch)
        self.pretrained = models.train(model, data.archs, rows, dev, y, spec, seed, self.help_vec)

    def adapt(self, data: TaskData, target: int, idx: np.ndarray, seed: int,
              carry: bool = False) -> tuple[models.LatencyNet, torch.Tensor]:
        """A fine-tuned copy of the pre-trained model for one target (and its device vectors).

        With ``carry`` and :meth:`set_carry_over` on, fine-tuning starts from the previous
        carried fine-tuning's weights and the result is carried on (NASFLAT's un-reset state).
        """
        if self.pretrained is None or self.help_vec is None:
            raise RuntimeError(f"{self.name}: prepare() must run before predict()")
        s = self.settings
        n_src = data.src_lat.shape[1]
        carry = carry and self.carry_over
        model = models.fresh_copy(self._carried if carry and self._carried is not None else self.pretrained)
        help_vec = self.help_vec.clone()
        if self.spec.device_repr == "table":
            with torch.no_grad():
                model.hw_table.weight[n_src] = model.hw_table.weight[best_source(data, target, idx)]
        else:  # HELP: the target's own 10 reference latencies (10 extra measurements)
            help_vec[n_src] = torch.as_tensor(models.minmax(data.tgt_lat[data.help_ref, target]))
        y = models.minmax(data.tgt_lat[idx, target])
        spec = models.TrainSpec(s.finetune_epochs, s.finetune_lr, s.finetune_batch)
        models.train(model, data.archs, idx, np.full(len(idx), n_src), y, spec, seed, help_vec)
        if carry:
            self._carried = model
        return model, help_vec

    def scores(self, data: TaskData, model: models.LatencyNet, help_vec: torch.Tensor,
               rows: np.ndarray | None = None) -> np.ndarray:
        """Scores of ``rows`` (default: every architecture) on the target (GNN: once per distinct graph)."""
        n_src = data.src_lat.shape[1]
        if rows is not None:
            return models.predict(model, data.archs, rows, n_src, help_vec)
        if self.spec.encoder == "gnn":
            return models.predict(model, data.archs, data.unique_rows, n_src, help_vec)[data.unique_inverse]
        return models.predict(model, data.archs, np.arange(len(data.onehot)), n_src, help_vec)

    def predict(self, data: TaskData, target: int, idx: np.ndarray, seed: int) -> np.ndarray:
        model, help_vec = self.adapt(data, target, idx, seed, carry=True)
        return self.scores(data, model, help_vec)


def _pretrained(name: str, **spec: object) -> None:
    def factory(settings: TransferSettings) -> TransferMethod:
        base = models.ModelSpec(hidden=settings.hidden, layers=settings.layers)
        return Pretrained(name, replace(base, **spec), settings)  # type: ignore[arg-type]

    METHODS.add(name, factory)


_pretrained("gnn", encoder="gnn")
_pretrained("gnn_nosupp", encoder="gnn", supplementary=False)
_pretrained("gnn_help", encoder="gnn", device_repr="help")
_pretrained("mlp", encoder="mlp")


def make_method(name: str, settings: TransferSettings) -> TransferMethod:
    """Build registered method ``name`` (unknown names list the valid ones)."""
    return METHODS.get(name)(settings)


# HELP and the stacked/regression methods register themselves in METHODS (module at the end: it imports this one)
from nas_utils.transfer import help as _help  # noqa: F401
from nas_utils.transfer import stacking as _stacking  # noqa: F401
