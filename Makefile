# Two entry points, as documented in the README:
#   make run   - set everything up, build the bundled model if needed, start the dashboard
#   make test  - set everything up, lint, and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test setup model lint format bench

$(STAMP): requirements.txt requirements-dev.txt requirements-assets.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-assets.txt
	touch $(STAMP)

setup: $(STAMP)

model: setup
	$(BIN)/python -m explain.io.build

run: model
	$(BIN)/streamlit run streamlit_app.py --server.port $(PORT) --browser.gatherUsageStats false

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest

bench: model
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)
