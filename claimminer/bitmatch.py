"""The fast pattern engine: sets of token positions as integers, then a search that never backtracks.

Same results as the reference engine (``refmatch``), in three steps per rule
and sentence, where a set of positions is an int (bit ``p``: "at token p"):

1. forward: the positions reachable after each element from every possible
   start at once (``_advance``); an empty set ends the rule, before any layer
   a later element names is computed;
2. backward: the positions from which the rest of the pattern can still
   complete (``_retreat``), intersected with 1.; for a repeated element one
   set per repetition count;
3. search: from each start that can complete, the reference engine's
   depth-first order of choices, but a choice is taken only when the rest can
   complete from where it leads. The first match is therefore found without
   a single dead end, and every match in the same order as the reference.

Layers need no search: their ends from each start are step 1 run from that
start alone.
"""
from __future__ import annotations

from typing import Iterator

from claimminer.matchcore import STEP_BUDGET, Budget, Match, build_match, extend
from claimminer.patterns import Element
from claimminer.rulebook import Rule
from claimminer.spans import Span
from claimminer.tokenbits import FeatureTable, SentenceBits

SIMPLE, LAYER, LEXICON, REST, START, END = range(6)
LAYER_LIMIT = 8   # ends kept per start token of a layer, longest first (as the reference)


class Step:
    """One compiled element: what it tests (``kind``) and how often (``op``, ``low``, ``high``)."""

    __slots__ = ("kind", "op", "low", "high", "cap", "capture", "cls", "layer", "lexicon", "rest", "hit")

    def __init__(self, element: Element, table: FeatureTable) -> None:
        self.kind = (LAYER if element.layer is not None else REST if element.rest is not None
                     else START if element.anchor == "START" else END if element.anchor == "END"
                     else LEXICON if element.lexicon is not None else SIMPLE)
        self.op = "*" if element.op in ("*", "+") else element.op
        self.low = element.min_repeat
        self.high = element.max_repeat
        # Repetition counts at or above ``cap`` behave alike (unbounded: the minimum is met).
        self.cap = element.max_repeat if element.max_repeat is not None else element.min_repeat
        self.capture = element.capture
        self.cls = table.element_class.get(id(element), -1)
        self.layer = element.layer
        self.lexicon = element.lexicon
        self.rest = element.rest
        self.hit = element.lexicon_name


class Program:
    """A rule book compiled for this engine: the feature table and each token rule's steps."""

    def __init__(self, book) -> None:
        elements = [e for rule in book.rules for e in rule.elements]
        required = [s for rule in book.rules for s in rule.required_sets]
        self.table = FeatureTable(book.lexicons, elements, required)
        self.steps = {rule.id: tuple(Step(e, self.table) for e in rule.elements)
                      for rule in book.rules if rule.regex is None}
        self.first = {rule.id: tuple(Step(e, self.table) for e in rule.first) if rule.first is not None else None
                      for rule in book.rules if rule.regex is None}
        self.anchor_run = {rule.id: tuple(Step(e, self.table) for e in rule.anchor_run)
                           for rule in book.rules if rule.anchor_run}
        self.required = {rule.id: _required_bits(rule, self.table) for rule in book.rules}

    def bits(self, view) -> SentenceBits:
        """The sentence's columns, built on first use and kept on the view."""
        bits = view.bits
        if bits is None:
            bits = view.bits = SentenceBits(self.table, view.tokens, view.in_quote)
        return bits


def _required_bits(rule: Rule, table: FeatureTable) -> int:
    out = 0
    for words in rule.required_sets:
        out |= table.required_bit[words]
    return out


# ---------------------------------------------------------------- one element, on sets of positions

def _layer_ends(view, name: str) -> dict[int, int]:
    """Start token -> bit set of end tokens of layer ``name`` (the layer is computed on first use)."""
    view.layer(name)
    return view.layer_bits.get(name, {})


def _rest_table(view, bits: SentenceBits, kind: str) -> list[int]:
    """End token of REST ``kind`` from each start token (the reference's tables, trimmed)."""
    table = bits.rest_ends.get(kind)
    if table is None:
        ends, trimmed = view.rest_ends(kind)
        table = bits.rest_ends[kind] = [max(i, trimmed[ends[i]]) for i in range(bits.n)]
    return table


