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


def test_token_offsets_are_the_matches_spans() -> None:
    """``tokenize`` finds offsets with ``str.find`` after ``findall``: the same as the matches' spans,
    across every kind of white space and repeated surfaces."""
    from claimminer.tokens import _TOKEN, tokenize

    text = ("U.S. said\u00a0\u00a0it -- 3,500 'd' \t\u2009don't\u3000said said.\n\n"
            "e\u0301te\u0301 ... 'S 4.5% Gen. X said\u2028ok ,,, ")
    for start, end in ((0, None), (3, 40), (5, len(text) - 2)):
        tokens = tokenize(text, start, end)
        spans = [m.span() for m in _TOKEN.finditer(text, start, len(text) if end is None else end)]
        assert [(t.start, t.end) for t in tokens] == spans
        assert all(text[t.start:t.end] == t.norm for t in tokens)


def test_a_web_site_is_one_token() -> None:
    # "according to Factcheck.org" named its source as "Factcheck" "." "org", which no
    # noun-phrase layer reads.
    assert [t.norm for t in tokenize("according to Factcheck.org.")] == ["according", "to", "Factcheck.org", "."]
    assert [t.norm for t in tokenize("He said. Then")] == ["He", "said", ".", "Then"]


def test_clitics_are_their_own_tokens() -> None:
    # The contracted auxiliaries of the lexicons ('re, 've, 'll, 'd, 'm) only match when split off,
    # as the Penn Treebank does; "don't" and names such as O'Donnell stay whole.
    norms = [t.norm for t in tokenize("They're saying I'd go, we'll see, I'm told, you've heard, don't ask O'Donnell")]
    assert norms == ["They", "'re", "saying", "I", "'d", "go", ",", "we", "'ll", "see", ",", "I", "'m", "told", ",",
                     "you", "'ve", "heard", ",", "don't", "ask", "O'Donnell"]


def test_joint_names_with_a_slash_are_one_token() -> None:
    # "A CNN/ORC poll" gave the source "ORC poll": the noun-phrase layers do not cross "/".
    assert [t.norm for t in tokenize("A CNN/ORC poll, and/or 9/11")] == ["A", "CNN/ORC", "poll", ",", "and", "/",
                                                                         "or", "9/11"]


def test_an_abbreviation_before_a_comma_keeps_its_period() -> None:
    # "Harris Jr., who leads the command, said" split "Jr" "." ",", and no apposition layer
    # read past the period: the source became "the command".
    assert [t.norm for t in tokenize("Harris Jr., who leads")] == ["Harris", "Jr.", ",", "who", "leads"]
    assert [t.norm for t in tokenize("It ended.")] == ["It", "ended", "."]


def test_a_number_joined_to_a_word_by_a_hyphen_is_one_word() -> None:
    # "The 50-state poll found" gave the source "state poll": "50" "-" "state" broke the noun group.
    norms = [t.norm for t in tokenize("The 50-state poll, a 9-year-old, 21st-century, a 2-1 vote, 4.5%-rise")]
    assert norms == ["The", "50-state", "poll", ",", "a", "9-year-old", ",", "21st-century", ",", "a", "2", "-", "1",
                     "vote", ",", "4.5%", "-", "rise"]


def test_the_white_space_of_the_run_cutter_is_that_of_the_token_pattern() -> None:
    """``tokenize`` cuts runs with the stdlib ``re`` and ``SPACE``; ``_TOKEN`` (``regex``) must see
    white space at exactly the same characters, or a run would hide a token boundary."""
    import re
    import sys

    import regex

    from claimminer.tokens import SPACE

    ours = re.compile(f"[{SPACE}]")
    theirs = regex.compile(r"\s")
    assert all((ours.match(chr(c)) is None) == (theirs.match(chr(c)) is None) for c in range(sys.maxunicode + 1))


def test_str_split_takes_for_white_space_SPACE_and_the_split_only_characters() -> None:
    """``tokenize`` cuts runs with ``str.split`` unless the text holds a character of
    ``_SPLIT_ONLY_SPACE``: those must be exactly what ``str.split`` adds to ``SPACE``."""
    import re
    import sys

    from claimminer.tokens import _SPLIT_ONLY_SPACE, SPACE

    ours = re.compile(f"[{SPACE}]")
    split = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    space = {chr(c) for c in range(sys.maxunicode + 1) if ours.match(chr(c))}
    assert split - space == set(_SPLIT_ONLY_SPACE) and space <= split


def test_the_split_path_and_the_run_cutter_give_the_same_tokens() -> None:
    """``tokenize`` (runs from ``str.split``) and ``_chunk_tokenize`` (runs from ``_CHUNK``) agree."""
    import random

    from claimminer.tokens import _chunk_tokenize

    pieces = list('.,;:!?"()\'-/_0 \n\t\xa0\u2003é') + ["said", "Gen", "Jr", "A", "I", "US", "Abcd", "aB", "'s",
                                                        "n't", "U.S.", "3,500", "4.5%", "com", "x\x1cy"]
    rnd = random.Random(13)
    for _ in range(20000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 12)))
        start = rnd.randint(0, len(text))
        end = rnd.randint(start, len(text))
        assert tokenize(text, start, end) == _chunk_tokenize(text, start, end), (text, start, end)


def _assert_like_the_token_pattern(pieces: list[str], seed: int, longest: int) -> None:
    """``tokenize`` gives ``_TOKEN``'s tokens on 20,000 random texts of ``pieces`` and slices of them."""
    import random

    from claimminer.tokens import _TOKEN

    rnd = random.Random(seed)
    for _ in range(20000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, longest)))
        start = rnd.randint(0, len(text))
        end = rnd.randint(start, len(text))
        expected = [(m.start(), m.end()) for m in _TOKEN.finditer(text, start, end)]
        assert [(t.start, t.end) for t in tokenize(text, start, end)] == expected, (text, start, end)


def test_tokenize_matches_the_token_pattern_on_random_text() -> None:
    """The run cutter's shortcut (a run of ASCII letters is one token) gives ``_TOKEN``'s tokens."""
    pieces = list("aZbqM.,;:'-/%$ \n\t0912\x1c\x85\xa0\u2003éÉ\u0301ß_’\"()") + [
        "com", "org", "U.S.", "Mr.", "'s", "'re", "n't", "st", "CNN/ORC", "Gen.", "..."]
    _assert_like_the_token_pattern(pieces, seed=7, longest=14)


def test_letters_between_marks_match_the_token_pattern() -> None:
    """The run cutter's second shortcut (ASCII letters between marks such as '"Yes,' or "said.")
    gives ``_TOKEN``'s tokens, abbreviations before a full stop ("Gen.", "A.") included."""
    from claimminer.tokens import _TOKEN

    pieces = list('.,;:!?"()\'-/_0 \n\xa0') + ["said", "Gen", "Jr", "A", "I", "Obama", "US", "ABCD", "Abcd",
                                              "Abcde", "aB", "com", "org", "e", "g", "s", "re", "é"]
    _assert_like_the_token_pattern(pieces, seed=11, longest=10)
    for text in ('"Yes," he said.', "(AP) Gen. X met Jr. A. Smith.", "Obama. US. Abcd. Abcde.", 'said.")'):
        assert [(t.start, t.end) for t in tokenize(text)] == [m.span() for m in _TOKEN.finditer(text)]
