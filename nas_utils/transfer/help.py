"""HELP (Lee et al., NeurIPS 2021): a meta-learned, hardware-adaptive latency predictor.

Written from HELP's code (``net.py``/``help.py``/``loader.py`` at HayeonLee/HELP@45f70eb;
ALGORITHMS.md Part 2 §3):

* **Hardware embedding**: a device is the vector of its latencies on 10 fixed reference
  architectures (:data:`~nas_utils.transfer.data.HELP_REFERENCE`), min-max scaled over those 10
  values. A new device therefore costs 10 reference measurements on top of its k support samples.
* **Predictor** (``MetaLearner``, h = 100): an architecture branch (NB201: 4 graph-convolution
  layers ``H' = ReLU(A (H W) + b)`` over the 8-node op-on-node graph plus a global node, read out
  at the global node, W ~ U(+-0.05); FBNet: a 2-layer MLP on HELP's 132-d per-layer
  kernel/expansion features), a hardware branch (10 -> 100 -> 100), and a head
  200 -> 200 -> 200 -> 1 trained with MSE on latencies min-max scaled to [0.05, 0.95] over each
  device's trimmed train pool.
* **Modulator** ``z``: an inference network maps the hardware embedding to a Gaussian over
  603 scalars that rescale the input columns of the three head layers (``W (1 + 0.01 zw)``) and
  shift their biases (``b + 0.01 zb``): device-specific initial parameters.
* **Meta-training** (Meta-SGD = MAML with learned per-parameter inner learning rates,
  initialised at 1e-3): per episode, 8 source devices (fewer if the task has fewer), each with
  10 support and 200 query architectures from its 10-90 % trimmed train pool; 2 inner
  steps with second-order gradients; outer loss = mean query MSE + 0.1 KL; Adam at 1e-4. Every
  ``valid_every`` = 50 episodes, where HELP's split names meta-validation devices (ND, FD and
  their development tasks), the parameters with the best mean validation Spearman (10 support,
  800 trimmed queries, 10 MC samples, as HELP's ``_test_predictor``) are kept.
* **Adaptation** to a target: build its hardware embedding, then 10 Monte-Carlo repetitions
  of (sample z, modulate, 2 Meta-SGD steps on the k support samples, predict); the prediction
  is the MC mean. The support labels are scaled like the meta-training labels, by the min and
  max of the target's trimmed train pool (``target_scale="pool"``, HELP's ``loader.py``; two
  numbers a new device would not have -- ``"measured"`` uses the support and reference
  latencies instead; :mod:`~nas_utils.transfer.help_budget` measures both).

Deliberate differences from HELP's code [stated in the report]: the prediction is the MC mean
(HELP scores Spearman on its last MC sample only), the per-task KL term is used (HELP adds the
last task's KL 8 times), the checkpoint is chosen on the meta-validation Spearman alone (HELP's
loop also compares the meta-train Spearman against the same running maximum), and the episode
count is a parameter (HELP: 2,000 on NB201, 4,000 on FBNet; the CPU profile uses fewer, at the
measured cost in data/preregistration/predictors/help_episodes.csv).

The arithmetic is HELP's, regrouped (:func:`help_forward`: the episode's devices batched, graph
convolutions aggregated first): equal to the per-device formula up to float rounding, and about
1.6x faster per episode on one core (session 27: 70 vs 114 ms on ND).

>>> import numpy as np
>>> from nas_utils.transfer.help import help_scale
>>> help_scale(np.array([1.0, 3.0, 2.0]), 1.0, 3.0).round(6).tolist()
[0.05, 0.95, 0.5]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import torch
from scipy import stats
from torch import nn

from nas_utils.errors import ConfigError
from nas_utils.spaces import FBNET_BLOCKS
from nas_utils.tables import load_latency
from nas_utils.transfer.data import TaskData, help_pools
from nas_utils.transfer.encodings import nb201_graph
from nas_utils.transfer.methods import METHODS, TransferMethod

#: HELP's meta-validation devices for its own splits (ALGORITHMS.md §3.2)
HELP_VALID: dict[str, tuple[str, ...]] = {"ND": ("titanx_1", "titanx_32", "titanx_256", "gold_6240"),
                                          "FD": ("titanx_1", "titanx_32", "titanx_64", "gold_6240")}
HELP_VALID["dev_ND"], HELP_VALID["dev_FD"] = HELP_VALID["ND"], HELP_VALID["FD"]  # development: same split
#: how the target's support labels are scaled: by its trimmed train pool's min/max (HELP's code),
#: or by the min/max of the latencies measured on it (support + reference architectures)
TARGET_SCALES = ("pool", "measured")
#: graph-convolution layers of HELP's NB201 architecture branch
GC_LAYERS = 4


@dataclass(frozen=True)
class HelpSpec:
    """HELP's hyper-parameters (published defaults; ``episodes`` sized per profile)."""

    episodes: int = 2000  # NB201 (HELP's default)
    episodes_fbnet: int = 4000  # FBNet (HELP's run_meta_training_fbnet.sh)
    tasks_per_episode: int = 8
    support: int = 10
    query: int = 200
    inner_steps: int = 2
    inner_lr: float = 1e-3
    meta_lr: float = 1e-4
    kl_scaling: float = 0.1
    z_scaling: float = 0.01
    mc: int = 10
    hidden: int = 100
    valid_every: int = 50
    target_scale: str = "pool"


