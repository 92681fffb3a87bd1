"""hwnas-lab: reproducible hardware-aware neural architecture search.

Modules, one concept each:

* :mod:`nas_utils.spaces` - declarative search spaces and their encodings
* :mod:`nas_utils.evaluators` - objective oracles (tabular benchmark, super-networks, devices)
* :mod:`nas_utils.metrics` - Pareto fronts, hypervolume, rank correlation
* :mod:`nas_utils.predictors` - objective predictors (ridge, SVR, XGBoost, MLP, auto)
* :mod:`nas_utils.search` - search tactics behind ``run_search(tactic, evaluator, budget, seed)``
* :mod:`nas_utils.config` - typed, validated stage parameters from ``params.yaml``
* :mod:`nas_utils.stage` - run a parameterised notebook as a DVC stage

Importing the package pins OpenBLAS's kernels (:func:`pin_blas_kernels`), so a seed gives the same
numbers on every x86-64 machine, not only twice on one.
"""

import os as _os
import platform as _platform
import sys as _sys

__version__ = "0.1.0"

BLAS_CORETYPE = "Haswell"


def pin_blas_kernels() -> str | None:
    """Make numpy / scipy / scikit-learn use OpenBLAS's Haswell (AVX2) kernels on any x86-64 CPU with AVX2.

    OpenBLAS picks its kernels by CPU when it loads: AVX-512 machines (Zen 4, Skylake-X and later) get
    ``SkylakeX`` kernels, AVX2 ones ``Haswell``/``Zen``, and the two round differently. Measured
    (2026-12-04, an AVX-512 EPYC): ``linas`` on cifar10/gold_6226, seed 0, needed 99 validations to HV
    0.99 with the native kernels and 125 with ``Haswell`` (the seed record's value, written on AVX2
    machines), and ``bo`` (one thread, as the pipeline runs it) 114 against the record's 273; with the pin
    both reproduce the record exactly. The choice is made through ``OPENBLAS_CORETYPE``, read when OpenBLAS loads, so
    it works only if this package is imported before numpy (every ``python -m nas_utils...`` script,
    the ``hwnas`` command and the pipeline's notebooks, which inherit it). Nothing is changed when the
    variable is already set (set it to choose another kernel), off Linux x86-64, or on a CPU without
    AVX2 and FMA. Torch's own kernels (ATen, oneDNN, MKL) are not pinned: pinning them would also
    change the latencies the project measures. Returns the kernel now requested, or None.
    """
    if "OPENBLAS_CORETYPE" in _os.environ:
        return _os.environ["OPENBLAS_CORETYPE"]
    if "numpy" in _sys.modules or _platform.system() != "Linux" or _platform.machine() != "x86_64":
        return None
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            flags = next((line.split(":", 1)[1].split() for line in info if line.startswith("flags")), [])
    except OSError:
        return None
    if not {"avx2", "fma"} <= set(flags):
        return None
    _os.environ["OPENBLAS_CORETYPE"] = BLAS_CORETYPE
    return BLAS_CORETYPE


pin_blas_kernels()
