"""Character equivalences for matching, as a same-length translation.

``normalize(text)`` returns a string of exactly the same length as ``text``:
every code point is replaced by at most one code point, so an offset into the
normalised text is the same offset into the original. Rules and the segmenter
read the normalised text; every span is reported against the original.
"""
from __future__ import annotations

import re

import regex

_EQUIVALENTS = {
    '"': "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e\uff02",
    "'": "\u2018\u2019\u201a\u201b\u2032\u0060\u00b4\u2039\u203a\uff07",
    "-": "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d",
    " ": ("\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
          "\u200a\u202f\u205f\u3000"
          # zero-width characters become a space rather than vanish, so that lengths hold
          "\u200b\u200c\u200d\u2060\ufeff"),
}

_TABLE: dict[int, str] = {}
for _target, _sources in _EQUIVALENTS.items():
    for _ch in _sources:
        _TABLE[ord(_ch)] = _target
# Control characters other than newline match as a space.
for _cp in list(range(0x00, 0x20)) + list(range(0x7F, 0xA0)):
    if _cp not in (0x0A, 0x0D):
        _TABLE[_cp] = " "
# Line separators are line breaks.
_TABLE[0x2028] = "\n"
_TABLE[0x2029] = "\n"
_TABLE[0x0085] = "\n"

# The characters ``_TABLE`` folds, found by one scan: news text holds few of them, and
# ``str.translate`` looks every character of a non-ASCII text up in the table.
_FOLDED = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_TABLE)) + "]")


def _fold(match: "re.Match[str]") -> str:
    return _TABLE[ord(match.group())]


# A carriage return is a line break on its own, a space before a newline.
_CR = regex.compile(r"\r(\n?)")


def _cr(match: "regex.Match[str]") -> str:
    return " \n" if match.group(1) else "\n"


# Two apostrophes or two backticks typed for a double quotation mark (a habit of some
# newsrooms): the pair becomes one mark plus a space on the side away from the words,
# so that the quote layer sees an ordinary opening or closing mark.
_PAIR_OPEN = regex.compile(r"(?:''|``)(?=[\p{L}\p{N}])")
_PAIR_CLOSE = regex.compile(r"(?<=[\p{L}\p{N}.,!?;:])''")


def normalize(text: str) -> str:
    """Fold quotes, apostrophes, dashes, spaces and control characters; keep the length."""
    folded = _FOLDED.sub(_fold, _CR.sub(_cr, text))   # text.translate(_TABLE), a few times faster
    if "''" in folded:
        folded = _PAIR_CLOSE.sub('" ', folded)
        folded = _PAIR_OPEN.sub(' "', folded)
    assert len(folded) == len(text)
    return folded


QUOTE_CHARS = frozenset('"' + _EQUIVALENTS['"'])
APOSTROPHE_CHARS = frozenset("'" + _EQUIVALENTS["'"])
