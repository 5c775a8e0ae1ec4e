# The README's commands. Everything runs from a fresh clone on a Debian machine
# with Python 3.11, Java 17 and Maven: the targets install what is missing.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check unit integration e2e stack stop-stack wipe-stack services stop bench schemas clean scale k8s-tools web browser wrk

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "needs $(PY)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## demo: install, start Kafka + PostgreSQL + the five services, feed a sample, print a summary
demo: $(STAMP) stack web
	bash deploy/local/services.sh start
	$(BIN)/python -m demo
	bash deploy/local/services.sh urls

## test: the whole suite (lint, types, schemas, unit, integration, e2e) on the real broker and database
test: $(STAMP) stack check web browser
	$(BIN)/pytest tests

check: $(STAMP) k8s-tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --explicit-package-bases services schemas bench demo tests deploy/k8s deploy/tools
	$(BIN)/python -m schemas.export --check
	$(BIN)/python -m deploy.k8s.generate --check

## web: the dashboard's npm dependencies (Apache ECharts) from package-lock.json
WEB_DIR := services/reporting/web
web: $(WEB_DIR)/node_modules/.package-lock.json
$(WEB_DIR)/node_modules/.package-lock.json: $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "needs node and npm (apt-get install -y nodejs npm)"; exit 1; }
	npm ci --prefix $(WEB_DIR) --no-audit --no-fund

## browser: headless Chromium, its WebDriver and a Chinese font (Debian packages) for the browser tests and the PDF
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && $$SUDO apt-get install -y chromium chromium-driver fonts-wqy-zenhei; }

## wrk: the HTTP load generator of the query benchmark (Debian package; C, so it leaves the cores to the services it measures)
wrk:
	@command -v wrk >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && $$SUDO apt-get install -y wrk; }

## k8s-tools: kustomize and kubeconform (Go modules) for the offline manifest checks
GOBIN_DIR := $(shell go env GOPATH 2>/dev/null || echo $$HOME/go)/bin
k8s-tools: $(GOBIN_DIR)/kustomize $(GOBIN_DIR)/kubeconform
$(GOBIN_DIR)/kustomize:
	go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0
$(GOBIN_DIR)/kubeconform:
	go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0

unit: $(STAMP)
	$(BIN)/pytest tests/unit

## test-dates: the date-sensitive tests with the machine's date moved back and ahead (FOLLOWUP_MACHINE_DATE; faketime would move Kafka's timestamps)
DATE_TESTS ?= tests/unit tests/integration/test_scheduler_tick.py tests/integration/test_scheduler_api.py tests/integration/test_feedback_api.py tests/integration/test_feedback_command_path.py tests/integration/test_promises_feedback.py tests/integration/test_promises_survey.py tests/integration/test_survey_api.py tests/integration/test_closed_loop.py
.PHONY: test-dates
test-dates: $(STAMP) stack
	FOLLOWUP_MACHINE_DATE=2025-01-01 $(BIN)/pytest -q $(DATE_TESTS)
	FOLLOWUP_MACHINE_DATE=2030-01-01 $(BIN)/pytest -q $(DATE_TESTS)

integration: $(STAMP) stack
	$(BIN)/pytest tests/integration

e2e: $(STAMP) stack
	$(BIN)/pytest tests/e2e

## stack: Kafka + PostgreSQL; BROKERS=3 starts a three-node Kafka cluster (RF 3, min.insync.replicas 2)
stack: $(STAMP)
	bash deploy/local/stack.sh start

stop-stack:
	bash deploy/local/stack.sh stop

wipe-stack:
	bash deploy/local/stack.sh wipe

services: $(STAMP) stack
	bash deploy/local/services.sh start

## scale: run exactly N replicas of one service, e.g. make scale SERVICE=scheduler N=3
scale: $(STAMP) stack
	@test -n "$(SERVICE)" && test -n "$(N)" || { echo "usage: make scale SERVICE=<name> N=<count>"; exit 2; }
	bash deploy/local/services.sh scale $(SERVICE) $(N)

## stop: stop the five services and the stack
stop:
	bash deploy/local/services.sh stop
	bash deploy/local/stack.sh stop

BENCH_EVENTS ?= 200000
BENCH_REBUILD_EVENTS ?= 1000000
## bench: every read model against bare consumption, all five rebuilt at once from 1M events, accept → visible latency and RSS, queries at volume, the Friday batch at 50,000 rows (BENCHMARKS.md); BENCH_QUICK=1 (or bench-quick) for the short form CI runs; BENCH_PROFILE=dir samples the services with py-spy
bench: $(STAMP) stack web browser wrk
	$(BIN)/python -m bench.projections $(if $(BENCH_QUICK),--quick,--events $(BENCH_EVENTS))
	$(BIN)/python -m bench.projections --together $(if $(BENCH_QUICK),--quick,--events $(BENCH_REBUILD_EVENTS))
	$(BIN)/python -m bench.latency $(if $(BENCH_QUICK),--quick) $(if $(BENCH_PROFILE),--profile $(BENCH_PROFILE))
	$(BIN)/python -m bench.queries $(if $(BENCH_QUICK),--quick) $(if $(BENCH_PROFILE),--profile $(BENCH_PROFILE))
	$(BIN)/python -m bench.imports $(if $(BENCH_QUICK),--quick)

.PHONY: bench-quick bench-ledger
bench-quick:
	$(MAKE) bench BENCH_QUICK=1

## bench-ledger: the ledger read model alone against bare consumption and COPY
bench-ledger: $(STAMP) stack
	$(BIN)/python -m bench.ledger_projection --events $(BENCH_EVENTS)

.PHONY: faults
FAULTS ?= short
## faults: the fault suite with its oracle on a private Kafka + PostgreSQL (FAULTS=full: 2,000 customers, three brokers, leader kills)
faults: $(STAMP)
	$(BIN)/python -m tests.faults --$(FAULTS)

schemas: $(STAMP)
	$(BIN)/python -m schemas.export
