"""The pattern stage: rulebook x sentence -> matches, with provenance.

``run_rules`` runs the claim rules stage by stage on one ``SentenceView``;
layers are computed on first use. A rule runs only in sentences that hold
a word of each of its required sets (one int AND per rule with the fast
engine). Token patterns are matched by ``bitmatch`` (sets of token positions
as integers) or, for tests and for rule sets whose layers depend on each
other in a cycle, by the reference backtracking engine ``refmatch``; both
give the same matches. Every rule has a work budget per sentence (token
patterns: steps; regex rules: the ``regex`` timeout); a rule that exceeds it
is reported and skipped, and the run goes on.
"""
from __future__ import annotations

import bisect
import time
from dataclasses import dataclass, field
from typing import Sequence

from claimminer import bitmatch, refmatch
from claimminer.matchcore import STEP_BUDGET, Budget, Match, ends_descending, ordered
from claimminer.patterns import CLAUSE_BREAKS, SENTENCE_FINAL, shape_mask
from claimminer.rulebook import REGEX_TIMEOUT, Rule, Rulebook
from claimminer.spans import Span, Token
from claimminer.tokenbits import SentenceBits

__all__ = ["Match", "RuleTimeout", "SentenceView", "STEP_BUDGET", "match_rule", "run_rules"]


