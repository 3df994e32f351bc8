# `make test` and `make book` each create/refresh the local virtual environment first.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv test test-fast book clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel (a bare `torch` would pull a multi-GB CUDA build)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	touch $(STAMP)

test: venv
	$(BIN)/python -m pytest -q -ra

test-fast: venv
	$(BIN)/python -m pytest -q -m "not slow"

book: venv
	$(BIN)/nasmeta book

clean:
	rm -rf _build book/chapters
