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

# The function's lock first, hash-checked; then the dev tools, constrained to the lock's versions
# (pip refuses hashes in a constraints file, hence the name==version copy), so a tool can fail the
# install but never move a function dependency; then SAM CLI in a venv of its own, since it pins
# boto3 to a version of its choosing. $(BIN)/sam links to it.
$(STAMP): requirements-dev.txt requirements-sam.txt src/handler/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r src/handler/requirements.txt
	sed -n 's/^\([A-Za-z0-9][^ ]*==[^ ]*\).*/\1/p' src/handler/requirements.txt > $(VENV)/function-pins.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c $(VENV)/function-pins.txt
	test -x $(VENV)/sam/bin/python || $(PYTHON) -m venv $(VENV)/sam
	$(VENV)/sam/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/sam/bin/python -m pip install --quiet -r requirements-sam.txt
	ln -sf ../sam/bin/sam $(BIN)/sam
	touch $(STAMP)

## demo: play a whole stack life through the real handler against the local cloud
demo: $(STAMP)
	PYTHONPATH=src/handler $(BIN)/python -m localcloud.demo $(DEMO_ARGS)

## test: everything CI runs (the CDK example is synthesized first, so the tests compare it)
test: lint cdk-synth unit-and-functional templates build

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit-and-functional: $(STAMP)
	$(BIN)/pytest

templates: $(STAMP)
	$(BIN)/cfn-lint template.yaml examples/*.yaml
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam validate --lint --template template.yaml
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam validate --lint --template examples/nested-application.yaml

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
	rm -rf $(VENV) $(CDK_VENV) $(CDK_DIR)/cdk.out .bench .aws-sam .pytest_cache .ruff_cache .mypy_cache

.PHONY: lock release

## lock: resolve src/handler/requirements.in into src/handler/requirements.txt, every package pinned
## with the hashes of all its files (Lambda's python3.13 on arm64); keeps the current pins of
## unchanged requirements, LOCK_ARGS=--upgrade moves them all to their newest releases
lock: $(STAMP)
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip compile src/handler/requirements.in $(LOCK_ARGS) \
		--python $(BIN)/python --python-version 3.13 --python-platform aarch64-manylinux2014 \
		--generate-hashes --custom-compile-command "make lock" --quiet --output-file src/handler/requirements.txt

## release: publish the CHANGELOG's latest release to the Serverless Application Repository and tag
## it v<version>; RELEASE_ARGS=--dry-run runs the checks and prints the commands without running them
release: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python tools/release.py $(RELEASE_ARGS)

.PHONY: invoke
## invoke: one event through the function as Lambda runs it (its runtime client, no Docker), against
## an emulator seeded for it: make invoke EVENT=events/create.json [INVOKE_ARGS="--parameter-overrides
## LogLevel=DEBUG" or "--task-root .aws-sam/build/SolutionUpdateFunction"]
invoke: $(STAMP)
	@test -n "$(EVENT)" || { echo "usage: make invoke EVENT=events/<file>.json [INVOKE_ARGS=...]" >&2; exit 2; }
	$(BIN)/python -m localcloud.invoke $(EVENT) $(INVOKE_ARGS)

# Examples beyond the plain templates: the CDK app has its own venv, so .venv does not carry
# aws-cdk-lib (and its jsii runtime) for everyone.
CDK_DIR := examples/cdk
CDK_VENV := .venv-cdk
CDK_STAMP := $(CDK_VENV)/.installed

.PHONY: cdk-synth


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

.PHONY: test-readings
READING_SUITES := tests/functional/test_lifecycle.py tests/functional/test_long_waits.py \
	tests/functional/test_fault_matrix.py tests/functional/test_malformed_inputs.py \
	tests/functional/test_fuzz_events.py tests/functional/test_campaign_example.py
# Every reading the emulator names (localcloud/emulator.py READINGS) but the default.
OTHER_READINGS = $(shell $(BIN)/python -c 'from localcloud.emulator import READINGS; \
	print(*[name for name in READINGS if name != "documented-default"])')

## test-readings: the lifecycle, long-wait, fault-matrix (with its malformed and forged inputs),
## fuzz and campaign suites once per reading of Personalize's docs that the emulator plays besides
## the default one (make test plays that); ends with one line per reading (its pytest summary:
## tests, outcome, wall time), and fails if any reading failed
test-readings: $(STAMP)
	@log=$$(mktemp); summary=(); failed=0; \
	for reading in $(OTHER_READINGS); do \
		echo "== emulator reading: $$reading"; \
		$(BIN)/pytest --emulator-reading $$reading $(READING_SUITES) 2>&1 | tee $$log; \
		test $${PIPESTATUS[0]} -eq 0 || failed=1; \
		summary+=("$$reading: $$(tail -n 1 $$log | sed 's/^=* *//; s/ *=*$$//')"); \
	done; \
	rm -f $$log; printf '%s\n' "$${summary[@]}"; exit $$failed

.PHONY: test-sam-local
## test-sam-local: every events/ file, the log level and a wait longer than one invocation through
## SAM CLI's own sam local invoke and start-lambda, in Lambda's arm64 container shape; as root it
## installs what is missing (Docker engine, qemu and binfmt, debootstrap), starts dockerd if none
## answers, and builds the base-image stand-in when no image is there (tools/sam-local/run.sh)
test-sam-local: $(STAMP)
	tools/sam-local/run.sh
