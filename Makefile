# Set-up and checks. Each target creates .venv when missing and installs only when
# pyproject.toml or constraints.txt changed since the last install (stamp files).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

.PHONY: demo test docs install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/fingan demo --out runs/demo

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

# The documentation site (docs/_build/html). The notebooks run in their small mode
# (FINGAN_NOTEBOOK_SMALL=0: full mode, several minutes); FINGAN_DOCS_EXECUTE=off renders
# them without running them.
docs: $(VENV)/.installed-dev
	FINGAN_DOCS_EXECUTE=$${FINGAN_DOCS_EXECUTE:-force} FINGAN_NOTEBOOK_SMALL=$${FINGAN_NOTEBOOK_SMALL:-1} \
		$(BIN)/python -m sphinx -E -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) runs docs/_build docs/_generated
