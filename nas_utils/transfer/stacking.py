"""Per-target regressions on source devices and operation features, and their stack (issue 12 §3).

Regression methods (each fitted on the k target samples alone, target = log-latency):

==================  ===========================================================================
source_ridge        ridge of the target's log-latency on the source devices' log-latencies
                    (reads the **full source tables**: every architecture on every source)
op_ridge            ridge on per-layer operation features (:func:`encodings.op_features`)
source_op_ridge     ridge on both (full source tables + operation features)
source_op_w*        ``source_op_ridge`` with one penalty per feature block: both blocks standardised
                    over all architectures (no target data), the operation block scaled by ``w``
                    (0.3 or 3) relative to the source block, one ridge on both -- equivalent to a
                    ridge whose penalty on the operation weights is ``1/w**2`` times that on the
                    source weights (the stack chooses among w = 0.3, 1, 3 by leave-one-out)
stack_*             a stacked per-target predictor: components scored by cross-validated
                    Spearman on the k target samples (leave-one-out for the regressions,
                    ``neural_folds``-fold for the fine-tuned networks), combined as a weighted
                    mean of their rank-normalised scores, weights ``max(rho, 0) ** power``
                    (``stack_select``: the single best-validated component)
==================  ===========================================================================

Components of a stack: ``source``, ``ops``, ``source_ops`` (the three regressions),
``source_ops_w0.3``/``source_ops_w3`` (the block-weighted regressions), the same four with ``_out``
(NB201 operation features extended by the ops that reach the output), ``flops``
(analytic, nothing fitted) and ``gnn``/``mlp`` (the pre-trained networks of
:mod:`~nas_utils.transfer.methods`, fine-tuned on the k samples).

>>> import numpy as np
>>> from nas_utils.transfer.stacking import combine
>>> P = {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([3.0, 2.0, 1.0])}
>>> combine(P, {"a": 0.9, "b": -0.5}, power=4.0).tolist()
[0.0, 0.5, 1.0]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from nas_utils.transfer import encodings
from nas_utils.transfer.data import TaskData
from nas_utils.transfer.methods import (
    METHODS,
    Pretrained,
    TransferMethod,
    TransferSettings,
    make_method,
)

#: ridge penalties searched by efficient leave-one-out inside every fit
ALPHAS = np.logspace(-3, 3, 13)
#: operation-block weights of the block-weighted source+operation regressions (second registration)
BLOCK_WEIGHTS = (0.3, 3.0)
BLOCK_WEIGHTED = tuple(f"source_ops_w{w:g}" for w in BLOCK_WEIGHTS)
#: the operation-feature components again, their NB201 features extended by the ops that reach the output
#: (``encodings.op_features(output_ops=True)``; the third registration's stack uses them)
WITH_OUTPUT_OPS = tuple(f"{c}_out" for c in ("ops", "source_ops") + BLOCK_WEIGHTED)
REGRESSIONS = ("source", "ops", "source_ops") + BLOCK_WEIGHTED + WITH_OUTPUT_OPS
NEURAL = ("gnn", "mlp")


def regression_features(data: TaskData, output_ops: bool = False) -> dict[str, np.ndarray]:
    """Feature matrices of the regression components (log source latencies, operation features; with
    ``output_ops`` also those of the :data:`WITH_OUTPUT_OPS` components)."""
    src = np.log(np.maximum(data.src_lat, 1e-6))
    feats = {"source": src}
    for suffix, extended in (("", False), ("_out", True))[:1 + output_ops]:
        ops = encodings.op_features(data.task.space, data.X, extended)
        both = feats[f"source_ops{suffix}"] = np.column_stack([src, ops])
        feats[f"ops{suffix}"] = ops
        z = StandardScaler().fit_transform(both)  # over all architectures: no target data
        for name, w in zip(BLOCK_WEIGHTED, BLOCK_WEIGHTS):
            feats[name + suffix] = np.column_stack([z[:, :src.shape[1]], w * z[:, src.shape[1]:]])
    return feats


def ridge_fit_predict(F: np.ndarray, train: np.ndarray, y: np.ndarray, rows: np.ndarray | None = None,
                      standardise: bool = True) -> np.ndarray:
    """Fit RidgeCV on rows ``train`` with labels ``y`` (standardised on them unless ``standardise`` is
    off: the block-weighted features come pre-scaled), predict ``rows`` (default all)."""
    model = make_pipeline(StandardScaler(), RidgeCV(alphas=ALPHAS)) if standardise else RidgeCV(alphas=ALPHAS)
    model.fit(F[train], y)
    return model.predict(F if rows is None else F[rows])


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    rho = stats.spearmanr(a, b).statistic
    return float(rho) if np.isfinite(rho) else 0.0


def rank_normalise(scores: np.ndarray) -> np.ndarray:
    """Average ranks scaled to [0, 1]."""
    r = stats.rankdata(scores)
    return (r - r.min()) / max(r.max() - r.min(), 1e-12)


def combine(preds: dict[str, np.ndarray], cv: dict[str, float], power: float) -> np.ndarray:
    """Weighted mean of rank-normalised predictions, weights ``max(cv, 0) ** power``.

    ``power = inf`` selects the best-validated component. All weights zero: plain mean.
    """
    names = list(preds)
    if np.isinf(power):
        return rank_normalise(preds[max(names, key=lambda n: cv[n])])
    w = np.array([max(cv[n], 0.0) ** power for n in names])
    w = w / w.sum() if w.sum() > 0 else np.full(len(names), 1.0 / len(names))
    return sum(wi * rank_normalise(preds[n]) for wi, n in zip(w, names))


class Regression(TransferMethod):
    """One ridge regression of the target's log-latency, fitted on the k target samples."""

    def __init__(self, component: str, name: str) -> None:
        self.component, self.name = component, name
        self.source_data = "none" if component == "ops" else "full source tables"
        self._features: dict[str, np.ndarray] | None = None
        self._for: int | None = None

    def prepare(self, data: TaskData, seed: int) -> None:
        if self._for != id(data):
            self._features, self._for = regression_features(data), id(data)

    def predict(self, data: TaskData, target: int, idx: np.ndarray, seed: int) -> np.ndarray:
        self.prepare(data, seed)
        assert self._features is not None
        return ridge_fit_predict(self._features[self.component], idx, np.log(data.tgt_lat[idx, target]))