def _once(step: Step, view, bits: SentenceBits) -> int:
    """Token positions where ``step`` matches once (for ``!`` / ``=`` and start positions)."""
    kind = step.kind
    if kind == SIMPLE:
        return bits.class_mask(step.cls)
    if kind == LAYER:
        out = 0
        for start in _layer_ends(view, step.layer):
            out |= 1 << start
        return out
    if kind == LEXICON:
        out = 0
        for start in bits.lexicon_table(step.lexicon):
            out |= 1 << start
        return out
    if kind == REST:
        out = 0
        for start, end in enumerate(_rest_table(view, bits, step.rest)):
            if end > start:
                out |= 1 << start
        return out
    if kind == START:
        return 1
    return bits.sentence_end() & bits.positions


def _forward(step: Step, view, bits: SentenceBits, reach: int, nonempty: bool = False) -> int:
    """Positions after one match of ``step`` from any position in ``reach`` (``nonempty``: ends > start)."""
    kind = step.kind
    if kind == SIMPLE:
        return (reach & bits.class_mask(step.cls)) << 1
    out = 0
    if kind == LAYER:
        for start, ends in _layer_ends(view, step.layer).items():
            if reach >> start & 1:
                out |= ends & ~((2 << start) - 1) if nonempty else ends
    elif kind == LEXICON:
        for start, ends in bits.lexicon_table(step.lexicon).items():
            if reach >> start & 1:
                for end in ends:
                    out |= 1 << end
    elif kind == REST:
        table = _rest_table(view, bits, step.rest)
        reach &= bits.positions
        while reach:
            low = reach & -reach
            start = low.bit_length() - 1
            reach ^= low
            if table[start] > start:
                out |= 1 << table[start]
    elif not nonempty:
        out = reach & (1 if kind == START else bits.sentence_end())
    return out


def _backward(step: Step, view, bits: SentenceBits, target: int, nonempty: bool = False) -> int:
    """Positions from which one match of ``step`` ends in ``target``."""
    kind = step.kind
    if kind == SIMPLE:
        return bits.class_mask(step.cls) & (target >> 1)
    out = 0
    if kind == LAYER:
        for start, ends in _layer_ends(view, step.layer).items():
            if (ends & ~((2 << start) - 1) if nonempty else ends) & target:
                out |= 1 << start
    elif kind == LEXICON:
        for start, ends in bits.lexicon_table(step.lexicon).items():
            if any(target >> end & 1 for end in ends):
                out |= 1 << start
    elif kind == REST:
        for start, end in enumerate(_rest_table(view, bits, step.rest)):
            if end > start and target >> end & 1:
                out |= 1 << start
    elif not nonempty:
        out = target & (1 if kind == START else bits.sentence_end())
    return out


def _advance(step: Step, view, bits: SentenceBits, reach: int, counter: list) -> int:
    """Positions after ``step`` with its operator, from any position in ``reach``."""
    op = step.op
    if op == "":
        return _forward(step, view, bits, reach)
    if op == "?":
        return reach | _forward(step, view, bits, reach)
    if op == "=":
        return reach & _once(step, view, bits)
    if op == "!":
        return reach & ~_once(step, view, bits)
    level, out = reach, 0   # repetition: ``level`` holds the positions after exactly ``count`` matches
    for count in range(step.low):
        level = _forward(step, view, bits, level, True)
        counter[0] += 1
        if not level:
            return 0
    if step.high is not None:
        out = level
        for count in range(step.low, step.high):
            level = _forward(step, view, bits, level, True)
            counter[0] += 1
            if not level:
                break
            out |= level
        return out
    if step.kind == SIMPLE:
        # Runs of passing tokens: adding the run's mask carries each start to the run's end.
        mask = bits.class_mask(step.cls)
        return level | (((level & mask) + mask) ^ mask)
    out = frontier = level
    while frontier:
        frontier = _forward(step, view, bits, frontier, True) & ~out
        counter[0] += 1
        out |= frontier
    return out


