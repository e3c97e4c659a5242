"""What both pattern engines share: the ``Match`` record, capture chains and the step budget.

A capture chain is a linked list ``(capture, span, lexicon hit, previous)``
built while a pattern is matched (cheap to extend, and shared between the
branches of a backtracking search); ``build_match`` turns the chain of a
successful match into a ``Match``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, cast

from claimminer.rulebook import Rule
from claimminer.spans import Span

STEP_BUDGET = 50_000  # matcher steps per rule and sentence

# A lexicon hit: (lexicon name, matched text).
Hit = Optional[tuple[str, str]]
# A capture chain: (capture name, span, lexicon hit, the chain before it); None when empty.
# The link to the chain before is typed ``object``: mypyc cannot compile a recursive type alias.
Chain = Optional[tuple[Optional[str], Span, Hit, object]]


class Budget(Exception):
    """A rule ran out of steps on one sentence (it is reported and skipped)."""


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


_new = object.__new__
# Compiled by mypyc, Match is a native class: no instance dictionary, and its own constructor
# is the fast way to make one.
_NATIVE = "__dict__" not in vars(Match)


def new_match(rule: Rule, captures: tuple, span: Span, lexicon_hits: tuple = ()) -> Match:
    """``Match(rule, captures, span, lexicon_hits)``, built without the frozen dataclass's ``__init__``.

    A frozen dataclass sets each field through ``object.__setattr__``, three times the cost
    of the object itself; the engines make tens of matches per sentence (every layer span
    is one), so they fill the instance dictionary directly. The result is the same object:
    equal, hashable and printed as one made by ``Match(...)``.
    """
    if _NATIVE:
        return Match(rule, captures, span, lexicon_hits)
    match = _new(Match)
    fields = match.__dict__
    fields["rule"] = rule
    fields["captures"] = captures
    fields["span"] = span
    fields["lexicon_hits"] = lexicon_hits
    return match


def ends_descending(ends: int) -> list[int]:
    """The positions in the bit set ``ends``, highest first."""
    out = []
    while ends:
        end = ends.bit_length() - 1
        ends ^= 1 << end
        out.append(end)
    return out


def extend(chain: Chain, capture: str | None, span: Span | None, hit: Hit) -> Chain:
    """The chain with one more consumed element (elements without capture or lexicon hit leave no trace)."""
    if span is None or (capture is None and hit is None):
        return chain
    return (capture, span, hit, chain)


def unchain(chain: Chain) -> tuple[dict[str, Span], list[tuple[str, str]], list[Span]]:
    """Captures (joined per name), lexicon hits and consumed spans, in pattern order."""
    captures: dict[str, Span] = {}
    hits: list[tuple[str, str]] = []
    spans: list[Span] = []
    items: list[tuple[Optional[str], Span, Hit]] = []
    while chain is not None:
        items.append((chain[0], chain[1], chain[2]))
        chain = cast(Chain, chain[3])
    for name, span, hit in reversed(items):
        spans.append(span)
        if hit is not None:
            hits.append(hit)
        if name is not None:
            old = captures.get(name)
            captures[name] = span if old is None else Span(min(old.start, span.start), max(old.end, span.end))
    return captures, hits, spans


def build_match(rule: Rule, chain: Chain) -> Match | None:
    """A Match from a successful chain: captures joined per name, the whole span, lexicon hits."""
    captures, hits, spans = unchain(chain)
    if not spans:
        return None
    whole = Span(min(s.start for s in spans), max(s.end for s in spans))
    return new_match(rule, ordered(captures), whole, tuple(hits))


def ordered(captures: dict[str, Span]) -> tuple[tuple[str, Span], ...]:
    return tuple(sorted(captures.items(), key=lambda item: (item[1].start, item[0])))
