"""Latency: the benchmark's measured devices, and measurement on the devices of this machine.

- :mod:`nas_utils.latency.benchmark_devices`: the 27 device configurations of the HELP dataset
  (a registry; no torch import, the tabular stages use it).
- :mod:`nas_utils.latency.devices`: the measurement devices of this machine (torch CPU, ONNX
  Runtime, CUDA) and their runtimes.
- :mod:`nas_utils.latency.measure`: the one audited measurement entry point (``measure``,
  ``measure_many``).
- :mod:`nas_utils.latency.models`: latency objectives for super-network search (measured live,
  or a predictor fitted on measured sub-networks).

This ``__init__`` imports nothing, so ``nas_utils.latency.benchmark_devices`` stays light.
"""
