"""The pattern engine: rulebook x sentence -> matches, with provenance.

Token patterns are matched by a small backtracking matcher (greedy ``* + ?``,
zero-width ``!``), started only at tokens that can begin the pattern and only
in sentences that hold one of the rule's required words (set look-ups), so most
rules cost nothing on most sentences. Every rule has a work budget per
sentence (token patterns: steps; regex rules: the ``regex`` timeout); a rule
that exceeds it is reported and skipped, and the run goes on.
"""
from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from typing import Iterator, Sequence


from claimminer.patterns import CLAUSE_BREAKS, SENTENCE_FINAL, Element, shape_mask
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
    masks: tuple[int, ...] = ()    # per token: bits of the lexicons holding it
    shapes: tuple[int, ...] = ()   # per token: bits of the shape tests it passes
    # Layers are computed on demand: only when a rule that passed its word filter asks for one.
    producers: dict[str, tuple[Rule, ...]] = field(default_factory=dict)
    ready: set[str] = field(default_factory=lambda: {"QUOTE"})
    layer_matches: list = field(default_factory=list)
    timeouts: list = field(default_factory=list)
    text: str = ""
    _rest: dict = field(default_factory=dict)
    timer: dict | None = None      # rule id -> seconds, when the caller wants per-rule costs

    def layer(self, name: str) -> dict[int, list[tuple[int, Span]]]:
        """Spans of layer ``name`` by start token, computing the layer on first use."""
        if name not in self.ready:
            self.ready.add(name)  # a layer rule that refers to its own layer sees what is found so far
            starts = [t.start for t in self.tokens]
            for rule in self.producers.get(name, ()):
                for m in _guarded(rule, self, self.timeouts):
                    span = m.capture("span") or m.span
                    first = bisect.bisect_left(starts, span.start)
                    last = bisect.bisect_left(starts, span.end)
                    self.add_layer_span(name, first, last, span)
                    self.layer_matches.append(m)
        return self.layers.get(name, {})

    def annotate(self, word_masks: dict[str, int]) -> None:
        """Compute the per-token bit sets once, so element tests are integer operations."""
        self.masks = tuple(word_masks.get(t.lower, 0) for t in self.tokens)
        self.shapes = tuple(shape_mask(t) for t in self.tokens)

    def rest_ends(self, kind: str) -> tuple[list[int], list[int]]:
        """For REST ``kind``: the end token from each start, and each end with final punctuation trimmed.

        Built right to left in one pass, so REST costs the same from every start token.
        """
        cached = self._rest.get(kind)
        if cached is not None:
            return cached
        tokens, quoted = self.tokens, self.in_quote
        n = len(tokens)
        ends = [n] * (n + 1)
        nxt = n
        for j in range(n - 1, -1, -1):
            if kind == "clause" and not quoted[j] and (tokens[j].norm in CLAUSE_BREAKS or tokens[j].norm == "("):
                nxt = j
            elif kind == "quote" and not quoted[j]:
                nxt = j
            ends[j] = nxt
        trimmed = list(range(n + 1))
        for end in range(1, n + 1):
            prev = trimmed[end - 1] if tokens[end - 1].norm in SENTENCE_FINAL and not quoted[end - 1] else end
            trimmed[end] = prev
        self._rest[kind] = (ends, trimmed)
        return ends, trimmed

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
        self.memo: dict = {}

    def first_match(self, start: int):
        for end, chain in self._seq(0, start, None):
            return end, chain
        return None

    def all_ends(self, start: int, limit: int = 8):
        """The first match for each distinct end token, with captures (layers that capture context)."""
        ends: dict[int, object] = {}
        for end, chain in self._seq(0, start, None):
            if end not in ends:
                ends[end] = chain
                if len(ends) >= limit:
                    break
        return list(ends.items())

    def layer_ends(self, start: int, limit: int = 8) -> list[int]:
        """Every end token of a match that starts at token ``start``, longest first.

        Layers need no captures, only spans, so this is dynamic programming over
        (element, token) states, shared by all start tokens of the sentence: no
        path is explored twice, whatever the pattern's optional elements.
        """
        ends = sorted((e for e in self._ends(0, start, False) if e > start), reverse=True)
        return ends[:limit]

    def _ends(self, ei: int, ti: int, repeated: int) -> frozenset[int]:
        key = (ei, ti, repeated)
        memo = self.memo
        if key in memo:
            return memo[key]
        self._tick()
        memo[key] = frozenset()  # a zero-width cycle cannot recurse forever
        if ei == len(self.elements):
            result = frozenset((ti,))
        else:
            element = self.elements[ei]
            out: set[int] = set()
            if element.op in ("!", "="):
                found = ti < len(self.tokens) and any(True for _ in self._one(element, ti))
                if found == (element.op == "="):
                    out |= self._ends(ei + 1, ti, False)
            elif element.op in ("*", "+"):
                count = int(repeated)  # repetitions so far (capped where the count stops mattering)
                if element.max_repeat is None or count < element.max_repeat:
                    more = min(count + 1, element.max_repeat or element.min_repeat or 1)
                    if element.simple:
                        view = self.view
                        if ti < len(self.tokens) and element.ok(self.tokens, view.masks, view.shapes,
                                                                view.in_quote, ti):
                            out |= self._ends(ei, ti + 1, more)
                    else:
                        for end, _, _ in self._one(element, ti):
                            if end > ti:
                                out |= self._ends(ei, end, more)
                if count >= element.min_repeat:
                    out |= self._ends(ei + 1, ti, False)
            elif element.simple:
                view = self.view
                if ti < len(self.tokens) and element.ok(self.tokens, view.masks, view.shapes, view.in_quote, ti):
                    out |= self._ends(ei + 1, ti + 1, False)
                if element.op == "?":
                    out |= self._ends(ei + 1, ti, False)
            elif element.layer is not None:
                for end, _ in self.view.layer(element.layer).get(ti, ()):
                    out |= self._ends(ei + 1, end, False)
                if element.op == "?":
                    out |= self._ends(ei + 1, ti, False)
            else:
                for end, _, _ in self._one(element, ti):
                    out |= self._ends(ei + 1, end, False)
                if element.op == "?":
                    out |= self._ends(ei + 1, ti, False)
            result = frozenset(out)
        memo[key] = result
        return result

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
        if element.op in ("!", "="):
            found = ti < len(self.tokens) and any(True for _ in self._one(element, ti))
            if found == (element.op == "="):
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
        if element.max_repeat is None or count < element.max_repeat:
            for end, span, hit in self._one(element, ti):
                if end > ti:
                    yield from self._repeat(ei, element, end, _extend(chain, element, span, hit), count + 1)
        if count >= element.min_repeat:
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
            for end, span in self.view.layer(element.layer).get(ti, ()):
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
        view = self.view
        if element.ok(tokens, view.masks, view.shapes, view.in_quote, ti):
            token = tokens[ti]
            yield ti + 1, Span(token.start, token.end), (element.lexicon_name, token.norm) if element.lexicon_name else None

    def _rest_end(self, kind: str, ti: int) -> int:
        """End token of REST from token ``ti``: looked up in tables built once per sentence."""
        ends = self.view.rest_ends(kind)
        end = ends[0][ti]
        trimmed = ends[1][end]  # closing punctuation outside quotation marks is not part of it
        return max(ti, trimmed)


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


