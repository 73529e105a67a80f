# The two commands of the README. Each one creates .venv when it is missing
# or older than setup.py or pyproject.toml, installs the package with its
# test extra, and runs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo lint test test-all docs clean

$(STAMP): setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/keras-memory demo

# ruff's rules are in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest -n 2 -m "not slow"

# The slow training runs as well.
test-all: lint
	$(BIN)/python -m pytest -n 2

docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) site demo_output serving build dist *.egg-info
