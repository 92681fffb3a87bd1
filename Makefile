# The two commands a new user needs:  make reproduce   and   make test
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Torch first, pinned to the CPU wheel (an unpinned torch pulls a multi-GB CUDA build).
TORCH ?= torch==2.13.0

.PHONY: install reproduce test lab clean-reports dag determinism readme

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

# Stage commands call `python`: put the venv first on PATH so they use it.
reproduce: $(STAMP)
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/dvc repro

# Type check (configuration: [tool.mypy] in pyproject.toml), then every test tier (fast + slow).
test: $(STAMP)
	$(PY) -m mypy
	PATH="$(abspath $(VENV))/bin:$$PATH" $(PY) -m pytest

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