@dataclass
class RuleTimeout:
    rule: Rule
    sentence: Span
    detail: str


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
    steps: int = 0                 # matcher steps spent on this sentence (work, for linear-time checks)
    rest_work: int = 0             # tokens scanned to build REST tables (work, for linear-time checks)
    layer_bits: dict[str, dict[int, int]] = field(default_factory=dict)  # layer -> start -> bit set of ends
    layer_starts: dict[str, int] = field(default_factory=dict)           # layer -> bit set of its starts
    # layer -> start -> bit set of ends registered by ``add_layer_ends`` whose spans are not made yet
    pending: dict[str, dict[int, int]] = field(default_factory=dict)
    bits: SentenceBits | None = None   # the fast engine's bit columns, built on first use
    program: bitmatch.Program | None = None  # the rule book compiled for the fast engine (None: reference engine)
    keep_layer_matches: bool = True  # False: layers register spans only (extraction never reads layer matches)
    _starts: list[int] | None = None  # token start offsets, made on first use (``token_starts``)

    def layer(self, name: str) -> dict[int, list[tuple[int, Span]]]:
        """Spans of layer ``name`` by start token, computing the layer on first use."""
        self.compute_layer(name)
        pending = self.pending.get(name)
        if pending:
            for first in list(pending):
                self._materialise(name, first, pending.pop(first))
        return self.layers.get(name, {})

    def layer_spans(self, name: str, first: int) -> list[tuple[int, Span]]:
        """The (end token, span) list of layer ``name`` from token ``first``, longest first.

        The layer must have been computed; spans registered as bare token ends are made here,
        on first request, so the many layer spans no match ever walks through cost no objects.
        """
        pending = self.pending.get(name)
        if pending and first in pending:
            self._materialise(name, first, pending.pop(first))
        return self.layers.get(name, _NO_STARTS).get(first, ())

    def first_layer_span(self, name: str, first: int, allowed: int) -> tuple[int, Span] | None:
        """The first item of ``layer_spans(name, first)`` whose end is in the bit set ``allowed``.

        When the start has bare ends only, its list would be those ends highest first, so the
        answer is the highest allowed end, and only its span is made.
        """
        if first not in self.layers.get(name, _NO_STARTS):
            ends = self.pending.get(name, _NO_STARTS).get(first, 0) & allowed
            if not ends:
                return None
            end = ends.bit_length() - 1
            return end, self.columns().span(first, end)
        for end, span in self.layer_spans(name, first):
            if allowed >> end & 1:
                return end, span
        return None

    def _materialise(self, name: str, first: int, ends: int) -> None:
        """Merge the bare ends ``ends`` (a bit set) from ``first`` into the span list of layer ``name``.

        Gives the list ``add_layer_span`` would have built for the same spans in any order:
        distinct items sorted by ``_layer_order`` (a total order on distinct token spans).
        """
        starts = self.layers.get(name)
        if starts is None:
            starts = self.layers[name] = {}
        items = starts.get(first)
        columns = self.columns()
        made = [(last, columns.span(first, last)) for last in ends_descending(ends)]
        if items is None:
            starts[first] = made   # strictly decreasing ends: already in layer order
            return
        items.extend(item for item in made if item not in items)
        items.sort(key=_layer_order)

    def compute_layer(self, name: str) -> None:
        """Compute layer ``name`` unless done (or under way: a layer rule may refer to its own layer)."""
        if name not in self.ready:
            self.ready.add(name)  # a layer rule that refers to its own layer sees what is found so far
            program = self.program
            if program is not None:
                rules = program.passing_producers(name, program.bits(self).present)
            else:
                rules = [rule for rule in self.producers.get(name, ()) if _passes(rule, self)]
            # The fast engine's compiled rules, when span-only layer rules may skip their matches.
            fast = program.compiled if program is not None and not self.keep_layer_matches else None
            for rule in rules:
                if fast is not None and fast[rule.id].spans_only:
                    # Span-only layer rules: register token spans, no match objects.
                    pairs = _guarded(rule, self, self.timeouts, True)
                    if pairs:
                        self.add_layer_ends_all(name, pairs)
                    continue
                matches = _guarded(rule, self, self.timeouts)
                if not matches:
                    continue
                starts = self.token_starts()
                for m in matches:
                    span = m.capture("span") or m.span
                    first = bisect.bisect_left(starts, span.start)
                    last = bisect.bisect_left(starts, span.end)
                    self.add_layer_span(name, first, last, span)
                self.layer_matches.extend(matches)

    def token_starts(self) -> list[int]:
        """Start offsets of the tokens (for bisection), made once per sentence."""
        starts = self._starts
        if starts is None:
            starts = self._starts = [t.start for t in self.tokens]
        return starts

    def columns(self) -> SentenceBits:
        """The fast engine's bit columns, which it builds before any layer span is registered."""
        bits = self.bits
        assert bits is not None, "layer spans are made by the fast engine only"
        return bits

    def annotate(self, word_masks: dict[str, int]) -> None:
        """The reference engine's per-token bit sets and word set (the fast engine has its own columns)."""
        self.words = frozenset(t.lower for t in self.tokens)
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
        self.rest_work += n
        return ends, trimmed

    def add_layer_span(self, name: str, first: int, last: int, span: Span) -> None:
        """Register ``span`` covering tokens ``first`` .. ``last - 1`` in layer ``name``."""
        starts = self.layers.get(name)
        if starts is None:
            starts = self.layers[name] = {}
        ends = starts.get(first)
        item = (last, span)
        if ends is None:
            starts[first] = [item]
        elif item in ends:
            return
        else:
            ends.append(item)
            if last >= ends[-2][0]:  # not already in order (ends come longest first, as a rule)
                ends.sort(key=_layer_order)
        bits = self.layer_bits.get(name)
        if bits is None:
            bits = self.layer_bits[name] = {}
        bits[first] = bits.get(first, 0) | (1 << last)
        self.layer_starts[name] = self.layer_starts.get(name, 0) | (1 << first)

    def add_layer_ends(self, name: str, first: int, ends: int) -> None:
        """Register the token spans ``first`` .. each end in the bit set ``ends`` in layer ``name``.

        Same result as ``add_layer_span`` for each, but only the bit sets are updated now:
        the span list of a start is made when a match walks through it (``layer_spans``).
        """
        bits = self.layer_bits.get(name)
        if bits is None:
            bits = self.layer_bits[name] = {}
        pending = self.pending.get(name)   # made only with the layer's bit sets: absent when they were
        if pending is None:
            pending = self.pending[name] = {}
        bits[first] = bits.get(first, 0) | ends
        pending[first] = pending.get(first, 0) | ends
        self.layer_starts[name] = self.layer_starts.get(name, 0) | (1 << first)

    def add_layer_ends_all(self, name: str, pairs: list[tuple[int, int]]) -> None:
        """``add_layer_ends`` for every ``(first, ends)`` pair of one rule, the dicts looked up once."""
        bits = self.layer_bits.get(name)
        if bits is None:
            bits = self.layer_bits[name] = {}
        pending = self.pending.get(name)
        if pending is None:
            pending = self.pending[name] = {}
        starts = self.layer_starts.get(name, 0)
        for first, ends in pairs:
            bits[first] = bits.get(first, 0) | ends
            pending[first] = pending.get(first, 0) | ends
            starts |= 1 << first
        self.layer_starts[name] = starts


_NO_STARTS: dict = {}


def _layer_order(item: tuple[int, Span]) -> tuple:
    """Spans of one start token: longest first (then the longer text, then the earlier start)."""
    return (-item[0], -len(item[1]), item[1].start)


def match_rule(rule: Rule, view: SentenceView, text: str) -> list[Match]:
    """All matches of ``rule`` in one sentence: the first (greedy) match at each start token."""
    if not _passes(rule, view):
        return []
    return _match_passed(rule, view)


