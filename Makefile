# lambda-python-image: one target per developer action; `make help` lists them.
# CI (.ci/run) calls the same targets a developer does.
SHELL := /bin/bash
.DEFAULT_GOAL := help
include versions.env

IMAGE          ?= lambda-python
FUNCTION_IMAGE ?= lambda-python-example
ARCH           ?= $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x86_64)
PORT           ?= 9000
HANDLER        ?= app.handler
EVENT          ?= demo-s3
# make run-local: our local server (local) or AWS's RIE (rie); CODE is mounted and reloaded on change.
EMULATOR       ?= local
CODE           ?= handler
PYTHON         ?= python3
VENV           ?= .venv
# The benchmark runs on the Python line the image ships (3.13), as AWS's python3.13 image would.
BENCH_PYTHON   ?= $(shell for p in python3.13 $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) python3; do \
  "$$p" -c "" 2>/dev/null && { command -v "$$p"; break; }; done)
VERSION        ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION       ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE         ?= $(shell git remote get-url origin 2>/dev/null || echo unknown)

# One row per architecture and per Python line: image/architectures.tsv, image/python-lines.tsv.
# PYTHON_VERSION picks the line (versions.env has the default, whose images also get the
# unprefixed tags lambda-python:<arch> and lambda-python:slim-<arch>).
ARCHES         := $(shell awk '!/^\#/ && NF && ++n > 1 {print $$1}' image/architectures.tsv)
LINES          := $(shell awk '!/^\#/ && NF && ++n > 1 {print $$1}' image/python-lines.tsv)
DEFAULT_LINE   := $(shell sed -n 's/^PYTHON_VERSION=//p' versions.env)
IS_DEFAULT     = $(filter $(DEFAULT_LINE),$(PYTHON_VERSION))
arch_field      = $(shell scripts/table.sh architectures $(1) $(2))
PLATFORM        = $(call arch_field,$(ARCH),platform)
INVOKE_URL = http://localhost:$(PORT)/2015-03-31/functions/function/invocations
EVENT_FILE = $(if $(wildcard $(EVENT)),$(EVENT),handler/events/$(EVENT).json)

.PHONY: help
help: ## Show this help
	@echo "lambda-python-image: a Python base image for AWS Lambda with its own runtime"
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z0-9_%-]+:.*## / { printf "  make %-20s %s\n", $$1, $$2 }' Makefile
	@echo
	@echo "Variables: ARCH=$(ARCH) PYTHON_VERSION=$(PYTHON_VERSION) PORT=$(PORT) HANDLER=$(HANDLER) EVENT=$(EVENT) IMAGE=$(IMAGE) EMULATOR=$(EMULATOR) CODE=$(CODE)"
	@echo "  TIMEOUT= (the function's, in seconds); a durable function: DURABLE_CONFIG='{\"ExecutionTimeout\": 900}' HANDLER=orders.handler [DURABLE_TIME_SCALE=0] STATE_DIR=$(STATE_DIR)"

# --- the image ----------------------------------------------------------------------

.PHONY: docker
docker: ## Make sure a Docker engine answers (starts one as root on Debian)
	@scripts/ensure-docker.sh

.PHONY: tools
tools: ## Make sure every tool the tests need is here (installs them as root on Debian)
	@scripts/ensure-tools.sh

build/rie/.fetched: versions.env image/architectures.tsv scripts/fetch-rie.sh
	@scripts/fetch-rie.sh build/rie && touch $@

build/sdk/requirements.txt: image/sdk-requirements.txt scripts/fetch-sdk.sh
	@scripts/fetch-sdk.sh build/sdk

.PHONY: inputs
inputs: build/rie/.fetched build/sdk/requirements.txt ## Fetch the RIE binaries and the AWS SDK's wheels (pinned, sha256-verified)

