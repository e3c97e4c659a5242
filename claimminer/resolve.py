"""From raw rule matches to claims: conflicts, quote type, conditions and times.

Conflicts are settled deterministically (GATE JAPE / TokensRegex style):
earlier stage, then higher priority, then longer span, then file order. Two
matches conflict when they are of one kind and their anchor spans overlap
(the cue of an attribution, the trigger of a commitment); a match that loses
is kept as "suppressed" so ``--explain`` can show it.
"""
from __future__ import annotations

import bisect

from dataclasses import dataclass
from typing import Iterable, Sequence

from claimminer.match import Match
from claimminer.spans import Claim, Span

ANCHOR = {"attribution": ("cue", "content"), "commitment": ("trigger", "action")}


@dataclass(frozen=True)
class Resolved:
    match: Match
    roles: dict
    suppressed: tuple[Match, ...] = ()


def role_spans(match: Match) -> dict[str, Span]:
    """Role name -> span for one match, through the rule's capture->role mapping."""
    out: dict[str, Span] = {}
    for capture, role in match.rule.roles:
        span = match.capture(capture)
        if span is not None:
            out[role] = span
    return out


def _anchor(kind: str, roles: dict[str, Span]) -> Span | None:
    for role in ANCHOR[kind]:
        if role in roles:
            return roles[role]
    return None


def _rank(match: Match) -> tuple:
    return (match.rule.stage, -match.rule.priority, -len(match.span), match.rule.order, match.span.start)


def resolve_conflicts(matches: Iterable[Match]) -> list[Resolved]:
    """Keep, for every anchor, the best match; record what each winner suppressed.

    A match loses to the first-ranked winner of its kind whose anchor overlaps its own.
    The winners of one kind never overlap, so their anchors are kept sorted and the
    overlapping ones found by bisection: a long sentence with many matches stays
    near-linear.
    """
    winners: list[tuple[Match, dict, Span, list[Match]]] = []
    placed: dict[str, _Intervals] = {}
    for match in sorted((m for m in matches if m.rule.kind != "layer"), key=_rank):
        roles = role_spans(match)
        anchor = _anchor(match.rule.kind, roles)
        if anchor is None:
            continue
        intervals = placed.setdefault(match.rule.kind, _Intervals())
        first = intervals.first_overlapping(anchor)
        if first is not None:
            winners[first][3].append(match)
        else:
            intervals.add(anchor, len(winners))
            winners.append((match, roles, anchor, []))
    return [Resolved(m, roles, tuple(lost)) for m, roles, _, lost in winners]


class _Intervals:
    """Disjoint anchors sorted by start, each with the index of its winner."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.winner: list[int] = []

    def first_overlapping(self, span: Span) -> int | None:
        """The lowest winner index among anchors that share a character with ``span``."""
        if span.start >= span.end:
            return None   # an empty span shares no character
        lo = bisect.bisect_right(self.ends, span.start)   # anchors ending after span starts
        hi = bisect.bisect_left(self.starts, span.end)    # anchors starting before span ends
        return min(self.winner[lo:hi], default=None)

    def add(self, span: Span, winner: int) -> None:
        if span.start >= span.end:
            return   # an empty anchor overlaps nothing, so it blocks nothing
        i = bisect.bisect_left(self.starts, span.start)
        self.starts.insert(i, span.start)
        self.ends.insert(i, span.end)
        self.winner.insert(i, winner)


class QuoteSpans:
    """A document's quotation spans, indexed once for ``quote_type``'s overlap sums.

    Every attribution asks how much of its content lies inside quotation marks; scanning
    all the document's quotations for each made that quadratic in long articles.
    """

    def __init__(self, spans: Sequence[Span]) -> None:
        self.spans = tuple(spans)
        self.ends = [span.end for span in self.spans]
        starts = [span.start for span in self.spans]
        # Starts and ends both ascending: the quotations overlapping a span are one run,
        # found by bisection (any other order falls back to the full scan).
        self.ordered = starts == sorted(starts) and self.ends == sorted(self.ends)

    def overlap_total(self, span: Span) -> int:
        """Characters of ``span`` inside the quotations, summed over them."""
        if not self.ordered:
            return sum(q.overlap(span) for q in self.spans)
        total = 0
        i = bisect.bisect_right(self.ends, span.start)   # earlier quotations end before the span
        while i < len(self.spans) and self.spans[i].start < span.end:
            total += self.spans[i].overlap(span)
            i += 1
        return total


def quote_type(text: str, content: Span | None, quote_spans: QuoteSpans | Sequence[Span]) -> str:
    """direct / mixed / indirect, from how much of the content lies inside quotation marks."""
    if content is None:
        return "indirect"
    index = quote_spans if isinstance(quote_spans, QuoteSpans) else QuoteSpans(quote_spans)
    inside = index.overlap_total(content)
    if inside == 0:
        return "indirect"
    body = text[content.start:content.end].strip(" .,;:!?")
    return "direct" if inside >= len(body) - 2 else "mixed"


_TRAILING = " \t\n,;:"


def trim_span(text: str, span: Span | None, role: str = "") -> Span | None:
    """A role span without white space at its ends or a comma, semicolon or colon after it
    (nor, for a content, before it).

    A captured content often runs up to the comma that introduces its source; the
    comma is not part of it. (A colon that is the whole span, a headline cue, stays.)
    """
    if span is None:
        return None
    start, end = span.start, span.end
    trailing = _TRAILING.replace(":", "") if role == "cue" else _TRAILING  # "said:" keeps its colon
    while end - start > 1 and text[end - 1] in trailing:
        end -= 1
    while end - start > 1 and (text[start].isspace() or (role == "content" and text[start] in ":,;")):
        start += 1   # a content never opens with the colon that introduces it, nor a comma ("say that, in ...")
    return _widen_doubled_marks(text, start, end)


_DOUBLED = ("''", "``")


def _widen_doubled_marks(text: str, start: int, end: int) -> Span:
    """Take in the outer half of a quotation mark typed as two apostrophes (''No.'').

    Normalisation folds such a pair into one mark on its inner character, so a span
    read from the tokens starts and ends one character inside the pair.
    """
    if start > 0 and text[start - 1:start + 1] in _DOUBLED:
        start -= 1
    if end < len(text) and text[end - 1:end + 1] == "''":
        end += 1
    return Span(start, end)


def to_claim(resolved: Resolved, sentence: Span, text: str, quote_spans: QuoteSpans | Sequence[Span]) -> Claim:
    rule = resolved.match.rule
    attrs = dict(rule.attributes)
    if rule.kind == "attribution" and attrs.get("quote", "auto") == "auto":
        attrs["quote"] = quote_type(text, resolved.roles.get("content"), quote_spans)
    from claimminer.rulebook import ROLES

    roles = tuple((role, trim_span(text, resolved.roles.get(role), role)) for role in ROLES[rule.kind])
    return Claim(rule.kind, sentence, rule.ref, roles, tuple(sorted(attrs.items())))
