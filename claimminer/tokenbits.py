"""Token tests as bit columns: one integer per test and sentence, bit ``i`` set when token ``i`` passes.

The fast engine (``bitmatch``) never asks "does token i pass element e?" one
token at a time. ``FeatureTable`` (built once per rule book) knows every
elementary feature the rules test: membership of each lexicon, each shape
flag, each TEXT / LOWER value or word list, each REGEX, the first words of
each phrase lexicon and each required-word set of the prefilters. A token's
features depend on its surface only, so they are computed once per distinct
surface and cached. Per sentence, ``SentenceBits`` ORs the tokens into one
column per feature; an element's token set is then a few ANDs of columns,
computed on first use and kept for the sentence.
"""
from __future__ import annotations

import re
from typing import Any, Optional, Sequence

import regex

from claimminer.patterns import SENTENCE_FINAL, SHAPE_BITS, Element, Lexicon, TokenTest, ascii_shared
from claimminer.spans import Span, Token
from claimminer.tokens import shape_bits

_CACHE_LIMIT = 200_000  # distinct surfaces kept (a cache, not a leak)
# An element class on the stored columns: (columns needed, columns forbidden, quote condition).
# Typed, so that a compiled build ANDs the columns as unboxed ints.
ColumnClass = tuple[tuple[int, ...], tuple[int, ...], Optional[bool]]
# REGEX tests asked together: (attribute, one pattern for several tests, the test of each group).
RegexGroup = tuple[str, Any, tuple[int, ...]]
# A pattern's leading global flags, e.g. "(?i)"; any other inline flag group (see ``_combinable``).
_LEADING_FLAGS = re.compile(r"\(\?([a-zA-Z]+)\)")
_INLINE_FLAGS = re.compile(r"\(\?[a-zA-Z0-9^-]+[:)]")


