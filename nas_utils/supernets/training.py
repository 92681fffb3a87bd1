"""Weight-sharing training: sandwich rule with in-place distillation, deterministic on CPU.

Every step trains, on the same mini-batch, the **largest** sub-network (cross-entropy on the
labels), the **smallest** one and ``n_random`` **random** ones (in-place distillation: a
mix of KL to the largest network's detached soft predictions and cross-entropy, weight
``kd_weight``), accumulating the gradients before one optimizer step (BigNAS/OFA sandwich
rule). Random sub-networks come from a *sampler*: the full space by default, or a sparse
sub-space (SparseNAS) - anything with ``sample(rng, n)`` and ``smallest()``.

Determinism: batch order and sub-network samples are drawn from generators seeded by
``(seed, epoch)``; the learning rate is held at its peak for ``hold_epochs`` and then follows a
cosine of the global step over the remaining ``total_epochs - hold_epochs``; the optimizer state
is checkpointed. So ``fit(4)`` equals ``fit(2)``, save, load, ``fit(2)``. ``total_epochs`` may be
fractional (a SparseNAS continuation shorter than an epoch): the epoch in which the horizon falls
stops there, so the schedule ends at rate 0 after ``round(total_epochs x batches per epoch)`` steps.

SparseNAS schedules: a warm-up of ``hold_epochs`` at the peak rate does not depend on the
horizon, so one warm-up checkpoint can be continued with several budgets
(:meth:`Trainer.load` with ``horizon=True``), each with its own cosine.

>>> from nas_utils.data import load_dataset
>>> from nas_utils.supernets import build_supernet
>>> trainer = Trainer(build_supernet("mbv3_2d"), load_dataset("digits"), TrainSettings(total_epochs=1))
>>> log = trainer.fit(1)                                   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from nas_utils.data import Splits, TensorLoader
from nas_utils.errors import CheckpointError, ConfigError
from nas_utils.progress import bar
from nas_utils.spaces import IntMatrix, SearchSpace
from nas_utils.supernets.base import SuperNet
from nas_utils.supernets.checkpoint import load_checkpoint, load_state, save_checkpoint

#: Columns of :attr:`Trainer.log` that time the epoch on this machine (not saved in checkpoints).
TIMING_KEYS = ("train_time_s", "train_cpu_s")


class ConfigSampler(Protocol):
    """Where the random sub-networks of the sandwich rule come from."""

    def sample(self, rng: np.random.Generator, n: int) -> IntMatrix: ...

    def smallest(self) -> np.ndarray: ...


class FullSpaceSampler:
    """Uniform over the whole space (canonicalised), smallest = all-minimum config."""

    def __init__(self, space: SearchSpace) -> None:
        self.space = space

    def sample(self, rng: np.random.Generator, n: int) -> IntMatrix:
        return self.space.canonicalize(self.space.sample(rng, n))

    def smallest(self) -> np.ndarray:
        return np.zeros(self.space.n_var, dtype=np.int64)


@dataclass(frozen=True)
class TrainSettings:
    """Hyper-parameters of weight-sharing training (all recorded in checkpoints)."""

    total_epochs: float = 10        # horizon of the schedule (may be fractional: the last epoch stops at it)
    batch_size: int = 128
    lr: float = 3e-3                # AdamW peak learning rate
    weight_decay: float = 1e-4
    n_random: int = 2               # random sub-networks per step (plus largest and smallest)
    kd_weight: float = 0.5          # share of the distillation loss for non-largest sub-networks
    sort_channels_every: int = 1    # OFA channel sorting every k epochs (0 = never; MBv3 only)
    calib_samples: int = 512        # training inputs used for BN re-calibration
    seed: int = 0
    hold_epochs: int = 0            # epochs at the peak rate before the cosine (a SparseNAS warm-up)

    def __post_init__(self) -> None:
        for key, low in (("total_epochs", 1), ("batch_size", 1), ("n_random", 0), ("sort_channels_every", 0),
                         ("calib_samples", 1), ("hold_epochs", 0)):
            if getattr(self, key) < low:
                raise ConfigError(f"train.{key}={getattr(self, key)!r} is out of range; valid: [{low}, inf]")
        if not (0.0 <= self.kd_weight <= 1.0):
            raise ConfigError(f"train.kd_weight={self.kd_weight!r} is out of range; valid: [0, 1]")
        if self.lr <= 0:
            raise ConfigError(f"train.lr={self.lr!r} is out of range; valid: (0, inf]")
        if self.hold_epochs >= self.total_epochs:
            raise ConfigError(f"train.hold_epochs={self.hold_epochs!r} is out of range; valid: [0, {self.total_epochs - 1}]")


class Trainer:
    """Sandwich-rule trainer of one super-network.

    Args:
        net: the super-network (trained in place).
        data: dataset splits (training inputs/labels are used; a fixed prefix of the
            training inputs becomes ``net.calib_x`` for BN re-calibration).
        settings: :class:`TrainSettings`.
        sampler: random sub-network source (default :class:`FullSpaceSampler`).
        progress: show tqdm bars.
    """

    def __init__(self, net: SuperNet, data: Splits, settings: TrainSettings, sampler: ConfigSampler | None = None,
                 progress: bool = False) -> None:
        self.net, self.data, self.settings = net, data, settings
        self.sampler: ConfigSampler = sampler if sampler is not None else FullSpaceSampler(net.space)
        self.progress = progress
        self.loader = TensorLoader(data.x_train, data.y_train, settings.batch_size, shuffle=True, seed=settings.seed)
        self.optimizer = torch.optim.AdamW(net.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
        self.epoch = 0  # epochs begun (a partial last epoch counts as one)
        self.log: list[dict[str, Any]] = []
        net.set_calibration(data.x_train[: settings.calib_samples])

    @property
    def total_steps(self) -> int:
        return round(self.settings.total_epochs * len(self.loader))

    @property
    def epochs_done(self) -> float:
        """Epochs trained, a partial last epoch (a fractional horizon) as its fraction."""
        return min(self.epoch, self.total_steps / len(self.loader))  # an int for whole epochs

    def _steps_this_epoch(self) -> int:
        """Batches of the epoch about to run: all of them, or fewer where the horizon falls inside it."""
        left = self.total_steps - self.epoch * len(self.loader)
        return left if 0 < left < len(self.loader) else len(self.loader)

    def _lr(self, step: int) -> float:
        hold = self.settings.hold_epochs * len(self.loader)
        span = self.total_steps - hold
        progress = min(max(step - hold, 0), span) / span
        return 0.5 * self.settings.lr * (1.0 + math.cos(math.pi * progress))

    def train_epoch(self) -> dict[str, Any]:
        """One epoch of sandwich-rule steps; returns its log row (losses and wall time)."""
        s, net = self.settings, self.net
        rng = np.random.default_rng([s.seed, self.epoch])
        if s.sort_channels_every and self.epoch % s.sort_channels_every == 0 and hasattr(net, "sort_channels"):
            net.sort_channels(self.optimizer)
        self.loader.set_epoch(self.epoch)
        net.train()
        largest, smallest = net.largest_config(), net.config_of(self.sampler.smallest())
        start, cpu_start = time.perf_counter(), time.process_time()
        total_big = total_small = 0.0
        steps = self._steps_this_epoch()
        batches = bar(itertools.islice(self.loader, steps), total=steps, desc=f"{net.name} epoch {self.epoch + 1}",
                      leave=False, disable=not self.progress)
        for i, (xb, yb) in enumerate(batches):
            for group in self.optimizer.param_groups:
                group["lr"] = self._lr(self.epoch * len(self.loader) + i)
            self.optimizer.zero_grad(set_to_none=True)
            net.set_active(largest)
            logits = net(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            soft = logits.detach().softmax(dim=1)
            total_big += float(loss.detach())
            for x in [net.space.encode(smallest), *self.sampler.sample(rng, s.n_random)]:
                net.set_active(x)
                out = net(xb)
                kd = F.kl_div(out.log_softmax(dim=1), soft, reduction="batchmean")
                sub_loss = s.kd_weight * kd + (1.0 - s.kd_weight) * F.cross_entropy(out, yb)
                sub_loss.backward()
                total_small += float(sub_loss.detach()) / (1 + s.n_random)
            self.optimizer.step()
        net.set_active(largest)
        self.epoch += 1
        row = {"epoch": self.epoch, "train_time_s": time.perf_counter() - start,
               "train_cpu_s": time.process_time() - cpu_start,
               "loss_largest": total_big / steps, "loss_subnets": total_small / steps}
        self.log.append(row)
        return row

    def fit(self, epochs: int, callback: Callable[[Trainer, dict[str, Any]], None] | None = None) -> pd.DataFrame:
        """Train ``epochs`` more epochs; ``callback(trainer, row)`` runs after each (not timed)."""
        for _ in range(epochs):
            row = self.train_epoch()
            if callback is not None:
                callback(self, row)
        return pd.DataFrame(self.log)

    # --- checkpoints ---------------------------------------------------------------------------
    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> None:
        """Checkpoint weights, optimizer state, epoch, settings and the per-epoch losses.

        The log's timings (:data:`TIMING_KEYS`) are measurements of this machine, not of the
        training, so they stay out: retraining with the same seed writes the same bytes (an
        unchanged super-network keeps its DVC hash and later stages stay cached). The stages
        record the timings in their summaries.
        """
        log = [{k: v for k, v in row.items() if k not in TIMING_KEYS} for row in self.log]
        state = {"epoch": self.epoch, "optimizer": self.optimizer.state_dict(),
                 "settings": dataclasses.asdict(self.settings), "log": log}
        save_checkpoint(path, self.net, train_state=state, meta=meta)

    def load(self, path: str | Path, horizon: bool = False) -> None:
        """Resume from a checkpoint written by :meth:`save` (same settings required; with
        ``horizon=True`` the schedule's ``total_epochs`` may differ: a held warm-up continued
        with another budget)."""
        payload = load_checkpoint(path)
        state = payload.get("train_state")
        if not state:
            raise CheckpointError(f"{path}: no training state (weights-only checkpoint)")
        saved = TrainSettings(**state["settings"])
        if horizon:
            saved = dataclasses.replace(saved, total_epochs=self.settings.total_epochs)
        if saved != self.settings:
            diff = next(k for k in state["settings"] if getattr(saved, k) != getattr(self.settings, k))
            raise CheckpointError(
                f"{path}: training settings mismatch: {diff}={getattr(saved, diff)!r} in checkpoint, "
                f"{getattr(self.settings, diff)!r} here"
            )
        load_state(self.net, payload, path)
        self.optimizer.load_state_dict(state["optimizer"])
        self.epoch, self.log = int(state["epoch"]), list(state["log"])


def settings_from_checkpoint(path: str | Path) -> TrainSettings:
    """The :class:`TrainSettings` a checkpoint was trained with."""
    state = load_checkpoint(path).get("train_state") or {}
    if "settings" not in state:
        raise CheckpointError(f"{path}: no training settings recorded")
    return TrainSettings(**state["settings"])
