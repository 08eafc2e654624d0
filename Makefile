# lightif — two commands: `make test` and `make demo`. Both set themselves up (idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
LIGHTIF := $(VENV)/bin/lightif
STAMP := $(VENV)/.lightif-setup-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export WANDB_MODE := disabled

.PHONY: setup test test-all demo bench experiment clean-venv help

help:
	@echo "make setup     create .venv, install pinned deps + lightif (idempotent)"
	@echo "make test      fast test suite (runs setup first)"
	@echo "make test-all  full suite including slow tests"
	@echo "make demo      full Light-IF pipeline at toy scale on SmolLM2-135M-Instruct (CPU), ending in a report"

setup: $(STAMP)

# torch is pinned to the CPU wheel on disk *in the same pip command* as everything else (else pip pulls CUDA torch).
$(STAMP): requirements.txt requirements-extra.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=24"
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -r requirements-extra.txt
	$(PIP) install -q --no-deps --no-build-isolation -e .
	$(PY) -c "import lightif, nltk; from lightif.resources import ensure_nltk; ensure_nltk(); nltk.sent_tokenize('Offline. OK.')"
	touch $(STAMP)

test: setup
	$(PY) -m pytest -q -x --timeout=900

test-all: setup
	$(PY) -m pytest -q -m "" --timeout=3600

demo: setup
	$(LIGHTIF) models pull smollm2-135m-instruct
	$(LIGHTIF) pipeline run configs/demo-cpu.yaml
	@echo; cat runs/demo-cpu/eval/report.md

# Speed / memory benchmarks (minutes each). The CPU experiment is separate: `make experiment` (about 2 h on 2 cores).
bench: setup
	for f in bench/score_speed.py bench/tokenize_speed.py bench/reward_speed.py bench/generate_speed.py bench/sft_memory.py bench/rl_step.py; do \
		echo "== $$f"; $(PY) $$f || exit 1; done

experiment: setup
	$(LIGHTIF) models pull smollm2-135m-instruct
	$(PY) bench/cpu_experiment.py --out runs/cpu-experiment  # about 2 h on 2 cores (docs/RESULTS.md)

clean-venv:
	rm -rf $(VENV)
