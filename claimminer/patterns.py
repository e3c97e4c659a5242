"""Token patterns in the spirit of spaCy's Matcher, compiled once per run.

A pattern is a list of elements. An element is a mapping of token tests
(``TEXT``, ``LOWER``, ``REGEX``, ``IN``, ``NOT_IN``, shape flags) or one
special key (``LAYER``, ``REST``, ``START``, ``END``), plus ``OP`` and
``CAPTURE``. ``{}`` matches any token. Compilation turns each element into a
small object with an ``advance`` method and reports every problem found.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

import regex

from claimminer.spans import Token
from claimminer.tokens import SHAPES, shape_bits
from claimminer.yamlloc import Loc, loc_of

OPS = ("?", "*", "+", "!", "=")  # "!" / "=": zero-width, the next token must not / must match
_BOUNDS = regex.compile(r"\{(\d*),(\d*)\}")  # spaCy-style bounded repetition: {n,m}, {,m}, {n,}
SHAPE_BITS = {name: 1 << i for i, name in enumerate(SHAPES)}   # the bits of ``shape_bits``


_SHAPE_CACHE: dict[str, int] = {}


def shape_mask(token: Token) -> int:
    """Bit set of the shape tests a token passes (it depends on the surface only, so it is cached)."""
    mask = _SHAPE_CACHE.get(token.norm)
    if mask is None:
        mask = shape_bits(token.norm)
        if len(_SHAPE_CACHE) < 200_000:  # bounded: a cache, not a leak
            _SHAPE_CACHE[token.norm] = mask
    return mask


TOKEN_KEYS = ("TEXT", "LOWER", "REGEX", "IN", "NOT_IN", "IN_QUOTE") + tuple(SHAPES)
SPECIAL_KEYS = ("LAYER", "REST", "START", "END")
META_KEYS = ("OP", "CAPTURE")
REST_KINDS = ("sentence", "clause", "quote")
ALL_KEYS = TOKEN_KEYS + SPECIAL_KEYS + META_KEYS
SENTENCE_FINAL = frozenset(".!?;:,")
CLAUSE_BREAKS = frozenset(",;:")


@dataclass(frozen=True)
class Problem:
    loc: Loc | None
    rule_id: str
    message: str

    def __str__(self) -> str:
        where = str(self.loc) if self.loc else "?"
        return f"{where}: {self.rule_id or '-'}: {self.message}"


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True)
class Lexicon:
    """Entries of one lexicon: single words as a set, phrases as a first-word index (a small trie)."""

    name: str
    words: frozenset[str]
    phrases: dict = field(hash=False, compare=False)  # first word -> tuple of word tuples, longest first
    path: str = ""
    bit: int = 0   # this lexicon's bit in the per-token membership mask (0: inline list, tested as a set)

    def advance(self, tokens: Sequence[Token], i: int) -> Iterator[int]:
        """Ends of the entries that start at token ``i``, longest first."""
        lower = tokens[i].lower
        for phrase in self.phrases.get(lower, ()):
            end = i + len(phrase)
            if end <= len(tokens) and all(tokens[i + k].lower == w for k, w in enumerate(phrase)):
                yield end
        if lower in self.words:
            yield i + 1

    def first_words(self) -> frozenset[str]:
        return self.words | frozenset(self.phrases)


@dataclass
class Element:
    """One compiled pattern element."""

    op: str = ""
    capture: str | None = None
    tests: tuple[TokenTest, ...] = ()
    lexicon: Lexicon | None = None     # IN with phrases: may consume several tokens
    layer: str | None = None
    rest: str | None = None
    anchor: str | None = None          # "START" or "END": zero-width assertions
    words: frozenset[str] | None = None  # lower-case words this element requires, for pre-filtering
    lexicon_name: str | None = None    # for --explain: which lexicon a token matched
    in_quote: bool | None = None       # IN_QUOTE: the token must (not) lie inside quotation marks
    need: int = 0                      # lexicon bits the token must have (IN)
    forbid: int = 0                    # lexicon bits it must not have (NOT_IN)
    shape_need: int = 0
    shape_forbid: int = 0
    simple: bool = False               # consumes exactly one token, tested by ``ok`` alone
    min_repeat: int = 0                # for * and + and {n,m}: how often the element must / may repeat
    max_repeat: int | None = None

    def ok(self, tokens: Sequence[Token], masks: Sequence[int], shapes: Sequence[int],
           in_quote: Sequence[bool], i: int) -> bool:
        """Whether token ``i`` passes this element's tests (bit tests first: they are cheap)."""
        mask = masks[i]
        if mask & self.need != self.need or mask & self.forbid:
            return False
        shape = shapes[i]
        if shape & self.shape_need != self.shape_need or shape & self.shape_forbid:
            return False
        if self.in_quote is not None and in_quote[i] != self.in_quote:
            return False
        if self.tests:
            token = tokens[i]
            for test in self.tests:
                if not test(token):
                    return False
        return True