class FeatureTable:
    """Every elementary token feature of a rule book, numbered; surface -> features, cached."""

    def __init__(self, lexicons: dict[str, Lexicon], elements: Sequence[Element],
                 required_sets: Sequence[frozenset[str]]) -> None:
        self.size = 0
        self.by_lower: dict[str, list[int]] = {}
        self.by_norm: dict[str, list[int]] = {}
        # REGEX tests: (attribute, compiled pattern, feature); ``regex`` ships no type information
        self.regexes: list[tuple[str, Any, int]] = []
        self.lexicon_feature: dict[int, int] = {}           # lexicon bit -> feature
        for lexicon in lexicons.values():
            if lexicon.bit:
                feature = self._new()
                self.lexicon_feature[lexicon.bit] = feature
                for word in lexicon.words:
                    self.by_lower.setdefault(word, []).append(feature)
        self.shape_feature = {bit: self._new() for bit in SHAPE_BITS.values()}
        self.test_feature: dict[tuple, int] = {}
        self.first_word_feature: dict[int, int] = {}        # id(phrase lexicon) -> feature
        self.element_class: dict[int, int] = {}             # id(element) -> class
        self.classes: list[tuple] = []   # (features needed, features forbidden, quote condition)
        class_ids: dict[tuple, int] = {}
        for element in elements:
            if element.lexicon is not None:
                self._first_words(element.lexicon)
            if element.simple:
                key = self._class_key(element)
                if key not in class_ids:
                    class_ids[key] = len(self.classes)
                    self.classes.append(key)
                self.element_class[id(element)] = class_ids[key]
        # Required-word sets of the prefilters: bit r set when a sentence holds a word of set r.
        self.required_bit: dict[frozenset[str], int] = {}
        self.required_by_lower: dict[str, int] = {}
        for words in required_sets:
            if words not in self.required_bit:
                bit = 1 << len(self.required_bit)
                self.required_bit[words] = bit
                for word in words:
                    self.required_by_lower[word] = self.required_by_lower.get(word, 0) | bit
        self.regex_groups, self.single_regexes = _grouped_regexes(self.regexes)
        # ``_regex_hits`` returns its hits sorted, which is ``regexes`` order only while that is ascending.
        assert [f for _, _, f in self.regexes] == sorted(f for _, _, f in self.regexes)
        # (shape bit, feature) pairs as a typed list: every new surface is tested against each.
        self.shape_pairs: list[tuple[int, int]] = list(self.shape_feature.items())
        self.inverted = self._dense_features(lexicons)
        # The classes as ``SentenceBits`` tests them: an inverted feature's column holds the
        # tokens *without* it, so needing it means forbidding its column and the other way round.
        self.column_classes: list[ColumnClass] = [self._on_columns(key) for key in self.classes]
        self._cache: dict[str, tuple[tuple[int, ...], int, tuple[int, ...]]] = {}

    def _dense_features(self, lexicons: dict[str, Lexicon]) -> frozenset[int]:
        """Shape and REGEX features that most words have ("lower case", "not ending in -ed").

        ``SentenceBits`` ORs every token into the column of each feature it has; storing
        these few columns inverted cuts that work by about half (a token has some
        twelve features, six of them these). Which features are dense is guessed once
        from the lexicons' words; any choice gives the same class masks.
        """
        words = sorted({word for lexicon in lexicons.values() for word in lexicon.words})
        if not words:
            return frozenset()
        counts: dict[int, int] = {}
        for word in words:
            for feature in self._shape_and_regex_features(word, word.lower()):
                counts[feature] = counts.get(feature, 0) + 1
        return frozenset(feature for feature, count in counts.items() if 2 * count > len(words))

    def _on_columns(self, key: tuple) -> ColumnClass:
        """A class key (needed, forbidden, quote) in terms of the stored columns (see ``inverted``)."""
        need, forbid, quote = key
        inverted = self.inverted
        return (tuple(sorted([f for f in need if f not in inverted] + [f for f in forbid if f in inverted])),
                tuple(sorted([f for f in forbid if f not in inverted] + [f for f in need if f in inverted])),
                quote)

    def _new(self) -> int:
        self.size += 1
        return self.size - 1

    def _test(self, test: TokenTest) -> int:
        """The feature of a positive word test (``not_in`` is the negation of the ``in`` feature)."""
        kind = "in" if test.kind == "not_in" else test.kind
        key = (test.attr, kind, test.value)
        feature = self.test_feature.get(key)
        if feature is None:
            feature = self.test_feature[key] = self._new()
            index = self.by_lower if test.attr == "lower" else self.by_norm
            value = test.value
            if isinstance(value, str):     # eq: one word
                index.setdefault(value, []).append(feature)
            else:                          # in / not_in: a set of words
                assert isinstance(value, frozenset), test
                for word in value:
                    index.setdefault(word, []).append(feature)
        return feature

    def _regex(self, test: TokenTest) -> int:
        """The feature of a REGEX test: run once per distinct surface, like every other feature
        (a few regexes per new word is cheaper than filtering candidate tokens per sentence)."""
        key = (test.attr, test.value)
        for attr, pattern, feature in self.regexes:
            if (attr, pattern.pattern) == key:
                return feature
        feature = self._new()
        self.regexes.append((test.attr, test.pattern, feature))
        return feature

    def _first_words(self, lexicon: Lexicon) -> None:
        if id(lexicon) not in self.first_word_feature:
            feature = self.first_word_feature[id(lexicon)] = self._new()
            for word in lexicon.first_words():
                self.by_lower.setdefault(word, []).append(feature)

    def _class_key(self, element: Element) -> tuple:
        """(features required, features forbidden, quote condition) of a one-token element."""
        need, forbid = set(), set()
        for bit, feature in self.lexicon_feature.items():
            if element.need & bit:
                need.add(feature)
            if element.forbid & bit:
                forbid.add(feature)
        for bit, feature in self.shape_feature.items():
            if element.shape_need & bit:
                need.add(feature)
            if element.shape_forbid & bit:
                forbid.add(feature)
        for test in element.tests:
            if test.kind == "regex":
                need.add(self._regex(test))
            else:
                (forbid if test.kind == "not_in" else need).add(self._test(test))
        return tuple(sorted(need)), tuple(sorted(forbid)), element.in_quote

    def features(self, token: Token) -> tuple[tuple[int, ...], int]:
        """(features, required-set bits) of a surface, computed once and cached."""
        entry = self._cache.get(token.norm) or self.entry(token)
        return entry[0], entry[1]

    def _regex_hits(self, norm: str, lower: str) -> list[int]:
        """The features of the REGEX tests that the surface passes, in ``regexes`` order
        (ascending: each test's feature was numbered when it was added; each test is asked once)."""
        hits: list[int] = []
        for attr, pattern, features in self.regex_groups:
            # Typed, so that a compiled build indexes the tuple instead of a generic lookup.
            groups: tuple[Optional[str], ...] = pattern.match(norm if attr == "norm" else lower).groups()
            for index in range(len(features)):
                if groups[index] is not None:
                    hits.append(features[index])
        for attr, pattern, feature in self.single_regexes:
            if pattern.fullmatch(norm if attr == "norm" else lower) is not None:
                hits.append(feature)
        hits.sort()
        return hits

    def _shape_and_regex_features(self, norm: str, lower: str) -> list[int]:
        """The features a surface has from the shape tests and the REGEX tests (the ones not
        read from a lexicon)."""
        shape = shape_bits(norm)
        found = [feature for bit, feature in self.shape_pairs if shape & bit]
        found += self._regex_hits(norm, lower)
        return found

    def entry(self, token: Token) -> tuple[tuple[int, ...], int, tuple[int, ...]]:
        """(features, required-set bits, stored columns) of a surface, computed once and cached.

        The stored columns are the features with the ``inverted`` ones flipped: those the
        surface lacks instead of those it has.
        """
        norm = token.norm
        entry = self._cache.get(norm)
        if entry is not None:
            return entry
        lower = token.lower
        found = list(self.by_lower.get(lower, ()))
        found += self.by_norm.get(norm, ())
        found += self._shape_and_regex_features(norm, lower)
        inverted = self.inverted
        stored = [f for f in found if f not in inverted]
        stored += sorted(inverted.difference(found))
        entry = (tuple(found), self.required_by_lower.get(lower, 0), tuple(stored))
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[norm] = entry
        return entry