# The SDK set is the newest releases that image/sdk-requirements.in allows on every Python line
# (pip resolves, stdlib Python hashes); commit the .txt it writes, and `make build` fetches it.
.PHONY: lock-sdk
lock-sdk: ## Re-lock the AWS SDK set: image/sdk-requirements.txt, the newest releases the .in allows, with sha256
	@$(PYTHON) scripts/lock-sdk.py

.PHONY: build $(ARCHES:%=build-%)
build: $(ARCHES:%=build-%) ## Build the base images lambda-python:<3.X->[slim-]<arch> (PYTHON_VERSION=3.X, default 3.13)
	@docker image ls $(IMAGE) --format '{{.Repository}}:{{.Tag}}  {{.Size}}'

# The arguments of one base image build for architecture $(1), FROM $$base.
image_args = --platform $(call arch_field,$(1),platform) -f $(call arch_field,$(1),dockerfile) \
  --build-arg BASE_IMAGE=$$base --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) \
  --build-arg SOURCE=$(SOURCE)

$(ARCHES:%=build-%): build-%: docker inputs
	@[ $* = x86_64 ] || scripts/ensure-arm64.sh
	@base=$$(scripts/base-image.sh $* $(PYTHON_VERSION)) && \
	  echo "building $(IMAGE):$(PYTHON_VERSION)-$* and $(IMAGE):$(PYTHON_VERSION)-slim-$* FROM $$base" && \
	  scripts/docker-build.sh $(call image_args,$*) --target slim -t $(IMAGE):$(PYTHON_VERSION)-slim-$* \
	    $(if $(IS_DEFAULT),-t $(IMAGE):slim-$*) . && \
	  scripts/docker-build.sh $(call image_args,$*) -t $(IMAGE):$(PYTHON_VERSION)-$* $(if $(IS_DEFAULT),-t $(IMAGE):$*) .

.PHONY: function
function: build-$(ARCH) ## Build the example function image (handler/) for ARCH
	@scripts/docker-build.sh --platform $(PLATFORM) --build-arg BASE=$(IMAGE):$(PYTHON_VERSION)-$(ARCH) \
	  -t $(FUNCTION_IMAGE):$(PYTHON_VERSION)-$(ARCH) $(if $(IS_DEFAULT),-t $(FUNCTION_IMAGE):$(ARCH)) handler
	@echo "built $(FUNCTION_IMAGE):$(PYTHON_VERSION)-$(ARCH)$(if $(IS_DEFAULT), and $(FUNCTION_IMAGE):$(ARCH))"

# With the local server, CODE (the function's folder) is mounted read-only beside /var/task and
# served over it: a saved change runs on the next request, no rebuild.
RUN_LOCAL_CODE = $(if $(filter local,$(EMULATOR)),-v $(abspath $(CODE)):/var/task-live:ro -e LAMBDA_LOCAL_CODE=/var/task-live)
# TIMEOUT=seconds: the function's timeout (AWS_LAMBDA_FUNCTION_TIMEOUT; Lambda's default, 3 s, if unset).
TIMEOUT ?=
RUN_LOCAL_TIMEOUT = $(if $(TIMEOUT),-e AWS_LAMBDA_FUNCTION_TIMEOUT=$(TIMEOUT))
# DURABLE_CONFIG='{"ExecutionTimeout": 900}' makes the function durable (docs/durable.md); its
# executions are kept on the host in STATE_DIR, so they outlive the container.
DURABLE_CONFIG ?=
DURABLE_TIME_SCALE ?=
STATE_DIR ?= build/local-state
RUN_LOCAL_DURABLE = $(if $(DURABLE_CONFIG),-e LAMBDA_LOCAL_DURABLE_CONFIG='$(DURABLE_CONFIG)' \
  -v $(abspath $(STATE_DIR)):/var/lambda-local-state -e LAMBDA_LOCAL_STATE_DIR=/var/lambda-local-state \
  $(if $(DURABLE_TIME_SCALE),-e LAMBDA_LOCAL_DURABLE_TIME_SCALE=$(DURABLE_TIME_SCALE)))
