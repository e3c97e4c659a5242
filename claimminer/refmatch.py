"""The reference pattern engine: plain backtracking over one rule's elements, one start token at a time.

It states the matching semantics the fast engine (``bitmatch``) must keep
exactly: greedy ``* + ?`` and ``{n,m}``, zero-width ``!`` / ``=``, layer spans
in their stored order, lexicon phrases longest first, the first match at each
start token (claim rules), every end (layers). It is slow, and kept on
purpose: tests compare the two engines, and rule sets whose layers depend on
each other in a cycle are matched with it (there the order in which layers are
first needed changes what they hold, and this engine defines that order).
"""
from __future__ import annotations

from typing import Iterator, Sequence

from claimminer.matchcore import STEP_BUDGET, Budget, Match, build_match, extend
from claimminer.patterns import SENTENCE_FINAL, Element
from claimminer.rulebook import Rule
from claimminer.spans import Span


class Matcher:
    """Backtracking over one rule's elements on one sentence."""

    def __init__(self, elements: Sequence[Element], view) -> None:
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
            raise Budget

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
                yield from self._seq(ei + 1, end, extend(chain, element.capture, span, hit))
            if element.op == "?":
                yield from self._seq(ei + 1, ti, chain)

    def _repeat(self, ei: int, element: Element, ti: int, chain, count: int) -> Iterator:
        self._tick()
        if element.max_repeat is None or count < element.max_repeat:
            for end, span, hit in self._one(element, ti):
                if end > ti:
                    yield from self._repeat(ei, element, end, extend(chain, element.capture, span, hit), count + 1)
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
            # a semicolon ends a clause as a full stop would (TokenBits.sentence_end)
            if (ti < n and tokens[ti].norm == ";") or all(t.norm in SENTENCE_FINAL or t.norm == '"' for t in tokens[ti:]):
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


def has_run(run: tuple[Element, ...], view) -> bool:
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


def start_positions(first: tuple[Element, ...] | None, view) -> list[int]:
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


def match_tokens(rule: Rule, view) -> list[Match]:
    """All matches of a token-pattern rule that passed its prefilters: the reference semantics."""
    if rule.anchor_run and not has_run(rule.anchor_run, view):
        return []
    matcher = Matcher(rule.elements, view)
    try:
        return _matches(rule, view, matcher)
    finally:
        view.steps += matcher.steps


def _matches(rule: Rule, view, matcher: Matcher) -> list[Match]:
    out = []
    layer = rule.kind == "layer"
    for start in start_positions(rule.first, view):
        if layer and any(e.capture != "span" for e in rule.elements):
            # The layer span is a capture inside the match (context around it is matched, not kept).
            for end, chain in matcher.all_ends(start):
                match = build_match(rule, chain)
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
            match = build_match(rule, found[1])
            if match is not None:
                out.append(match)
    return out