def _passes(rule: Rule, view: SentenceView) -> bool:
    """The word prefilter: the sentence holds a word of each of the rule's required sets."""
    program = view.program
    if program is not None:
        return not program.compiled[rule.id].required & ~program.bits(view).present
    for required in rule.required_sets:
        if required.isdisjoint(view.words):
            return False
    return True


def _match_passed(rule: Rule, view: SentenceView, ends_only: bool = False) -> list:
    if rule.regex is not None:
        return _match_regex(rule, view)
    if view.program is not None:
        return bitmatch.match_tokens(view.program, rule, view, ends_only)
    return refmatch.match_tokens(rule, view)


def compiled(book: Rulebook, engine: str = "fast") -> bitmatch.Program | None:
    """The rule book compiled for the fast engine (once per book), or None for the reference engine.

    Rule sets whose layers refer to each other in a cycle (beyond a layer referring to
    itself) always get the reference engine: there, what a layer holds depends on the
    order in which layers are first needed, and the reference engine defines that order.
    (Typed: untyped, a compiled ``run_rules`` reached the program's lists and methods
    through generic attribute lookups and boxed ``&`` per rule.)
    """
    if engine == "reference":
        return None
    program = book.__dict__.get("_bit_program", False)
    if program is False:
        program = bitmatch.Program(book) if not layer_cycles(book) else None
        object.__setattr__(book, "_bit_program", program)
    return program


def layer_cycles(book: Rulebook) -> bool:
    """Whether two or more layers depend on each other (through the layers their rules name)."""
    uses = {name: {e.layer for rule in rules for e in rule.elements if e.layer is not None and e.layer != name}
            for name, rules in book.producers().items()}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            for other in uses.get(name, ()):
                if other == goal:
                    return True
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return False

    return any(reaches(name, name) for name in uses)


def _match_regex(rule: Rule, view: SentenceView) -> list[Match]:
    out = []
    for m in rule.regex.finditer(view.norm, view.span.start, view.span.end, timeout=REGEX_TIMEOUT):
        captures = {name: Span(*m.span(name)) for name in m.groupdict() if m.start(name) >= 0}
        captures = {k: v for k, v in captures.items() if len(v) > 0}
        if captures:
            out.append(Match(rule, ordered(captures), Span(*m.span())))
    return out


def _guarded(rule: Rule, view: SentenceView, timeouts: list, ends_only: bool = False) -> list:
    """A rule that passed its prefilter, matched; one that runs out of budget is reported and skipped.

    Timed per rule when the caller asked (``rules stats``).
    """
    started = time.perf_counter() if view.timer is not None else 0.0
    try:
        return _match_passed(rule, view, ends_only)
    except (Budget, TimeoutError, RecursionError) as err:
        kind = {TimeoutError: "regex timeout", RecursionError: "pattern too deep for this sentence"}.get(
            type(err), f"more than {STEP_BUDGET} steps")
        timeouts.append(RuleTimeout(rule, view.span, kind))
        return []
    finally:
        if view.timer is not None:
            view.timer[rule.id] = view.timer.get(rule.id, 0.0) + time.perf_counter() - started


def run_rules(book: Rulebook, view: SentenceView, text: str, timeouts: list[RuleTimeout],
              all_layers: bool = False, timer: dict | None = None, engine: str = "fast") -> list[Match]:
    """Run the claim rules stage by stage; layers are computed when a rule first needs them.

    With ``all_layers`` every layer is computed and its matches returned (for rule tests and
    statistics); otherwise the fast engine keeps only the spans of span-only layers.
    ``engine="reference"`` matches with the backtracking reference engine (for tests).
    """
    program = view.program = compiled(book, engine)
    view.keep_layer_matches = all_layers
    view.text = text
    view.timeouts = timeouts
    view.timer = timer
    view.producers = book.producers()
    if program is None and not view.masks and view.tokens:
        view.annotate(book.word_masks)
    if all_layers:
        for name in view.producers:
            view.layer(name)
    matches: list[Match] = []
    if program is not None:
        # The word prefilter for all claim rules in one pass; the rules that pass run in order.
        for rule in program.passing_claim_rules(program.bits(view).present):
            matches.extend(_guarded(rule, view, timeouts))
    else:
        for _, rules in book.by_stage():
            for rule in rules:
                if rule.kind != "layer" and _passes(rule, view):
                    matches.extend(_guarded(rule, view, timeouts))
    return view.layer_matches + matches
