# The README's commands. Everything runs from a fresh clone on a Debian machine
# with Python 3.11, Java 17 and Maven: the targets install what is missing.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check unit integration e2e stack stop-stack wipe-stack services stop bench schemas clean scale k8s-tools

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "needs $(PY)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

## demo: install, start Kafka + PostgreSQL + the five services, feed a sample, print a summary
demo: $(STAMP) stack
	bash deploy/local/services.sh start
	$(BIN)/python -m demo
	bash deploy/local/services.sh urls

## test: the whole suite (lint, types, schemas, unit, integration, e2e) on the real broker and database
test: $(STAMP) stack check
	$(BIN)/pytest tests

check: $(STAMP) k8s-tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --explicit-package-bases services schemas bench demo tests deploy/k8s deploy/tools
	$(BIN)/python -m schemas.export --check
	$(BIN)/python -m deploy.k8s.generate --check

## k8s-tools: kustomize and kubeconform (Go modules) for the offline manifest checks
GOBIN_DIR := $(shell go env GOPATH 2>/dev/null || echo $$HOME/go)/bin
k8s-tools: $(GOBIN_DIR)/kustomize $(GOBIN_DIR)/kubeconform
$(GOBIN_DIR)/kustomize:
	go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0
$(GOBIN_DIR)/kubeconform:
	go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP) stack
	$(BIN)/pytest tests/integration

e2e: $(STAMP) stack
	$(BIN)/pytest tests/e2e

## stack: Kafka + PostgreSQL; BROKERS=3 starts a three-node Kafka cluster (RF 3, min.insync.replicas 2)
stack:
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
## bench: the ledger read model against bare Kafka consumption and COPY (BENCHMARKS.md); BENCH_EVENTS=20000 for a quick run
bench: $(STAMP) stack
	$(BIN)/python -m bench.ledger_projection --events $(BENCH_EVENTS)

schemas: $(STAMP)
	$(BIN)/python -m schemas.export
