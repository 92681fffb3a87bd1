"""The measurement devices of this machine, as one registry of records, and their runtimes.

A *measurement device* is a runtime (PyTorch eager or ONNX Runtime) on a target (CPU or CUDA)
with a thread setting, at one batch size, named like HELP's device files
(``torch_cpu_1t_32`` = PyTorch eager, one CPU thread, batch 32):

=====================  ===========================================================================
name prefix            runtime
=====================  ===========================================================================
``torch_cpu_1t``       PyTorch eager on CPU, 1 intra-op thread, process pinned to one core
``torch_cpu_all``      PyTorch eager on CPU, every core of the process's affinity mask
``onnxruntime_cpu``    the sub-network exported with ``torch.onnx``, run by ONNX Runtime's CPU
                       provider with 1 intra-op and 1 inter-op thread (matches ``torch_cpu_1t``)
``cuda``               PyTorch eager on the first CUDA GPU (skipped when there is none)
=====================  ===========================================================================

Each comes at batch sizes 1 and 32. A runtime *prepares* a model once (export, session,
transfer) and returns a closure that runs one blocking forward pass; :mod:`nas_utils.latency.measure`
times that closure. Device constants live here and nowhere else.

>>> from nas_utils.latency.devices import MEASURE_DEVICES, get_device
>>> get_device("torch_cpu_1t_32").batch_size
32
>>> "onnxruntime_cpu_1" in MEASURE_DEVICES.names()
True
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import warnings
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from nas_utils.errors import HwnasError
from nas_utils.registry import Registry
from nas_utils.runtime import torch_threads

BATCH_SIZES = (1, 32)
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


class DeviceUnavailableError(HwnasError):
    """A registered measurement device that this machine cannot run (no GPU, library missing)."""


@dataclass(frozen=True)
class MeasureDevice:
    """One measurement configuration: runtime x target x threads x batch size.

    Attributes:
        name: HELP-style name, ``<runtime>_<target>[_<threads>]_<batch>``.
        runtime: key of :data:`RUNTIMES` (``torch`` or ``onnxruntime``).
        target: ``cpu`` or ``cuda``.
        threads: intra-op threads; 0 means every core the process may use.
        batch_size: inputs per forward pass (the latency is that of the whole batch).
        pin: pin the process to one core while measuring (only meaningful with ``threads=1``).
    """

    name: str
    runtime: str
    target: str
    threads: int
    batch_size: int
    pin: bool = False

    @property
    def family(self) -> str:
        """The name without the batch suffix (``torch_cpu_1t``)."""
        return self.name.rsplit("_", 1)[0]

    def unavailable_reason(self) -> str | None:
        """``None`` if the device can run here, else one line saying why not."""
        return RUNTIMES.get(self.runtime).unavailable_reason(self)

    def check_available(self) -> MeasureDevice:
        reason = self.unavailable_reason()
        if reason:
            raise DeviceUnavailableError(f"measurement device {self.name!r} is not available: {reason}")
        return self

    def effective_threads(self) -> int:
        return self.threads if self.threads > 0 else len(_affinity())


MEASURE_DEVICES: Registry[MeasureDevice] = Registry("measurement device")


def get_device(name: str | MeasureDevice) -> MeasureDevice:
    """The registered device ``name`` (an unknown name raises, listing the valid ones)."""
    return name if isinstance(name, MeasureDevice) else MEASURE_DEVICES.get(name)


def split_available(names: Sequence[str]) -> tuple[list[MeasureDevice], list[str]]:
    """Resolve ``names``; return the available devices and one skip message per unavailable one.

    Raises:
        UnknownNameError: for a name that is not registered (before anything is measured).
    """
    devices = [get_device(n) for n in names]
    ok, skipped = [], []
    for dev in devices:
        reason = dev.unavailable_reason()
        if reason:
            skipped.append(f"skipping {dev.name}: {reason}")
        else:
            ok.append(dev)
    return ok, skipped


# --- runtimes -------------------------------------------------------------------------------


class Runtime(ABC):
    """Turns (model, input) into a closure running one blocking forward pass on a device."""

    @abstractmethod
    def unavailable_reason(self, device: MeasureDevice) -> str | None: ...

    @abstractmethod
    def prepare(self, model: nn.Module, x: torch.Tensor, device: MeasureDevice) -> Callable[[], Any]: ...

    def version(self) -> str | None:
        return None


RUNTIMES: Registry[Runtime] = Registry("runtime")


class TorchRuntime(Runtime):
    def unavailable_reason(self, device: MeasureDevice) -> str | None:
        if device.target == "cuda" and not torch.cuda.is_available():
            return "no CUDA GPU is visible to PyTorch on this machine"
        return None

    def prepare(self, model: nn.Module, x: torch.Tensor, device: MeasureDevice) -> Callable[[], Any]:
        model = model.to(device.target).eval()
        x = x.to(device.target)
        if device.target == "cuda":

            def run_cuda() -> Any:
                with torch.inference_mode():
                    out = model(x)
                torch.cuda.synchronize()
                return out

            return run_cuda

        def run() -> Any:
            with torch.inference_mode():
                return model(x)

        return run

    def version(self) -> str | None:
        return str(torch.__version__)


class OnnxRuntime(Runtime):
    def unavailable_reason(self, device: MeasureDevice) -> str | None:
        if importlib.util.find_spec("onnxruntime") is None:
            return "onnxruntime is not installed (pip install onnxruntime)"
        if device.target != "cpu":
            return "only the ONNX Runtime CPU provider is configured"
        return None

    def prepare(self, model: nn.Module, x: torch.Tensor, device: MeasureDevice) -> Callable[[], Any]:
        import onnxruntime as ort

        key = (tuple(x.shape[1:]), x.dtype)
        exports = _EXPORTS.setdefault(model, {})
        if key not in exports:  # the export has a dynamic batch axis: reuse it for every batch size
            exports[key] = export_onnx(model, x)
        session = ort.InferenceSession(
            exports[key], _session_options(device.effective_threads()), providers=["CPUExecutionProvider"]
        )
        name = session.get_inputs()[0].name
        feed = {name: x.detach().cpu().numpy()}
        return lambda: session.run(None, feed)

    def version(self) -> str | None:
        try:
            import onnxruntime as ort
        except ImportError:
            return None
        return str(ort.__version__)


# ONNX exports per model object and input (shape without batch, dtype); freed with the model.
_EXPORTS: weakref.WeakKeyDictionary[nn.Module, dict[tuple[Any, ...], bytes]] = weakref.WeakKeyDictionary()

RUNTIMES.add("torch", TorchRuntime())
RUNTIMES.add("onnxruntime", OnnxRuntime())


def export_onnx(model: nn.Module, x: torch.Tensor) -> bytes:
    """The model exported to ONNX (TorchScript exporter, opset default), as bytes in memory."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # torch 2.9+ deprecates the TorchScript exporter in favour of dynamo (needs onnxscript,
        # which we do not depend on); the TorchScript path is exact for these models.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model.eval().cpu(), (x.cpu(),), buf, dynamo=False, input_names=["x"], output_names=["y"],
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
        )
    return buf.getvalue()


