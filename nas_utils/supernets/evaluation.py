"""Batched sub-network evaluation: accuracy of many sub-networks, without extracting any.

:meth:`SuperNet.evaluate` extracts a standalone copy of every sub-network, re-calibrates its
batch norms in mini-batches and runs the validation loader: ~85 ms per MBv3 sub-network on one
core, most of it in a validation pass with a cache-unfriendly batch size. :class:`SubnetScorer`
computes the same number faster:

1. **no extraction**: the super-network itself runs the active sub-network (``set_active``);
2. **batch-norm re-calibration in place**: every batch norm's momentum is set to ``1 / (i + 1)``
   for the ``i``-th calibration chunk, which is exactly the cumulative average
   :func:`~nas_utils.supernets.base.recalibrate_bn` computes (``momentum=None``), on the
   (sliced) running statistics of the super-network; the statistics of the whole
   super-network are saved before and restored after each call, so the weights and buffers
   are read, never changed;
3. **one tensor per split, chunked for the CPU cache**: evaluation inputs are held as one
   tensor and run in chunks of ``chunk`` samples (128 is 2-3x faster than 512 or 800 for the
   1-D MBv3 on one core) under ``torch.inference_mode``;
4. **shared prefixes computed once**: a batch is visited in lexicographic order of the
   sub-networks' :meth:`~nas_utils.supernets.base.SuperNet.steps` (stem, blocks, head, each
   keyed by its active sizes); the calibration and evaluation activations of the leading steps
   a sub-network shares with the previous one, and those steps' batch-norm statistics, are
   kept, so each distinct prefix runs once (a tied sub-space of 2,187 MBv3 networks costs
   ~2.5x less than evaluating each alone). Every step runs the same operations on the same
   chunks as a whole forward pass, so the counts are identical to evaluating each sub-network
   alone (tests compare them exactly), and cached results stay valid.

The result equals ``net.evaluate`` up to float rounding (tests compare them); what it returns
is also the number of correct predictions, so caches store integers.

>>> import numpy as np, torch
>>> from nas_utils.supernets import build_supernet
>>> net = build_supernet("transformer_1d")
>>> x, y = torch.randn(64, 1, 40), torch.randint(0, 10, (64,))
>>> scorer = SubnetScorer(net, x, y, calib=torch.randn(32, 1, 40))
>>> scorer.accuracy(np.stack([net.space.upper])).shape
(1,)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from nas_utils.errors import InvalidArchitectureError
from nas_utils.supernets.base import Step, SuperNet

# Bump when the evaluation procedure changes: cached results of an older procedure stop matching.
EVAL_VERSION = "batched-bn-cumavg/1"


def tensor_digest(*tensors: torch.Tensor | None) -> str:
    """SHA-256 (hex, 16 chars) of tensors' shapes, dtypes and bytes (``None`` hashes as empty)."""
    h = hashlib.sha256()
    for t in tensors:
        if t is None:
            h.update(b"none")
            continue
        t = t.detach().cpu().contiguous()
        h.update(f"{t.dtype}{tuple(t.shape)}".encode())
        h.update(t.numpy().tobytes())
    return h.hexdigest()[:16]


