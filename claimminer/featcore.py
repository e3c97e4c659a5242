"""The sentence-type classifier's per-sentence feature code, compiled with mypyc (setup.py).

Scoring runs this on every sentence of a run, so it lives apart from ``features``
(which holds scikit-learn classes, and cannot be compiled whole). ``features``
re-exports these functions under their old names; training and scoring share them,
so a fitted model and ``classify.FastScorer`` see the same features. The model's
cache key hashes this file's source too (``classify.model_key``).
"""
from __future__ import annotations

import math
import re
from array import array
from typing import Final, Sequence, TypedDict

import regex

# stdlib ``re`` for the hot checks: scoring runs them on every sentence and must stay cheap
_DIGIT: Final = re.compile(r"\d")
_YEAR: Final = re.compile(r"\b(?:19|20)\d\d\b")
QUOTES: Final = "\"“”«»„"
_CURRENCY: Final = "$€£¥"
_PERCENT_WORDS: Final = frozenset({"percent", "per cent", "percentage"})
_MONEY_WORDS: Final = frozenset({"euro", "euros", "dollar", "dollars", "pound", "pounds", "franc", "francs",
                                 "billion", "million", "bn", "m"})
_TAIL_SPEAKER: Final = regex.compile(r":\s*[\p{Lu}][\p{L}'’. -]{1,40}$")
_LABEL_SPEAKER: Final = regex.compile(r"^[\p{Lu}][\p{L}'’. -]{1,30}:\s")
_HEAD_TO: Final = regex.compile(r"^\P{Ll}?[^:]*?\bto\s+\p{Ll}+")
TOKEN: Final = re.compile(r"\w+|[\"“”?%$€£:]")
_END_MARKS: Final = ".?!:\"”"
# cue words and bigrams, checked against the sentence's word_grams set (regexes were too slow)
CUES: Final[dict[str, frozenset[str]]] = {name: frozenset(words.split("|")) for name, words in {
    "first_person": "i|we|our|my",   # "us" is checked with its case: "US" is the country
    "future": "will|would|shall|ll|must|pledged|promised|vowed|agreed|plans to|intends to|set to|due to",
    "hedge": "could|might|may|likely|unlikely|expected|should|seems|appears",
    "pledge": "pledged|pledge|promised|promise|vowed|vow|committed|commit|undertook|guaranteed",
    "agree": "agreed|signed|approved|accepted|decided",
    "plan": "plan|plans|planned|intends|intend|aims|aim|is to|are to|set to|due to|going to",
    "oblige": "must|required|has to|have to|obliged|obligation",
    "pending": "yet to|still has|still have|still must|still needs",
    "negation": "not|n't|no|never|refused|refuses|rule out|ruled out|declined|declines",
    "forecast": "expected|expects|likely|predicted|predicts|forecast|probably|could|might",
    "we_will": "we will|i will|we ll|i ll|we shall|we are|we plan|we intend",
    "readiness": "ready to|prepared to|willing to|open to",
}.items()}
# feature names built once
_CUE_KEYS: Final[list[tuple[str, frozenset[str]]]] = [("cue=" + name, cues) for name, cues in CUES.items()]
_US_PRONOUN: Final = re.compile(r"\bus\b")   # lower-case only: "US officials" names the United States

# A fact of a claim in the sentence: (kind, rule id, attribute, cue/trigger word).
Fact = tuple[str, str, str, str]
# Named word sets (a lexicon's sections): one binary feature per set the sentence touches.
WordSets = Sequence[tuple[str, frozenset[str]]]


class Row(TypedDict, total=False):
    """One sentence as the classifier sees it (``features.result_rows``, ``features.article_rows``);
    training rows also carry their labels, read elsewhere."""

    text: str
    layout: str
    index: int       # position in the article, from 0
    n: int           # the article's sentence count
    paragraph: int
    claims: Sequence[Fact]
    grams: list[str]   # word_grams(text), when already made


