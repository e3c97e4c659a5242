"""Tokens: offsets, surfaces, and that tokenize's fast construction makes ordinary Tokens."""
from __future__ import annotations

import dataclasses

import pytest

from claimminer.spans import Token
from claimminer.tokens import span_tokenize, tokenize


def test_tokens_are_ordinary_frozen_tokens() -> None:
    text = "Macron's office said the U.S. paid 3,500 euros (4.5%) on 9/11."
    tokens = tokenize(text)
    assert [t.norm for t in tokens] == ["Macron", "'s", "office", "said", "the", "U.S.", "paid", "3,500",
                                        "euros", "(", "4.5%", ")", "on", "9/11", "."]
    assert [(t.start, t.end) for t in tokens] == list(span_tokenize(text))
    for t in tokens:
        built = Token(t.start, t.end, text[t.start:t.end], text[t.start:t.end].lower())
        assert t == built and hash(t) == hash(built) and repr(t) == repr(built)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tokens[0].start = 3


def test_tokenize_a_slice() -> None:
    text = "One. Two words here."
    assert [t.lower for t in tokenize(text, 5, len(text))] == ["two", "words", "here", "."]
    assert tokenize(text, 5, 5) == ()