METHODS.add("source_ridge", lambda s: Regression("source", "source_ridge"))
METHODS.add("op_ridge", lambda s: Regression("ops", "op_ridge"))
METHODS.add("source_op_ridge", lambda s: Regression("source_ops", "source_op_ridge"))


@dataclass(frozen=True)
class StackSpec:
    """Components and combination rule of a stacked predictor."""

    components: tuple[str, ...]
    power: float = 4.0  # inf = select the best-validated component
    neural_folds: int = 4


class Stacked(TransferMethod):
    """A stacked per-target predictor (see the module docstring)."""

    def __init__(self, name: str, spec: StackSpec, settings: TransferSettings) -> None:
        self.name, self.spec = name, spec
        self.neural: dict[str, Pretrained] = {}
        for c in spec.components:
            if c in NEURAL:
                m = make_method(c, settings)
                assert isinstance(m, Pretrained)
                self.neural[c] = m
        self.stateful = bool(self.neural)
        reads_sources = any(c in ("source", "source_ops") for c in spec.components)
        self.source_data = ("full source tables" if reads_sources else "none") + (
            " + n_pretrain sampled architectures per source" if self.neural else "")
        self._features: dict[str, np.ndarray] | None = None
        self._for: int | None = None
        self.last_cv: dict[str, float] = {}

    def prepare(self, data: TaskData, seed: int) -> None:
        extended = any(c in WITH_OUTPUT_OPS for c in self.spec.components)
        self._features, self._for = regression_features(data, extended), id(data)
        for m in self.neural.values():
            m.prepare(data, seed)

    def set_carry_over(self, carry: bool) -> None:
        for m in self.neural.values():
            m.set_carry_over(carry)

    def components(self, data: TaskData, target: int, idx: np.ndarray,
                   seed: int) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """Every component's scores of all architectures and its cross-validated Spearman on ``idx``."""
        if self._features is None or self._for != id(data):
            raise RuntimeError(f"{self.name}: prepare() must run before predict()")
        y = np.log(data.tgt_lat[idx, target])
        preds: dict[str, np.ndarray] = {}
        cv: dict[str, float] = {}
        for c in self.spec.components:
            if c in REGRESSIONS:
                F, std = self._features[c], c.removesuffix("_out") not in BLOCK_WEIGHTED
                loo = np.array([ridge_fit_predict(F, np.delete(idx, i), np.delete(y, i), idx[i:i + 1], std)[0]
                                for i in range(len(idx))])
                cv[c], preds[c] = _spearman(loo, y), ridge_fit_predict(F, idx, y, standardise=std)
            elif c == "flops":
                preds[c] = np.log(data.cost[:, 0])
                cv[c] = _spearman(preds[c][idx], y)
            else:
                cv[c], preds[c] = self._neural(self.neural[c], data, target, idx, y, seed)
        self.last_cv = cv
        return preds, cv

    def _neural(self, m: Pretrained, data: TaskData, target: int, idx: np.ndarray, y: np.ndarray,
                seed: int) -> tuple[float, np.ndarray]:
        folds = np.array_split(np.random.default_rng([seed, len(idx), target]).permutation(len(idx)),
                               min(self.spec.neural_folds, len(idx)))
        held = np.empty(len(idx))
        for f in folds:
            train = np.delete(idx, f)
            model, help_vec = m.adapt(data, target, train, seed)
            held[f] = m.scores(data, model, help_vec, idx[f])
        # fold scores come from different models: compare them within the pooled held-out set
        model, help_vec = m.adapt(data, target, idx, seed, carry=True)
        return _spearman(held, y), m.scores(data, model, help_vec)

    def predict(self, data: TaskData, target: int, idx: np.ndarray, seed: int) -> np.ndarray:
        preds, cv = self.components(data, target, idx, seed)
        return combine(preds, cv, self.spec.power)


def _stack(name: str, spec: StackSpec) -> None:
    factory: Callable[[TransferSettings], TransferMethod] = lambda s: Stacked(name, spec, s)
    METHODS.add(name, factory)


_ALL = ("source", "ops", "source_ops", "flops", "gnn", "mlp")
_LINEAR = ("source", "ops", "source_ops", "flops")
#: the second registration, and the same with the output-op features: the third (params.yaml predictors.method;
#: data/preregistration/predictors/README.md, "Session 28" and "Third registration")
LINEAR_BLOCKS = StackSpec(_LINEAR + BLOCK_WEIGHTED)
LINEAR_BLOCKS_OUT = StackSpec(("source", "ops_out", "source_ops_out", "flops") + WITH_OUTPUT_OPS[2:])
_stack("stack", StackSpec(_ALL))
_stack("stack_select", StackSpec(_ALL, power=float("inf")))
_stack("stack_linear", StackSpec(_LINEAR))
_stack("stack_linear_blocks", LINEAR_BLOCKS)
_stack("stack_linear_blocks_out", LINEAR_BLOCKS_OUT)
_stack("stack_gnn", StackSpec(("source", "ops", "source_ops", "flops", "gnn")))
