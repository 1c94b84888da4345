# The assistant: `make run` starts everything from a fresh clone; `make test` tests everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

APP_PYTHON  ?= $(shell PYENV_VERSION=3.11.7 pyenv which python 2>/dev/null || command -v python3.11)
RASA_PYTHON ?= $(shell PYENV_VERSION=3.10.13 pyenv which python 2>/dev/null || command -v python3.10)
APP   := .venv/bin
RASA  := .venv-rasa/bin
MODEL := models/assistant.tar.gz
# MiniLM as ONNX for the engine's featurizer (engine/featurizers.py), exported from the app environment's package.
MINILM := var/models/minilm/model.onnx
BOT_DATA := $(shell find bot/data -name '*.yml')
RASA_ENV := RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 HF_HUB_OFFLINE=1
export HF_HUB_OFFLINE := 1
# PROFILE=scale: the scale-out profile (PostgreSQL, Redis, Chroma server, 2 Rasa + 2 action servers
# behind nginx; operations/scale.py). Without it: STACK_PROFILE from the environment or .env, else embedded.
ifdef PROFILE
export STACK_PROFILE := $(PROFILE)
endif
# Debian packages the targets need, installed when missing (as root) by scripts/install_system_packages.sh,
# which otherwise stops at once with the command to run: the browser tests drive Debian's Chromium, the
# scale-out profile runs Debian's PostgreSQL, Redis and nginx.
SCALE_PACKAGES := redis-server nginx postgresql
TEST_PACKAGES  := chromium $(SCALE_PACKAGES)
RUN_PROFILE    := $(or $(STACK_PROFILE),$(shell sed -n 's/^STACK_PROFILE=//p' .env 2>/dev/null | tr -d '"'))
RUN_PACKAGES   := $(if $(filter scale,$(RUN_PROFILE)),$(SCALE_PACKAGES))

.PHONY: help system-packages-run system-packages-test setup stores run up down test test-unit test-e2e train validate test-stories lint bench bench-widget bench-analytics bench-knowledge eval eval-nlu seed ingest

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-21s %s\n", $$1, $$2}'

.venv/.installed: pyproject.toml
	test -x $(APP)/python || $(APP_PYTHON) -m venv .venv
	$(APP)/pip install -q --upgrade pip
	$(APP)/pip install -q -e '.[dev,postgres]'
	touch $@

.venv-rasa/.installed: requirements-rasa.txt
	test -x $(RASA)/python || $(RASA_PYTHON) -m venv .venv-rasa
	$(RASA)/pip install -q --upgrade pip
	$(RASA)/pip install -q -r requirements-rasa.txt
	touch $@

$(MINILM): scripts/export_minilm_onnx.py | .venv/.installed
	$(APP)/python scripts/export_minilm_onnx.py $(dir $@)

system-packages-run: ## The Debian packages `make run` needs (PROFILE=scale: PostgreSQL, Redis, nginx; else none)
	@scripts/install_system_packages.sh $(RUN_PACKAGES)

system-packages-test: ## The Debian packages `make test` needs (Chromium, PostgreSQL, Redis, nginx)
	@scripts/install_system_packages.sh $(TEST_PACKAGES)

setup: .venv/.installed .venv-rasa/.installed $(MINILM) ## Create both environments (app: Python 3.11, engine: Python 3.10)

seed: .venv/.installed ## Migrate and seed the demo back office; a conversation history for the dashboard if none (idempotent)
	$(APP)/assistant demo seed
	$(APP)/assistant demo-history

ingest: .venv/.installed ## Index the demo company's documents (re-runs only index what changed)
	$(APP)/assistant knowledge ingest-demo

$(MODEL): config.yml domain.yml $(BOT_DATA) engine/featurizers.py engine/spelling.py | .venv-rasa/.installed $(MINILM)
	$(RASA_ENV) $(RASA)/rasa train --config config.yml --domain domain.yml --data bot/data \
	  --out models --fixed-model-name assistant

train: $(MODEL) ## Train the Rasa model if it is older than its data

validate: .venv-rasa/.installed ## rasa data validate
	$(RASA_ENV) $(RASA)/rasa data validate --config config.yml --domain domain.yml --data bot/data

test-stories: $(MODEL) ## rasa test on the test stories, failing on any prediction error
	$(RASA_ENV) $(RASA)/python -m engine test core --model $(MODEL) --stories tests/stories \
	  --fail-on-prediction-errors --out var/results/stories

stores: setup ## The profile's own stores before seeding (PROFILE=scale: PostgreSQL, Redis, Chroma; embedded: none)
	$(APP)/assistant stack up --stores

run: system-packages-run setup stores seed ingest train ## Set up, seed, train if stale, start everything; Ctrl-C stops it (PROFILE=scale)
	$(APP)/assistant stack run

up: system-packages-run setup stores seed ingest train ## The same stack in the background (waits until healthy; PROFILE=scale)
	$(APP)/assistant stack up

down: ## Stop the background stack (either profile)
	@test -x $(APP)/assistant && $(APP)/assistant stack down || true

lint: .venv/.installed ## ruff, mypy, the import contract (layers, no cycles), sizes (modules <= 500 lines, functions <= 80)
	$(APP)/ruff check .
	$(APP)/ruff format --check .
	$(APP)/mypy assistant backoffice actions api engine knowledge handoff analytics privacy demo operations rasa_sdk_plugins
	$(APP)/lint-imports --no-cache
	$(APP)/python scripts/check_sizes.py

test-unit: .venv/.installed ## Unit tests (no running stack)
	$(APP)/pytest -m "not e2e and not engine" -q

test-e2e: system-packages-test setup train ## End-to-end tests against a real stack, and the engine patches on the model
	$(APP)/pytest -m "e2e or engine" -q

test: system-packages-test setup train validate test-stories lint ## Everything: validate, test stories, lint, unit and end-to-end tests
	$(APP)/pytest -q

bench: setup seed ingest train ## Latency and throughput against Rasa's starter bot on our engine and on stock rasa run (prints numbers)
	$(APP)/python scripts/bench.py

bench-widget: setup train ## The chat widget in Chromium: first paint, first reply, gzipped size (prints numbers)
	$(APP)/python scripts/bench_widget.py

bench-analytics: setup ## Analytics on 100,000 generated conversations: the fold and the dashboard's first load (prints numbers)
	$(APP)/python scripts/bench_analytics.py

bench-knowledge: setup ## Dense candidates from numpy vs Chroma's HNSW index (embedded and a server), evaluation sets and synthetic collections (prints numbers)
	$(APP)/python scripts/bench_knowledge.py --json var/eval/bench-knowledge.json

eval: setup ## Knowledge answers on four document sets (test halves, macro average) against the LangChain recipe and BM25
	$(APP)/python scripts/eval_knowledge.py --json var/eval/knowledge.json

eval-nlu: setup ## NLU on two sources of real phrasing (nlu_dev, HWU64 test half) on a stack of its own, next to the baseline trained on the same data
	$(APP)/python scripts/eval_nlu.py --json var/eval/nlu.json

.PHONY: eval-dialogue
eval-dialogue: setup train ## The conversation set (tests/conversations) on a fresh stack of its own, then the test stories
	$(APP)/python scripts/eval_dialogue.py --json var/eval/dialogue.json $(EVAL_DIALOGUE_ARGS)

.PHONY: loadtest
loadtest: setup ## 200 conversations × 10 turns at once, every tracker checked (PROFILE=scale; LOADTEST_ARGS="--conversations 20")
	$(APP)/python scripts/loadtest.py $(LOADTEST_ARGS)
