"""The pattern engine: rulebook x sentence -> matches, with provenance.

Token patterns are matched by a small backtracking matcher (greedy ``* + ?``,
zero-width ``!``), started only at tokens that can begin the pattern and only
in sentences that hold one of the rule's required words (set look-ups), so most
rules cost nothing on most sentences. Every rule has a work budget per
sentence (token patterns: steps; regex rules: the ``regex`` timeout); a rule
that exceeds it is reported and skipped, and the run goes on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Sequence

import regex

from claimminer.patterns import CLAUSE_BREAKS, SENTENCE_FINAL, Element
from claimminer.rulebook import REGEX_TIMEOUT, Rule, Rulebook
from claimminer.spans import Span, Token

STEP_BUDGET = 50_000  # backtracking steps per rule and sentence


@dataclass(frozen=True)
class Match:
    rule: Rule
    captures: tuple[tuple[str, Span], ...]   # capture name -> span, in pattern order
    span: Span                                # from the first to the last token consumed
    lexicon_hits: tuple[tuple[str, str], ...] = ()  # (lexicon, matched text)

    def capture(self, name: str) -> Span | None:
        for key, span in self.captures:
            if key == name:
                return span
        return None


@dataclass
class RuleTimeout:
    rule: Rule
    sentence: Span
    detail: str


class _Budget(Exception):
    pass


@dataclass
class SentenceView:
    """What rules see of one sentence: its tokens, layer spans and quote coverage."""

    span: Span
    tokens: Sequence[Token]
    norm: str                                     # normalised document text
    layers: dict[str, dict[int, list[tuple[int, Span]]]] = field(default_factory=dict)
    words: frozenset[str] = frozenset()
    in_quote: tuple[bool, ...] = ()

    def add_layer_span(self, name: str, first: int, last: int, span: Span) -> None:
        """Register ``span`` covering tokens ``first`` .. ``last - 1`` in layer ``name``."""
        starts = self.layers.setdefault(name, {})
        ends = starts.setdefault(first, [])
        if (last, span) not in ends:
            ends.append((last, span))
            ends.sort(key=lambda item: (-item[0], -len(item[1]), item[1].start))


class _Matcher:
    """Backtracking over one rule's elements on one sentence."""

    def __init__(self, elements: Sequence[Element], view: SentenceView) -> None:
        self.elements = elements
        self.view = view
        self.tokens = view.tokens
        self.steps = 0

    def first_match(self, start: int):
        for end, chain in self._seq(0, start, None):
            return end, chain
        return None

    def all_ends(self, start: int, limit: int = 8):
        """The first match for each distinct end token (layers offer every candidate span)."""
        ends: dict[int, object] = {}
        for end, chain in self._seq(0, start, None):
            if end not in ends:
                ends[end] = chain
                if len(ends) >= limit:
                    break
        return list(ends.items())

    def _tick(self) -> None:
        self.steps += 1
        if self.steps > STEP_BUDGET:
            raise _Budget

    def _seq(self, ei: int, ti: int, chain) -> Iterator:
        self._tick()
        if ei == len(self.elements):
            yield ti, chain
            return
        element = self.elements[ei]
        if element.op == "!":
            if ti < len(self.tokens) and any(True for _ in self._one(element, ti)):
                return
            yield from self._seq(ei + 1, ti, chain)
        elif element.op in ("*", "+"):
            yield from self._repeat(ei, element, ti, chain, 0)
        else:
            for end, span, hit in self._one(element, ti):
                yield from self._seq(ei + 1, end, _extend(chain, element, span, hit))
            if element.op == "?":
                yield from self._seq(ei + 1, ti, chain)

    def _repeat(self, ei: int, element: Element, ti: int, chain, count: int) -> Iterator:
        self._tick()
        for end, span, hit in self._one(element, ti):
            if end > ti:
                yield from self._repeat(ei, element, end, _extend(chain, element, span, hit), count + 1)
        if count >= (1 if element.op == "+" else 0):
            yield from self._seq(ei + 1, ti, chain)

    def _one(self, element: Element, ti: int) -> Iterator[tuple[int, Span | None, str | None]]:
        """Ways ``element`` can match once at token ``ti``: (next token, captured span, lexicon hit)."""
        tokens = self.tokens
        n = len(tokens)
        if element.anchor == "START":
            if ti == 0:
                yield ti, None, None
            return
        if element.anchor == "END":
            if all(t.norm in SENTENCE_FINAL or t.norm == '"' for t in tokens[ti:]):
                yield ti, None, None
            return
        if ti >= n:
            return
        if element.layer is not None:
            for end, span in self.view.layers.get(element.layer, {}).get(ti, ()):
                yield end, span, None
            return
        if element.rest is not None:
            end = self._rest_end(element.rest, ti)
            if end > ti:
                yield end, Span(tokens[ti].start, tokens[end - 1].end), None
            return
        if element.lexicon is not None:
            for end in element.lexicon.advance(tokens, ti):
                span = Span(tokens[ti].start, tokens[end - 1].end)
                yield end, span, (element.lexicon.name, " ".join(t.norm for t in tokens[ti:end]))
            return
        token = tokens[ti]
        if element.in_quote is not None and self.view.in_quote[ti] != element.in_quote:
            return
        if element.token_ok(token):
            yield ti + 1, Span(token.start, token.end), (element.lexicon_name, token.norm) if element.lexicon_name else None

    def _rest_end(self, kind: str, ti: int) -> int:
        tokens, in_quote = self.tokens, self.view.in_quote
        end = len(tokens)
        if kind == "clause":
            for j in range(ti, len(tokens)):
                if not in_quote[j] and (tokens[j].norm in CLAUSE_BREAKS or tokens[j].norm == "("):
                    end = j
                    break
        elif kind == "quote":
            for j in range(ti, len(tokens)):
                if not in_quote[j]:
                    end = j
                    break
        # Closing punctuation outside quotation marks is not part of the clause.
        while end > ti and tokens[end - 1].norm in SENTENCE_FINAL and not in_quote[end - 1]:
            end -= 1
        return end