# Lambda's names for the execution environment itself, where extensions listen for telemetry
# (the OpenTelemetry collector binds sandbox.localdomain, Serverless's extension `sandbox`): the
# local server delivers to 127.0.0.1 whatever the name; an extension that looks the name up
# itself needs it in /etc/hosts.
SANDBOX_HOSTS = --add-host sandbox.localdomain:127.0.0.1 --add-host sandbox:127.0.0.1

.PHONY: run-local
run-local: function ## Serve the example function on localhost:PORT (EMULATOR=local|rie, CODE=handler; Ctrl-C stops it)
	@test "$(EMULATOR)" = local -o "$(EMULATOR)" = rie || { echo "EMULATOR must be local or rie"; exit 2; }
	@test -d "$(CODE)" || { echo "CODE=$(CODE) is not a folder"; exit 2; }
	@test -z "$(DURABLE_CONFIG)" -o "$(EMULATOR)" = local || { echo "DURABLE_CONFIG needs EMULATOR=local (the RIE has no durable functions)"; exit 2; }
	@echo "Serving $(HANDLER) ($(ARCH), $(EMULATOR)) on localhost:$(PORT). In another terminal:"
ifeq ($(DURABLE_CONFIG),)
	@echo "  curl -s $(INVOKE_URL) -d @handler/events/demo-s3.json"
	@echo "  make invoke EVENT=demo-apigateway    (events: $$(cd handler/events && ls *.json | sed 's/.json//' | tr '\n' ' '))"
	@if [ "$(EMULATOR)" = local ]; then echo "  curl -s -X POST localhost:$(PORT)/lucky -d '{\"name\":\"ada\"}'   (any path: a function URL request)"; \
	  echo "  edit $(CODE)/ and call again: the next request runs the new code"; fi
else
	@mkdir -p $(STATE_DIR)
	@echo '  durable, $(DURABLE_CONFIG): invoked by a qualified name (docs/durable.md), executions kept in $(STATE_DIR)/'
	@echo "  curl -s 'localhost:$(PORT)/2015-03-31/functions/test_function:\$$LATEST/invocations' -d '{\"orderId\": \"42\"}'"
endif
	@docker run --rm --init --name $(FUNCTION_IMAGE)-$(PORT) --platform $(PLATFORM) \
	  -p $(PORT):8080 $(SANDBOX_HOSTS) -e LAMBDA_EMULATOR=$(EMULATOR) $(RUN_LOCAL_CODE) $(RUN_LOCAL_TIMEOUT) $(RUN_LOCAL_DURABLE) \
	  $(FUNCTION_IMAGE):$(ARCH) $(HANDLER)

.PHONY: invoke
invoke: ## Send a sample event: EVENT=<a name in handler/events/> (default demo-s3) or a path
	@test -f "$(EVENT_FILE)" || { echo "no event file $(EVENT_FILE)"; exit 1; }
	@curl -sS --fail-with-body $(INVOKE_URL) -d @$(EVENT_FILE) || \
	  { echo; echo "invoke failed: is 'make run-local' running on port $(PORT)?"; exit 1; }
	@echo

# --- development ----------------------------------------------------------------------