def _retreat(step: Step, view, bits: SentenceBits, target: int, counter: list) -> tuple[int, list[int] | None]:
    """Positions from which ``step`` with its operator can end in ``target``.

    For a repeated element, also the same set per repetition count already made
    (index ``min(count, cap)``), which the search needs to decide whether one
    more repetition can still lead to a match.
    """
    op = step.op
    if op == "":
        return _backward(step, view, bits, target), None
    if op == "?":
        return target | _backward(step, view, bits, target), None
    if op == "=":
        return target & _once(step, view, bits), None
    if op == "!":
        return target & ~_once(step, view, bits), None
    cap = step.cap
    sets = [0] * (cap + 1)
    if step.high is None and step.kind == SIMPLE:
        # Any number of further tokens: doubling, ``run`` holding the starts of 1, 2, 4 ... passing tokens.
        done, run, width = target, bits.class_mask(step.cls), 1
        while run:
            done |= run & (done >> width)
            run &= run >> width
            width <<= 1
            counter[0] += 1
        sets[cap] = done
    elif step.high is None:
        done = frontier = target
        while frontier:   # any number of further repetitions
            frontier = _backward(step, view, bits, frontier, True) & ~done
            counter[0] += 1
            done |= frontier
        sets[cap] = done
    else:
        sets[cap] = target
    for count in range(cap - 1, -1, -1):
        sets[count] = _backward(step, view, bits, sets[count + 1], True) | (target if count >= step.low else 0)
        counter[0] += 1
    return sets[0], sets


# ---------------------------------------------------------------- the search

def _choices(step: Step, view, bits: SentenceBits, at: int):
    """Ways ``step`` matches once at token ``at``: (next token, span, lexicon hit), in the reference order."""
    kind = step.kind
    tokens = view.tokens
    if kind == SIMPLE:
        if bits.class_mask(step.cls) >> at & 1:
            token = tokens[at]
            return ((at + 1, Span(token.start, token.end), (step.hit, token.norm) if step.hit else None),)
        return ()
    if kind == LAYER:
        view.layer(step.layer)
        return [(end, span, None) for end, span in view.layers.get(step.layer, {}).get(at, ())]
    if kind == LEXICON:
        ends = bits.lexicon_table(step.lexicon).get(at, ())
        return [(end, Span(tokens[at].start, tokens[end - 1].end),
                 (step.lexicon.name, " ".join(t.norm for t in tokens[at:end]))) for end in ends]
    if kind == REST:
        end = _rest_table(view, bits, step.rest)[at] if at < bits.n else at
        return ((end, Span(tokens[at].start, tokens[end - 1].end), None),) if end > at else ()
    return ((at, None, None),)   # START / END: only reached where they hold


def _search(steps: tuple[Step, ...], view, bits: SentenceBits, feasible: list[int],
            repeats: list, start: int, counter: list) -> Iterator[tuple[int, object]]:
    """Matches from ``start`` in the reference engine's order, visiting only states that can complete."""
    last = len(steps)
    stack = [(0, start, 0, None)]
    while stack:
        index, at, count, chain = stack.pop()
        counter[0] += 1
        if counter[0] > STEP_BUDGET:
            raise Budget
        if index == last:
            yield at, chain
            continue
        step = steps[index]
        op = step.op
        after = feasible[index + 1]
        if op == "!" or op == "=":
            stack.append((index + 1, at, 0, chain))   # the condition holds: this state was feasible
            continue
        children = []
        if op == "*" and step.kind == SIMPLE:
            children = _run_exits(step, view, bits, index + 1, at, after, chain)
            counter[0] += len(children)
        elif op == "*":
            if step.high is None or count < step.high:
                more = repeats[index][min(count + 1, step.cap)]
                for end, span, hit in _choices(step, view, bits, at):
                    if end > at and more >> end & 1:
                        children.append((index, end, count + 1, extend(chain, step.capture, span, hit)))
            if count >= step.low and after >> at & 1:
                children.append((index + 1, at, 0, chain))
        else:
            for end, span, hit in _choices(step, view, bits, at):
                if after >> end & 1:
                    children.append((index + 1, end, 0, extend(chain, step.capture, span, hit)))
            if op == "?" and after >> at & 1:
                children.append((index + 1, at, 0, chain))
        children.reverse()
        stack.extend(children)