def help_scale(lat: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """HELP's label scaling ``(lat - lo) / (hi - lo) * 0.9 + 0.05``."""
    span = hi - lo if hi > lo else 1.0
    return (np.asarray(lat, dtype=np.float64) - lo) / span * 0.9 + 0.05


def hardware_embedding(ref_latency: np.ndarray) -> np.ndarray:
    """The device's 10 reference latencies min-max scaled over themselves."""
    r = np.asarray(ref_latency, dtype=np.float64)
    return (r - r.min()) / (r.max() - r.min()) if r.max() > r.min() else np.zeros_like(r)


# --- architecture inputs ------------------------------------------------------------------------


def nb201_help_inputs(X: np.ndarray) -> torch.Tensor:
    """(n, 9, 8) node features of HELP's NB201 graph: the 8-node cell plus a global node.

    One-hot over {input, output, 5 operations} plus a global-node column. The edges are
    :func:`nb201_help_aggregation`'s, the same for every cell.
    """
    g = nb201_graph(X)
    n = len(X)
    feat = np.zeros((n, 9, 8), dtype=np.float32)
    feat[np.arange(n)[:, None], np.arange(8)[None], g.ops] = 1.0  # ids 0..6 = input, output, ops
    feat[:, 8, 7] = 1.0
    return torch.as_tensor(feat)


@cache
def nb201_help_aggregation() -> torch.Tensor:
    """(9, 9) matrix ``A`` of HELP's graph convolution ``A (H W) + b`` on NB201.

    Row i sums node i's predecessors, itself, and (for the global node) every node. HELP builds
    it per architecture; it does not prune, so it is one matrix for the whole space.
    """
    adj = np.zeros((9, 9), dtype=np.float32)
    adj[:8, :8] = nb201_graph(np.zeros((1, 6), dtype=np.int64)).adj[0]
    adj[:, 8] = 1.0
    adj[8, :] = 0.0
    np.fill_diagonal(adj, 1.0)
    return torch.as_tensor(adj.T.copy())


def fbnet_help_inputs(X: np.ndarray) -> torch.Tensor:
    """(n, 132) HELP features: per layer [k=3, k=5, e1, e1_g2, e3, e6] (skip: all zeros)."""
    table = np.zeros((len(FBNET_BLOCKS), 6), dtype=np.float32)
    for b, name in enumerate(FBNET_BLOCKS):
        if name == "skip":
            continue
        k, e = name.split("_")[:2]
        table[b, 0 if k == "k3" else 1] = 1.0
        table[b, {"e1": 2, "e3": 4, "e6": 5}[e] if not name.endswith("g2") else 3] = 1.0
    return torch.as_tensor(table[np.asarray(X)].reshape(len(X), -1))


# --- networks -----------------------------------------------------------------------------------


class GraphConv(nn.Module):
    """HELP's ``GraphConvolution`` parameters, W ~ U(+-0.05), b ~ U(+-1/sqrt(out)); :func:`help_forward` runs them."""

    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(d_in, d_out).uniform_(-0.05, 0.05))
        self.bias = nn.Parameter(torch.empty(d_out).uniform_(-d_out ** -0.5, d_out ** -0.5))