def word_grams(text: str) -> list[str]:
    """Lower-cased words and a few telling marks, plus word bigrams."""
    tokens: list[str] = TOKEN.findall(text.lower())
    grams = list(tokens)
    for i in range(1, len(tokens)):
        grams.append(f"{tokens[i - 1]} {tokens[i]}")   # one string built, no intermediate one
    return grams


def word_char_grams(word: str) -> list[str]:
    """Character 3- to 5-grams of one lower-cased word padded with spaces."""
    t = " " + word + " "
    size = len(t)
    out: list[str] = []
    for n in (3, 4, 5):
        for i in range(size - n + 1):
            out.append(t[i:i + n])
    return out


def char_grams(text: str) -> list[str]:
    """Character n-grams word by word, so scoring can cache them per word."""
    out: list[str] = []
    for word in text.lower().split():
        out.extend(word_char_grams(word))
    return out


def us_pronoun(text: str, grams: set[str]) -> bool:
    """Whether "us" is there in lower case, the pronoun (capitalised "US" is the country)."""
    return "us" in grams and _US_PRONOUN.search(text) is not None


def first_person(text: str, grams: set[str]) -> bool:
    """Whether the sentence speaks in the first person ("we", "our", "us"; not "the US")."""
    return not CUES["first_person"].isdisjoint(grams) or us_pronoun(text, grams)


def _ratio_bin(value: float, bins: int = 5) -> int:
    return min(bins - 1, int(value * bins))


def _log_bin(value: int) -> int:
    return int(math.log2(1 + value))


def _count_quotes(text: str) -> int:
    """Quote marks of any kind in ``text`` (``sum(map(text.count, QUOTES))``)."""
    total = 0
    for mark in QUOTES:
        total += text.count(mark)
    return total


def _has_currency(text: str) -> bool:
    for sign in _CURRENCY:
        if sign in text:
            return True
    return False


def text_marks(text: str, grams: set[str], feats: dict[str, float]) -> None:
    """Numbers, money, years, capitalised words and quote marks; only true marks are added (0 is implied)."""
    digits = len(_DIGIT.findall(text))
    if digits:
        feats["numbers"] = min(3, digits) / 3
        if "%" in text or not grams.isdisjoint(_PERCENT_WORDS):
            feats["percent"] = 1.0
        if _YEAR.search(text):
            feats["year"] = 1.0
        if not grams.isdisjoint(_MONEY_WORDS) or _has_currency(text):
            feats["money"] = 1.0
    words = text.split()
    caps = 0
    for i in range(1, len(words)):
        if words[i][:1].isupper():
            caps += 1
    if caps:
        feats["caps"] = min(4, caps) / 4
    feats[f"len={_log_bin(len(words))}"] = 1.0
    quotes = _count_quotes(text)
    if quotes:
        feats["quote_marks"] = min(4, quotes) / 4
        if text.lstrip()[:1] in QUOTES:
            feats["starts_quote"] = 1.0
        tail = text.rstrip()[-2:]
        if any(c in QUOTES for c in tail):
            feats["ends_quote"] = 1.0


def _position_marks(layout: str, index: int, n: int, paragraph: int, feats: dict[str, float]) -> None:
    """Layout kind and where the sentence sits in the article."""
    feats[f"layout={layout}"] = 1.0
    feats[f"pos={_ratio_bin(index / n)}"] = 1.0
    if layout not in ("body", "headline"):
        feats["boiler_layout"] = 1.0
    if index == 0:
        feats["first"] = 1.0
    if index >= n - 3:
        feats["last3"] = 1.0
    if paragraph == 0:
        feats["para0"] = 1.0


def _punctuation_marks(text: str, layout: str, feats: dict[str, float]) -> None:
    """The final mark, and speakers named around a colon ("..., he said: Smith", "Smith: ...")."""
    stripped = text.rstrip()
    feats["end=" + (stripped[-1] if stripped and stripped[-1] in _END_MARKS else "other")] = 1.0
    if ":" in stripped:
        if _TAIL_SPEAKER.search(stripped):
            feats["tail_speaker"] = 1.0
        if _LABEL_SPEAKER.match(text):
            feats["label_speaker"] = 1.0
        if layout == "headline" and _HEAD_TO.search(text):
            feats["headline_to_verb"] = 1.0


