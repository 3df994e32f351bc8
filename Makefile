# `make test` and `make book` each create/refresh the local virtual environment first.
# Settings (see book/install.md): PYTHON=python3.12 picks the interpreter the venv is made from;
# TORCH_INDEX=cpu takes torch from PyTorch's CPU-only wheel index (or give an index URL);
# EXTRAS=test,lab adds JupyterLab. They apply when the venv is (re)created: `rm -rf .venv` first.
PYTHON ?= python3.11
VENV   ?= .venv
TORCH_INDEX ?=
EXTRAS ?= test
TORCH_INDEX_URL := $(if $(filter cpu,$(TORCH_INDEX)),https://download.pytorch.org/whl/cpu,$(TORCH_INDEX))
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv test test-fast book clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: the CPU wheel (a bare `torch` would pull a multi-GB CUDA build)
	$(BIN)/python -m pip install --quiet torch==2.13.0 $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL))
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
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
