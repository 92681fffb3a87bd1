"""Everything a transfer method needs about one task, loaded once.

>>> from nas_utils.transfer.data import load_task_data
>>> d = load_task_data("ND", n_pretrain=64)          # doctest: +SKIP
>>> d.src_lat.shape, d.tgt_lat.shape                         # doctest: +SKIP
((15625, 9), (15625, 6))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nas_utils.errors import ConfigError
from nas_utils.spaces import get_space
from nas_utils.tables import load_archs, load_latency
from nas_utils.transfer import encodings
from nas_utils.transfer.models import ArchTensors
from nas_utils.transfer.tasks import TransferTask, get_task

#: HELP's 10 hardware-embedding reference architectures (data/raw/help/<space>/hardware_embedding_index.pt).
HELP_REFERENCE: dict[str, tuple[int, ...]] = {
    "nb201": (11982, 431, 55, 9, 14451, 8636, 9881, 13479, 6196, 1462),
    "fbnet": (3328, 3790, 3313, 890, 3052, 2538, 1640, 2514, 457, 2100),
}
#: HELP's meta-train pool = the first N architectures; the next 1000 are its query pool.
HELP_TRAIN_POOL: dict[str, int] = {"nb201": 900, "fbnet": 4000}


@dataclass
class TaskData:
    """Architectures, encodings and latencies of one task (rows = benchmark index order)."""

    task: TransferTask
    X: np.ndarray
    archs: ArchTensors
    onehot: np.ndarray
    cost: np.ndarray  # (n, 2) MACs, params
    src_lat: np.ndarray  # (n, n_sources) ms
    tgt_lat: np.ndarray  # (n, n_targets) ms
    help_ref: np.ndarray
    pretrain_pool: np.ndarray  # rows the pre-training architectures are drawn from
    n_pretrain: int  # architectures per source device and trial
    unique_rows: np.ndarray  # one row per distinct graph encoding
    unique_inverse: np.ndarray  # row -> position in unique_rows

    def target_index(self, device: str) -> int:
        return self.task.targets.index(device)

    def pretrain_rows(self, seed: int) -> np.ndarray:
        """The ``n_pretrain`` pre-training architectures of the trial seeded ``seed`` (sorted).

        Every trial re-draws them, as NASFLAT's trials re-run pre-training on a fresh sample.
        """
        rng = np.random.default_rng([seed, 7])
        return np.sort(rng.choice(self.pretrain_pool, size=self.n_pretrain, replace=False))


def load_task_data(task: str | TransferTask, n_pretrain: int, prune: bool = False) -> TaskData:
    """Load task ``task``; each trial pre-trains on ``n_pretrain`` random picks of HELP's train pool.

    Pre-training architectures come from HELP's meta-train pool so that HELP's query pool stays
    unseen (the HELP-protocol comparison is then clean).

    Raises:
        UnknownNameError: unknown or unavailable task.
        ConfigError: ``n_pretrain`` larger than the pool.
    """
    t = get_task(task) if isinstance(task, str) else task
    pool = HELP_TRAIN_POOL[t.space]
    if not 1 <= n_pretrain <= pool:
        raise ConfigError(f"n_pretrain={n_pretrain} is out of range; valid: [1, {pool}] (HELP train pool of {t.space})")
    space = get_space(t.space)
    X = load_archs(t.space)
    g = encodings.graph(t.space, X, prune=prune)
    keys = g.keys()
    unique_rows, unique_inverse = np.unique(keys, return_inverse=True)
    return TaskData(
        task=t, X=X,
        archs=ArchTensors(g, space.one_hot(X), encodings.supplementary(t.space, X)),
        onehot=space.one_hot(X), cost=encodings.cost_features(t.space, X),
        src_lat=load_latency(t.space, t.sources), tgt_lat=load_latency(t.space, t.targets),
        help_ref=np.array(HELP_REFERENCE[t.space]),
        pretrain_pool=np.arange(pool), n_pretrain=n_pretrain,
        unique_rows=unique_rows, unique_inverse=unique_inverse.ravel(),
    )


def help_pools(latency: np.ndarray, space: str) -> tuple[np.ndarray, np.ndarray]:
    """HELP's trimmed (train, query) index pools for one device's latency column."""
    n_train = HELP_TRAIN_POOL[space]
    pools = []
    for lo, hi in ((0, n_train), (n_train, n_train + 1000)):
        idx = np.arange(min(lo, len(latency)), min(hi, len(latency)))  # clipped for small test spaces
        order = idx[np.argsort(latency[idx], kind="stable")]
        pools.append(np.sort(order[int(0.1 * len(idx)):int(0.9 * len(idx))]))
    return pools[0], pools[1]
