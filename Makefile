# The two commands of the README. Each sets up .venv on first use (CPU build of
# torch first where none is installed, then vnnews with its test extras).
PYTHON ?= python3
VENV ?= .venv
# Override for another platform, e.g. TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin

.PHONY: demo test lint setup clean

# The main job; with the Hub reachable: make demo PIPELINE=configs/pipeline/phobert-vit5-base.yaml
PIPELINE ?= configs/pipeline/tiny.yaml

demo: $(VENV)/.installed  ## the main job on the bundled corpus: dataset, both models, evaluation, inference, report
	$(BIN)/vnnews pipeline --config $(PIPELINE) --overwrite

# The suite in TEST_WORKERS processes (pytest-xdist), a test module each at a time so that
# module fixtures are built once; TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2

test: $(VENV)/.installed  ## the test suite
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope

lint: $(VENV)/.installed  ## ruff, as CI runs it
	$(BIN)/ruff check .

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install --quiet $(TORCH_SPEC)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf build $(VENV)
