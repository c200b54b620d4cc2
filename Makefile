# Every target sets itself up: a python3.13 venv (the Lambda runtime's version) with pinned tools.
SHELL := /bin/bash
export PYENV_VERSION ?= 3.13.0
export SAM_CLI_TELEMETRY := 0
PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test unit-and-functional lint templates build emulator receiver clean bench

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

## bench: polling policy vs alternatives, no-op guards, cold start, Delete (local emulator only);
## prints the tables and writes docs/bench.md and docs/bench.png
bench: $(STAMP)
	$(BIN)/python -c "import matplotlib, sys; sys.exit(matplotlib.__version__ != '3.11.2')" 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet matplotlib==3.11.2
	PYTHONPATH=src/handler:. $(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .ruff_cache .mypy_cache

# Examples beyond the plain templates: the CDK app has its own venv, so .venv does not carry
# aws-cdk-lib (and its jsii runtime) for everyone.
CDK_DIR := examples/cdk
CDK_VENV := .venv-cdk
CDK_STAMP := $(CDK_VENV)/.installed

.PHONY: examples-lint cdk-synth

## examples-lint: cfn-lint every example template; sam validate --lint the nested-application one
examples-lint: $(STAMP)
	$(BIN)/cfn-lint examples/*.yaml
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam validate --lint --template examples/nested-application.yaml

$(CDK_STAMP): $(CDK_DIR)/requirements.txt
	test -x $(CDK_VENV)/bin/python || $(PYTHON) -m venv $(CDK_VENV)
	$(CDK_VENV)/bin/python -m pip install --quiet -r $(CDK_DIR)/requirements.txt
	touch $(CDK_STAMP)

## cdk-synth: synthesize the CDK example offline (python app.py; needs Node.js on PATH), then
## cfn-lint its template and check it against the YAML example it mirrors
# CDK_OUTDIR is what `cdk synth` sets; jsii's banner about Node 20's end of life is silenced.
cdk-synth: $(STAMP) $(CDK_STAMP)
	rm -rf $(CDK_DIR)/cdk.out
	cd $(CDK_DIR) && CDK_OUTDIR=cdk.out JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20 \
		$(CURDIR)/$(CDK_VENV)/bin/python app.py
	$(BIN)/cfn-lint $(CDK_DIR)/cdk.out/*.template.json
	$(BIN)/pytest tests/unit/test_examples.py
