"""Super-network checkpoints: save atomically, load with one-line errors naming file and mismatch.

A checkpoint is a ``torch.save`` dict ``{"format", "name", "hparams", "space", "state_dict",
"train_state", "meta"}``. :func:`load_supernet` rebuilds the network from its registry name and
constructor kwargs, so later stages need only the path.

>>> import tempfile, pathlib
>>> from nas_utils.supernets import build_supernet, save_checkpoint, load_supernet
>>> path = pathlib.Path(tempfile.mkdtemp()) / "net.pt"
>>> save_checkpoint(path, build_supernet("transformer_1d"), meta={"epochs": 0})
>>> load_supernet(path).name
'transformer_1d'
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from nas_utils.data import Splits, load_dataset
from nas_utils.errors import CheckpointError, HwnasError
from nas_utils.io import atomic_path
from nas_utils.paths import input_path, output_path
from nas_utils.supernets.base import SuperNet, build_supernet

FORMAT = "hwnas-supernet/1"


def _space_record(net: SuperNet) -> list[list[Any]]:
    return [[v.name, list(v.choices)] for v in net.space.variables]


def save_checkpoint(path: str | Path, net: SuperNet, train_state: dict[str, Any] | None = None,
                    meta: dict[str, Any] | None = None) -> None:
    """Write ``net`` (and optional optimizer/epoch state and metadata) to ``path`` atomically.

    Through a file object, so the archive's inner folder is torch's fixed ``archive/`` rather than
    the temporary file's random name: equal contents give equal bytes (and DVC hashes).
    """
    payload = {"format": FORMAT, "name": net.name, "hparams": net.hparams, "space": _space_record(net),
               "state_dict": net.state_dict(), "train_state": train_state, "meta": dict(meta or {})}
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        torch.save(payload, fh)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """The raw checkpoint dict, or :class:`CheckpointError` naming the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint file not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError, OSError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        raise CheckpointError(f"{path}: corrupt or not a super-network checkpoint ({type(exc).__name__}: {first})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        found = payload.get("format") if isinstance(payload, dict) else type(payload).__name__
        raise CheckpointError(f"{path}: format mismatch: expected {FORMAT!r}, found {found!r}")
    return payload


def load_state(net: SuperNet, payload: dict[str, Any], path: str | Path) -> None:
    """Load ``payload``'s weights into ``net``; any name, space or shape mismatch is one line."""
    if payload["name"] != net.name:
        raise CheckpointError(f"{path}: super-network mismatch: checkpoint is {payload['name']!r}, model is {net.name!r}")
    saved, ours = payload["space"], _space_record(net)
    if saved != ours:
        diff = next(((a, b) for a, b in zip(saved, ours) if a != b), (saved[len(ours):] or None, ours[len(saved):] or None))
        raise CheckpointError(f"{path}: search-space mismatch: checkpoint has {diff[0]}, model has {diff[1]}")
    state, own = payload["state_dict"], net.state_dict()
    missing, unexpected = sorted(set(own) - set(state)), sorted(set(state) - set(own))
    if missing or unexpected:
        what = f"missing key {missing[0]!r}" if missing else f"unexpected key {unexpected[0]!r}"
        raise CheckpointError(f"{path}: weights mismatch: {what} ({len(missing)} missing, {len(unexpected)} unexpected)")
    for key, value in state.items():
        if tuple(value.shape) != tuple(own[key].shape):
            raise CheckpointError(
                f"{path}: shape mismatch for {key!r}: checkpoint {tuple(value.shape)} vs model {tuple(own[key].shape)}"
            )
    net.load_state_dict(state)


def load_supernet(path: str | Path, net: SuperNet | None = None) -> SuperNet:
    """Rebuild the super-network saved at ``path`` (or load into ``net``) with its weights."""
    payload = load_checkpoint(path)
    if net is None:
        try:
            net = build_supernet(payload["name"], **payload["hparams"])
        except (HwnasError, TypeError) as exc:
            raise CheckpointError(f"{path}: cannot rebuild super-network {payload['name']!r}: {exc}") from None
    load_state(net, payload, path)
    return net


def family_data(net: SuperNet, seed: int, mnist1d_samples: int) -> Splits:
    """The dataset a family is built for (MNIST-1D with ``mnist1d_samples`` signals, or digits)."""
    kwargs: dict[str, Any] = {"n_samples": mnist1d_samples} if net.dataset == "mnist1d" else {}
    return load_dataset(net.dataset, seed=seed, **kwargs)


def checkpoint_path(checkpoint_dir: str | Path, family: str, run: str, write: bool = False) -> Path:
    """``<checkpoint_dir>/<family>/<run>.pt``, a relative dir resolved by :mod:`nas_utils.paths`.

    Under a pipeline stage that is the project root; in an interactive notebook run, checkpoints
    are written under ``scratch/`` (never over the DVC-tracked ones) and read from there first.
    """
    rel = Path(checkpoint_dir) / family / f"{run}.pt"
    return output_path(rel) if write else input_path(rel)
