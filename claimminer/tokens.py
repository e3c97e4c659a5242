"""Word tokens with offsets, over the normalised text of a sentence.

Possessive ``'s`` is its own token (``Macron`` ``'s`` ``office``) so that rules
can see noun-phrase structure; dotted acronyms (``U.S.``) and numbers with
separators (``3,500``, ``4.5%``) stay whole.
"""
from __future__ import annotations

from typing import Iterator

import regex

from claimminer.spans import Token

_TOKEN = regex.compile(
    r"""
      (?:\p{L}\.){2,}(?!\p{L})                  # U.S.  e.g.  a.m.
    | \p{Lu}\p{Ll}{0,3}\.(?=\s+\S)              # Gen. Alexus G. Grynkewich, Biden Jr. said: an abbreviation
                                                # inside a sentence (the splitter already cut real ends)
    | \p{N}+(?:[.,:/]\p{N}+)*(?:%|st|nd|rd|th)?  # 3,500  4.5%  9/11  21st
    | '(?:s|S)(?!\p{L})                          # possessive 's
    | [\p{L}\p{M}\p{N}_]+(?:-[\p{L}\p{M}\p{N}_]+)*(?:'(?![sS](?!\p{L}))[\p{L}]+)?  # words, hyphenated, don't
    | -+                                         # dash runs
    | \S                                         # any other single character
    """,
    regex.VERBOSE,
)


def span_tokenize(norm: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` offsets of the tokens of ``norm[start:end]``."""
    for match in _TOKEN.finditer(norm, start, len(norm) if end is None else end):
        yield match.span()


def tokenize(norm: str, start: int = 0, end: int | None = None) -> tuple[Token, ...]:
    """Tokens of ``norm[start:end]``, each carrying its normalised and lower-cased text."""
    out = []
    for s, e in span_tokenize(norm, start, end):
        surface = norm[s:e]
        out.append(Token(s, e, surface, surface.lower()))
    return tuple(out)
