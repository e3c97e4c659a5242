"""Lines of a document and their layout kind, from the cues in ``rules/layout.yaml``.

Kinds: ``body`` (prose), ``headline``, ``byline``, ``related`` (a related-items
header and the headline list under it), ``prompt`` (share/subscribe/read-more),
``caption``. Nothing is dropped: every line is kept and marked, so sentences
can carry their layout and the classifier can use it.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable

import regex

from claimminer.spans import Block

_LINE = regex.compile(r"[^\n]+")
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_CUE_KINDS = ("byline", "prompt", "caption")
_FLAGS = regex.IGNORECASE | regex.V1
# Constructs whose result can depend on the direction of matching (back-references,
# atomic groups, possessive quantifiers, conditionals, recursion, verbs, fuzzy matching).
_CLASS_OPENING = regex.compile(r"\^?(?:\[|\\[pPwWdDsS]|\.)")
_DIRECTIONAL = regex.compile(r"\\[1-9gGk]|\(\?(?:>|\(|P=|P>|&|R|[0-9]|r)|\(\*|[*+?}]\+|\{[^}]*[eisd][<=}]")


def _line_test(pattern: "regex.Pattern[str]") -> "regex.Pattern[str]":
    r"""The compiled form used to ask whether ``pattern`` occurs in a line (only truth is used).

    Under ``IGNORECASE | V1`` the regex module folds case fully, and a repeated character
    class is then slow to try: ``^[\p{L}\p{N} .&'-]{1,40}\s(?:team|staff|...)$`` costs ~50 us
    on every prose line. A cue that opens with such a class and is anchored at the line end
    is therefore searched right to left (``regex.REVERSE``), where it fails on the last word.
    Without the constructs in ``_DIRECTIONAL``, a match exists one way exactly when it
    exists the other way. Cues that open with a word stay forward: that is cheap already,
    and reversing them would start on their (slow) trailing classes instead.
    """
    source = pattern.pattern
    if (_CLASS_OPENING.match(source) and source.endswith("$") and not source.endswith("\\$")
            and not _DIRECTIONAL.search(source)):
        return regex.compile(source, pattern.flags | regex.REVERSE)
    return pattern


@dataclass(frozen=True)
class LayoutCues:
    byline: tuple["regex.Pattern[str]", ...]
    related_header: tuple["regex.Pattern[str]", ...]
    prompt: tuple["regex.Pattern[str]", ...]
    caption: tuple["regex.Pattern[str]", ...]
    headline_max_words: int
    related_max_words: int
    no_claims_in: frozenset[str] = frozenset()

    @classmethod
    def from_mapping(cls, data: dict) -> "LayoutCues":
        def compiled(key: str) -> tuple["regex.Pattern[str]", ...]:
            return tuple(regex.compile(p, _FLAGS) for p in data.get(key, ()))

        headline = data.get("headline", {})
        return cls(
            byline=compiled("byline"),
            related_header=compiled("related_header"),
            prompt=compiled("prompt"),
            caption=compiled("caption"),
            headline_max_words=int(headline.get("max_words", 20)),
            related_max_words=int(headline.get("related_max_words", 25)),
            no_claims_in=frozenset(data.get("no_claims_in", ())),
        )

    @cached_property
    def tests(self) -> dict[str, tuple["regex.Pattern[str]", ...]]:
        """Per cue kind, the patterns as searched by ``classify_lines`` (see ``_line_test``)."""
        return {kind: tuple(_line_test(p) for p in getattr(self, kind))
                for kind in ("related_header",) + _CUE_KINDS}

    @classmethod
    def from_file(cls, path: Path) -> "LayoutCues":
        import yaml

        with open(path, encoding="utf-8") as handle:
            return cls.from_mapping(yaml.safe_load(handle) or {})


def _any(patterns: Iterable["regex.Pattern[str]"], line: str) -> bool:
    return any(p.search(line) for p in patterns)


def _words(line: str) -> int:
    return len(_WORD.findall(line))


def _lone(norm: str, start: int, end: int) -> bool:
    """A line with a blank line (or the document edge) on both sides."""
    before = norm[max(0, start - 2):start]
    after = norm[end:end + 2]
    return (start == 0 or before == "\n\n" or before.endswith("\n") and start < 2) and (
        end >= len(norm.rstrip()) or after == "\n\n")


def _cue_kind(tests: dict[str, tuple["regex.Pattern[str]", ...]], line: str) -> str | None:
    """The first of ``_CUE_KINDS`` (byline, prompt, caption) whose cues occur in ``line``."""
    return next((kind for kind in _CUE_KINDS if _any(tests[kind], line)), None)


def classify_lines(norm: str, cues: LayoutCues) -> list[Block]:
    """Every non-empty line of ``norm`` as a Block with its layout kind.

    Words are counted only for a line whose ending leaves it a related item or a headline
    (a prose line ends with a full stop), and the cue kinds are tried after the related header.
    """
    blocks: list[Block] = []
    in_related = False
    tests = cues.tests
    for match in _LINE.finditer(norm):
        start, end = match.span()
        raw = norm[start:end]
        line = raw.strip()
        if not line:
            in_related = False
            continue
        lead = start + (len(raw) - len(raw.lstrip()))
        trail = end - (len(raw) - len(raw.rstrip()))
        kind = "body"
        if _any(tests["related_header"], line):
            kind, in_related = "related", True
        elif (cue_kind := _cue_kind(tests, line)) is not None:
            # A byline, prompt or caption also ends a related-items block.
            kind, in_related = cue_kind, False
        elif in_related and not line.endswith((".", "?\"", ".\"")) and _words(line) <= cues.related_max_words:
            kind = "related"
        else:
            in_related = False
            if (not line.endswith((".", "\"", "'", ":")) and _lone(norm, lead, trail)
                    and _words(line) <= cues.headline_max_words):
                kind = "headline"
        blocks.append(Block(lead, trail, kind, len(blocks)))
    return blocks
