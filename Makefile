# project-factory: every target bootstraps .venv (Python 3.13) from pinned requirements.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# checkov (make lint) lives in a virtualenv of its own: its pins clash with ours.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# schemathesis (the e2e contract tests) too: its pytest plugins stay out of our suite.
SCHEMATHESIS_VENV := .venv-schemathesis
SCHEMATHESIS_STAMP := $(SCHEMATHESIS_VENV)/.installed
REQUIREMENTS := requirements/dev.txt layers/common/requirements.txt pyproject.toml
# The venv's bin first: sam build looks for python3.13 on PATH.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= us-east-1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run serve test lint build deploy bench faults token openapi clean test-tools

help:
	@echo "make run     run the main job (create flow) on the local stack"
	@echo "make serve   serve template.yaml locally on 127.0.0.1:$${PORT:-3000}"
	@echo "make test    ruff, lint-imports, mypy, xenon, sam validate --lint, checkov, sam build, pytest"
	@echo "make lint    ruff, lint-imports (the layers), mypy, xenon, sam validate --lint, checkov"
	@echo "make build   sam build"
	@echo "make deploy  sam deploy (needs AWS credentials)"
	@echo "make bench   performance benchmark (out/bench.json; QUICK=1: 10k rows, minutes)"
	@echo "make faults  the create flow under seeded faults (out/faults.json; QUICK=1: small)"
	@echo "make token   a JWT of the local dev issuer (TENANT=mz ROLES=CAMPAIGN_ADMIN)"
	@echo "make openapi write docs/openapi.json from the API's routes (a test fails when stale)"

$(STAMP): $(REQUIREMENTS)
	@test -x $(BIN)/python || { py="$$(scripts/find-python.sh)" && $$py -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt -r layers/common/requirements.txt
	@# pf, the command line client (pyproject.toml); its dependencies are pinned above.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

run: $(STAMP)
	$(BIN)/python -m local.run

serve: $(STAMP)
	$(BIN)/python -m local.serve

# Every transitive dependency pinned (requirements/checkov.txt, a pip freeze): --no-deps
# installs exactly those, and a missing one fails here rather than resolving anew.
$(CHECKOV_STAMP): requirements/checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || { py="$$(scripts/find-python.sh)" && $$py -m venv $(CHECKOV_VENV); }
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements/checkov.txt
	@touch $@

# The same for schemathesis (requirements/schemathesis.txt, a pip freeze).
$(SCHEMATHESIS_STAMP): requirements/schemathesis.txt
	@test -x $(SCHEMATHESIS_VENV)/bin/python || { py="$$(scripts/find-python.sh)" && $$py -m venv $(SCHEMATHESIS_VENV); }
	$(SCHEMATHESIS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements/schemathesis.txt
	@touch $@

lint: $(STAMP) $(CHECKOV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# the layers of project_factory (pyproject.toml [tool.importlinter], docs/architecture.md)
	PYTHONPATH=layers/common $(BIN)/lint-imports
	@# types: mypy --strict on the layer and the handlers (pyproject.toml [tool.mypy])
	$(BIN)/mypy
	@# no function above radon's grade B (cyclomatic complexity 10), in the layer and handlers
	$(BIN)/xenon --max-absolute B --max-modules B --max-average A \
	  layers/common/project_factory functions
	$(BIN)/sam validate --lint
	@# checkov reads the SAM template and the CloudFormation SAM makes of it (.checkov.yaml),
	@# offline: no API key, no downloads, no update check.
	$(BIN)/python -m local.template --out out/checkov/template.json
	BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE $(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

build: $(STAMP)
	$(BIN)/sam build --cached

test: lint build test-tools $(SCHEMATHESIS_STAMP)
	$(BIN)/python -m pytest

# The round-trip tests re-save workbooks with LibreOffice, as real users do; the contract
# tests run schemathesis from its virtualenv.
test-tools: $(SCHEMATHESIS_STAMP)
	@command -v soffice >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing libreoffice-calc for the LibreOffice round-trip tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc >/dev/null; \
	  else \
	    echo "LibreOffice is missing: install libreoffice-calc (the round-trip tests are skipped without it)"; \
	  fi; }
	@# The console's browser tests drive Debian's Chromium (Playwright cannot download one here).
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the console's browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; \
	  else \
	    echo "Chromium is missing: install chromium (the browser tests are skipped without it, and fail under CI)"; \
	  fi; }

deploy: build
	$(BIN)/sam deploy

# The floor of the workbook path reads with python-calamine: installed for the bench only.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) requirements/bench.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/bench.txt
	@touch $@

bench: build $(BENCH_STAMP)
	$(BIN)/python -m local.bench $(if $(QUICK),--quick)

# The local stack runs the handlers from the source tree: no sam build needed.
faults: $(STAMP)
	$(BIN)/python -m local.faults $(if $(QUICK),--quick)

# docs/openapi.json from the API functions' resolvers (tests/integration/test_openapi.py
# fails while the committed document is not the code's).
openapi: $(STAMP)
	$(BIN)/python -m local.openapi

# A JWT of the local stack's development issuer, printed alone (TOKEN=$(make -s token)):
# TENANT and ROLES take comma-separated lists; DEV_KEY_FILE names another key file.
token: $(STAMP)
	@$(BIN)/python -m local.auth --tenant "$(or $(TENANT),mz)" --roles "$(or $(ROLES),CAMPAIGN_ADMIN)"

clean:
	rm -rf .aws-sam out .pytest_cache .ruff_cache
