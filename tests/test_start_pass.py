"""``bitmatch._start_pass`` (one start at a time, short sentences) and ``bitmatch._lane_pass``
(all starts in lanes of one integer) give the same ends, the same step count, and compute the
same layers in the same order, for every span-only layer rule of the shipped rules on the
sentences of the seeds and the rule examples, with and without random ``feasible`` sets.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from claimminer import bitmatch
from claimminer.cli import load_resources
from claimminer.match import compiled
from claimminer.normalize import normalize
from claimminer.pipeline import _view, segment_document
from claimminer.quotes import find_quotes
from claimminer.spans import Document

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def res():
    return load_resources(None)


def _texts(res) -> list[str]:
    texts = sorted({e.text for rule in res.rulebook.rules for e in rule.examples + rule.counterexamples})
    texts += [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))[:6]]
    return texts


def _fresh_views(res, text: str):
    """Pairs of fresh views of each sentence of ``text`` (no layer computed yet), ready for the fast engine."""
    doc = Document("doc", text, normalize(text))
    sentences, _ = segment_document(doc, res)
    quotes = find_quotes(doc.text, doc.norm)
    quote_ends = [q.end for q in quotes]
    program = compiled(res.rulebook)
    for sentence in sentences:
        pair = []
        for _ in range(2):
            view = _view(sentence, doc.norm, quotes, quote_ends)
            view.program = program
            view.keep_layer_matches = False
            view.text, view.timeouts, view.producers = doc.text, [], res.rulebook.producers()
            program.bits(view)
            pair.append(view)
        yield pair


def _state(view) -> tuple:
    """What a pass may change on a view: layers computed (in order), their spans, REST tables made."""
    return (list(view.layer_bits), {k: dict(v) for k, v in view.layer_bits.items()}, sorted(view.ready),
            sorted(view.bits.rest_ends), len(view.timeouts))


def test_start_pass_is_the_lane_pass(res) -> None:
    program = compiled(res.rulebook)
    rules = [c for c in program.compiled.values() if c.spans_only]
    rnd = random.Random(5)
    checked = 0
    for text in _texts(res):
        for lane_view, start_view in _fresh_views(res, text):
            bits_a, bits_b = lane_view.bits, start_view.bits
            assert bits_a is not None and bits_b is not None
            if bits_a.n > bitmatch.SMALL_SENTENCE:
                continue
            for rule in rules:
                starts = bitmatch._starts(rule.first, lane_view, bits_a)
                assert starts == bitmatch._starts(rule.first, start_view, bits_b)
                if not starts:
                    continue
                for feasible in (None, [rnd.getrandbits(bits_a.n + 2) | rnd.getrandbits(bits_a.n + 2)
                                        for _ in range(len(rule.steps) + 1)]):
                    a, b = [0], [0]
                    got_a = bitmatch._lane_pass(rule.steps, lane_view, bits_a, feasible, starts, a)
                    got_b = bitmatch._start_pass(rule.steps, start_view, bits_b, feasible, starts, b)
                    assert (got_b, b) == (got_a, a), (text, rule.rule.id, feasible)
                    assert _state(start_view) == _state(lane_view), (text, rule.rule.id)
                    checked += 1
    assert checked > 1000
