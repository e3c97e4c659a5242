"""Sentence boundaries: Punkt built from our abbreviation YAML plus a rule layer.

The document is first cut into blocks by line structure (blank lines always
cut; a single newline cuts unless the line is hard-wrapped). Inside a block,
every potential end (``.``, ``?``, ``!``, ellipses, glued full stops, list
markers, bullets) becomes a candidate cut. Punkt, with parameters built in
code from ``rules/segmentation.yaml``, decides ordinary full stops; the rule
layer only adds or removes cuts, it never moves text. Spans are trimmed of
whitespace, so ``text[start:end]`` is the sentence.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import regex
import yaml
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

RULES_FILE = "segmentation.yaml"

# A run of terminal punctuation, its closing quotes/brackets, then whitespace.
_TERM = regex.compile(r"(?P<term>[.?!\u2026]+)(?P<close>[\"')\]]*)(?=\s)")
# A full stop glued to the next sentence: "leadership.A joint", "Russia.Prospects".
_GLUED = regex.compile(r"(?<=\p{Ll}\p{Ll})[.?!](?=\p{Lu}(?:\p{Ll}|[\s']))")
# Spaced ellipsis ". . ." (three or more dots).
_SPACED_ELLIPSIS = regex.compile(r"(?<!\.)\.(?: \.){2,}(?!\.)")
_ELLIPSIS_TOKEN = regex.compile(r"\.{3,}|\u2026")
# Next whitespace-delimited token.
_NEXT = regex.compile(r"\s*(\S+)")
_NONSPACE = regex.compile(r"\S")
_OPENERS = "\"'([{"
# Characters that never open a sentence (continuations, leftover dots).
_NOT_OPENING = frozenset(".,;:!?)]}-&/%\u2026")
_CLOSERS = "\"')]}.,;:!?"
# A sentence so far that is only a list marker: "1.", "b.", "1.)", "- 9.".
_MARKER_ONLY = regex.compile(r"(?:[^\w\s]\s*)?(?:\d{1,3}|[A-Za-z])(?:\.\)|\.)")
# Dotted acronyms such as "E.U." or "U.A.E." act as abbreviations.
_ACRONYM = regex.compile(r"(?:\p{L}\.){2,}")
# Words like "iPhone" start lowercase but may open a sentence.
_CAMEL = regex.compile(r"\p{Ll}{1,2}\p{Lu}")
# Text that is an address, not prose: a glued full stop inside it is no boundary.
_ADDRESS = regex.compile(r"@|://|www\.|\.(?:com|org|net|gov|edu|html?)\b", regex.I)
_LINE_END = regex.compile(r"[.?!\u2026][\"')\]]*$")
_BARE_TIME = regex.compile(r"(?:(?P<prep>\p{L}+)\s+)?[\d:.]+\s*[ap]\.m\.", regex.I)
_WORD = regex.compile(r"[\p{L}'-]+")


def load_config(rules_dir: Path) -> dict:
    """Read the segmentation YAML from a rules directory."""
    path = Path(rules_dir) / RULES_FILE
    with path.open(encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    if not isinstance(config, dict) or "abbreviations" not in config:
        raise ValueError(f"{path}: expected a mapping with an 'abbreviations' key")
    return config


def _strings(config: dict, key: str, origin: str) -> list[str]:
    """A list of strings from the config, with a located error for anything else."""
    values = config.get(key) or []
    for value in values:
        if not isinstance(value, str):
            raise ValueError(f"{RULES_FILE}: {origin}{key}: {value!r} is not a string (quote it)")
    return list(values)


def _lowered(config: dict, key: str) -> frozenset[str]:
    """A top-level word list, lowercased."""
    return frozenset(word.lower() for word in _strings(config, key, ""))


def _abbrev_type(entry: str) -> str:
    """Punkt's form of an abbreviation: lowercase, without the final dot."""
    return entry.strip().lower().removesuffix(".")