def _word_set_marks(text: str, grams: set[str], lexicon: WordSets, feats: dict[str, float]) -> None:
    """Cue words (future, hedge, pledge, ...) and the evaluative lexicon's sections."""
    for key, cues in _CUE_KEYS:
        if not grams.isdisjoint(cues):
            feats[key] = 1.0
    if "cue=first_person" not in feats and us_pronoun(text, grams):   # the word list came first, in the loop
        feats["cue=first_person"] = 1.0
    for key, words in lexicon:
        if not words.isdisjoint(grams):
            feats[key] = 1.0


class WordSetIndex:
    """The cue word sets and a lexicon's sections as one dict: word or bigram -> bit set of the
    sets holding it (bit ``i``: ``keys[i]``, the cue sets first).

    ``_word_set_marks`` asks each set whether it shares a gram with the sentence, some
    900 lookups a sentence; with the index it is one lookup per gram of the sentence.
    Built once per scorer (``classify.FastScorer``), for one lexicon.
    """

    def __init__(self, lexicon: WordSets) -> None:
        self.keys: list[str] = []
        self.bits: dict[str, int] = {}
        self.cues = len(_CUE_KEYS)
        for key, words in list(_CUE_KEYS) + list(lexicon):
            bit = 1 << len(self.keys)
            self.keys.append(key)
            for word in words:
                self.bits[word] = self.bits.get(word, 0) | bit


def _indexed_word_set_marks(text: str, grams: set[str], index: WordSetIndex, feats: dict[str, float]) -> None:
    """``_word_set_marks`` through a ``WordSetIndex`` of the same lexicon: the same features, in the same order."""
    found = 0
    bits = index.bits
    for gram in grams:
        hit = bits.get(gram)
        if hit is not None:
            found |= hit
    keys = index.keys
    for i in range(index.cues):
        if found >> i & 1:
            feats[keys[i]] = 1.0
    if "cue=first_person" not in feats and us_pronoun(text, grams):   # after the cue sets, as there
        feats["cue=first_person"] = 1.0
    for i in range(index.cues, len(keys)):
        if found >> i & 1:
            feats[keys[i]] = 1.0


def _claim_marks(layout: str, facts: Sequence[Fact], feats: dict[str, float]) -> None:
    """What the rules found in the sentence: counts per kind, rule ids, attributes and cue words."""
    kinds = sorted({fact[0] for fact in facts})
    for kind, rule_id, attr, word in facts:
        key = f"n_{kind}"
        feats[key] = feats.get(key, 0.0) + 1.0
        feats[f"{kind}:rule={rule_id}"] = 1.0
        feats[f"{kind}:attr={attr}"] = 1.0
        feats[f"{kind}:word={word}"] = 1.0
    feats[f"{layout}:claims={'+'.join(kinds) or 'none'}"] = 1.0


def sentence_features(text: str, layout: str, index: int, n: int, paragraph: int, grams: set[str],
                      facts: Sequence[Fact], lexicon: WordSets,
                      word_sets: WordSetIndex | None = None) -> dict[str, float]:
    """Sparse named features of one sentence (the pipeline side, not n-grams), in a fixed order:
    the scorer adds a row's weights up in this order, so it must not change for the same model.

    ``n`` is the article's sentence count (at least 1); ``grams`` the set of ``word_grams(text)``;
    ``word_sets``, when given, a ``WordSetIndex`` of ``lexicon`` (the same features, found faster).
    """
    feats: dict[str, float] = {}
    _position_marks(layout, index, n, paragraph, feats)
    text_marks(text, grams, feats)
    _punctuation_marks(text, layout, feats)
    if word_sets is None:
        _word_set_marks(text, grams, lexicon, feats)
    else:
        _indexed_word_set_marks(text, grams, word_sets, feats)
    _claim_marks(layout, facts, feats)
    return feats


