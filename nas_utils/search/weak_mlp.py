"""WeakNAS's MLP predictor in PyTorch (predictor ``mlp_torch``), for the paper width 4 x 1000.

The same model and training as the ``MLPRegressor(hidden_layer_sizes=(1000,) * 4, max_iter=100)``
that WeakNAS's ``WeakNAS.py`` fits (scikit-learn defaults otherwise; ``nas_utils.predictors``
``mlp``): ReLU hidden layers, Adam (lr 1e-3), L2 penalty 1e-4, mini-batches of ``min(200, n)``
shuffled every epoch, at most ``max_iter`` epochs, z-scored labels, and scikit-learn's default
stop on a training-loss plateau (``tol=1e-4``, ``n_iter_no_change=10``: stop once the epoch's
mean training loss, L2 term included, has not improved by ``tol`` for more than 10 epochs;
``tol=None`` always trains ``max_iter`` epochs). At 4 x 1000 on <= 300 rows the plateau stop
ends training after ~50-70 epochs, as scikit-learn does. Prediction is one batched forward pass.
Float32 (two to five times as fast as scikit-learn's float64 on CPU); scikit-learn's Glorot
initialisation is replaced by torch's default. Weights are initialised and batches shuffled from a ``torch.Generator`` seeded by ``seed``, so
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
                 lr: float = 1e-3, alpha: float = 1e-4, batch_size: int = 200, tol: float | None = 1e-4,
                 n_iter_no_change: int = 10) -> None:
        self.seed, self.hidden, self.max_iter = seed, tuple(hidden), max_iter
        self.lr, self.alpha, self.batch_size = lr, alpha, batch_size
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.n_iter_ = 0
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
        best, stale = np.inf, 0
        for self.n_iter_ in range(1, self.max_iter + 1):
            order = torch.randperm(n, generator=gen)
            epoch_loss = 0.0
            for start in range(0, n, batch):
                idx = order[start : start + batch]
                optimiser.zero_grad()
                loss = 0.5 * ((net(Xt[idx]) - yt[idx]) ** 2).mean()
                # scikit-learn's L2 term: alpha / (2 n_batch) * ||W||^2 over the weight matrices
                l2 = sum((m.weight**2).sum() for m in net if isinstance(m, torch.nn.Linear))
                total = loss + self.alpha * l2 / (2 * len(idx))
                total.backward()
                optimiser.step()
                epoch_loss += float(total.detach()) * len(idx)
            if self.tol is not None:  # scikit-learn's plateau stop on the epoch's mean training loss
                epoch_loss /= n
                stale = stale + 1 if epoch_loss > best - self.tol else 0
                best = min(best, epoch_loss)
                if stale > self.n_iter_no_change:
                    break
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