$(VENV)/.installed: requirements-dev.txt
	@$(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt \
	  2> >(grep -v "^WARNING: Location" >&2)
	@touch $@

.PHONY: venv
venv: $(VENV)/.installed ## Create the development virtualenv (.venv)

# Coverage of every test run, subprocesses included (pyproject.toml), with a floor per
# package for the whole suite: `make test PYTEST_ARGS=...` runs a part and checks no floor.
# (local_server/: its CLI runs only in containers, which are not measured; 90-91 % measured.)
COVERAGE       = $(VENV)/bin/coverage
COVERAGE_FLOOR = runtime/lambda_runtime:95 ship:90 local_server:88

.PHONY: test
test: venv tools inputs ## Run every test: unit, functional, awslambdaric, RIE, containers, arm64
	@rm -rf build/coverage
	$(COVERAGE) run -m pytest $(PYTEST_ARGS)
	@$(if $(PYTEST_ARGS),,scripts/coverage-floor.sh $(COVERAGE) $(COVERAGE_FLOOR))

.PHONY: test-fast
test-fast: venv inputs ## Run the tests that need no Docker (unit, functional, differential, RIE)
	$(VENV)/bin/python -m pytest -m "not docker" $(PYTEST_ARGS)

.PHONY: lint
lint: venv ## Lint: ruff (Python), shellcheck (POSIX sh), mypy (strict on runtime/, local_server/, ship/)
	$(VENV)/bin/ruff check . runtime/bootstrap
	$(VENV)/bin/shellcheck -x -s sh scripts/*.sh image/*.sh
	cd runtime && $(abspath $(VENV))/bin/mypy --strict lambda_runtime lambda_runtime_api bootstrap
	MYPYPATH=runtime $(VENV)/bin/mypy --strict local_server ship

.PHONY: check
check: lint test-fast ## Everything quick: lint, types and the tests that need no Docker

.PHONY: coverage
coverage: ## Show the line coverage of the last `make test`, file by file
	@$(COVERAGE) report --show-missing

build/bench-venv/.installed: requirements-bench.txt
	@$(BENCH_PYTHON) -m venv build/bench-venv
	@build/bench-venv/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bench.txt \
	  2> >(grep -v "^WARNING: Location" >&2)
	@touch $@

.PHONY: bench
bench: build/bench-venv/.installed build/rie/.fetched ## Benchmark: the runtime against awslambdaric (init, warm, memory, streaming, async, managed instances, SIGTERM), the local server against the RIE, a durable function against AWS's dex-local-runner
	@# Each part runs and prints whatever another missed; make fails at the end if any missed a target.
	@status=0; \
	  echo "build/bench-venv/bin/python bench/bench.py"; build/bench-venv/bin/python bench/bench.py || status=1; \
	  echo "$(BENCH_PYTHON) bench/bench_server.py"; $(BENCH_PYTHON) bench/bench_server.py || status=1; \
	  echo "build/bench-venv/bin/python bench/durable.py"; build/bench-venv/bin/python bench/durable.py || status=1; \
	  exit $$status

# AWS SAM CLI in a virtualenv of its own (its pins would clash with the dev venv's).
# --no-deps: the file is the whole closure, and the pip that venv brings (23.2) rejects
# hashed pins that are also required with extras (boto3-stubs[...]).
build/sam-venv/.installed: requirements-sam.txt
	@$(PYTHON) -m venv build/sam-venv
	@build/sam-venv/bin/pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r requirements-sam.txt \
	  2> >(grep -v "^WARNING: Location" >&2)
	@touch $@

.PHONY: sam-venv
sam-venv: build/sam-venv/.installed ## Install AWS SAM CLI (pinned) in build/sam-venv: build/sam-venv/bin/sam

.PHONY: clean
clean: ## Remove build outputs and the local images
	rm -rf build $(VENV)
	-docker image rm $(foreach a,$(ARCHES),$(IMAGE):$(a) $(IMAGE):slim-$(a) $(FUNCTION_IMAGE):$(a) \
	  $(foreach l,$(LINES),$(IMAGE):$(l)-$(a) $(IMAGE):$(l)-slim-$(a) $(FUNCTION_IMAGE):$(l)-$(a))) 2>/dev/null

# --- AWS's durable execution conformance requirements -----------------------------------------

# The package (aws-durable-execution-conformance-tests, Python >= 3.14) runs in a container of the
# 3.14 image, against local servers started from that image's own local_server.zip; its wheels
# are fetched here, pinned and hashed (tests/durable_conformance/requirements.txt).
CONFORMANCE      = tests/durable_conformance
CONFORMANCE_LINE = 3.14
CONFORMANCE_OUT  = build/durable-conformance
CONFORMANCE_ARGS ?=

$(CONFORMANCE_OUT)/wheels/.fetched: $(CONFORMANCE)/requirements.txt
	@rm -rf $(@D) && mkdir -p $(@D)
	@$(PYTHON) -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
	  --python-version $(CONFORMANCE_LINE) --platform manylinux2014_x86_64 --platform any -d $(@D) -r $< \
	  2> >(grep -v "^WARNING: Location" >&2)
	@touch $@

.PHONY: durable-conformance
durable-conformance: $(CONFORMANCE_OUT)/wheels/.fetched ## AWS's durable execution conformance requirements against the local server in the 3.14 image (CONFORMANCE_ARGS='--only 1-1,4-3' or '--suite step')
	@$(MAKE) -s build-x86_64 PYTHON_VERSION=$(CONFORMANCE_LINE) >/dev/null
	@docker run --rm --platform linux/amd64 --entrypoint /bin/sh -v $(abspath $(CONFORMANCE)):/conformance:ro \
	  -v $(abspath $(CONFORMANCE_OUT)):/out $(IMAGE):$(CONFORMANCE_LINE)-x86_64 /conformance/in-container.sh $(CONFORMANCE_ARGS)

# --- shipping (boto3: ship/) ------------------------------------------------------------

REPOSITORY ?=
FUNCTION   ?=
TAG        ?=
REGION     ?=
PROFILE    ?=
REGISTRY   ?=
MUTABILITY ?= MUTABLE
SHIP = $(VENV)/bin/python -m ship
SHIP_AWS = $(if $(REGION),--region $(REGION)) $(if $(PROFILE),--profile $(PROFILE))
SHIP_PUSH = --repository $(REPOSITORY) $(if $(TAG),--tag $(TAG)) $(if $(REGISTRY),--registry $(REGISTRY)) \
  --mutability $(MUTABILITY) $(SHIP_AWS)
PUSH_ARCHES = $(if $(filter all,$(ARCH)),$(ARCHES),$(ARCH))

.PHONY: push
push: venv ## Push the function image to ECR: REPOSITORY= [ARCH=x86_64|arm64|all] [TAG= REGION= PROFILE=]
	@test -n "$(REPOSITORY)" || { echo "make push needs REPOSITORY=<ECR repository name>"; exit 2; }
	@for arch in $(PUSH_ARCHES); do $(MAKE) -s function ARCH=$$arch || exit 1; done
	@$(SHIP) push --image $(FUNCTION_IMAGE) --arch $(ARCH) $(SHIP_PUSH)

# The Python lines publish-base builds and pushes (default: every line of image/python-lines.tsv).
PUBLISH_LINES ?= $(LINES)
SHIP_PUBLISH = $(if $(REGISTRY),--registry $(REGISTRY)) --mutability $(MUTABILITY) $(SHIP_AWS) --repository $(REPOSITORY)

.PHONY: publish-base
publish-base: venv ## Push the base images of each Python line, with and without the SDK: REPOSITORY= [PUBLISH_LINES=3.13 ...]
	@test -n "$(REPOSITORY)" || { echo "make publish-base needs REPOSITORY=<ECR repository name>"; exit 2; }
	@for line in $(PUBLISH_LINES); do \
	  $(MAKE) -s build PYTHON_VERSION=$$line >/dev/null && \
	  $(SHIP) publish-base --image $(IMAGE) --local-prefix $$line- --tag $$line $(SHIP_PUBLISH) && \
	  $(SHIP) publish-base --image $(IMAGE) --local-prefix $$line-slim- --tag $$line-slim $(SHIP_PUBLISH) || exit 1; \
	done

.PHONY: deploy
deploy: venv ## Point a Lambda function at the image just pushed: FUNCTION= [ARCH=]
	@test -n "$(FUNCTION)" || { echo "make deploy needs FUNCTION=<Lambda function name>"; exit 2; }
	@$(SHIP) deploy --function $(FUNCTION) --arch $(ARCH) $(SHIP_AWS)