def _run_exits(step: Step, view, bits: SentenceBits, following: int, at: int, after: int, chain) -> list:
    """Where a repeated one-token element can hand over to the next one, longest repetition first.

    The reference tries one more repetition before stopping, so its matches leave a run
    at the farthest feasible token first; through a one-token element the path to each
    exit is fixed, so the search goes there directly instead of token by token.
    """
    mask = bits.class_mask(step.cls)
    free = ~mask >> at
    run_end = at + (free & -free).bit_length() - 1      # first token from ``at`` that fails the element
    last = run_end if step.high is None else min(run_end, at + step.high)
    exits = after & ((2 << last) - 1) & ~((1 << (at + step.low)) - 1)
    out = []
    tokens = view.tokens
    while exits:
        end = exits.bit_length() - 1
        exits ^= 1 << end
        grown = chain
        if end > at:
            if step.hit:  # one lexicon hit per token, as the reference records them
                for index in range(at, end):
                    token = tokens[index]
                    grown = extend(grown, step.capture, Span(token.start, token.end), (step.hit, token.norm))
            else:         # one span for the run: captures and the match span are unions anyway
                grown = extend(grown, step.capture, Span(tokens[at].start, tokens[end - 1].end), None)
        out.append((following, end, 0, grown))
    return out


def _starts(first: tuple[Step, ...] | None, view, bits: SentenceBits) -> int:
    """Positions where one of the rule's possible first elements matches (all tokens when any may)."""
    if first is None:
        return bits.positions
    out = 0
    for step in first:
        out |= _once(step, view, bits)
    return out


def _has_run(run: tuple[Step, ...], view, bits: SentenceBits) -> bool:
    """Whether the anchor run's elements match some consecutive tokens."""
    reach = bits.positions
    for step in run:
        reach = _forward(step, view, bits, reach)
        if not reach:
            return False
    return True


def match_tokens(program: Program, rule: Rule, view) -> list[Match]:
    """All matches of a token-pattern rule that passed its word prefilter (the reference's results)."""
    bits = program.bits(view)
    if rule.anchor_run and not _has_run(program.anchor_run[rule.id], view, bits):
        return []
    counter = [0]
    try:
        return _match(program.steps[rule.id], program.first[rule.id], rule, view, bits, counter)
    finally:
        view.steps += counter[0]


def _match(steps, first, rule: Rule, view, bits: SentenceBits, counter: list) -> list[Match]:
    reach = [_starts(first, view, bits)]
    for step in steps:
        if not reach[-1]:
            return []
        reach.append(_advance(step, view, bits, reach[-1], counter))
        counter[0] += 1
    if not reach[-1]:
        return []
    feasible = [0] * len(steps) + [reach[-1]]
    repeats: list = [None] * len(steps)
    for index in range(len(steps) - 1, -1, -1):
        before, repeats[index] = _retreat(steps[index], view, bits, feasible[index + 1], counter)
        feasible[index] = before & reach[index]
        counter[0] += 1
    starts = feasible[0]
    out: list[Match] = []
    layer = rule.kind == "layer"
    spans_only = layer and all(s.capture == "span" for s in steps)
    while starts:
        low = starts & -starts
        start = low.bit_length() - 1
        starts ^= low
        if spans_only:
            out.extend(_layer_matches(steps, rule, view, bits, feasible, start, counter))
        elif layer:
            # The layer span is a capture inside the match: the first match for each distinct end.
            seen: set[int] = set()
            for end, chain in _search(steps, view, bits, feasible, repeats, start, counter):
                if end not in seen:
                    seen.add(end)
                    match = build_match(rule, chain)
                    if match is not None:
                        out.append(match)
                    if len(seen) >= LAYER_LIMIT:
                        break
        else:
            for _, chain in _search(steps, view, bits, feasible, repeats, start, counter):
                match = build_match(rule, chain)
                if match is not None:
                    out.append(match)
                break
    return out


def _layer_matches(steps, rule: Rule, view, bits: SentenceBits, feasible: list[int], start: int,
                   counter: list) -> list[Match]:
    """Every end of a match from ``start`` (longest first, at most LAYER_LIMIT), as layer matches."""
    reach = 1 << start
    for index, step in enumerate(steps):
        reach = _advance(step, view, bits, reach, counter) & feasible[index + 1]
        counter[0] += 1
    reach &= ~((2 << start) - 1)  # a layer span holds at least one token
    out = []
    tokens = view.tokens
    while reach and len(out) < LAYER_LIMIT:
        end = reach.bit_length() - 1
        reach ^= 1 << end
        span = Span(tokens[start].start, tokens[end - 1].end)
        out.append(Match(rule, (("span", span),), span))
    return out
