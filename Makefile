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

$(STAMP): requirements.lock setup.cfg setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

venv: $(STAMP)

## extract: run the main job over $(INPUT) (default seeds/) into $(OUT)/
extract: $(STAMP)
	$(BIN)/claimminer extract $(INPUT) --out $(OUT)

## test: the test suite and every rule's embedded examples
test: $(STAMP)
	$(BIN)/claimminer rules check
	$(BIN)/claimminer rules test
	$(BIN)/python -m pytest -q

rules-test: $(STAMP)
	$(BIN)/claimminer rules test

## eval: every evaluation the issues ask for (skips, with a reason, data that is absent)
eval: $(STAMP)
	$(BIN)/claimminer eval-sbd
	$(BIN)/claimminer eval-seed
	$(BIN)/claimminer eval --gold $(DATA)/polnear/dev
	$(BIN)/claimminer eval-commitments
	$(BIN)/claimminer eval-types
	$(BIN)/claimminer eval-claimbuster

## bench: speed figures (segmentation vs pySBD, rules per sentence, extract, scoring)
bench: $(STAMP)
	$(BIN)/claimminer bench

## train: rebuild the sentence-type model from the shipped labelled data
train: $(STAMP)
	$(BIN)/claimminer train

clean:
	rm -rf $(OUT) .cache build *.egg-info
