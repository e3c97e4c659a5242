# claimminer: two commands on a fresh machine: `make extract` and `make test`.
# Every target bootstraps .venv (pinned versions from requirements.lock) when missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SHARED ?= ../shared
DATA   ?= $(SHARED)/data
INPUT  ?= seeds
OUT    ?= out
export CLAIMMINER_SHARED_DATA ?= $(abspath $(DATA))

.PHONY: extract test rules-test eval bench train clean venv

# The modules setup.py compiles with mypyc (claimminer.COMPILED_MODULES). Editing one rebuilds
# the extensions: a C extension is imported before its .py, so a stale one would hide the edit.
NATIVE_SRC := $(patsubst %,claimminer/%.py,$(shell sed -n 's/^COMPILED_MODULES = (\(.*\))$$/\1/p' claimminer/__init__.py | tr -d '",'))
NATIVE     := $(VENV)/.native

# The pinned dependencies, then the package itself (editable; compiled once, here).
$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $(STAMP)

$(NATIVE): $(STAMP) setup.cfg setup.py $(NATIVE_SRC)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(NATIVE)

venv: $(NATIVE)

## extract: run the main job over $(INPUT) (default seeds/) into $(OUT)/
extract: $(NATIVE)
	$(BIN)/claimminer extract $(INPUT) --out $(OUT)

## test: the test suite and every rule's embedded examples
test: $(NATIVE)
	$(BIN)/claimminer rules check
	$(BIN)/claimminer rules test
	$(BIN)/python -m pytest -q

rules-test: $(NATIVE)
	$(BIN)/claimminer rules test

## eval: every evaluation the issues ask for (skips, with a reason, data that is absent)
eval: $(NATIVE)
	$(BIN)/claimminer eval-sbd
	$(BIN)/claimminer eval-seed
	$(BIN)/claimminer eval --gold $(DATA)/polnear/dev
	$(BIN)/claimminer eval-commitments
	$(BIN)/claimminer eval-types
	$(BIN)/claimminer eval-claimbuster

## bench: speed figures (segmentation vs pySBD, rules per sentence, extract, scoring)
bench: $(NATIVE)
	$(BIN)/claimminer bench

## train: rebuild the sentence-type model from the shipped labelled data
train: $(NATIVE)
	$(BIN)/claimminer train

clean:
	rm -rf $(OUT) .cache build *.egg-info claimminer/*.so claimminer/*.pyd $(NATIVE)
