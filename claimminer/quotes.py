"""Pair quotation marks into quoted spans, in one linear pass over a document.

Curly marks say which way they face; a straight mark is read from its
neighbours (after a space it opens, before a space or punctuation it closes).
A paragraph that ends inside a quotation and is followed by a paragraph that
opens with a quotation mark continues that quotation (news convention).
Unbalanced marks never raise: an unclosed quotation ends at its paragraph end,
a stray closing mark is ignored.
"""
from __future__ import annotations

from dataclasses import dataclass

_OPENERS = "\u201c\u201e\u00ab"
_CLOSERS = "\u201d\u00bb"
_QUOTE_NORM = '"'


@dataclass(frozen=True, slots=True)
class Quote:
    start: int        # offset of the opening mark
    end: int          # offset after the closing mark (or the paragraph end)
    closed: bool      # False when the paragraph ended first
    continues: bool   # True when the next paragraph carries the same quotation on


def _faces_open(text: str, norm: str, i: int) -> bool | None:
    """True for an opening mark, False for a closing one, None when undecidable."""
    ch = text[i]
    before = norm[i - 1] if i > 0 else "\n"
    after = norm[i + 1] if i + 1 < len(norm) else "\n"
    # A curly mark says which way it faces, unless its neighbours plainly say the
    # opposite: a mark typed the wrong way round ('”What is ...' opening a paragraph,
    # 'the best in the world“ and') is read from its neighbours, like a straight one.
    if ch in _OPENERS:
        return not (_glued_after_word(before) and (after.isspace() or after in ".,;:!?)]}"))
    if ch in _CLOSERS:
        return (before.isspace() or before in "([{") and after.isalnum()
    if (before.isspace() or before in "([{-/") and not after.isspace():
        return True
    if not before.isspace() and (after.isspace() or after in ".,;:!?)]}-"):
        return False
    return None


def find_quotes(text: str, norm: str) -> list[Quote]:
    """Quoted spans of a document; ``norm`` is ``normalize(text)``."""
    quotes: list[Quote] = []
    open_at: int | None = None
    para_end = 0
    i = norm.find(_QUOTE_NORM)
    while i != -1:
        if i >= para_end:
            # Crossed into a new paragraph: settle any quotation left open.
            if open_at is not None:
                end = _rstrip(norm, open_at, para_end)
                continues = _paragraph_opens_with_quote(text, norm, i, para_end)
                quotes.append(Quote(open_at, end, False, continues))
                open_at = None
            para_end = _paragraph_end(norm, i)
        faces = _faces_open(text, norm, i)
        if open_at is None:
            if faces is not False:
                open_at = i
        elif faces is True and not _is_nested_slip(norm, open_at, i):
            # A second opener before any closer: the first one was stray.
            open_at = i
        else:
            quotes.append(Quote(open_at, i + 1, True, False))
            open_at = None
        i = norm.find(_QUOTE_NORM, i + 1)
    if open_at is not None:
        quotes.append(Quote(open_at, _rstrip(norm, open_at, para_end), False, False))
    return quotes


def _glued_after_word(before: str) -> bool:
    return before.isalnum() or before in ".,;:!?)]}"


def _is_nested_slip(norm: str, open_at: int, i: int) -> bool:
    """An 'opener' glued to the end of a word is a closer typed with the wrong mark."""
    return i > open_at + 1 and not norm[i - 1].isspace()


def _paragraph_end(norm: str, i: int) -> int:
    end = norm.find("\n", i)
    return len(norm) if end == -1 else end


def _rstrip(norm: str, start: int, end: int) -> int:
    while end > start + 1 and norm[end - 1].isspace():
        end -= 1
    return end


def _paragraph_opens_with_quote(text: str, norm: str, i: int, para_end: int) -> bool:
    """Whether the first non-space character after ``para_end`` is an opening mark at ``i``."""
    j = para_end
    while j < i and norm[j].isspace():
        j += 1
    return j == i and _faces_open(text, norm, i) is not False
