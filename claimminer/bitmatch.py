"""The fast pattern engine: sets of token positions as integers, then a walk without dead ends.

Same results as the reference engine (``refmatch``). A set of positions is an
int (bit ``p``: "at token p"); one-token elements are bit columns of the
sentence (``tokenbits``). Per rule and sentence:

0. gates: every mandatory element must occur somewhere in the sentence,
   checked cheapest first, so a missing reporting verb stops a rule before
   its noun-phrase layer is built (layers are still computed on first use);
1. forward: the positions reachable after each element from every possible
   start at once (``_advance``); an empty set ends the rule;
2. backward: the positions from which the rest of the pattern can still
   complete (``_retreat``), intersected with 1.; for a repeated element one
   set per repetition count;
3. from each start that can complete, the reference's depth-first order of
   choices, taking only choices that can complete: the first match (all a
   claim rule needs) is a straight walk (``_first_match``); layers that
   capture context enumerate matches in order (``_search``, step budget).

Layers without context need no walk: their ends from a start are step 1 run
from that start alone, for all starts at once in lanes of one integer
(``_lane_ends``). One-token repeats jump to their exits, longest first.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Final, Iterator

from claimminer.matchcore import (STEP_BUDGET, Budget, Chain, Match, build_match, ends_descending, extend,
                                  new_match)
from claimminer.patterns import Element, Lexicon
from claimminer.rulebook import Rule
from claimminer.tokenbits import FeatureTable, SentenceBits

if TYPE_CHECKING:   # match imports this module; the view type is for the checker (and mypyc) only
    from claimminer.match import SentenceView

# Step kinds (``Final``: constants a compiled build folds in).
SIMPLE: Final = 0
LAYER: Final = 1
LEXICON: Final = 2
REST: Final = 3
START: Final = 4
END: Final = 5
LAYER_LIMIT: Final = 8   # ends kept per start token of a layer, longest first (as the reference)
WORD_BITS: Final = 60    # required-set bits per word of the claim prefilter (a compiled build's unboxed ints)
WORD_MASK: Final = (1 << WORD_BITS) - 1
LANES: Final = 64        # span-only layer rules with at most this many candidate starts run in one lane pass
SMALL_SENTENCE: Final = 60   # tokens: positions 0 .. n + 1 fit a compiled build's unboxed int (``_start_pass``)
# Span-only layer rules in such a sentence go straight to ``_start_pass`` from at most this many
# candidate starts; from more, the forward and backward passes first keep the starts that can
# complete (a start pass costs per start, a lane pass did not). Chosen by instruction counts
# over PolNeAR dev (4: 3,529M, 12: 3,518M, every one as lanes: 3,711M).
FEW_STARTS: Final = 12
# The ``lexicon`` of a step that is not a phrase lexicon (never looked at: typed fields hold no None).
_NO_LEXICON: Final = Lexicon("", frozenset(), {})


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
        # What a LAYER, LEXICON or REST step reads ("" / _NO_LEXICON for the other kinds).
        self.layer: str = element.layer or ""
        self.lexicon: Lexicon = element.lexicon or _NO_LEXICON
        self.rest: str = element.rest or ""
        self.hit = element.lexicon_name


class CompiledRule:
    """One token-pattern rule for this engine."""

    __slots__ = ("rule", "steps", "first", "anchor_run", "required", "layer", "spans_only", "gates", "layer_run")

    def __init__(self, rule: Rule, table: FeatureTable, layer_cost: dict[str, int]) -> None:
        self.rule = rule
        self.steps = tuple(Step(e, table) for e in rule.elements)
        # Elements every match needs somewhere in the sentence, cheapest to check first: a
        # rule whose reporting verb is absent fails before its noun-phrase layer is computed.
        mandatory = [s for s in self.steps if s.kind in (SIMPLE, LEXICON, LAYER)
                     and (s.op in ("", "=") or (s.op == "*" and s.low > 0))]
        self.gates = tuple(sorted(mandatory, key=lambda s: (s.kind == LAYER, layer_cost.get(s.layer, 0))))
        self.first = tuple(Step(e, table) for e in rule.first) if rule.first is not None else None
        self.anchor_run = tuple(Step(e, table) for e in rule.anchor_run)
        self.layer_run = _layer_run(self.steps)
        self.required = 0   # bits of the required-word sets (``FeatureTable.required_bit``)
        for words in rule.required_sets:
            self.required |= table.required_bit[words]
        self.layer = rule.kind == "layer"
        # Layer rules whose every element is part of the span need ends only, no captures.
        self.spans_only = self.layer and rule.regex is None and all(s.capture == "span" for s in self.steps)


def _layer_run(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """The longest run of consecutive plain (``op`` "") token, lexicon and layer steps with a layer in it.

    Every match holds the run's elements back to back. Its layers are all gates (computed by
    then), so checking that the sentence holds the run is a few set operations, and it stops
    most rules whose parts occur but not side by side ("NOMINAL NAME", "SPEAKER_NP , NAME")
    before their full pass.
    """
    best: tuple[Step, ...] = ()
    run: list[Step] = []
    for step in steps + (None,):
        if step is not None and step.op == "" and step.kind in (SIMPLE, LEXICON, LAYER):
            run.append(step)
            continue
        if len(run) > len(best) and len(run) >= 2 and any(s.kind == LAYER for s in run):
            best = tuple(run)
        run = []
    return best


class Program:
    """A rule book compiled for this engine: the feature table, each rule, and the rules in run order."""

    def __init__(self, book) -> None:
        elements = [e for rule in book.rules for e in rule.elements]
        required = [s for rule in book.rules for s in rule.required_sets]
        self.table = FeatureTable(book.lexicons, elements, required)
        cost = _layer_costs(book)
        self.compiled = {rule.id: CompiledRule(rule, self.table, cost) for rule in book.rules}
        # The claim rules in stage and file order, and their required bits, as two typed lists:
        # the word prefilter runs over every claim rule for every sentence, without a tuple to
        # unpack per rule. Each layer's producers as (rule, required bits).
        self.claim_rule_list: list[Rule] = [rule for _, rules in book.by_stage() for rule in rules
                                            if rule.kind != "layer"]
        self.claim_required: list[int] = [self.compiled[rule.id].required for rule in self.claim_rule_list]
        # The same bits cut into words of WORD_BITS, word ``k`` of rule ``i`` at ``i * words + k``:
        # a rule book has some 170 required sets, and on ints that wide every ``&`` is a boxed
        # big-int operation; on words, a compiled build tests each rule with unboxed ints.
        self.words = max(1, -(-len(self.table.required_bit) // WORD_BITS))
        self.claim_required_words: list[int] = [required >> (k * WORD_BITS) & WORD_MASK
                                                for required in self.claim_required for k in range(self.words)]
        self.producers = {name: tuple((rule, self.compiled[rule.id].required) for rule in rules)
                          for name, rules in book.producers().items()}
        # Each layer's producers and their required bits in words, as for the claim rules: a layer
        # is computed in most sentences, SPEAKER_NP from some 40 rules.
        self.producer_words: dict[str, tuple[list[Rule], list[int]]] = {
            name: ([rule for rule, _ in pairs],
                   [required >> (k * WORD_BITS) & WORD_MASK for _, required in pairs for k in range(self.words)])
            for name, pairs in self.producers.items()}

    def passing_claim_rules(self, present: int) -> list[Rule]:
        """The claim rules, in run order, whose required-word sets all have a word among ``present``
        (a sentence's required-set bits): ``[rule for rule, required in ... if not required & ~present]``."""
        return _passing(self.claim_rule_list, self.claim_required_words, self.words, present)

    def passing_producers(self, name: str, present: int) -> list[Rule]:
        """The rules computing layer ``name``, in order, that pass the word prefilter for ``present``:
        ``[rule for rule, required in self.producers[name] if not required & ~present]``."""
        found = self.producer_words.get(name)
        if found is None:
            return []
        return _passing(found[0], found[1], self.words, present)

    def bits(self, view: SentenceView) -> SentenceBits:
        """The sentence's columns, built on first use and kept on the view."""
        bits = view.bits
        if bits is None:
            bits = view.bits = SentenceBits(self.table, view.tokens, view.in_quote)
        return bits


def _passing(rules: list[Rule], required: list[int], words: int, present: int) -> list[Rule]:
    """The ``rules`` whose required bits (``required``: ``words`` words per rule, in rule order)
    all are among ``present``, in order; the words are unboxed ints in a compiled build."""
    absent = [~(present >> (k * WORD_BITS)) & WORD_MASK for k in range(words)]
    out: list[Rule] = []
    base = 0
    for i in range(len(rules)):
        passes = True
        for k in range(words):
            if required[base + k] & absent[k]:
                passes = False
                break
        if passes:
            out.append(rules[i])
        base += words
    return out


def _layer_costs(book) -> dict[str, int]:
    """Layer -> how many rules computing it may run (its producers and those of the layers they use)."""
    producers = book.producers()
    uses = {name: {e.layer for r in rules for e in r.elements if e.layer} for name, rules in producers.items()}
    costs = {}
    for name in producers:
        seen, todo = {name}, [name]
        while todo:
            for other in uses.get(todo.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        costs[name] = sum(len(producers.get(other, ())) for other in seen)
    return costs


# ---------------------------------------------------------------- one element, on sets of positions

def _layer_ends(view: SentenceView, name: str) -> dict[int, int]:
    """Start token -> bit set of end tokens of layer ``name`` (the layer is computed on first use)."""
    if name not in view.ready:
        view.compute_layer(name)
    return view.layer_bits.get(name, _NONE)


def _layer_starts(view: SentenceView, name: str) -> int:
    """Bit set of the start tokens of layer ``name``."""
    if name not in view.ready:
        view.compute_layer(name)
    return view.layer_starts.get(name, 0)


_NONE: dict[int, int] = {}   # typed: a compiled build reads its (absent) items as ints, unboxed


def _rest_table(view: SentenceView, bits: SentenceBits, kind: str) -> list[int]:
    """End token of REST ``kind`` from each start token (the reference's tables, trimmed)."""
    table = bits.rest_ends.get(kind)
    if table is None:
        ends, trimmed = view.rest_ends(kind)
        table = bits.rest_ends[kind] = [max(i, trimmed[ends[i]]) for i in range(bits.n)]
        starts = 0
        for start, end in enumerate(table):
            if end > start:
                starts |= 1 << start
        bits.rest_starts[kind] = starts
    return table


def _once(step: Step, view: SentenceView, bits: SentenceBits) -> int:
    """Token positions where ``step`` matches once (for ``!`` / ``=`` and start positions)."""
    kind = step.kind
    if kind == SIMPLE:
        return bits.class_mask(step.cls)
    if kind == LAYER:
        return _layer_starts(view, step.layer)
    if kind == LEXICON:
        bits.lexicon_table(step.lexicon)
        return bits.lexicon_starts[id(step.lexicon)]
    if kind == REST:
        _rest_table(view, bits, step.rest)
        return bits.rest_starts[step.rest]
    if kind == START:
        return 1
    return bits.sentence_end() & bits.positions


def _layer_step(view: SentenceView, name: str, hits: int) -> int:
    """Positions after one span of (computed) layer ``name`` from any of the start tokens ``hits``."""
    table = view.layer_bits[name] if hits else _NONE
    out = 0
    while hits:
        low = hits & -hits
        hits ^= low
        out |= table[low.bit_length() - 1]
    return out


def _one_token_step(step: Step, bits: SentenceBits, reach: int) -> int:
    """One step of a one-token element that is not repeated (``op`` "", "?", "=" or "!") from ``reach``.

    The inner step of ``_match``'s forward pass and of ``_start_pass``: most elements are of
    this kind, so it is kept apart from ``_advance``'s general case. The mask lands in
    ``bits.class_masks``, where the backward pass finds it.
    """
    mask = bits.class_masks.get(step.cls)
    if mask is None:
        mask = bits.class_mask(step.cls)
    op = step.op
    if op == "":
        return (reach & mask) << 1
    if op == "?":
        return reach | (reach & mask) << 1
    if op == "=":
        return reach & mask
    return reach & ~mask


def _forward(step: Step, view: SentenceView, bits: SentenceBits, reach: int, nonempty: bool = False) -> int:
    """Positions after one match of ``step`` from any position in ``reach`` (``nonempty``: ends > start)."""
    kind = step.kind
    if kind == SIMPLE:
        return (reach & bits.class_mask(step.cls)) << 1
    out = 0
    if kind == LAYER:
        hits = reach & _layer_starts(view, step.layer)
        table = view.layer_bits.get(step.layer, _NONE)
        while hits:
            low = hits & -hits
            start = low.bit_length() - 1
            hits ^= low
            out |= table[start] & ~((2 << start) - 1) if nonempty else table[start]
    elif kind == LEXICON:
        lexicon = bits.lexicon_table(step.lexicon)
        hits = reach & bits.lexicon_starts[id(step.lexicon)]
        while hits:
            low = hits & -hits
            hits ^= low
            for end in lexicon[low.bit_length() - 1]:
                out |= 1 << end
    elif kind == REST:
        rest = _rest_table(view, bits, step.rest)
        reach &= bits.positions
        while reach:
            low = reach & -reach
            start = low.bit_length() - 1
            reach ^= low
            if rest[start] > start:
                out |= 1 << rest[start]
    elif not nonempty:
        out = reach & (1 if kind == START else bits.sentence_end())
    return out


def _backward(step: Step, view: SentenceView, bits: SentenceBits, target: int, nonempty: bool = False) -> int:
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
        for start, lexicon_ends in bits.lexicon_table(step.lexicon).items():
            if any(target >> end & 1 for end in lexicon_ends):
                out |= 1 << start
    elif kind == REST:
        for start, end in enumerate(_rest_table(view, bits, step.rest)):
            if end > start and target >> end & 1:
                out |= 1 << start
    elif not nonempty:
        out = target & (1 if kind == START else bits.sentence_end())
    return out


def _apply_op(step: Step, view: SentenceView, bits: SentenceBits, reach: int, lanes: int, width: int,
              counter: list) -> int:
    """Positions after ``step`` with its operator, from any position in ``reach``: plain position
    sets when ``lanes`` is 0, else lanes (see ``_lane_ends``). The plain and the lane passes share
    this operator logic; passed as plain arguments, not callbacks, so that a compiled build makes
    no closures for every element it advances.
    """
    op = step.op
    if op == "":
        return _forward_any(step, view, bits, reach, lanes, width, False)
    if op == "?":
        return reach | _forward_any(step, view, bits, reach, lanes, width, False)
    if op == "=" or op == "!":
        once = _once(step, view, bits)   # where the element matches
        if lanes:
            once *= lanes
        return reach & once if op == "=" else reach & ~once
    level, out = reach, 0   # repetition: ``level`` holds the positions after exactly ``count`` matches
    for count in range(step.low):
        level = _forward_any(step, view, bits, level, lanes, width, True)
        counter[0] += 1
        if not level:
            return 0
    if step.high is not None:
        out = level
        for count in range(step.low, step.high):
            level = _forward_any(step, view, bits, level, lanes, width, True)
            counter[0] += 1
            if not level:
                break
            out |= level
        return out
    if step.kind == SIMPLE:
        # Runs of passing tokens: adding the run's mask carries each start to the run's end.
        mask = bits.class_mask(step.cls)   # the positions of passing tokens
        if lanes:
            mask *= lanes
        return level | (((level & mask) + mask) ^ mask)
    out = frontier = level
    while frontier:
        frontier = _forward_any(step, view, bits, frontier, lanes, width, True) & ~out
        counter[0] += 1
        out |= frontier
    return out


def _advance(step: Step, view: SentenceView, bits: SentenceBits, reach: int, counter: list) -> int:
    """Positions after ``step`` with its operator, from any position in ``reach``."""
    op = step.op   # the two commonest operators directly, one call fewer
    if op == "":
        return _forward(step, view, bits, reach)
    if op == "?":
        return reach | _forward(step, view, bits, reach)
    return _apply_op(step, view, bits, reach, 0, 0, counter)


def _forward_any(step: Step, view: SentenceView, bits: SentenceBits, reach: int, lanes: int, width: int,
                 nonempty: bool) -> int:
    """``_forward`` on plain position sets (``lanes`` 0) or ``_lane_forward`` on lanes."""
    if lanes:
        return _lane_forward(step, view, bits, reach, lanes, width, nonempty)
    return _forward(step, view, bits, reach, nonempty)


def _retreat(step: Step, view: SentenceView, bits: SentenceBits, target: int, counter: list) -> tuple[int, list[int] | None]:
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

def _choices(step: Step, view: SentenceView, bits: SentenceBits, at: int):
    """Ways ``step`` matches once at token ``at``: (next token, span, lexicon hit), in the reference order."""
    kind = step.kind
    tokens = view.tokens
    if kind == SIMPLE:
        if bits.class_mask(step.cls) >> at & 1:
            return ((at + 1, bits.span(at, at + 1), (step.hit, tokens[at].norm) if step.hit else None),)
        return ()
    if kind == LAYER:
        view.compute_layer(step.layer)
        return [(end, span, None) for end, span in view.layer_spans(step.layer, at)]
    if kind == LEXICON:
        ends = bits.lexicon_table(step.lexicon).get(at, ())
        return [(end, bits.span(at, end), (step.lexicon.name, " ".join(t.norm for t in tokens[at:end])))
                for end in ends]
    if kind == REST:
        end = _rest_table(view, bits, step.rest)[at] if at < bits.n else at
        return ((end, bits.span(at, end), None),) if end > at else ()
    return ((at, None, None),)   # START / END: only reached where they hold


def _search(steps: tuple[Step, ...], view: SentenceView, bits: SentenceBits, feasible: list[int],
            repeats: list, start: int, counter: list) -> Iterator[tuple[int, Chain]]:
    """Matches from ``start`` in the reference engine's order, visiting only states that can complete."""
    last = len(steps)
    stack: list[tuple[int, int, int, Chain]] = [(0, start, 0, None)]
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


def _first_choice(step: Step, view: SentenceView, bits: SentenceBits, at: int, allowed: int, nonempty: bool):
    """The first way (in ``_choices`` order) a multi-token or zero-width element matches at ``at``
    and ends in ``allowed``: (end, span, lexicon hit), or None. Spans and hits are made for it only."""
    kind = step.kind
    if kind == LAYER:
        found = view.first_layer_span(step.layer, at, allowed & ~((2 << at) - 1) if nonempty else allowed)
        return None if found is None else (found[0], found[1], None)
    if kind == LEXICON:
        for end in bits.lexicon_table(step.lexicon).get(at, ()):
            if allowed >> end & 1:
                tokens = view.tokens
                return end, bits.span(at, end), (step.lexicon.name, " ".join(t.norm for t in tokens[at:end]))
        return None
    if kind == REST:
        end = _rest_table(view, bits, step.rest)[at] if at < bits.n else at
        return (end, bits.span(at, end), None) if end > at and allowed >> end & 1 else None
    return (at, None, None) if allowed >> at & 1 and not nonempty else None


def _first_match(steps: tuple[Step, ...], view: SentenceView, bits: SentenceBits, feasible: list[int],
                 repeats: list, start: int, counter: list):
    """The first match from ``start`` in the reference order: ``_search``'s first result, without a stack.

    Every state entered can complete, so at each element the first choice that can
    complete is the one the reference's search ends up keeping; nothing is undone.
    """
    at = start
    chain: Chain = None
    masks = bits.class_masks
    tokens = view.tokens
    for index, step in enumerate(steps):
        counter[0] += 1
        op = step.op
        if op == "!" or op == "=":
            continue
        after = feasible[index + 1]
        if step.kind == SIMPLE:
            if op == "*":
                _, end, _, chain = _run_exits(step, view, bits, 0, at, after, chain)[0]
                at = end
            elif masks[step.cls] >> at & 1 and after >> (at + 1) & 1:
                chain = extend(chain, step.capture, bits.span(at, at + 1),
                               (step.hit, tokens[at].norm) if step.hit else None)
                at += 1
            continue
        if op == "*":
            count = 0
            while step.high is None or count < step.high:
                found = _first_choice(step, view, bits, at, repeats[index][min(count + 1, step.cap)], True)
                if found is None:
                    break
                at, span, hit = found
                chain = extend(chain, step.capture, span, hit)
                count += 1
            continue
        found = _first_choice(step, view, bits, at, after, False)
        if found is not None:
            at, span, hit = found
            chain = extend(chain, step.capture, span, hit)
    return at, chain


def _run_exits(step: Step, view: SentenceView, bits: SentenceBits, following: int, at: int, after: int,
               chain: Chain) -> list[tuple[int, int, int, Chain]]:
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
                    grown = extend(grown, step.capture, bits.span(index, index + 1), (step.hit, tokens[index].norm))
            else:         # one span for the run: captures and the match span are unions anyway
                grown = extend(grown, step.capture, bits.span(at, end), None)
        out.append((following, end, 0, grown))
    return out


def _starts(first: tuple[Step, ...] | None, view: SentenceView, bits: SentenceBits) -> int:
    """Positions where one of the rule's possible first elements matches (all tokens when any may)."""
    if first is None:
        return bits.positions
    out = 0
    masks = bits.class_masks
    for step in first:
        if step.kind == SIMPLE:
            mask = masks.get(step.cls)
            out |= bits.class_mask(step.cls) if mask is None else mask
        else:
            out |= _once(step, view, bits)
    return out


def _has_run(run: tuple[Step, ...], view: SentenceView, bits: SentenceBits, reach: int | None = None) -> bool:
    """Whether the run's elements match some consecutive tokens (starting in ``reach``: any token)."""
    reach = bits.positions if reach is None else reach
    for step in run:
        reach = _forward(step, view, bits, reach)
        if not reach:
            return False
    return True


def match_tokens(program: Program, rule: Rule, view: SentenceView, ends_only: bool = False) -> list:
    """All matches of a token-pattern rule that passed its word prefilter (the reference's results).

    ``ends_only`` (span-only layer rules): ``(start token, bit set of end tokens)`` pairs
    instead of matches, for callers that only register layer spans and never look at matches.
    """
    bits = view.bits or program.bits(view)
    compiled = program.compiled[rule.id]
    if compiled.anchor_run and not _has_run(compiled.anchor_run, view, bits):
        return []
    masks = bits.class_masks
    for step in compiled.gates:
        if step.kind == SIMPLE:
            mask = masks.get(step.cls)
            if not (bits.class_mask(step.cls) if mask is None else mask):
                return []
        elif step.kind == LAYER and step.layer in view.ready:
            if not view.layer_starts.get(step.layer):
                return []
        elif not _once(step, view, bits):
            return []
    if compiled.layer_run and not _has_run(compiled.layer_run, view, bits, (2 << bits.n) - 1):
        return []
    counter = [0]
    try:
        return _match(compiled, view, bits, counter, ends_only)
    finally:
        view.steps += counter[0]


def _match(compiled: CompiledRule, view: SentenceView, bits: SentenceBits, counter: list, ends_only: bool = False) -> list:
    steps = compiled.steps
    reach = _starts(compiled.first, view, bits)
    if not reach:
        return []
    if compiled.spans_only and reach.bit_count() <= (FEW_STARTS if bits.n <= SMALL_SENTENCE else LANES):
        # Few candidate starts: one pass from each start (or with each in its own lane) replaces
        # the forward, backward and per-start passes (starts that cannot complete end empty).
        return _span_results(compiled.rule, bits, _lane_ends(steps, view, bits, None, reach, counter), ends_only)
    masks = bits.class_masks
    reaches = [reach]
    for step in steps:     # 1. forward (one-token elements and single layer spans first: most steps are)
        op = step.op
        if step.kind == SIMPLE and op != "*":
            reach = _one_token_step(step, bits, reach)
        elif step.kind == LAYER and op == "":
            reach = _layer_step(view, step.layer, reach & _layer_starts(view, step.layer))
        else:
            reach = _advance(step, view, bits, reach, counter)
        if not reach:
            counter[0] += len(reaches)
            return []
        reaches.append(reach)
    counter[0] += len(steps)
    last = len(steps)
    feasible = [0] * last + [reach]
    repeats: list = [None] * last
    target = reach
    for index in range(last - 1, -1, -1):   # 2. backward
        step = steps[index]
        op = step.op
        if step.kind == SIMPLE and op != "*":
            mask = masks[step.cls]   # computed by the forward pass
            if op == "":
                target = mask & (target >> 1)
            elif op == "?":
                target |= mask & (target >> 1)
            elif op == "=":
                target &= mask
            else:
                target &= ~mask
        else:
            target, repeats[index] = _retreat(step, view, bits, target, counter)
        target &= reaches[index]
        feasible[index] = target
    counter[0] += last
    starts = feasible[0]
    rule = compiled.rule
    if compiled.spans_only:
        if not starts & (starts - 1):   # the only start: every end the passes found is one of its own
            counter[0] += last
            start = starts.bit_length() - 1
            pairs = [(start, _longest_ends(feasible[last], start))]
        else:
            pairs = _lane_ends(steps, view, bits, feasible, starts, counter)
        return _span_results(rule, bits, pairs, ends_only)
    out: list[Match] = []
    while starts:          # 3. from each start that can complete
        low = starts & -starts
        start = low.bit_length() - 1
        starts ^= low
        if compiled.layer:
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
            match = build_match(rule, _first_match(steps, view, bits, feasible, repeats, start, counter)[1])
            if match is not None:
                out.append(match)
    return out


def _span_results(rule: Rule, bits: SentenceBits, pairs: list, ends_only: bool) -> list:
    """A span-only layer rule's results: (start, bit set of ends) pairs that have ends, or their matches
    (longest first from each start)."""
    if ends_only:
        return [pair for pair in pairs if pair[1]]
    return [new_match(rule, (("span", span),), span)
            for start, ends in pairs for span in (bits.span(start, end) for end in ends_descending(ends))]


def _lane_ends(steps: tuple[Step, ...], view: SentenceView, bits: SentenceBits, feasible: list[int] | None, starts: int,
               counter: list) -> list[tuple[int, int]]:
    """Every start's match ends (a bit set: the LAYER_LIMIT longest), in lane passes of LANES starts.

    One integer holds a lane of ``tokens + 2`` bits per start, so all starts of a long
    sentence in one pass would make every operation cost (starts x tokens) bits, and the
    sentence cubic work; passes of at most LANES starts keep it to a fixed multiple of
    the sentence's length.
    """
    if bits.n <= SMALL_SENTENCE and starts:
        return _start_pass(steps, view, bits, feasible, starts, counter)
    if starts.bit_count() <= LANES:   # the usual case: one pass, no chunking
        return _lane_pass(steps, view, bits, feasible, starts, counter)
    out: list[tuple[int, int]] = []
    for chunk in lane_chunks(starts):
        out.extend(_lane_pass(steps, view, bits, feasible, chunk, counter))
    return out


def lane_chunks(starts: int) -> list[int]:
    """The bit set ``starts`` cut into bit sets of at most LANES positions, lowest first."""
    out = []
    while starts:
        chunk = 0
        for _ in range(LANES):
            if not starts:
                break
            low = starts & -starts
            chunk |= low
            starts ^= low
        out.append(chunk)
    return out


def _lane_pass(steps: tuple[Step, ...], view: SentenceView, bits: SentenceBits, feasible: list[int] | None, starts: int,
               counter: list) -> list[tuple[int, int]]:
    """Every start's match ends (a bit set: the LAYER_LIMIT longest), all ``starts`` in one pass.

    The pattern is run forward (kept to ``feasible`` positions when given), each
    start apart: start number ``i`` moves in lane ``i`` of one integer: bits ``i * width`` onwards,
    ``width`` = tokens + 2 so a shift never crosses lanes. A token set applies to every
    lane once multiplied by ``lanes`` (bit 0 of each lane): the one-token steps cost the
    same for all starts as for one.
    """
    width = bits.n + 2
    origins = []
    reach = lane = 0
    while starts:
        low = starts & -starts
        starts ^= low
        origins.append(low.bit_length() - 1)
        reach |= low << lane
        lane += width
    lanes = ((1 << lane) - 1) // ((1 << width) - 1)   # bit 0 of every lane: 1 + 2**width + 2**(2 * width) ...
    masks = bits.class_masks
    ready, layer_starts = view.ready, view.layer_starts
    for index, step in enumerate(steps):
        op = step.op
        if step.kind == SIMPLE and op != "*":
            mask = masks.get(step.cls)
            mask = (bits.class_mask(step.cls) if mask is None else mask) * lanes
            if op == "":
                reach = (reach & mask) << 1
            elif op == "?":
                reach |= (reach & mask) << 1
            elif op == "=":
                reach &= mask
            else:
                reach &= ~mask
        elif step.kind == LAYER and op == "":
            name = step.layer
            if name not in ready:
                view.compute_layer(name)
            reach = _lane_layer(view, name, reach & layer_starts.get(name, 0) * lanes, width, False)
        else:
            reach = _lane_advance(step, view, bits, reach, lanes, width, counter)
        if feasible is not None:
            reach &= feasible[index + 1] * lanes
        elif not reach:
            counter[0] += index + 1
            return []
    counter[0] += len(steps) * len(origins)
    lane_mask = (1 << width) - 1
    out = []
    for start in origins:   # lane by lane from the lowest, shifting each lane out once read
        ends = reach & lane_mask & ~((2 << start) - 1)   # spans of at least one token
        reach >>= width
        if ends:
            out.append((start, ends if ends.bit_count() <= LAYER_LIMIT else _longest_ends(ends, start)))
    return out


def _start_pass(steps: tuple[Step, ...], view: SentenceView, bits: SentenceBits, feasible: list[int] | None,
                starts: int, counter: list) -> list[tuple[int, int]]:
    """``_lane_pass``, one start after the other on plain position sets: the same ends, the same
    layers computed in the same order, the same count of steps.

    In a short sentence (``SMALL_SENTENCE``) a set of positions fits a machine word, which a
    compiled build keeps unboxed; the lanes of all starts make one integer of starts x tokens
    bits, and every operation on it a heap-allocated big-integer operation. So here many
    cheap passes beat one dear one (lanes remain for long sentences).

    What the lane pass does for all starts at once is mirrored: a lane pass stops at the step
    after which every lane is empty (without ``feasible``), and so do the starts here, the
    last to run out deciding; each start meets the steps in order, so layers are first
    computed in step order, as there. A repetition loop runs in a lane pass until its
    longest-running lane is done, so each step counts the most rounds any start took
    there; with ``feasible``, a lane pass goes through the steps after every lane is
    empty, so those steps are run here once with no positions, for their layers and counts.
    """
    last = len(steps)
    most = [0] * last     # per step: the most repetition rounds a start took there
    rounds = [0]          # one start's rounds in one step (``_advance``'s counter)
    ready, layer_starts = view.ready, view.layer_starts
    reached = 0           # steps any start has entered
    origins = 0
    alive = False         # whether a start has positions after the last step
    out: list[tuple[int, int]] = []
    while starts:
        low = starts & -starts
        starts ^= low
        start = low.bit_length() - 1
        origins += 1
        reach = low
        index = 0
        while index < last:
            step = steps[index]
            op = step.op
            if step.kind == SIMPLE and op != "*":
                reach = _one_token_step(step, bits, reach)
            elif step.kind == LAYER and op == "":
                name = step.layer
                if name not in ready:
                    view.compute_layer(name)
                reach = _layer_step(view, name, reach & layer_starts.get(name, 0))
            else:
                rounds[0] = 0
                reach = _advance(step, view, bits, reach, rounds)
                if rounds[0] > most[index]:
                    most[index] = rounds[0]
            if feasible is not None:
                reach &= feasible[index + 1]
            index += 1
            if not reach:
                break
        if index > reached:
            reached = index
        if reach:
            alive = True
            ends = reach & ~((2 << start) - 1)   # spans of at least one token
            if ends:
                out.append((start, ends if ends.bit_count() <= LAYER_LIMIT else _longest_ends(ends, start)))
    spent = 0
    for index in range(reached):
        spent += most[index]
    if feasible is None and not alive:   # every start ran out, the last at step ``reached - 1``: a lane pass stops there
        counter[0] += spent + reached
        return []
    if reached < last:
        for index in range(reached, last):   # no positions left: what a lane pass still does
            rounds[0] = 0
            _advance(steps[index], view, bits, 0, rounds)
            spent += rounds[0]
    counter[0] += spent + last * origins
    return out


def _lane_forward(step: Step, view: SentenceView, bits: SentenceBits, reach: int, lanes: int, width: int,
                  nonempty: bool = False) -> int:
    """``_forward`` on lanes (see ``_lane_ends``)."""
    kind = step.kind
    if kind == SIMPLE:
        return (reach & bits.class_mask(step.cls) * lanes) << 1
    out = 0
    if kind == LAYER:
        return _lane_layer(view, step.layer, reach & _layer_starts(view, step.layer) * lanes, width, nonempty)
    if kind == LEXICON:
        lexicon = bits.lexicon_table(step.lexicon)
        hits = reach & bits.lexicon_starts[id(step.lexicon)] * lanes
        while hits:
            low = hits & -hits
            hits ^= low
            lane, at = divmod(low.bit_length() - 1, width)
            for end in lexicon[at]:
                out |= 1 << (lane * width + end)
    elif kind == REST:
        table = _rest_table(view, bits, step.rest)
        hits = reach & bits.rest_starts[step.rest] * lanes
        while hits:
            low = hits & -hits
            hits ^= low
            lane, at = divmod(low.bit_length() - 1, width)
            out |= 1 << (lane * width + table[at])
    elif not nonempty:
        out = reach & (lanes if kind == START else bits.sentence_end() * lanes)
    return out


def _lane_layer(view: SentenceView, name: str, hits: int, width: int, nonempty: bool) -> int:
    """Lanes after one span of (computed) layer ``name`` from the lane positions ``hits``."""
    table = view.layer_bits[name] if hits else _NONE
    out = 0
    while hits:
        low = hits & -hits
        hits ^= low
        shift = low.bit_length() - 1
        at = shift % width
        shift -= at                      # the lane's first bit: lane number x width
        out |= (table[at] & ~((2 << at) - 1) if nonempty else table[at]) << shift
    return out


def _lane_advance(step: Step, view: SentenceView, bits: SentenceBits, reach: int, lanes: int, width: int, counter: list) -> int:
    """``_advance`` on lanes (see ``_lane_ends``)."""
    op = step.op   # as in ``_advance``
    if op == "":
        return _lane_forward(step, view, bits, reach, lanes, width)
    if op == "?":
        return reach | _lane_forward(step, view, bits, reach, lanes, width)
    return _apply_op(step, view, bits, reach, lanes, width, counter)


def _longest_ends(reach: int, start: int) -> int:
    """The ends in ``reach`` of spans from ``start`` (at least one token), as a bit set: the
    LAYER_LIMIT highest when there are more."""
    reach &= ~((2 << start) - 1)
    extra = reach.bit_count() - LAYER_LIMIT
    while extra > 0:      # drop the shortest spans
        reach &= reach - 1
        extra -= 1
    return reach