@dataclass(frozen=True)
class TokenTest:
    """One test on a token's text beyond lexicon bits and shapes: inspectable, so that it can be compiled.

    ``attr`` is ``norm`` (TEXT, REGEX) or ``lower`` (LOWER, inline word lists);
    ``kind`` is ``eq``, ``in``, ``not_in`` or ``regex``; ``value`` a string, a
    frozenset of strings, or a regex source.
    """

    attr: str
    kind: str
    value: object
    pattern: object = field(default=None, compare=False, hash=False)  # compiled, for ``regex``

    def __call__(self, token: Token) -> bool:
        text = getattr(token, self.attr)
        if self.kind == "eq":
            return text == self.value
        if self.kind == "in":
            return text in self.value
        if self.kind == "not_in":
            return text not in self.value
        return self.pattern.fullmatch(text) is not None


# Regex sources that the stdlib ``re`` reads exactly as ``regex`` (version 0) does: ASCII
# literals, escaped ASCII punctuation, classes of those, non-capturing groups, lookaheads,
# alternation, anchors and quantifiers. No flags and no ``\w``-style classes: case folding
# and those classes follow each module's own Unicode tables, which differ.
_PUNCT_ESCAPE = r"\\[!-/:-@\[-`{-~]"
_SHARED_SYNTAX = regex.compile(
    rf"""(?:[A-Za-z0-9 '%,:;"/_&-]|{_PUNCT_ESCAPE}|\[\^?(?:[A-Za-z0-9 '%,.:;"/_&-]|{_PUNCT_ESCAPE})+\]"""
    r"|\(\?[:!=]|\((?!\?)|[)|.*+?^$]|\{(?:\d+(?:,\d*)?|,\d+)\})*")


# Sources that ``re`` reads as ``regex`` (version 0) does on every ASCII string, though not on
# every string: the shared syntax above, plus ``\w \W \d \D`` (ASCII letters, digits and "_"
# in both modules; they differ on other characters) and a leading ``(?i)`` (on ASCII strings
# both fold only A-Z with a-z). Not ``\s``: ``re`` also takes U+001C..U+001F for white space.
_ASCII_SHARED_SYNTAX = regex.compile(
    rf"""(?:\(\?i\))?(?:[A-Za-z0-9 '%,:;"/_&-]|{_PUNCT_ESCAPE}|\\[wWdD]"""
    rf"""|\[\^?(?:[A-Za-z0-9 '%,.:;"/_&-]|{_PUNCT_ESCAPE}|\\[wWdD])+\]"""
    r"|\(\?[:!=]|\((?!\?)|[)|.*+?^$]|\{(?:\d+(?:,\d*)?|,\d+)\})*")


