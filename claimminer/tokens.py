"""Word tokens with offsets, over the normalised text of a sentence.

Possessive ``'s`` is its own token (``Macron`` ``'s`` ``office``) so that rules
can see noun-phrase structure, and so are the clitics ``'re``, ``'ve``, ``'ll``,
``'d`` and ``'m`` (``they`` ``'re`` ``saying``), as in the Penn Treebank, so that
the contracted auxiliaries of the lexicons match. ``don't``, dotted acronyms
(``U.S.``), words joined to a number (``50-state``), web sites
(``Factcheck.org``), joint names (``CNN/ORC``) and numbers with separators
(``3,500``, ``4.5%``) stay whole.
"""
from __future__ import annotations

from typing import Iterator

import regex

from claimminer.spans import Token

_TOKEN = regex.compile(
    r"""
      (?:\p{L}\.){2,}(?!\p{L})                  # U.S.  e.g.  a.m.
    | \p{Lu}\p{Ll}{0,3}\.(?=\s+\S|,)            # Gen. Alexus G. Grynkewich, Biden Jr. said, Jr., who: an abbreviation
                                                # inside a sentence (the splitter already cut real ends)
    | [\p{L}\p{N}][\p{L}\p{N}-]*(?:\.[\p{L}\p{N}-]+)*\.(?:com|org|net|gov|edu|info|io|co|uk|fr|de)\b  # Factcheck.org: a site is one name
    | (?>\p{N}+(?:[.,:/]\p{N}+)*)(?:%|(?>(?:st|nd|rd|th)?)(?!-\p{L}))  # 3,500  4.5%  9/11  21st; 50-state is a word
    | '(?:s|S|re|RE|ve|VE|ll|LL|d|D|m|M)(?!\p{L})  # possessive 's and the clitics of they're, I've, we'll, I'd, I'm
    | \p{Lu}[\p{L}\p{M}\p{N}]*(?:/\p{Lu}[\p{L}\p{M}\p{N}]*)+(?![\p{L}\p{N}])  # CNN/ORC, Times/CBS: joint names (polls)
    | [\p{L}\p{M}\p{N}_]+(?:-[\p{L}\p{M}\p{N}_]+)*(?:'(?!(?:[sSdDmM]|re|RE|ve|VE|ll|LL)(?!\p{L}))[\p{L}]+)?  # words, hyphenated, don't
    | -+                                         # dash runs
    | \S                                         # any other single character
    """,
    regex.VERBOSE,
)


def span_tokenize(norm: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` offsets of the tokens of ``norm[start:end]``."""
    for match in _TOKEN.finditer(norm, start, len(norm) if end is None else end):
        yield match.span()


# Token is a frozen dataclass, whose __init__ sets every field through object.__setattr__;
# tokens are made by the ten thousand, so tokenize fills the slots directly (the same object).
# The slot descriptors are read with getattr: mypy (and so mypyc, which compiles this module)
# takes ``Token.start`` for the instance field.
_NEW = object.__new__
_SET_START, _SET_END = getattr(Token, "start").__set__, getattr(Token, "end").__set__
_SET_NORM, _SET_LOWER = getattr(Token, "norm").__set__, getattr(Token, "lower").__set__


def tokenize(norm: str, start: int = 0, end: int | None = None) -> tuple[Token, ...]:
    """Tokens of ``norm[start:end]``, each carrying its normalised and lower-cased text.

    The surfaces come from ``findall`` (no match objects) and their offsets from ``str.find``:
    a match can start at any non-space character (the last alternative is ``\\S``), so only
    white space lies between two tokens, and a surface (never opening with white space) is
    found first exactly where it was matched.
    """
    out = []
    find = norm.find
    e = start
    for surface in _TOKEN.findall(norm, start, len(norm) if end is None else end):
        s = find(surface, e)
        e = s + len(surface)
        token = _NEW(Token)
        _SET_START(token, s)
        _SET_END(token, e)
        _SET_NORM(token, surface)
        _SET_LOWER(token, surface.lower())
        out.append(token)
    return tuple(out)