class HelpNet(nn.Module):
    """HELP's ``MetaLearner``: architecture branch + hardware branch -> 3-layer head.

    The module holds the parameters; :func:`help_forward` runs them, stacked over devices.
    """

    def __init__(self, space: str, in_dim: int, h: int = 100, hw_dim: int = 10) -> None:
        super().__init__()
        self.space = space
        if space == "nb201":
            self.gc = nn.ModuleList(GraphConv(d_in, h) for d_in in (in_dim, *[h] * (GC_LAYERS - 1)))
        else:
            self.fc1, self.fc2 = nn.Linear(in_dim, h), nn.Linear(h, h)
        self.fc_hw1, self.fc_hw2 = nn.Linear(hw_dim, h), nn.Linear(h, h)
        self.fc3, self.fc4, self.fc5 = nn.Linear(2 * h, 2 * h), nn.Linear(2 * h, 2 * h), nn.Linear(2 * h, 1)

    def forward(self, arch: torch.Tensor, hw: torch.Tensor) -> torch.Tensor:
        """One device: ``arch`` batched over architectures, ``hw`` its 10-d embedding."""
        params = {n: p[None] for n, p in self.named_parameters()}
        return help_forward(params, arch[None], hw.reshape(1, 1, -1), self.space)[0]


def _linear(params: dict[str, torch.Tensor], name: str, x: torch.Tensor) -> torch.Tensor:
    """``nn.Linear`` with per-device weights: x (D, n, in) -> (D, n, out)."""
    return torch.baddbmm(params[f"{name}.bias"].unsqueeze(1), x, params[f"{name}.weight"].transpose(1, 2))


def help_forward(params: dict[str, torch.Tensor], arch: torch.Tensor, hw: torch.Tensor, space: str) -> torch.Tensor:
    """:class:`HelpNet`'s forward for D devices at once: every parameter has a leading device axis.

    ``arch``: (D, n, 9, 8) NB201 node features or (D, n, 132) FBNet features; ``hw``: (D, 1, 10).
    Returns (D, n). HELP's code runs one device at a time; the same arithmetic is regrouped for
    speed: one batched product per layer serves all D devices; each graph convolution aggregates
    first, ``A (H W) + b = (A H) W + b``, with nodes leading so that ``A`` is one product per
    device, and the bias fused into the product; the last one aggregates only the global node,
    the one read out; and the head's first layer applies its hardware half once per device
    rather than once per architecture.
    """
    d, n = arch.shape[:2]
    if space == "nb201":
        agg = nb201_help_aggregation()
        x = arch.transpose(1, 2).reshape(d, agg.shape[0], -1)  # (D, nodes, n x features)
        for i in range(GC_LAYERS):
            rows = agg if i < GC_LAYERS - 1 else agg[-1:]
            pooled = (rows @ x).reshape(d, len(rows) * n, -1)
            x = torch.relu(torch.baddbmm(params[f"gc.{i}.bias"].unsqueeze(1), pooled, params[f"gc.{i}.weight"]))
            x = x.reshape(d, len(rows), -1)
        x = x.reshape(d, n, -1)
    else:
        x = torch.relu(_linear(params, "fc2", torch.relu(_linear(params, "fc1", arch))))
    z = torch.relu(_linear(params, "fc_hw2", torch.relu(_linear(params, "fc_hw1", hw))))  # (D, 1, h)
    w3 = params["fc3.weight"]
    h = x.shape[2]
    bias3 = torch.baddbmm(params["fc3.bias"].unsqueeze(1), z, w3[:, :, h:].transpose(1, 2))  # (D, 1, 2h)
    out = torch.relu(torch.baddbmm(bias3, x, w3[:, :, :h].transpose(1, 2)))
    return _linear(params, "fc5", torch.relu(_linear(params, "fc4", out))).squeeze(2)


