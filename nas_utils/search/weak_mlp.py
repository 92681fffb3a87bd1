"""WeakNAS's MLP predictor in PyTorch (predictor ``mlp_torch``), for the paper width 4 x 1000.

The same model and training as scikit-learn's ``MLPRegressor`` defaults that WeakNAS uses
(``nas_utils.predictors`` ``mlp``): ReLU hidden layers, Adam (lr 1e-3), L2 penalty 1e-4,
mini-batches of ``min(200, n)`` shuffled every epoch, ``max_iter`` epochs, z-scored labels;
without scikit-learn's early stop on a training-loss plateau (WeakNAS trains its 100 epochs).
Float32 (twice as fast as scikit-learn's float64 on CPU). Weights are initialised and batches shuffled from a ``torch.Generator`` seeded by ``seed``, so
the same seed gives the same predictor in any process (CPU, one thread).

>>> import numpy as np
>>> from nas_utils.predictors import make_predictor
>>> import nas_utils.search.weak_mlp  # registers "mlp_torch"
>>> rng = np.random.default_rng(0)
>>> X = rng.random((64, 5)); y = X @ [1.0, 2.0, 0.0, -1.0, 0.5]
>>> p = make_predictor("mlp_torch", seed=0, hidden=(32, 32), max_iter=200).fit(X, y)
>>> bool(np.corrcoef(p.predict(X), y)[0, 1] > 0.95)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nas_utils.predictors import PREDICTORS, Predictor


class TorchMLP(Predictor):
    """A ReLU MLP regressor trained with Adam on z-scored labels (see module docstring)."""

    name = "mlp_torch"

    def __init__(self, seed: int = 0, hidden: Sequence[int] = (1000, 1000, 1000, 1000), max_iter: int = 100,
                 lr: float = 1e-3, alpha: float = 1e-4, batch_size: int = 200) -> None:
        self.seed, self.hidden, self.max_iter = seed, tuple(hidden), max_iter
        self.lr, self.alpha, self.batch_size = lr, alpha, batch_size
        self.net: Any = None
        self.mu, self.sd = 0.0, 1.0

    def fit(self, X: np.ndarray, y: np.ndarray) -> TorchMLP:
        import torch

        gen = torch.Generator().manual_seed(int(self.seed))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(self.seed))  # layer initialisation
            sizes = [X.shape[1], *self.hidden]
            layers: list[torch.nn.Module] = []
            for a, b in zip(sizes[:-1], sizes[1:]):
                layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
            net = torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-1], 1)).float()
        y = np.asarray(y, dtype=np.float64)
        self.mu, self.sd = float(y.mean()), float(y.std()) or 1.0
        Xt = torch.as_tensor(np.asarray(X, dtype=np.float32))
        yt = torch.as_tensor((y - self.mu) / self.sd, dtype=torch.float32).reshape(-1, 1)
        n = len(Xt)
        batch = min(self.batch_size, n)
        optimiser = torch.optim.Adam(net.parameters(), lr=self.lr)
        for _ in range(self.max_iter):
            order = torch.randperm(n, generator=gen)
            for start in range(0, n, batch):
                idx = order[start : start + batch]
                optimiser.zero_grad()
                loss = 0.5 * ((net(Xt[idx]) - yt[idx]) ** 2).mean()
                # scikit-learn's L2 term: alpha / (2 n_batch) * ||W||^2 over the weight matrices
                l2 = sum((m.weight**2).sum() for m in net if isinstance(m, torch.nn.Linear))
                (loss + self.alpha * l2 / (2 * len(idx))).backward()
                optimiser.step()
        self.net = net
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        import torch

        if self.net is None:
            raise RuntimeError("TorchMLP.predict called before fit")
        with torch.no_grad():
            out = self.net(torch.as_tensor(np.asarray(X, dtype=np.float32))).numpy().reshape(-1).astype(np.float64)
        return out * self.sd + self.mu


PREDICTORS.add("mlp_torch", TorchMLP)