def _has_run(run: tuple[Element, ...], view: SentenceView) -> bool:
    """Whether the elements of ``run`` match some consecutive tokens (phrases may span several)."""
    tokens, masks, shapes, quoted = view.tokens, view.masks, view.shapes, view.in_quote
    n = len(tokens)
    first = run[0]
    for i in range(n):
        if first.lexicon is None and not first.ok(tokens, masks, shapes, quoted, i):
            continue
        positions = {i}
        for element in run:
            following: set[int] = set()
            for p in positions:
                if element.lexicon is not None:
                    following.update(element.lexicon.advance(tokens, p) if p < n else ())
                elif p < n and element.ok(tokens, masks, shapes, quoted, p):
                    following.add(p + 1)
            positions = following
            if not positions:
                break
        if positions:
            return True
    return False


def _start_positions(first: tuple[Element, ...] | None, view: SentenceView) -> list[int]:
    """Token positions where one of the rule's possible first elements can match."""
    n = len(view.tokens)
    if first is None:
        return list(range(n))
    starts: set[int] = set()
    for element in first:
        if element.anchor == "START":
            starts.add(0)
        elif element.layer is not None:
            starts.update(view.layer(element.layer))
        elif element.lexicon is not None:
            starts.update(i for i in range(n) if any(True for _ in element.lexicon.advance(view.tokens, i)))
        else:
            tokens, masks, shapes, quoted = view.tokens, view.masks, view.shapes, view.in_quote
            starts.update(i for i in range(n) if element.ok(tokens, masks, shapes, quoted, i))
    return sorted(starts)


