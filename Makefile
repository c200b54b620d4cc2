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

.PHONY: demo test unit-and-functional lint templates build build-SolutionUpdateFunction emulator receiver clean bench bench-load bench-cold bench-venv

# uv installs: pip bootstraps it at requirements-dev.txt's pin, then uv installs the function's lock
# first, hash-checked; then the dev tools, constrained to the lock (uv takes it, hashes and all, as
# constraints), so a tool can fail the install but never move a function dependency; then SAM CLI
# in a venv of its own, since it pins boto3 to a version of its choosing. $(BIN)/sam links to it.
# The venvs keep pip, which tools/sam-local and `make bench` use.
# uv compiles the bytecode at install, as pip does; otherwise, where PYTHONDONTWRITEBYTECODE is set,
# every process (each runtime and make invoke the tests start) compiles what it imports anew.
UV := UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 $(BIN)/uv
UV_PIN := $(shell sed -n 's/^\(uv==[^ ]*\).*/\1/p' requirements-dev.txt)
$(STAMP): requirements-dev.txt requirements-sam.txt src/handler/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(UV_PIN)
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r src/handler/requirements.txt
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-dev.txt -c src/handler/requirements.txt
	test -x $(VENV)/sam/bin/python || $(PYTHON) -m venv $(VENV)/sam
	$(UV) pip install --quiet --python $(VENV)/sam/bin/python -r requirements-sam.txt
	ln -sf ../sam/bin/sam $(BIN)/sam
	touch $(STAMP)

DEMO_VENV := .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.installed
DEMO_UV := $(DEMO_VENV)/bin/uv pip install --quiet --python $(DEMO_VENV)/bin/python
.PHONY: demo-venv

## demo: play a whole stack life through the real handler against the local cloud, in .venv-demo
demo: $(DEMO_STAMP)
	PYTHONPATH=src/handler $(DEMO_VENV)/bin/python -m localcloud.demo $(DEMO_ARGS)

## demo-venv: only what the demo runs: the function's lock, hash-checked, then requirements-demo.txt
## constrained to the lock's versions (uv takes the hashed lock as constraints), installed with the
## uv that requirements-dev.txt pins; none of the development tools, so a fresh clone demos in
## seconds. Made afresh when one of those files changes.
demo-venv: $(DEMO_STAMP)

$(DEMO_STAMP): src/handler/requirements.txt requirements-demo.txt requirements-dev.txt
	@echo "Making $(DEMO_VENV): src/handler/requirements.txt, then requirements-demo.txt"
	@rm -rf $(DEMO_VENV) && $(PYTHON) -m venv $(DEMO_VENV)
	@$(DEMO_VENV)/bin/python -m pip install --quiet $$(grep -o '^uv==[^ ]*' requirements-dev.txt)
	@$(DEMO_UV) --require-hashes -r src/handler/requirements.txt
	@$(DEMO_UV) -r requirements-demo.txt -c src/handler/requirements.txt
	@touch $(DEMO_STAMP)

## test: everything CI runs (the construct is built and the CDK example synthesized with it first,
## so the tests compare it and run its function)
test: lint cdk-synth construct-test unit-and-functional templates build

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit-and-functional: $(STAMP)
	$(BIN)/pytest