class Modulator(nn.Module):
    """HELP's ``InferenceNetwork``: hardware embedding -> q(z) over the head's scales and shifts."""

    def __init__(self, h: int = 100, hw_dim: int = 10) -> None:
        super().__init__()
        self.n = (2 * h + 1) * 3
        self.h = h
        self.net = nn.Sequential(nn.Linear(hw_dim, hw_dim), nn.ReLU(), nn.Linear(hw_dim, 2 * self.n))

    def forward(self, hw: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(z sampled, KL(q || N(0, I))) for one device."""
        mu, raw = self.net(hw.reshape(1, -1)).squeeze(0).chunk(2)
        sigma = nn.functional.softplus(raw) + 1e-6
        q = torch.distributions.Normal(mu, sigma)
        z = q.rsample()
        kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(torch.zeros_like(mu), 1.0)).sum()
        return z, kl


def modulate(params: dict[str, torch.Tensor], z: torch.Tensor, h: int, scale: float) -> dict[str, torch.Tensor]:
    """Parameters stacked over the D rows of ``z`` (D, 6h + 3): the input columns of fc3/fc4/fc5
    scaled by ``1 + scale zw``, their biases shifted by ``scale zb``; the others shared."""
    zw, zb = z[:, :6 * h], z[:, 6 * h:]
    out = {n: p.expand(len(z), *p.shape) for n, p in params.items()}
    for k, name in enumerate(("fc3", "fc4", "fc5")):
        out[f"{name}.weight"] = params[f"{name}.weight"] * (1 + scale * zw[:, None, k * 2 * h:(k + 1) * 2 * h])
        out[f"{name}.bias"] = params[f"{name}.bias"] + scale * zb[:, k, None]
    return out


# --- the method ---------------------------------------------------------------------------------

#: called at a stop episode of meta-training, with the best-validated parameters in place
OnStop = Callable[[int], None]


class Help(TransferMethod):
    """HELP as a transfer method (see the module docstring)."""

    name = "help"
    source_data = "HELP's train pool per source (NB201 900 / FBNet 4000 architectures, 10-90 % trimmed)"
    extra_target_measurements = 10

    def __init__(self, spec: HelpSpec) -> None:
        if spec.target_scale not in TARGET_SCALES:
            raise ConfigError(f"help target_scale={spec.target_scale!r} is unknown; valid: {', '.join(TARGET_SCALES)}")
        self.spec = spec
        if spec.target_scale == "pool":  # HELP's loader: two numbers a new device would not have
            self.target_extra = "the min and max latency of the target's trimmed train pool (HELP's label scaling)"
        self.net: HelpNet | None = None
        self.modulator: Modulator | None = None
        self.alpha: dict[str, torch.Tensor] = {}
        self.params: dict[str, torch.Tensor] = {}
        self.best_valid: float = float("nan")
        self._space = "nb201"

    # inputs -------------------------------------------------------------------------------------
    def _inputs(self, data: TaskData) -> torch.Tensor:
        return nb201_help_inputs(data.X) if data.task.space == "nb201" else fbnet_help_inputs(data.X)

    @staticmethod
    def _take(arch: torch.Tensor, rows: np.ndarray) -> torch.Tensor:
        return arch[torch.as_tensor(rows, dtype=torch.long)]

    # inner loop ---------------------------------------------------------------------------------
    def _adapt(self, params: dict[str, torch.Tensor], arch: torch.Tensor, hw: torch.Tensor,
               y: torch.Tensor, create_graph: bool) -> dict[str, torch.Tensor]:
        """Meta-SGD steps on each device's support set; everything stacked over D devices.

        The summed loss gives each device the gradient of its own mean squared error.
        """
        for _ in range(self.spec.inner_steps):
            pred = help_forward(params, arch, hw, self._space)
            loss = nn.functional.mse_loss(pred, y, reduction="none").mean(dim=1).sum()
            grads = torch.autograd.grad(loss, list(params.values()), create_graph=create_graph)
            params = {n: p - self.alpha[n] * g for (n, p), g in zip(params.items(), grads)}
        return params

    def _task_params(self, hws: Sequence[torch.Tensor]) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Sampled, modulated initial parameters stacked over ``hws``' devices, and their (D,) KL terms."""
        assert self.modulator is not None
        zs, kls = zip(*(self.modulator(hw) for hw in hws))
        return modulate(self.params, torch.stack(zs), self.spec.hidden, self.spec.z_scaling), torch.stack(kls)

    # meta-training ------------------------------------------------------------------------------
    def prepare(self, data: TaskData, seed: int, stops: Sequence[int] = (), on_stop: OnStop | None = None) -> None:
        """Meta-train on the task's source devices (seeded; global RNG untouched).

        ``on_stop(e)`` is called after episode ``e`` of ``stops`` with the parameters a run of
        ``e`` episodes would end with (the best validated so far) in place; training then goes
        on unchanged. Stops should be multiples of ``valid_every`` (a stop is also a validation
        point, as the last episode of a run is), so one run measures several episode budgets.
        """
        s = self.spec
        self._space = data.task.space
        arch = self._inputs(data)
        n_src = data.src_lat.shape[1]
        pools = [help_pools(data.src_lat[:, j], data.task.space)[0] for j in range(n_src)]
        labels = [help_scale(data.src_lat[:, j], data.src_lat[p, j].min(), data.src_lat[p, j].max())
                  for j, p in zip(range(n_src), pools)]
        hws = [torch.as_tensor(hardware_embedding(data.src_lat[data.help_ref, j]), dtype=torch.float32)
               for j in range(n_src)]
        valid = self._valid_set(data)
        rng = np.random.default_rng([seed, 31])
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.net = HelpNet(data.task.space, arch.shape[-1], s.hidden)
            self.modulator = Modulator(s.hidden)
            self.params = {n: p for n, p in self.net.named_parameters()}
            self.alpha = {n: torch.full_like(p, s.inner_lr, requires_grad=True) for n, p in self.params.items()}
            opt = torch.optim.Adam([*self.params.values(), *self.alpha.values(), *self.modulator.parameters()],
                                   lr=s.meta_lr)
            best = (-np.inf, self._snapshot())
            episodes = s.episodes_fbnet if data.task.space == "fbnet" else s.episodes
            last = max([episodes, *stops])
            for episode in range(1, last + 1):
                self._episode(opt, arch, pools, labels, hws, rng)
                if valid and (episode % s.valid_every == 0 or episode in (episodes, *stops)):
                    score = self._validate(arch, valid, rng)
                    if score > best[0]:
                        best = (score, self._snapshot())
                if episode in stops and on_stop is not None:
                    current = self._snapshot()
                    if valid:
                        self._restore(best[1])
                    with torch.random.fork_rng(devices=[]):
                        on_stop(episode)
                    self._restore(current)
            if valid:
                self.best_valid = float(best[0])
                self._restore(best[1])

    def _episode(self, opt: torch.optim.Optimizer, arch: torch.Tensor, pools: list[np.ndarray],
                 labels: list[np.ndarray], hws: list[torch.Tensor], rng: np.random.Generator) -> None:
        """One Meta-SGD step over ``tasks_per_episode`` source devices (second-order inner steps)."""
        s = self.spec
        assert self.net is not None, "fit() builds the network before the first episode"
        devices = rng.choice(len(pools), size=min(s.tasks_per_episode, len(pools)), replace=False)
        size = min(s.support + s.query, *(len(pools[j]) for j in devices))
        rows = np.stack([rng.choice(pools[j], size=size, replace=False) for j in devices])
        sup, qry = rows[:, :s.support], rows[:, s.support:]
        hw = torch.stack([hws[j] for j in devices])[:, None]
        params, kl = self._task_params([hws[j] for j in devices])
        y = torch.as_tensor(np.stack([labels[j][r] for j, r in zip(devices, rows)]), dtype=torch.float32)
        params = self._adapt(params, self._take(arch, sup), hw, y[:, :s.support], create_graph=True)
        pred = help_forward(params, self._take(arch, qry), hw, self._space)
        loss = nn.functional.mse_loss(pred, y[:, s.support:]) + s.kl_scaling * kl.sum()
        opt.zero_grad()
        loss.backward()
        opt.step()

    def _snapshot(self) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        assert self.modulator is not None
        return ({n: p.detach().clone() for n, p in self.params.items()},
                {n: a.detach().clone() for n, a in self.alpha.items()},
                {n: p.detach().clone() for n, p in self.modulator.state_dict().items()})

    def _restore(self, snap: tuple[dict[str, torch.Tensor], ...]) -> None:
        assert self.modulator is not None
        params, alpha, mod = snap
        with torch.no_grad():
            for n, p in self.params.items():
                p.copy_(params[n])
            for n, a in self.alpha.items():
                a.copy_(alpha[n])
        self.modulator.load_state_dict(mod)

    def _valid_set(self, data: TaskData) -> list[tuple[np.ndarray, np.ndarray]]:
        devices = [d for d in HELP_VALID.get(data.task.name, ()) if d not in data.task.targets + data.task.sources]
        return [(lat, data.help_ref) for lat in load_latency(data.task.space, devices).T] if devices else []

    def _validate(self, arch: torch.Tensor, valid: list[tuple[np.ndarray, np.ndarray]],
                  rng: np.random.Generator) -> float:
        """Mean Spearman over the meta-validation devices (HELP's protocol: k support, 800 queries, MC)."""
        scores = []
        for lat, ref in valid:
            train, query = help_pools(lat, self._space)
            sup = rng.choice(train, size=self.spec.support, replace=False)
            pred = self._predict_rows(arch, lat, sup, ref, query, self.spec.mc)
            scores.append(stats.spearmanr(pred, lat[query]).statistic)
        return float(np.nanmean(scores))

    # adaptation ---------------------------------------------------------------------------------
    def _support_labels(self, lat: np.ndarray, support: np.ndarray, ref: np.ndarray) -> np.ndarray:
        """Support labels scaled as in meta-training, by ``target_scale`` (module docstring)."""
        if self.spec.target_scale == "pool":
            pool = help_pools(lat, self._space)[0]
            lo, hi = lat[pool].min(), lat[pool].max()
        else:
            measured = np.concatenate([lat[support], lat[ref]])
            lo, hi = measured.min(), measured.max()
        return help_scale(lat[support], lo, hi)

    def _predict_rows(self, arch: torch.Tensor, lat: np.ndarray, support: np.ndarray, ref: np.ndarray,
                      rows: np.ndarray | None, mc: int) -> np.ndarray:
        """MC-mean prediction for ``rows`` (None: all) of a device measured on ``support`` and ``ref``."""
        y = torch.as_tensor(self._support_labels(lat, support, ref), dtype=torch.float32)
        hw = torch.as_tensor(hardware_embedding(lat[ref]), dtype=torch.float32)
        assert self.net is not None
        target_arch = (arch if rows is None else self._take(arch, rows))[None]
        support_arch = self._take(arch, support)[None]
        preds = []
        for _ in range(mc):
            params, _ = self._task_params([hw])
            params = self._adapt(params, support_arch, hw.reshape(1, 1, -1), y[None], create_graph=False)
            with torch.no_grad():
                preds.append(help_forward(params, target_arch, hw.reshape(1, 1, -1), self._space)[0].numpy())
        return np.mean(preds, axis=0).astype(np.float64)

    def predict(self, data: TaskData, target: int, idx: np.ndarray, seed: int) -> np.ndarray:
        """Adapt to target column ``target`` from its k samples ``idx`` and 10 reference latencies."""
        return self.predict_rows(data, target, idx, seed, None)

    def predict_rows(self, data: TaskData, target: int, idx: np.ndarray, seed: int,
                     rows: np.ndarray | None) -> np.ndarray:
        """:meth:`predict` for ``rows`` only (None: all); the network runs on those rows alone."""
        if self.net is None:
            raise RuntimeError("help: prepare() must run before predict()")
        self._space = data.task.space
        arch = self._inputs(data)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return self._predict_rows(arch, data.tgt_lat[:, target], np.asarray(idx), data.help_ref, rows,
                                      self.spec.mc)


METHODS.add("help", lambda s: Help(HelpSpec(episodes=s.help_episodes, episodes_fbnet=s.help_episodes_fbnet)))