def _grouped_regexes(regexes: list[tuple[str, Any, int]]) -> tuple[list[RegexGroup], list[tuple[str, Any, int]]]:
    """The REGEX tests as a few patterns, each answering several tests in one call, and the
    tests left to run alone.

    A new surface is tested against every REGEX of the rule book (a score of them), and the
    cost of a call is mostly the call: tests of one attribute and one module (``re`` or
    ``regex``, as ``patterns.token_regex`` chose) become one pattern of optional lookaheads,
    ``(?:(?=(TEST)\\Z)|)`` each: its group holds the surface when TEST matches all of it, as
    ``fullmatch`` asks, and is None otherwise (the empty branch lets the rest go on).
    """
    parts: dict[tuple[str, bool], list[tuple[str, int, Any]]] = {}
    single: list[tuple[str, Any, int]] = []
    for attr, pattern, feature in regexes:
        source = _combinable(pattern)
        if source is None:
            single.append((attr, pattern, feature))
        else:
            parts.setdefault((attr, isinstance(pattern, re.Pattern)), []).append((source, feature, pattern))
    groups: list[RegexGroup] = []
    for (attr, stdlib), tests in parts.items():
        combined = "".join(f"(?:(?=({source})\\Z)|)" for source, _, _ in tests)
        try:
            compiled = re.compile(combined) if stdlib else regex.compile(combined)
        except (re.error, regex.error):   # a source this way of joining does not suit: ask it alone
            compiled = None
        if compiled is None or len(tests) < 2:
            single += [(attr, pattern, feature) for _, feature, pattern in tests]
            continue
        if not stdlib and all(ascii_shared(pattern) for _, _, pattern in tests):
            try:
                compiled = AsciiTwin(compiled, re.compile(combined))
            except re.error:
                pass
        groups.append((attr, compiled, tuple(feature for _, feature, _ in tests)))
    return groups, single


class AsciiTwin:
    """A combined ``regex`` pattern and the same source compiled by ``re``, which reads every
    ASCII string alike (``patterns.ascii_shared``) at about a third of the cost: ``match``
    asks ``re`` for ASCII strings (most new words of a run), ``regex`` for the others."""

    __slots__ = ("full", "ascii")

    def __init__(self, full: Any, ascii: Any) -> None:
        self.full = full
        self.ascii = ascii

    def match(self, string: str) -> Any:
        return (self.ascii if string.isascii() else self.full).match(string)


def _combinable(pattern: Any) -> str | None:
    """The source of a test that reads the same inside a combined pattern, or None.

    Not with groups of its own (they would shift the numbering) nor with inline flags except
    leading global ones, which are made scoped (``(?i)x`` -> ``(?i:x)``): elsewhere a global
    flag would reach the other tests.
    """
    if pattern.groups:
        return None
    source: str = pattern.pattern
    lead = _LEADING_FLAGS.match(source)
    body = source[lead.end():] if lead is not None else source
    if _INLINE_FLAGS.search(body) is not None:
        return None
    return f"(?{lead.group(1)}:{body})" if lead is not None else source