def _session_options(threads: int) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return opts


# --- thread settings ----------------------------------------------------------------------


def _affinity() -> set[int]:
    try:
        return set(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return set(range(os.cpu_count() or 1))


@contextlib.contextmanager
def thread_settings(device: MeasureDevice) -> Iterator[None]:
    """Set PyTorch's intra-op threads (and pin to one core) for the block; restore afterwards.

    Pinning a single-threaded measurement to one core removes migrations between cores,
    a main source of spread on a small shared machine. The last core is chosen because
    interrupt handling and other processes tend to start on core 0.
    """
    old_mask = _affinity()
    with torch_threads(device.effective_threads()):
        try:
            if device.pin and hasattr(os, "sched_setaffinity"):
                os.sched_setaffinity(0, {max(old_mask)})
            yield
        finally:
            if device.pin and hasattr(os, "sched_setaffinity"):
                os.sched_setaffinity(0, old_mask)


def _register() -> None:
    families = (
        ("torch_cpu_1t", "torch", "cpu", 1, True),
        ("torch_cpu_all", "torch", "cpu", 0, False),
        ("onnxruntime_cpu", "onnxruntime", "cpu", 1, True),
        ("cuda", "torch", "cuda", 0, False),
    )
    for family, runtime, target, threads, pin in families:
        for batch in BATCH_SIZES:
            name = f"{family}_{batch}"
            MEASURE_DEVICES.add(name, MeasureDevice(name, runtime, target, threads, batch, pin))


_register()