@dataclass(frozen=True)
class Lexicon:
    """The word lists the splitter needs, in Punkt's lowercase form."""

    abbreviations: frozenset[str]
    titles: frozenset[str]
    before_number: frozenset[str]
    clock: frozenset[str]
    starters: frozenset[str]
    time_followers: frozenset[str]
    time_openers: frozenset[str]
    reporting_verbs: frozenset[str]
    bullets: str
    collocations: frozenset[tuple[str, str]]

    @classmethod
    def from_config(cls, config: dict) -> "Lexicon":
        """Build the lists from the parsed YAML."""
        groups = config["abbreviations"]
        lists = {key: {_abbrev_type(e) for e in _strings(groups, key, "abbreviations.")}
                 for key in groups}
        special = {"before_number", "time"}
        every = set().union(*(v for k, v in lists.items() if k not in special))
        pairs = frozenset((_abbrev_type(a), b.lower()) for a, b in config.get("collocations") or [])
        return cls(
            abbreviations=frozenset(every | lists.get("time", set())),
            titles=frozenset(lists.get("titles", set())),
            before_number=frozenset(lists.get("before_number", set())),
            clock=frozenset(lists.get("time", set())),
            starters=_lowered(config, "sentence_starters"),
            time_followers=frozenset(w.rstrip(".") for w in _strings(config, "time_followers", "")),
            time_openers=_lowered(config, "time_openers"),
            reporting_verbs=_lowered(config, "reporting_verbs"),
            bullets=str(config.get("bullets", "")),
            collocations=pairs,
        )


def build_punkt(lexicon: Lexicon) -> PunktSentenceTokenizer:
    """A Punkt tokenizer whose parameters come from our lists (no trained model)."""
    params = PunktParameters()
    params.abbrev_types = set(lexicon.abbreviations)
    params.sent_starters = set(lexicon.starters)
    params.collocations = set(lexicon.collocations)
    return PunktSentenceTokenizer(params)


def line_blocks(text: str) -> list[tuple[int, int]]:
    """Blocks of lines between hard cuts; hard-wrapped lines are joined."""
    blocks: list[tuple[int, int]] = []
    start = end = -1  # current block
    prev = ""
    pos = 0
    for line in text.split("\n"):
        line_end = pos + len(line)
        body = line.strip()
        if not body:
            if start >= 0:
                blocks.append((start, end))
            start = -1
        elif start >= 0 and body[0].islower() and not _LINE_END.search(prev):
            end = line_end  # hard-wrapped: the line continues the block
        else:
            if start >= 0:
                blocks.append((start, end))
            start, end = pos, line_end
        prev = body
        pos = line_end + 1
    if start >= 0:
        blocks.append((start, end))
    return blocks


