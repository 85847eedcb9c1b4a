# Two entry points, as documented in the README:
#   make run   - set everything up, build the bundled model if needed, start the dashboard
#   make test  - set everything up, lint, build the docs (strict), and run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
HOST ?= 127.0.0.1

.PHONY: run test setup model lint typecheck format docs bench bench-gpu

$(STAMP): pyproject.toml requirements.txt requirements-dev.txt requirements-tools.txt requirements-assets.txt requirements-scale.txt requirements-report.txt requirements-docs.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -r requirements-assets.txt
	$(BIN)/pip install --quiet -r requirements-scale.txt
	$(BIN)/pip install --quiet -r requirements-report.txt
	$(BIN)/pip install --quiet -r requirements-docs.txt
	$(BIN)/pip install --quiet --no-deps --editable .
	touch $(STAMP)

setup: $(STAMP)

model: setup
	$(BIN)/tokenlight build

run: model
	$(BIN)/tokenlight run --host $(HOST) --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: setup
	$(BIN)/mypy

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The documentation site (mkdocs.yml, docs/) into site/: --strict fails on a broken link or
# a missing API reference. NO_MKDOCS_2_WARNING silences Material's end-of-life notice.
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

test: lint docs
	$(BIN)/python -m pytest

bench: model
	$(BIN)/pip install --quiet -r requirements-bench.txt
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.accuracy

# On a machine with a CUDA GPU: the CUDA tests and the GPU benchmark (see benchmarks/gpu.py).
# Without one it says so and exits 0.
bench-gpu: setup
	$(BIN)/python -m benchmarks.gpu $(BENCH_ARGS)