def ascii_shared(pattern) -> bool:
    """Whether ``pattern`` (as ``token_regex`` made it) is a ``regex`` pattern that ``re`` compiled
    from the same source reads alike on every ASCII string (see ``_ASCII_SHARED_SYNTAX``)."""
    return (isinstance(pattern, regex.Pattern) and not pattern.flags & ~(regex.U | regex.V0 | regex.I)
            and _ASCII_SHARED_SYNTAX.fullmatch(pattern.pattern) is not None)


def token_regex(source: str):
    """``source`` compiled for REGEX token tests, which only ask whether a whole token matches.

    ``regex`` defines the meaning (it raises ``regex.error`` on a bad source); a source
    in the syntax both modules read alike is run by ``re``, whose calls cost about a
    third: rule books test every new word against a score of these.
    """
    compiled = regex.compile(source)
    if compiled.flags & regex.VERSION1 or _SHARED_SYNTAX.fullmatch(source) is None:
        return compiled
    try:
        return re.compile(source)
    except re.error:
        return compiled


def _regex_test(attr: str, source: str) -> TokenTest:
    return TokenTest(attr, "regex", source, token_regex(source))


def _string_test(key: str, value, lexicons: dict, add: Callable[[str], None]):
    """TEXT / LOWER values: a string, or {IN: [...]} / {NOT_IN: [...]} / {REGEX: ...}."""
    attr = "norm" if key == "TEXT" else "lower"
    if isinstance(value, str):
        return TokenTest(attr, "eq", value), frozenset([value.lower()])
    if isinstance(value, dict) and len(value) == 1:
        (op, arg), = value.items()
        if op in ("IN", "NOT_IN") and isinstance(arg, list) and all(isinstance(x, str) for x in arg):
            values = frozenset(arg)
            if op == "IN":
                return TokenTest(attr, "in", values), frozenset(x.lower() for x in arg)
            return TokenTest(attr, "not_in", values), None
        if op == "REGEX" and isinstance(arg, str):
            try:
                return _regex_test(attr, arg), None
            except regex.error as err:
                add(f"{key}: REGEX does not compile: {err}")
                return None, None
    hint = ""
    if isinstance(value, dict) and any(isinstance(x, bool) for v in value.values() if isinstance(v, list) for x in v):
        hint = " (YAML reads bare on/off/yes/no as true/false: quote them)"
    add(f"{key} must be a string or a mapping with IN, NOT_IN or REGEX{hint}")
    return None, None