class _Engine:
    """Punkt plus the boundary rules, built once per splitter."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon
        self.punkt = build_punkt(lexicon)
        bullets = regex.escape(lexicon.bullets) if lexicon.bullets else r"\x00"
        # A bullet inside a block starts a new item.
        self.bullet_char = regex.compile(rf"[{bullets}]")
        # The bullet is matched first, its lookbehind checked after (much faster).
        self.bullet = regex.compile(rf"[{bullets}](?<=\S\s*.)")
        self.marker = regex.compile(
            rf"(?<![^\s{bullets}])(?P<val>\d{{1,3}}|[a-z])(?P<style>\.\)|\)|\.)(?=\s+\p{{Lu}})")

    # -- candidates -------------------------------------------------------
    def cuts(self, text: str, start: int, end: int) -> list[int]:
        """Cut positions inside one block, in order."""
        events: list[tuple[int, int, object]] = []  # (position, priority, payload)
        skip: list[tuple[int, int]] = []
        for m in _SPACED_ELLIPSIS.finditer(text, start, end):
            skip.append(m.span())
            cut = self._spaced_ellipsis(text, m, end)
            if cut is not None:
                events.append((cut, 0, None))
        for m in _TERM.finditer(text, start, end):
            if not any(a <= m.start() < b for a, b in skip):
                events.append((m.end(), 1, m))
        for m in _GLUED.finditer(text, start, end):
            if self._glued_ok(text, m.start(), start, end):
                events.append((m.end(), 0, None))
        for m in self.bullet.finditer(text, start, end):
            events.append((m.start(), 0, None))
        events.extend((pos, 0, None) for pos in self._list_cuts(text, start, end))
        events.sort(key=lambda e: (e[0], e[1]))
        cuts: list[int] = []
        sent_start = start
        for pos, _, payload in events:
            if payload is not None and not self._decide(text, payload, sent_start, end):
                continue
            nxt = _NONSPACE.search(text, pos, end)
            if nxt is None or pos <= sent_start:
                continue
            cuts.append(pos)
            sent_start = nxt.start()
        return cuts

    def _spaced_ellipsis(self, text: str, m: "regex.Match[str]", end: int) -> Optional[int]:
        """Where a spaced ellipsis ends a sentence, if it does (MLA-style dots)."""
        dots = m.group().count(".")
        glued = m.start() > 0 and not text[m.start() - 1].isspace()
        after = m.end()
        while after < end and text[after] in "\"')]":
            after += 1
        nxt = _NEXT.match(text, after, end)
        if dots < 4 or nxt is None or not self._opens_sentence(nxt.group(1)):
            return None
        # "word. . . . Next": the first dot is the full stop, the ellipsis opens the
        # next sentence; "word . . . . Next": the fourth dot is the full stop.
        return m.start() + 1 if glued else after

    def _glued_ok(self, text: str, pos: int, start: int, end: int) -> bool:
        """A glued full stop is a boundary unless it sits in an address or abbreviation."""
        left = _token_start(text, start, pos)
        right = pos
        while right < end and not text[right].isspace():
            right += 1
        if _ADDRESS.search(text, left, right):
            return False
        word = _WORD.findall(text, left, pos)
        return not word or word[-1].lower() not in self.lex.abbreviations

    def _list_cuts(self, text: str, start: int, end: int) -> list[int]:
        """Cuts before the 2nd, 3rd... markers of a list that opens the block.

        Items must start uppercase, and the first marker must open the block
        (or follow a bullet), so that "No. 1. ... No. 2." in prose never chains.
        """
        first = _NONSPACE.search(text, start, end)
        cuts: list[int] = []
        if first is None or not (self.marker.match(text, first.start(), end)
                                 or self.bullet_char.search(text, start, end)):
            return cuts  # no list opens this block: skip the scan
        prev: Optional[tuple[str, str]] = None
        for m in self.marker.finditer(text, start, end):
            val, style = m.group("val"), m.group("style")
            opens = m.start() == first.start() or text[m.start() - 1] in self.lex.bullets
            if prev is not None and prev[1] == style and _successor(prev[0], val):
                cuts.append(self._item_start(text, start, m.start()))
                prev = (val, style)
            else:
                prev = (val, style) if opens else None
        return cuts

    def _item_start(self, text: str, start: int, pos: int) -> int:
        """A list item starts at its bullet, when the marker has one."""
        back = pos
        while back > start and text[back - 1].isspace():
            back -= 1
        return back - 1 if back > start and text[back - 1] in self.lex.bullets else pos

    # -- decisions --------------------------------------------------------
    def _opens_sentence(self, token: str) -> bool:
        """Whether a token can open a sentence (not a lowercase word, not bare punctuation)."""
        core = token.lstrip(_OPENERS)
        if not core:
            return False
        first = core[0]
        if first.islower():
            return bool(_CAMEL.match(core))
        return first not in _NOT_OPENING

    def _decide(self, text: str, m: "regex.Match[str]", sent_start: int, end: int) -> bool:
        """Whether a run of terminal punctuation ends the sentence."""
        nxt = _NEXT.match(text, m.end(), end)
        if nxt is None:
            return False  # the block end cuts anyway
        token = nxt.group(1)
        if _ELLIPSIS_TOKEN.fullmatch(token) and "." in m.group("term"):
            # "word. ... Next": the full stop ends the sentence, the ellipsis opens the next.
            after = _NEXT.match(text, nxt.end(), end)
            return m.group("term") == "." and after is not None and self._opens_sentence(after.group(1))
        if not self._opens_sentence(token):
            return False
        term, close = m.group("term"), m.group("close")
        core = token.lstrip(_OPENERS)
        if "\u2026" in term or ".." in term:
            return self._ellipsis_ends(text, m, sent_start, core)
        if "?" in term or "!" in term:
            return not (any(q in close for q in "\"'") and self._reported(core, text, nxt.end(), end))
        word = text[_token_start(text, sent_start, m.start()):m.start("term") + 1]
        if _MARKER_ONLY.fullmatch(text, sent_start, m.end()):
            return False  # "1." or "b." opening a list item
        return self._full_stop(word, core, text[sent_start:m.start()])

    def _ellipsis_ends(self, text: str, m: "regex.Match[str]", sent_start: int, core: str) -> bool:
        """Four dots end a sentence; three end one unless eliding ("[...]", "... I")."""
        if m.start() > 0 and text[m.start() - 1] in "[(":
            return False
        if _NONSPACE.search(text, sent_start, m.start()) is None:
            return False  # a lone ellipsis opening the sentence
        if m.group("term").count(".") >= 4:
            return True
        return _word_of(core) != "I"

    def _reported(self, core: str, text: str, pos: int, end: int) -> bool:
        """Whether a quoted question is followed by "<Name> asked"-style attribution."""
        words = [_word_of(core)] + [_word_of(w) for w in text[pos:min(end, pos + 60)].split()[:3]]
        for w in words:
            if w.lower() in self.lex.reporting_verbs:
                return True
            if not w[:1].isupper():
                return False
        return False

    def _full_stop(self, word: str, core: str, sentence: str) -> bool:
        """Decide a single full stop after ``word`` followed by ``core``."""
        lex = self.lex
        base = word.lstrip(_OPENERS).lower().removesuffix(".").rsplit("-", 1)[-1]
        next_word = _word_of(core)
        if base in lex.titles:
            return False
        if base in lex.before_number and core[:1].isdigit():
            return False
        if base in lex.clock:
            bare = _BARE_TIME.fullmatch(sentence.strip() + ".")
            if bare and (bare.group("prep") is None or bare.group("prep").lower() in lex.time_openers):
                return False
            return next_word.rstrip(".") not in lex.time_followers
        if len(base) == 1 and base.isalpha():
            return self._initial_ends(word, next_word, sentence)
        if _ACRONYM.fullmatch(base + ".") and base not in lex.abbreviations:
            return next_word.lower() in lex.starters
        # Only the next word: its own trailing "?" would read as a break to Punkt.
        context = word.lstrip(_OPENERS) + " " + (next_word or core)
        return self.punkt.text_contains_sentbreak(context)

    def _initial_ends(self, word: str, next_word: str, sentence: str) -> bool:
        """An initial continues a name, except the pronoun "I." or before a sentence starter."""
        before = sentence[: len(sentence) - len(word) + 1].split()
        prev = before[-1] if before else ""
        if word.rstrip(".") == "I" and prev[:1].islower():
            return True
        return next_word.lower() in self.lex.starters and next_word != "I"


def _token_start(text: str, lo: int, pos: int) -> int:
    """Start of the whitespace-delimited token that ends at ``pos`` (not before ``lo``)."""
    while pos > lo and not text[pos - 1].isspace():
        pos -= 1
    return pos


def _word_of(token: str) -> str:
    """The leading word of a token, without quotes or trailing punctuation."""
    return token.strip(_OPENERS + _CLOSERS)


def _successor(prev: str, val: str) -> bool:
    """Whether list marker ``val`` follows ``prev`` (2 after 1, b after a)."""
    if prev.isdigit() and val.isdigit():
        return int(val) == int(prev) + 1
    return len(prev) == len(val) == 1 and prev.isalpha() and ord(val) == ord(prev) + 1


class SentenceSplitter:
    """nltk-style sentence splitter over normalised document text."""

    def __init__(self, config: dict) -> None:
        self._config = config
        self._engine: Optional[_Engine] = None

    @classmethod
    def from_rules_dir(cls, rules_dir: Path) -> "SentenceSplitter":
        """A splitter configured from ``rules_dir/segmentation.yaml``."""
        return cls(load_config(rules_dir))

    def _built(self) -> _Engine:
        # Built on first use so that constructing a splitter stays cheap.
        if self._engine is None:
            self._engine = _Engine(Lexicon.from_config(self._config))
        return self._engine

    def span_tokenize(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of every sentence in the whole document, trimmed of whitespace."""
        engine = self._built()
        for start, end in line_blocks(text):
            last = start
            for cut in engine.cuts(text, start, end) + [end]:
                span = _trim(text, last, cut)
                if span is not None:
                    yield span
                last = cut

    def tokenize(self, text: str) -> list[str]:
        """The sentence strings (convenience for tests and evaluation)."""
        return [text[a:b] for a, b in self.span_tokenize(text)]


def _trim(text: str, start: int, end: int) -> Optional[tuple[int, int]]:
    """The span without surrounding whitespace, or None when empty."""
    first = _NONSPACE.search(text, start, end)
    if first is None:
        return None
    return first.start(), start + len(text[start:end].rstrip())