def row_features(row: Row, lexicon: WordSets, grams: set[str] | None = None,
                 word_sets: WordSetIndex | None = None) -> dict[str, float]:
    """``sentence_features`` of a row, with the defaults of rows that leave fields out
    (``grams``: the set of its word n-grams, when the caller has them)."""
    text = row["text"]
    if grams is None:
        grams = set(row["grams"]) if "grams" in row else set(word_grams(text))
    return sentence_features(text, row.get("layout", "body"), row.get("index", 0), max(1, row.get("n", 1)),
                             row.get("paragraph", 0), grams, row.get("claims", ()), lexicon, word_sets)


def known_indices(terms: list[str], vocab: dict[str, int]) -> list[int]:
    """Vocabulary indices of ``terms``, in order, skipping those the model does not know."""
    out: list[int] = []
    for term in terms:
        index = vocab.get(term)
        if index is not None:
            out.append(index)
    return out


def packed_indices(indices: list[int]) -> bytes:
    """``indices`` as native 64-bit integers, the bytes ``numpy.frombuffer(..., numpy.int64)`` reads."""
    return array("q", indices).tobytes()


def word_char_indices(word: str, vocab: dict[str, int]) -> bytes:
    """``packed_indices(known_indices(word_char_grams(word), vocab))`` in one loop: the grams are
    looked up as they are cut, with no list of them in between (scoring does this for every
    word a run has not seen yet)."""
    padded = " " + word + " "
    size = len(padded)
    # A typed list, packed once: ``array.append`` is a generic method call per index when compiled.
    out: list[int] = []
    for n in (3, 4, 5):
        for i in range(size - n + 1):
            index = vocab.get(padded[i:i + n])
            if index is not None:
                out.append(index)
    return array("q", out).tobytes()


def char_indices(text: str, vocab: dict[str, int], cache: dict[str, bytes], limit: int) -> bytes:
    """Vocabulary indices of the char n-grams of ``text``, word by word, packed (``packed_indices``).

    Each word's are kept in ``cache`` while it holds fewer than ``limit`` words (a scorer
    lives for one run): packed, a sentence's indices are a join of its words', and a
    document's reach numpy without a conversion per integer.
    """
    parts: list[bytes] = []
    for word in text.lower().split():
        hit = cache.get(word)
        if hit is None:
            hit = word_char_indices(word, vocab)
            if len(cache) < limit:
                cache[word] = hit
        parts.append(hit)
    return b"".join(parts)


class Columns:
    """A document's feature columns, block by block, before tf-idf: what ``classify.FastScorer``
    makes its sparse matrix of. ``*_counts[r]`` entries of a block belong to sentence ``r``."""

    def __init__(self, n: int) -> None:
        self.word_cols: list[int] = []
        self.word_counts: list[int] = [0] * n
        self.char_cols = b""                  # packed (``packed_indices``)
        self.char_counts: list[int] = [0] * n
        self.row_rows: list[int] = []         # the pipeline features: (row, column, value) triples
        self.row_cols: list[int] = []
        self.row_vals: list[float] = []


def document_columns(rows: Sequence[Row], word_vocab: dict[str, int], char_vocab: dict[str, int],
                     row_vocab: dict[str, int], cache: dict[str, bytes], limit: int,
                     lexicon: WordSets, word_sets: WordSetIndex | None = None) -> Columns:
    """The known columns of every row: word n-grams, char n-grams (through ``cache``, as in
    ``char_indices``) and the pipeline features in ``sentence_features`` order (the order
    the scorer adds them up in); ``word_sets``: a ``WordSetIndex`` of ``lexicon``, or None."""
    out = Columns(len(rows))
    char_parts: list[bytes] = []
    for r, row in enumerate(rows):
        text = row["text"]
        grams = word_grams(text)
        hits = known_indices(grams, word_vocab)
        out.word_cols.extend(hits)
        out.word_counts[r] = len(hits)
        packed = char_indices(text, char_vocab, cache, limit)
        char_parts.append(packed)
        out.char_counts[r] = len(packed) // 8
        for key, value in row_features(row, lexicon, set(grams), word_sets).items():
            index = row_vocab.get(key)
            if index is not None:
                out.row_rows.append(r)
                out.row_cols.append(index)
                out.row_vals.append(value)
    out.char_cols = b"".join(char_parts)
    return out