def compile_element(spec, lexicons: dict[str, Lexicon], layers: set[str], rule_id: str,
                    problems: list[Problem], roles_hint: Sequence[str] = ()) -> Element | None:
    """Compile one element mapping; append problems instead of raising."""
    def add(message: str, key=None) -> None:
        problems.append(Problem(loc_of(spec, key), rule_id, message))

    if not isinstance(spec, dict):
        add(f"a pattern element must be a mapping, not {type(spec).__name__}")
        return None
    element = Element()
    tests: list = []
    words: frozenset[str] | None = None
    for key, value in spec.items():
        if key not in ALL_KEYS:
            add(f"unknown key {key!r}{did_you_mean(key, ALL_KEYS)}", key)
            continue
        if key == "OP":
            bounds = _BOUNDS.fullmatch(str(value))
            if bounds:
                low, high = int(bounds.group(1) or 0), int(bounds.group(2)) if bounds.group(2) else None
                if high is not None and (high < max(low, 1)):
                    add(f"OP {value!r}: the upper bound must be at least the lower bound and 1", key)
                element.op, element.min_repeat, element.max_repeat = "*", low, high
            elif value not in OPS:
                add(f"OP must be one of {' '.join(OPS)} or {{n,m}}, not {value!r}", key)
            else:
                element.op = value
                element.min_repeat = 1 if value == "+" else 0
        elif key == "CAPTURE":
            if not isinstance(value, str) or not regex.fullmatch(r"[a-z_][a-z0-9_]*", value):
                add(f"CAPTURE must be a lower-case name, not {value!r}", key)
            else:
                element.capture = value
        elif key in ("TEXT", "LOWER"):
            test, required = _string_test(key, value, lexicons, lambda m: add(m, key))
            if test:
                tests.append(test)
                words = required if words is None else words
        elif key == "REGEX":
            try:
                tests.append(_regex_test("norm", str(value)))
            except regex.error as err:
                add(f"REGEX does not compile: {err}", key)
        elif key in ("IN", "NOT_IN"):
            lex = _lexicon(value, lexicons, lambda m: add(m, key))
            if lex is None:
                continue
            if key == "NOT_IN":
                if lex.bit:
                    element.forbid |= lex.bit
                else:
                    tests.append(TokenTest("lower", "not_in", lex.words))
            elif lex.phrases:
                element.lexicon = lex
                words = lex.first_words()
            else:
                if lex.bit:
                    element.need |= lex.bit
                else:
                    tests.append(TokenTest("lower", "in", lex.words))
                words = lex.words
                element.lexicon_name = lex.name
        elif key == "IN_QUOTE":
            if not isinstance(value, bool):
                add(f"IN_QUOTE takes true or false, not {value!r}", key)
            else:
                element.in_quote = value
        elif key in SHAPES:
            if not isinstance(value, bool):
                add(f"{key} takes true or false, not {value!r}", key)
            else:
                if value:
                    element.shape_need |= SHAPE_BITS[key]
                else:
                    element.shape_forbid |= SHAPE_BITS[key]
        elif key == "LAYER":
            if value not in layers:
                add(f"undefined layer {value!r}{did_you_mean(value, sorted(layers))}", key)
            element.layer = value
        elif key == "REST":
            if value not in REST_KINDS:
                add(f"REST must be one of {', '.join(REST_KINDS)}, not {value!r}", key)
            element.rest = value
        elif key in ("START", "END"):
            element.anchor = key
    specials = [k for k in SPECIAL_KEYS if k in spec]
    if len(specials) > 1 or (specials and any(k in spec for k in TOKEN_KEYS)):
        add("LAYER, REST, START and END stand alone: no token tests beside them")
    if element.op and (element.rest or element.anchor):
        add("REST, START and END take no OP")
    if element.lexicon is not None and (tests or element.need or element.forbid or element.shape_need
                                        or element.shape_forbid or element.in_quote is not None):
        # A phrase step tests no single token, so such tests would be ignored, not applied.
        add("IN with a phrase lexicon takes no other token tests; put them in a lookahead element "
            "before it ({IS_LOWER: true, OP: \"=\"})", "IN")
    element.tests = tuple(tests)
    element.simple = (element.layer is None and element.rest is None and element.anchor is None
                      and element.lexicon is None)
    element.words = words if element.op in ("", "+", "=") or element.min_repeat > 0 else None
    return element


def _lexicon(value, lexicons: dict[str, Lexicon], add) -> Lexicon | None:
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return make_lexicon("<inline>", value)
    if isinstance(value, str):
        if value in lexicons:
            return lexicons[value]
        add(f"undefined lexicon {value!r}{did_you_mean(value, sorted(lexicons))}")
        return None
    add("IN takes a lexicon name or a list of words")
    return None


def make_lexicon(name: str, entries: Sequence[str], path: str = "", bit: int = 0) -> Lexicon:
    """Build a lexicon; multi-word entries are split with the project tokenizer."""
    from claimminer.tokens import tokenize

    words: set[str] = set()
    phrases: dict[str, list[tuple[str, ...]]] = {}
    for entry in entries:
        parts = tuple(t.lower for t in tokenize(entry.strip().lower()))
        if len(parts) == 1:
            words.add(parts[0])
        elif parts:
            phrases.setdefault(parts[0], []).append(parts)
    ordered = {k: tuple(sorted(set(v), key=lambda p: (-len(p), p))) for k, v in sorted(phrases.items())}
    return Lexicon(name, frozenset(words), ordered, path, bit)