def _extend(chain, element: Element, span: Span | None, hit: str | None):
    if span is None or (element.capture is None and hit is None):
        return chain
    return (element.capture, span, hit, chain)


def _unchain(chain) -> tuple[dict[str, Span], list, list[Span]]:
    captures: dict[str, Span] = {}
    hits: list = []
    spans: list[Span] = []
    items = []
    while chain is not None:
        items.append(chain[:3])
        chain = chain[3]
    for name, span, hit in reversed(items):
        spans.append(span)
        if hit is not None:
            hits.append(hit)
        if name is not None:
            old = captures.get(name)
            captures[name] = span if old is None else Span(min(old.start, span.start), max(old.end, span.end))
    return captures, hits, spans


def _start_positions(first: Element, view: SentenceView) -> Iterator[int]:
    n = len(view.tokens)
    if first.op in ("", "+"):
        if first.anchor == "START":
            yield 0
            return
        if first.layer is not None:
            yield from sorted(view.layers.get(first.layer, {}))
            return
        if first.words is not None:
            for i, token in enumerate(view.tokens):
                if token.lower in first.words:
                    yield i
            return
    yield from range(n)


def match_rule(rule: Rule, view: SentenceView, text: str) -> list[Match]:
    """All matches of ``rule`` in one sentence: the first (greedy) match at each start token."""
    if rule.required_words is not None and not (rule.required_words & view.words):
        return []
    if rule.regex is not None:
        return _match_regex(rule, view)
    matcher = _Matcher(rule.elements, view)
    out = []
    layer = rule.kind == "layer"
    for start in _start_positions(rule.elements[0], view):
        if layer:
            found_all = matcher.all_ends(start)
        else:
            found = matcher.first_match(start)
            found_all = [found] if found is not None else []
        for end, chain in found_all:
            match = _build(rule, chain, text)
            if match is not None:
                out.append(match)
    return out


def _build(rule: Rule, chain, text: str) -> Match | None:
    if True:
        captures, hits, spans = _unchain(chain)
        if not spans:
            return None
        whole = Span(min(s.start for s in spans), max(s.end for s in spans))
        return Match(rule, _ordered(captures), whole, tuple(hits))


def _ordered(captures: dict[str, Span]) -> tuple[tuple[str, Span], ...]:
    return tuple(sorted(captures.items(), key=lambda item: (item[1].start, item[0])))


def _match_regex(rule: Rule, view: SentenceView) -> list[Match]:
    out = []
    for m in rule.regex.finditer(view.norm, view.span.start, view.span.end, timeout=REGEX_TIMEOUT):
        captures = {name: Span(*m.span(name)) for name in m.groupdict() if m.start(name) >= 0}
        captures = {k: v for k, v in captures.items() if len(v) > 0}
        if captures:
            out.append(Match(rule, _ordered(captures), Span(*m.span())))
    return out


def run_rules(book: Rulebook, view: SentenceView, text: str,
              timeouts: list[RuleTimeout]) -> list[Match]:
    """Run every stage in order; layer rules feed the layers later stages see."""
    matches: list[Match] = []
    for _, rules in book.by_stage():
        for rule in rules:
            try:
                found = match_rule(rule, view, text)
            except (_Budget, TimeoutError) as err:
                kind = "regex timeout" if isinstance(err, TimeoutError) else f"more than {STEP_BUDGET} steps"
                timeouts.append(RuleTimeout(rule, view.span, kind))
                continue
            if rule.kind == "layer":
                for m in found:
                    span = m.capture("span") or m.span
                    first, last = _token_range(view.tokens, span)
                    view.add_layer_span(rule.layer, first, last, span)
            matches.extend(found)
    return matches


def _token_range(tokens: Sequence[Token], span: Span) -> tuple[int, int]:
    first = next((i for i, t in enumerate(tokens) if t.end > span.start), len(tokens))
    last = next((i for i in range(len(tokens) - 1, -1, -1) if tokens[i].start < span.end), -1) + 1
    return first, max(first, last)
