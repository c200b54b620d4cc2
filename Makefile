# Every target sets itself up: a python3.13 venv (the Lambda runtime's version) with pinned tools.
SHELL := /bin/bash
export PYENV_VERSION ?= 3.13.0
export SAM_CLI_TELEMETRY := 0
PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_VENV := .bench/venv
BENCH_STAMP := $(BENCH_VENV)/.installed
BENCH := PYTHONPATH=src/handler:. $(BIN)/python -m bench

.PHONY: demo test unit-and-functional lint templates build emulator receiver clean bench bench-load bench-cold bench-venv

$(STAMP): requirements-dev.txt src/handler/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## demo: play a whole stack life through the real handler against the local cloud
demo: $(STAMP)
	PYTHONPATH=src/handler $(BIN)/python -m localcloud.demo

## test: everything CI runs
test: lint unit-and-functional templates build

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit-and-functional: $(STAMP)
	$(BIN)/pytest

templates: $(STAMP)
	$(BIN)/cfn-lint template.yaml
	$(BIN)/cfn-lint examples/*.yaml
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam validate --lint --template template.yaml

## build: sam build, then import the artifact in a clean interpreter to prove it is complete
build: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam build --template template.yaml
	$(BIN)/python tools/check_artifact.py .aws-sam/build/SolutionUpdateFunction

## emulator: serve the Personalize emulator on 127.0.0.1:4566 (for sam local invoke)
emulator: $(STAMP)
	$(BIN)/python -m localcloud.emulator --port 4566 $(EMULATOR_ARGS)

## receiver: a CloudFormation response bucket stand-in on 127.0.0.1:8085 that prints each answer
receiver: $(STAMP)
	$(BIN)/python -m localcloud.receiver --port 8085 $(RECEIVER_ARGS)

## bench: polling vs alternatives, no-op guards, Delete, cold start and many resources at once
## (local emulator only); prints the tables and writes docs/bench.md and docs/bench.png
bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python -c "import matplotlib, sys; sys.exit(matplotlib.__version__ != '3.11.2')" 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet matplotlib==3.11.2
	$(BENCH) all

## bench-load / bench-cold: one section alone; prints its table, leaves docs/ as they are
bench-load: $(STAMP) $(BENCH_STAMP)
	$(BENCH) load

bench-cold: $(STAMP) $(BENCH_STAMP)
	$(BENCH) cold

## bench-venv: what the function ships, a venv holding src/handler/requirements.txt alone
## (rebuilt when that file changes); cold start and load run the handler in it
bench-venv: $(BENCH_STAMP)

$(BENCH_STAMP): src/handler/requirements.txt
	rm -rf $(BENCH_VENV)
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r src/handler/requirements.txt
	touch $(BENCH_STAMP)

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .ruff_cache .mypy_cache