# cfn-lint with the rules shipped for YAML users: what the function would refuse is flagged too.
templates: $(STAMP)
	PYTHONPATH=lint-rules $(BIN)/cfn-lint -a cfn_lint_personalize_solution_update.rules -- template.yaml examples/*.yaml
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam validate --lint --template template.yaml
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam validate --lint --template examples/nested-application.yaml

## build: sam build (which runs build-SolutionUpdateFunction below), then import the artifact in a
## clean interpreter to prove it complete, and check it ships bytecode for every module
build: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/sam build --template template.yaml
	$(BIN)/python tools/check_artifact.py .aws-sam/build/SolutionUpdateFunction
	$(BIN)/python tools/check_artifact.py .aws-sam/build/OnFailureFunction destination --no-bytecode

# Bytecode for every module in $(1), compiled by $(2) (python3.13, Lambda's runtime). Lambda's task
# root is read-only and the deployment zip dates every file 1980-01-01, so Python there uses only
# hash-based bytecode and compiles any module without it at every cold start. Unchecked-hash:
# deployed code never changes in place (a deployment replaces the whole package), so Python need
# not read and hash every source at each start; tools/check_artifact.py checks each bytecode's
# hash against its source at build time. Each module's file name in its bytecode is its path in
# $(1) (-s: the build folder stripped; Python puts the source's real path in its place when it
# loads the bytecode), so the same code compiles to the same bytes wherever it is built.
define bytecode
	$(2) -m compileall -q --invalidation-mode unchecked-hash -s $(1) $(1)
endef

# The function's code in $(1): src/handler's files, then its hash-locked requirements for Lambda's
# arm64 (manylinux2014_aarch64 wheels only) installed by $(2)'s pip, without the console scripts
# (jmespath's jp.py) the function never runs, nor their lines in the RECORD files (each script's
# hash there is of the first line pip gives it, the installing interpreter's path), then bytecode
# for all of it (pip compiles none).
define function_code
	cp -r src/handler/. $(1)
	find $(1) -name __pycache__ -prune -exec rm -rf {} +
	$(2) -m pip install --quiet --no-compile --target $(1) \
		--platform manylinux2014_aarch64 --implementation cp --python-version 3.13 \
		--only-binary=:all: --require-hashes -r src/handler/requirements.txt
	rm -rf $(1)/bin
	sed -i '\|^\.\./\.\./bin/|d' $(1)/*.dist-info/RECORD
	$(call bytecode,$(1),$(2))
endef

# What `sam build` runs for the function (template.yaml: BuildMethod makefile), at the repository
# root.
build-SolutionUpdateFunction:
	$(call function_code,"$(ARTIFACTS_DIR)",$(PYTHON))

## emulator: serve the Personalize emulator on 127.0.0.1:4566 (for sam local invoke)
emulator: $(STAMP)
	$(BIN)/python -m localcloud.emulator --port 4566 $(EMULATOR_ARGS)

## receiver: a CloudFormation response bucket stand-in on 127.0.0.1:8085 that prints each answer
receiver: $(STAMP)
	$(BIN)/python -m localcloud.receiver --port 8085 $(RECEIVER_ARGS)

## bench: polling vs alternatives, no-op guards, Delete, cold start and many resources at once
## (local emulator only); prints the tables and writes docs/bench.md and docs/bench.png. The cold
## start runs the artifact `make build` makes, as Lambda runs it.
bench: $(STAMP) $(BENCH_STAMP) build
	$(BIN)/python -c "import matplotlib, sys; sys.exit(matplotlib.__version__ != '3.11.2')" 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet matplotlib==3.11.2
	$(BENCH) all

## bench-load / bench-cold: one section alone; prints its table, leaves docs/ as they are
bench-load: $(STAMP) $(BENCH_STAMP)
	$(BENCH) load

bench-cold: $(STAMP) $(BENCH_STAMP) build
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
	rm -rf $(VENV) $(DEMO_VENV) $(CONSTRUCT_VENV) $(CONSTRUCT_BUILD_VENV) $(NODE_DIR) build dist $(CDK_DIR)/cdk.out .bench .aws-sam .pytest_cache .ruff_cache .mypy_cache

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
## invoke: one event through the function as Lambda runs it (AWS's runtime interface emulator from
## the SAM CLI wheel and Lambda's Python runtime client, no Docker), against a Personalize emulator
## seeded for it: make invoke EVENT=events/create.json [INVOKE_ARGS="--parameter-overrides
## LogLevel=DEBUG" or "--task-root .aws-sam/build/SolutionUpdateFunction"]; INVOKE_ARGS=--help
## prints every option
invoke: $(STAMP)
	@test -n "$(EVENT)$(INVOKE_ARGS)" || { echo "usage: make invoke EVENT=events/<file>.json [INVOKE_ARGS=...]; INVOKE_ARGS=--help: all options" >&2; exit 2; }
	$(BIN)/python -m localcloud.invoke $(EVENT) $(INVOKE_ARGS)

# The CDK construct library (construct/): a wheel that carries the function's code, so synth needs
# no Docker. The code is what `sam build` makes of it (function_code above: src/handler, its
# hash-locked requirements for Lambda's arm64, unchecked-hash bytecode of every module), and the
# on-failure destination's, src/destination with its solution_rules symlink followed (as sam build
# copies it) and its bytecode too; each checked by check_artifact.py (complete, importable, the
# bytecode of every module current), then packed by tools/pack_zip.py into a zip in the package
# (function.zip, destination.zip), which the provider's asset uploads as it is: pip never
# compiles nor rewrites what a zip holds, and its bytes, so the asset's hash, depend on the
# code alone.
# The wheel is then installed, with aws-cdk-lib and constructs at the CDK example's pins (and
# pytest), into a venv of its own on the construct's oldest Python (the CDK's floor, 3.10): nothing
# of the development venv, so it proves what a user's `pip install` gets.
CDK_DIR := examples/cdk
CONSTRUCT_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' construct/pyproject.toml)
CONSTRUCT_WHEEL := dist/cdk_personalize_solution_update-$(CONSTRUCT_VERSION)-py3-none-any.whl
CONSTRUCT_STAGE := build/construct
# The functions' code, built here, then zipped into the staged package.
CONSTRUCT_CODE := build/construct-code/function
CONSTRUCT_DESTINATION := build/construct-code/destination
CONSTRUCT_PACKAGE := $(CONSTRUCT_STAGE)/personalize_solution_update_cdk
CONSTRUCT_BUILD_VENV := .venv-construct-build
CONSTRUCT_VENV := .venv-construct
CONSTRUCT_STAMP := $(CONSTRUCT_VENV)/.installed
# The construct's oldest Python, which its venv runs (with pyenv, that 3.10 release).
CONSTRUCT_PYTHON ?= python3.10
CONSTRUCT_PYENV_VERSION ?= 3.10.13
# Where construct/tests writes its app's cloud assembly (cfn-lint reads it after the tests).
CONSTRUCT_SYNTH := build/construct-synth
# The Node.js jsii runs the CDK's core in, for the targets that synthesize: a supported release
# (jsii warns on every synth under one past its end of life), npm's binary package of it, pinned.
NODE_VERSION := 22.23.5
NODE_DIR := .node
NODE_PACKAGE := node-linux-$(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x64)
NODE_STAMP := $(NODE_DIR)/.installed-$(NODE_VERSION)
WITH_NODE := PATH="$(CURDIR)/$(NODE_DIR)/node_modules/$(NODE_PACKAGE)/bin:$$PATH"

.PHONY: construct construct-venv construct-test construct-synth-time cdk-synth

## construct: build the construct library's wheel into dist/
construct: $(CONSTRUCT_WHEEL)

$(CONSTRUCT_BUILD_VENV)/.installed:
	test -x $(CONSTRUCT_BUILD_VENV)/bin/python || $(PYTHON) -m venv $(CONSTRUCT_BUILD_VENV)
	$(CONSTRUCT_BUILD_VENV)/bin/python -m pip install --quiet flit_core==4.2.0
	touch $@

# The staged rule set gets the region list of the function's locked botocore (the dev venv's), so
# the construct judges regions without botocore.
$(CONSTRUCT_WHEEL): $(CONSTRUCT_BUILD_VENV)/.installed construct/pyproject.toml \
		construct/README.md $(wildcard construct/personalize_solution_update_cdk/*.py) \
		$(wildcard src/handler/*.py src/handler/solution_rules/*.py src/destination/*.py) \
		tools/regions.py tools/pack_zip.py tools/check_artifact.py src/handler/requirements.txt | $(STAMP)
	rm -rf $(CONSTRUCT_STAGE) $(CONSTRUCT_CODE) $(CONSTRUCT_DESTINATION)
	mkdir -p $(CONSTRUCT_STAGE) $(CONSTRUCT_CODE) dist
	cp -rL construct/pyproject.toml construct/README.md construct/personalize_solution_update_cdk \
		$(CONSTRUCT_STAGE)/
	$(BIN)/python tools/regions.py $(CONSTRUCT_PACKAGE)/solution_rules
	find $(CONSTRUCT_STAGE) -name __pycache__ -prune -exec rm -rf {} +
	$(call function_code,$(CONSTRUCT_CODE),$(CONSTRUCT_BUILD_VENV)/bin/python)
	cp -rL src/destination $(CONSTRUCT_DESTINATION)
	find $(CONSTRUCT_DESTINATION) -name __pycache__ -prune -exec rm -rf {} +
	$(call bytecode,$(CONSTRUCT_DESTINATION),$(CONSTRUCT_BUILD_VENV)/bin/python)
	$(CONSTRUCT_BUILD_VENV)/bin/python tools/check_artifact.py $(CONSTRUCT_CODE)
	$(CONSTRUCT_BUILD_VENV)/bin/python tools/check_artifact.py $(CONSTRUCT_DESTINATION) destination
	$(CONSTRUCT_BUILD_VENV)/bin/python tools/pack_zip.py $(CONSTRUCT_CODE) $(CONSTRUCT_PACKAGE)/function.zip
	$(CONSTRUCT_BUILD_VENV)/bin/python tools/pack_zip.py $(CONSTRUCT_DESTINATION) $(CONSTRUCT_PACKAGE)/destination.zip
	rm -f dist/cdk_personalize_solution_update-*.whl
	cd $(CONSTRUCT_STAGE) && $(CURDIR)/$(CONSTRUCT_BUILD_VENV)/bin/python -c \
		'import flit_core.buildapi as api; print("dist/" + api.build_wheel("$(CURDIR)/dist"))'
	@ls -l $@ | awk '{printf "wheel %s: %.1f MB\n", $$9, $$5 / 1e6}'

## construct-venv: a fresh python3.10 venv for each new wheel (uv's), holding it, aws-cdk-lib and
## constructs at the CDK example's pins, and pytest
construct-venv: $(CONSTRUCT_STAMP)

$(CONSTRUCT_STAMP): $(CONSTRUCT_WHEEL) $(CDK_DIR)/requirements.txt requirements-dev.txt | $(STAMP)
	rm -rf $(CONSTRUCT_VENV)
	PYENV_VERSION=$(CONSTRUCT_PYENV_VERSION) UV_PYTHON_DOWNLOADS=never \
		$(BIN)/uv venv --quiet --python $(CONSTRUCT_PYTHON) $(CONSTRUCT_VENV)
	$(BIN)/uv pip install --quiet --python $(CONSTRUCT_VENV)/bin/python $(CONSTRUCT_WHEEL) \
		-r $(CDK_DIR)/requirements.txt $$(grep -oE '^pytest(-timeout)?==[^ ]+' requirements-dev.txt)
	touch $@

# npm (any Node.js) fetches the pinned one; a new NODE_VERSION installs afresh.
$(NODE_STAMP):
	rm -rf $(NODE_DIR)
	npm install --prefix $(NODE_DIR) --no-save --ignore-scripts --no-audit --no-fund \
		$(NODE_PACKAGE)@$(NODE_VERSION)
	touch $@

## construct-test: the construct's tests in its venv (aws_cdk.assertions on one synth of an app
## of four stacks, and an app's import and synth in a fresh interpreter), then cfn-lint on that
## app's templates
construct-test: $(STAMP) $(CONSTRUCT_STAMP) $(NODE_STAMP)
	rm -rf $(CONSTRUCT_SYNTH)
	CONSTRUCT_SYNTH=$(CURDIR)/$(CONSTRUCT_SYNTH) $(WITH_NODE) \
		$(CONSTRUCT_VENV)/bin/pytest construct/tests -o pythonpath=
	$(BIN)/cfn-lint $(CONSTRUCT_SYNTH)/*.template.json

## construct-synth-time: the synth time the construct adds, against a plain CustomResource on an
## imported token, medians of 5 alternating fresh synths each, and their ratio
construct-synth-time: $(CONSTRUCT_STAMP) $(NODE_STAMP)
	$(WITH_NODE) $(CONSTRUCT_VENV)/bin/python construct/tools/synth_time.py

## cdk-synth: synthesize the CDK example offline with the construct (python app.py, on the pinned
## Node.js), then cfn-lint its template; the tests check it against the YAML example it mirrors and
## run its function's code
# CDK_OUTDIR is what `cdk synth` sets.
cdk-synth: $(STAMP) $(CONSTRUCT_STAMP) $(NODE_STAMP)
	rm -rf $(CDK_DIR)/cdk.out
	cd $(CDK_DIR) && time CDK_OUTDIR=cdk.out $(WITH_NODE) \
		$(CURDIR)/$(CONSTRUCT_VENV)/bin/python app.py
	$(BIN)/cfn-lint $(CDK_DIR)/cdk.out/*.template.json

# The cfn-lint rules (lint-rules/) as a wheel that needs cfn-lint alone: the rules, and the
# function's rule set copied from their symlink to it (cp -rL) with the region list of the locked
# botocore beside it (tools/regions.py). flit_core builds it, in the construct's build venv.
# make templates runs the same rules from lint-rules/ itself.
LINT_RULES_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' lint-rules/pyproject.toml)
LINT_RULES_WHEEL := dist/cfn_lint_personalize_solution_update-$(LINT_RULES_VERSION)-py3-none-any.whl
LINT_RULES_STAGE := build/lint-rules
LINT_RULES_PACKAGE := $(LINT_RULES_STAGE)/cfn_lint_personalize_solution_update

.PHONY: lint-rules
## lint-rules: build the cfn-lint rules' wheel into dist/ (then, anywhere:
## cfn-lint template.yaml -a cfn_lint_personalize_solution_update.rules)
lint-rules: $(LINT_RULES_WHEEL)

$(LINT_RULES_WHEEL): lint-rules/pyproject.toml lint-rules/README.md \
		$(shell find lint-rules/cfn_lint_personalize_solution_update -name '*.py') \
		$(wildcard src/handler/solution_rules/*.py) \
		src/handler/requirements.txt tools/regions.py | $(STAMP) $(CONSTRUCT_BUILD_VENV)/.installed
	rm -rf $(LINT_RULES_STAGE) && mkdir -p $(LINT_RULES_STAGE) dist
	cp -rL lint-rules/pyproject.toml lint-rules/README.md lint-rules/cfn_lint_personalize_solution_update \
		$(LINT_RULES_STAGE)/
	find $(LINT_RULES_STAGE) -name __pycache__ -prune -exec rm -rf {} +
	$(BIN)/python tools/regions.py $(LINT_RULES_PACKAGE)/solution_rules
	rm -f dist/cfn_lint_personalize_solution_update-*.whl
	cd $(LINT_RULES_STAGE) && $(CURDIR)/$(CONSTRUCT_BUILD_VENV)/bin/python -c \
		'import flit_core.buildapi as api; print("dist/" + api.build_wheel("$(CURDIR)/dist"))'
	@ls -l $@ | awk '{printf "wheel %s: %.0f kB\n", $$9, $$5 / 1e3}'

.PHONY: simulate
## simulate: HISTORIES generated histories (default 2000) from SEED (default 0), the function in-process
## against the models of Personalize, CloudFormation and Lambda on a virtual clock, every promise
## checked after each (docs/simulation.md); REPLAY=<file> plays one kept history again
HISTORIES ?= 2000
SEED ?= 0
simulate: $(STAMP)
	PYTHONPATH=src/handler:src/destination:. $(BIN)/python -m localcloud.simulation \
		$(if $(REPLAY),--replay $(REPLAY),--histories $(HISTORIES) --seed $(SEED))

.PHONY: test-readings
# What HTTP alone shows under a reading: the fault matrix's cells (the handler reading each reading's
# answers as botocore parses them). Every reading's behaviour across histories is the simulation's,
# which make test runs.
READING_SUITES := tests/functional/test_fault_matrix.py
# Every reading the emulator names (localcloud/emulator/model.py READINGS) but the default.
OTHER_READINGS = $(shell $(BIN)/python -c 'from localcloud.emulator import READINGS; \
	print(*[name for name in READINGS if name != "documented-default"])')

## test-readings: the fault matrix once per reading of Personalize's docs that the emulator plays
## besides the default one (make test plays that), READINGS_JOBS readings at a time; prints each
## reading's log in turn, then one line per reading (its pytest summary: tests, outcome, wall
## time), and fails if any reading failed
READINGS_JOBS ?= 2
test-readings: $(STAMP)
	@dir=$$(mktemp -d); \
	printf '%s\n' $(OTHER_READINGS) | xargs -P $(READINGS_JOBS) -I '{}' sh -c \
		'$(BIN)/pytest --emulator-reading "$$1" $(READING_SUITES) > "$$2/$$1.log" 2>&1; \
		echo $$? > "$$2/$$1.rc"' sh '{}' "$$dir"; \
	failed=0; summary=(); \
	for reading in $(OTHER_READINGS); do \
		echo "== emulator reading: $$reading"; cat "$$dir/$$reading.log"; \
		test "$$(cat "$$dir/$$reading.rc" 2>/dev/null)" = 0 || failed=1; \
		summary+=("$$reading: $$(tail -n 1 "$$dir/$$reading.log" | sed 's/^=* *//; s/ *=*$$//')"); \
	done; \
	rm -rf "$$dir"; printf '%s\n' "$${summary[@]}"; exit $$failed

.PHONY: test-sam-local
## test-sam-local: every events/ file, the log level and a wait longer than one invocation through
## SAM CLI's own sam local invoke and start-lambda, in Lambda's arm64 container shape; as root it
## installs what is missing (Docker engine, qemu and binfmt, debootstrap), starts dockerd if none
## answers, and builds the base-image stand-in when no image is there (tools/sam-local/run.sh)
test-sam-local: $(STAMP)
	tools/sam-local/run.sh