def weights_digest(net: nn.Module) -> str:
    """Content hash of a network's state dict (parameters and buffers, by name): the
    "checkpoint hash" of an in-memory network; any weight change gives a new value."""
    h = hashlib.sha256()
    for name, value in sorted(net.state_dict().items()):
        h.update(name.encode())
        h.update(tensor_digest(value).encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class EvalSettings:
    """What an accuracy number depends on besides weights and architecture (the cache key).

    Args:
        split: name of the evaluation split (``val`` or ``test``), for the record.
        data: :func:`tensor_digest` of evaluation inputs and labels.
        calib: :func:`tensor_digest` of the BN calibration inputs.
        calib_chunk: calibration chunk size (changes the cumulative average).
        chunk: evaluation chunk size (changes float rounding only; kept for exactness).
    """

    split: str
    data: str
    calib: str
    calib_chunk: int
    chunk: int
    version: str = EVAL_VERSION

    def key(self) -> str:
        """A short stable digest of all fields."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def _batch_norms(net: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    return [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


@contextmanager
def preserved_state(net: nn.Module) -> Iterator[None]:
    """Restore batch-norm buffers, momenta, the train/eval mode (and the active config of a
    :class:`SuperNet`) on exit."""
    bns = _batch_norms(net)
    saved = [(bn.momentum, {k: v.clone() for k, v in bn.named_buffers(recurse=False)}) for bn in bns]
    training = net.training
    active = getattr(net, "_active", None)
    try:
        yield
    finally:
        with torch.no_grad():
            for bn, (momentum, buffers) in zip(bns, saved):
                bn.momentum = momentum
                for k, v in buffers.items():
                    getattr(bn, k).copy_(v)
        net.train(training)
        if isinstance(net, SuperNet) and active is not None:
            net.set_active(active)


def _set_training(modules: list[nn.Module], mode: bool) -> None:
    """``net.train(mode)`` for the flat list ``net.modules()``, without its per-call recursion and
    ``Module.__setattr__`` checks (a plain attribute; this runs twice per evaluated sub-network)."""
    for m in modules:
        object.__setattr__(m, "training", mode)


@dataclass(frozen=True)
class _Node:
    """One evaluated step of a sub-network: its key and its outputs on the calibration and evaluation chunks."""

    key: Any
    calib: tuple[torch.Tensor, ...]
    val: tuple[torch.Tensor, ...]


class SubnetScorer:
    """Top-1 accuracy of sub-networks of ``net`` on fixed inputs, batch-norm re-calibrated.

    Args:
        net: the super-network (left unchanged).
        x, y: evaluation inputs and labels (one split).
        calib: BN re-calibration inputs (a training subset; default ``net.calib_x``).
        split: the split's name (recorded in :attr:`settings`).
        chunk: evaluation chunk size; calib_chunk: calibration chunk size (256 as
            :meth:`SuperNet.evaluate`).
    """

    def __init__(self, net: SuperNet, x: torch.Tensor, y: torch.Tensor, calib: torch.Tensor | None = None,
                 split: str = "val", chunk: int = 128, calib_chunk: int = 256) -> None:
        calib = net.calib_x if calib is None else calib
        if calib is None:
            raise InvalidArchitectureError(f"{net.name}: no calibration inputs (pass calib= or set net.calib_x)")
        if len(y) == 0:
            raise InvalidArchitectureError(f"{net.name}: empty evaluation split {split!r}")
        self.net, self.x, self.y, self.calib = net, x, y, calib
        self.chunk, self.calib_chunk = chunk, calib_chunk
        self.settings = EvalSettings(split, tensor_digest(x, y), tensor_digest(calib), calib_chunk, chunk)

    def correct(self, X: np.ndarray) -> np.ndarray:
        """Number of correct predictions of every row of ``X`` (int64)."""
        out = np.empty(len(X), dtype=np.int64)
        for i, count in self.iter_correct(X):
            out[i] = count
        return out

    def accuracy(self, X: np.ndarray) -> np.ndarray:
        """Top-1 accuracy (%) of every row of ``X``."""
        return 100.0 * self.correct(X) / len(self.y)

    def iter_correct(self, X: np.ndarray) -> Iterator[tuple[int, int]]:
        """``(row, correct predictions)`` of every row of ``X``, in the order that shares most work.

        Rows are visited in lexicographic order of their :meth:`SuperNet.steps` keys; the
        calibration and evaluation activations (and batch-norm statistics) of the steps a row
        shares with the previous one are kept, so each distinct prefix of steps runs once. Every
        step runs the same operations on the same chunks as a whole forward pass would, so the
        counts are exactly those of evaluating each row on its own.
        """
        net = self.net
        bns = _batch_norms(net)
        modules = list(net.modules())
        configs = [net.config_of(np.asarray(arch)) for arch in X]
        order = self._order(configs)
        calib, x, y = self.calib.split(self.calib_chunk), self.x.split(self.chunk), self.y.split(self.chunk)
        path: list[_Node] = []
        with preserved_state(net), torch.inference_mode():
            for i in order:
                net.set_active(configs[i])
                steps = net.steps(configs[i])
                shared = 0
                while shared < min(len(path), len(steps)) and path[shared].key == steps[shared][0]:
                    shared += 1
                del path[shared:]
                self._extend(path, steps[shared:], bns, modules, calib, x)
                yield i, sum(int((z.argmax(dim=1) == t).sum()) for z, t in zip(path[-1].val, y))

    def order(self, X: np.ndarray) -> list[int]:
        """The order in which :meth:`iter_correct` visits the rows of ``X`` (rows sharing leading
        steps are adjacent: split a batch along it to keep the sharing)."""
        return self._order([self.net.config_of(np.asarray(arch)) for arch in X])

    def _order(self, configs: list[dict[str, Any]]) -> list[int]:
        return sorted(range(len(configs)), key=lambda i: [repr(k) for k, _ in self.net.steps(configs[i])])

    def _extend(self, path: list[_Node], steps: list[Step], bns: list[nn.modules.batchnorm._BatchNorm],
                modules: list[nn.Module], calib: tuple[torch.Tensor, ...], x: tuple[torch.Tensor, ...]) -> None:
        """Run ``steps`` after ``path``: batch-norm re-calibration (train mode, cumulative average
        over the calibration chunks), then the evaluation chunks (eval mode); append the nodes."""
        cal_outs: list[tuple[torch.Tensor, ...]] = []
        if bns:
            _set_training(modules, True)
            cal_in = path[-1].calib if path else calib
            for _, fn in steps:
                outs = []
                for c, chunk in enumerate(cal_in):
                    for bn in bns:
                        bn.momentum = 1.0 / (c + 1)  # cumulative average, as momentum=None computes it
                    outs.append(fn(chunk))
                cal_in = tuple(outs)
                cal_outs.append(cal_in)
        _set_training(modules, False)
        val_in = path[-1].val if path else x
        for j, (key, fn) in enumerate(steps):
            val_in = tuple(fn(chunk) for chunk in val_in)
            path.append(_Node(key, cal_outs[j] if bns else (), val_in))

    def describe(self) -> dict[str, Any]:
        return {"n": len(self.y), **asdict(self.settings)}