def match_rule(rule: Rule, view: SentenceView, text: str) -> list[Match]:
    """All matches of ``rule`` in one sentence: the first (greedy) match at each start token."""
    for required in rule.required_sets:
        if required.isdisjoint(view.words):
            return []
    if rule.anchor_run and not _has_run(rule.anchor_run, view):
        return []
    if rule.regex is not None:
        return _match_regex(rule, view)
    matcher = _Matcher(rule.elements, view)
    out = []
    layer = rule.kind == "layer"
    for start in _start_positions(rule.first, view):
        if layer and any(e.capture != "span" for e in rule.elements):
            # The layer span is a capture inside the match (context around it is matched, not kept).
            for end, chain in matcher.all_ends(start):
                match = _build(rule, chain)
                if match is not None:
                    out.append(match)
            continue
        if layer:
            for end in matcher.layer_ends(start):
                span = Span(view.tokens[start].start, view.tokens[end - 1].end)
                out.append(Match(rule, (("span", span),), span))
            continue
        found = matcher.first_match(start)
        if found is not None:
            match = _build(rule, found[1])
            if match is not None:
                out.append(match)
    return out


def _build(rule: Rule, chain) -> Match | None:
    """A Match from a backtracking result: captures joined per name, the whole span, lexicon hits."""
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


def _guarded(rule: Rule, view: SentenceView, timeouts: list) -> list[Match]:
    """``match_rule``, with a rule that runs out of budget reported and skipped (and timed, if asked)."""
    started = time.perf_counter() if view.timer is not None else 0.0
    try:
        return match_rule(rule, view, view.text)
    except (_Budget, TimeoutError, RecursionError) as err:
        kind = {TimeoutError: "regex timeout", RecursionError: "pattern too deep for this sentence"}.get(
            type(err), f"more than {STEP_BUDGET} steps")
        timeouts.append(RuleTimeout(rule, view.span, kind))
        return []
    finally:
        if view.timer is not None:
            view.timer[rule.id] = view.timer.get(rule.id, 0.0) + time.perf_counter() - started


def run_rules(book: Rulebook, view: SentenceView, text: str, timeouts: list[RuleTimeout],
              all_layers: bool = False, timer: dict | None = None) -> list[Match]:
    """Run the claim rules stage by stage; layers are computed when a rule first needs them.

    With ``all_layers`` every layer is computed (for rule tests and statistics).
    """
    view.text = text
    view.timeouts = timeouts
    view.timer = timer
    view.producers = book.producers()
    if all_layers:
        for name in view.producers:
            view.layer(name)
    matches: list[Match] = []
    for _, rules in book.by_stage():
        for rule in rules:
            if rule.kind != "layer":
                matches.extend(_guarded(rule, view, timeouts))
    return view.layer_matches + matches
