# The two commands a new user needs:  make reproduce   and   make test
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Exact versions of everything except torch (pip-compile output; refresh with `make lock`).
LOCK := requirements-lock.txt
# Torch is installed first and on its own, at the exact version the results were made with (the
# lock leaves it out, so one lock serves CPU and GPU builds; pyproject's extra "cpu" pins it too).
# On Linux, PyPI's torch wheel is the multi-GB CUDA build. For the CPU build (or one CUDA build)
# pass the torch project's wheel index for it (URL on the PyTorch install page; no index host is
# named in this repository):  make install TORCH_INDEX=<torch CPU wheel index URL>
TORCH ?= torch==2.13.0
TORCH_INDEX ?=
# Extra arguments of `make lock`, e.g. LOCK_ARGS=--upgrade (newest versions within pyproject's ranges).
LOCK_ARGS ?=
LOCK_TOOLS := $(VENV)/lock-tools

.PHONY: install lock reproduce test lab clean-reports dag determinism readme report-check

$(STAMP): $(LOCK) pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@if [ -z "$(TORCH_INDEX)" ] && [ "$$(uname -s)" = Linux ]; then echo "note: TORCH_INDEX is not set, so pip takes $(TORCH) from its configured indexes; on Linux PyPI's wheel is the multi-GB CUDA build (CPU build: make install TORCH_INDEX=<torch CPU wheel index URL>, see README 'The environment')"; fi
	$(PY) -m pip install -q $(if $(TORCH_INDEX),--index-url "$(TORCH_INDEX)") "$(TORCH)"
	@# xgboost-cpu replaced xgboost (same module, no NCCL wheel); drop the old one from older venvs.
	$(PY) -m pip uninstall -q -y xgboost nvidia-nccl-cu12 2>/dev/null || true
	$(PY) -m pip install -q --no-deps -r $(LOCK)  # exactly the lock; pip check below proves it complete
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m pip check
	$(PY) -c "import torch; print('installed torch', torch.__version__, 'CUDA ' + torch.version.cuda if torch.version.cuda else '(CPU build)')"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

# Re-resolve requirements-lock.txt from pyproject.toml (keeps current pins unless LOCK_ARGS=--upgrade)
# and regenerate environment.yml from it. The lock is resolved for this machine's Python (3.11,
# Linux); pass TORCH_INDEX=<torch CPU wheel index URL> on a machine whose pip would otherwise
# resolve the CUDA build of torch (its nvidia-* dependencies must not enter the lock).
lock:
	test -x $(LOCK_TOOLS)/bin/python || python3 -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install -q --upgrade pip "pip-tools>=7.5"
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet --extra dev --extra cpu --unsafe-package torch --strip-extras \
	    --no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
	    $(if $(TORCH_INDEX),--extra-index-url "$(TORCH_INDEX)") $(LOCK_ARGS) -o $(LOCK) pyproject.toml
	@if grep -qE '^(nvidia-|triton)' $(LOCK); then \
	    echo "error: the lock picked up CUDA wheels (nvidia-*/triton); rerun with TORCH_INDEX=<torch CPU wheel index URL>" >&2; exit 2; fi
	$(LOCK_TOOLS)/bin/python tools/lock_to_conda.py

# Stage commands call `python`: put the venv first on PATH so they use it.
reproduce: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/dvc repro

# Type check (configuration: [tool.mypy] in pyproject.toml), then every test tier (fast + slow), in
# TEST_WORKERS processes (pytest-xdist; one test file per process at a time, so a file's module fixtures
# are built once): on the 2-core CI machine 2 take ~4 min 45 s instead of ~7 min 30 s. Default: the cores
# this process may run on (its affinity mask), at most 8; TEST_WORKERS=0: one process, no xdist.
TEST_WORKERS ?= $(shell python3 -c 'import os; n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(); print(min(8, n or 1))')
test: $(STAMP)
	$(PY) -m mypy
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

dag: $(STAMP)
	$(VENV)/bin/dvc dag

# Reproducibility check (issue 6): fingerprint the tables, rerun every stage, compare.
# Exit status 1 if any table not derived from wall-clock latency measurements changed.
determinism: $(STAMP)
	$(PY) -m nas_utils.reproducibility snapshot reports data/processed --out .determinism_run1.json
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/dvc repro -f
	$(PY) -m nas_utils.reproducibility snapshot reports data/processed --out .determinism_run2.json
	$(PY) -m nas_utils.reproducibility compare .determinism_run1.json .determinism_run2.json

# Regenerate the README's results table from the stages' committed summaries.
readme: $(STAMP)
	$(PY) -m nas_utils.report --readme

# Look at the report as a reader does: every image resolves, and a headless-Chromium screenshot
# (reports/.screenshot.png; needs the Debian package `chromium`).
report-check: $(STAMP)
	$(PY) -m nas_utils.report_check
