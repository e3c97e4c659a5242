"""Smoke test of ``claimminer bench`` pieces on the seeds (tiny inputs, no timing assertions)."""
from __future__ import annotations

import math

import pytest

from claimminer import bench, pipeline
from claimminer.cli import load_resources


@pytest.fixture(scope="module")
def res():
    resources = load_resources(None)
    assert resources is not None
    return resources


@pytest.fixture(scope="module")
def docs():
    return bench.load_documents(bench.SEEDS_DIR)


def _sane(figure: bench.Figure) -> bool:
    return figure.value is None or (math.isfinite(figure.value) and figure.value >= 0)


def test_seed_documents_are_read(docs):
    assert len(docs) >= 3
    assert all(len(d.norm) == len(d.text) for d in docs)


def test_segmentation_figures_small(docs):
    figures = bench.segmentation_figures([d.text for d in docs], megabytes=0.02, budget=3.0)
    assert figures[0].name == "segmentation, ours" and figures[0].value > 0
    assert all(_sane(f) for f in figures)


def test_rule_figures_restore_run_rules(docs, res):
    original = pipeline.run_rules
    figures = bench.rule_figures(docs[:2], res, min_seconds=0.0)
    assert pipeline.run_rules is original
    assert figures[0].value > 0 and all(_sane(f) for f in figures)


def test_extract_figures_without_classifier(res):
    [figure] = bench.extract_figures(bench.SEEDS_DIR, res, scorer=None, min_seconds=0.0)
    assert figure.value > 0 and figure.status() in ("PASS", "MISS")


def test_table_lists_every_figure():
    figures = [bench.Figure("a", 1.5, "MB/s", ">= 1", True), bench.Figure("b", None, "x", "", None, "skipped"),
               bench.memory_figure()]
    table = bench.format_table(figures)
    assert "PASS" in table and "SKIP" in table and "INFO" in table
    assert len(table.splitlines()) == len(figures) + 2