class SentenceBits:
    """The columns of one sentence, and token sets derived from them on first use."""

    __slots__ = ("table", "tokens", "n", "cols", "quoted", "present", "positions", "class_masks",
                 "lexicon_ends", "lexicon_starts", "rest_ends", "rest_starts", "end_mask", "spans", "lowers")

    def __init__(self, table: FeatureTable, tokens: Sequence[Token], in_quote: Sequence[bool]) -> None:
        self.table = table
        self.tokens = tokens
        self.n = n = len(tokens)
        cols = [0] * table.size
        present = 0
        cache = table._cache   # the typed dict: compiled, ``get`` is a native lookup, not a bound-method call
        bit = 1
        for token in tokens:
            entry = cache.get(token.norm)
            if entry is None:
                entry = table.entry(token)
            _, required, stored = entry
            if required:       # most words are in no required set: no big-int OR for them
                present |= required
            for feature in stored:
                cols[feature] = cols[feature] | bit   # unboxed (|= on a list item goes through a boxed bit)
            bit <<= 1
        quoted = 0
        if any(in_quote):
            for index in range(n):
                if in_quote[index]:
                    quoted |= 1 << index
        self.cols = cols
        self.present = present            # required-set bits of the words in the sentence
        self.quoted = quoted
        self.positions = (1 << n) - 1     # token positions 0 .. n-1
        self.class_masks: dict[int, int] = {}
        self.lexicon_ends: dict[int, dict[int, tuple[int, ...]]] = {}
        self.lexicon_starts: dict[int, int] = {}     # id(phrase lexicon) -> bit set of its start tokens
        self.rest_ends: dict[str, list[int]] = {}   # REST kind -> end token from each start token
        self.rest_starts: dict[str, int] = {}       # REST kind -> bit set of starts with a non-empty REST
        self.end_mask: int | None = None
        self.spans: dict[int, Span] = {}
        self.lowers: tuple[str, ...] | None = None   # lower-cased tokens, for phrase lexicons

    def span(self, first: int, last: int) -> Span:
        """The text span of tokens ``first`` .. ``last - 1``, made once per sentence (spans are frozen)."""
        key = first * (self.n + 1) + last
        span = self.spans.get(key)
        if span is None:
            span = self.spans[key] = Span(self.tokens[first].start, self.tokens[last - 1].end)
        return span

    def class_mask(self, cls: int) -> int:
        """Tokens passing element class ``cls``."""
        known = self.class_masks.get(cls)
        if known is not None:
            return known
        need, forbid, quote = self.table.column_classes[cls]
        mask = self.positions   # an int local (not the optional above): compiled, ANDed unboxed
        cols = self.cols
        for feature in need:
            mask &= cols[feature]
        for feature in forbid:
            mask &= ~cols[feature]
        if quote is not None:
            mask &= self.quoted if quote else ~self.quoted
        self.class_masks[cls] = mask
        return mask

    def lexicon_table(self, lexicon: Lexicon) -> dict[int, tuple[int, ...]]:
        """Start token -> ends of the entries of a phrase lexicon starting there (longest first)."""
        table = self.lexicon_ends.get(id(lexicon))
        if table is None:
            table = {}
            candidates = self.cols[self.table.first_word_feature[id(lexicon)]]
            if self.lowers is None:
                self.lowers = tuple(token.lower for token in self.tokens)
            lowers = self.lowers
            phrases, words = lexicon.phrases, lexicon.words
            starts = 0
            while candidates:
                low = candidates & -candidates
                start = low.bit_length() - 1
                candidates ^= low
                # ``Lexicon.advance``, with each phrase compared as one tuple slice
                lower = lowers[start]
                ends = [start + len(phrase) for phrase in phrases.get(lower, ())
                        if lowers[start:start + len(phrase)] == phrase]
                if lower in words:
                    ends.append(start + 1)
                if ends:
                    table[start] = tuple(ends)
                    starts |= low
            self.lexicon_ends[id(lexicon)] = table
            self.lexicon_starts[id(lexicon)] = starts
        return table

    def sentence_end(self) -> int:
        """Positions from which only closing punctuation and quotation marks follow (``END``),
        and positions just before a semicolon, which ends a clause as a full stop would
        ("..., analysts say; in 2012 ...")."""
        if self.end_mask is None:
            first = self.n
            while first > 0 and (self.tokens[first - 1].norm in SENTENCE_FINAL or self.tokens[first - 1].norm == '"'):
                first -= 1
            mask = ((1 << (self.n + 1)) - 1) & ~((1 << first) - 1)
            for i, token in enumerate(self.tokens[:first]):
                if token.norm == ";":
                    mask |= 1 << i
            self.end_mask = mask
        return self.end_mask
