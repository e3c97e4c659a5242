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

import re
from typing import Final, Iterator

import regex

from claimminer.spans import Token

_TOKEN: Final = regex.compile(
    r"""
      (?:\p{L}\.){2,}(?!\p{L})                  # U.S.  e.g.  a.m.
    | \p{Lu}\p{Ll}{0,3}\.(?=\s+\S|,)            # Gen. Alexus G. Grynkewich, Biden Jr. said, Jr., who: an abbreviation
                                                # inside a sentence (the splitter already cut real ends)
    | (?=[\p{L}\p{N}][\p{L}\p{N}-]*+\.)         # (only where a dot follows the first name: a cheap test
                                                # that spares every plain word the backtracking below)
      [\p{L}\p{N}][\p{L}\p{N}-]*(?:\.[\p{L}\p{N}-]+)*\.(?:com|org|net|gov|edu|info|io|co|uk|fr|de)\b  # Factcheck.org: a site is one name
    | (?>\p{N}+(?:[.,:/]\p{N}+)*)(?:%|(?>(?:st|nd|rd|th)?)(?!-\p{L}))  # 3,500  4.5%  9/11  21st; 50-state is a word
    | '(?:s|S|re|RE|ve|VE|ll|LL|d|D|m|M)(?!\p{L})  # possessive 's and the clitics of they're, I've, we'll, I'd, I'm
    | \p{Lu}[\p{L}\p{M}\p{N}]*(?:/\p{Lu}[\p{L}\p{M}\p{N}]*)+(?![\p{L}\p{N}])  # CNN/ORC, Times/CBS: joint names (polls)
    | [\p{L}\p{M}\p{N}_]+(?:-[\p{L}\p{M}\p{N}_]+)*(?:'(?!(?:[sSdDmM]|re|RE|ve|VE|ll|LL)(?!\p{L}))[\p{L}]+)?  # words, hyphenated, don't
    | -+                                         # dash runs
    | \S                                         # any other single character
    """,
    regex.VERBOSE,
)

# White space as ``regex`` reads ``\s`` (Unicode White_Space), spelled out for the stdlib ``re``,
# whose own ``\s`` also takes U+001C..U+001F (a test compares the two on every code point).
SPACE: Final = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# The runs of text between white space, cut by the stdlib ``re`` (several times faster than
# ``_TOKEN``, which is most of tokenizing's cost). A run of ASCII letters alone (group 1) is
# one token as ``_TOKEN`` reads it: every alternative before the one for words needs a dot, a
# digit, an apostrophe or a slash, and a word stops at white space. Other runs: group 2.
#
# A run of ASCII letters between marks of ``_MARKS`` ('"Yes,', "said.", "(AP)"; group 3, the marks
# before and after in groups 2 and 4) is, as ``_TOKEN`` reads it, one token per mark and one for
# the letters: no alternative before the one for words takes a mark of ``_MARKS`` (none holds
# an apostrophe, a hyphen, a slash, a digit or a letter) except an abbreviation ("Gen.", an
# upper-case letter and at most three lower-case ones before a full stop), which
# ``_abbreviation_like`` sends back to ``_TOKEN``. Any other run: group 5.
_MARKS: Final = '.,;:!?"()'
_CHUNK: Final = re.compile(rf"([A-Za-z]+)(?=[{SPACE}]|\Z)|([{_MARKS}]*)([A-Za-z]+)([{_MARKS}]*)(?=[{SPACE}]|\Z)"
                           rf"|([^{SPACE}]+)")


def span_tokenize(norm: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` offsets of the tokens of ``norm[start:end]``."""
    for match in _TOKEN.finditer(norm, start, len(norm) if end is None else end):
        yield match.span()


# Token is a frozen dataclass, whose __init__ sets every field through object.__setattr__;
# tokens are made by the ten thousand, so tokenize fills the slots directly (the same object).
# The slot descriptors are read with getattr: mypy (and so mypyc, which compiles this module)
# takes ``Token.start`` for the instance field. ``Final``: a compiled build keeps them in C
# variables instead of looking each name up in the module's dict for every token.
_NEW: Final = object.__new__
_TOKEN_CLASS: Final = Token
_SET_START: Final = getattr(Token, "start").__set__
_SET_END: Final = getattr(Token, "end").__set__
_SET_NORM: Final = getattr(Token, "norm").__set__
_SET_LOWER: Final = getattr(Token, "lower").__set__


# The characters ``str.split()`` takes for white space besides ``SPACE`` (a test checks it).
_SPLIT_ONLY_SPACE: Final = "\x1c\x1d\x1e\x1f"


def tokenize(norm: str, start: int = 0, end: int | None = None) -> tuple[Token, ...]:
    """Tokens of ``norm[start:end]``, each carrying its normalised and lower-cased text.

    The runs between white space come from ``str.split`` (several times cheaper than
    ``_CHUNK``), read as ``_CHUNK``'s groups would read them: a run of ASCII letters, with
    marks of ``_MARKS`` before and after or without, is one token per mark and one for the
    letters (unless ``_abbreviation_like``); any other run is cut by ``_TOKEN``. Text holding
    a character that only ``str.split`` takes for white space goes to ``_chunk_tokenize``.
    """
    stop = len(norm) if end is None else end
    text = norm[start:stop]
    for char in _SPLIT_ONLY_SPACE:
        if char in text:
            return _chunk_tokenize(norm, start, stop)
    out: list[Token] = []
    find = norm.find
    e = start
    for run in text.split():
        s = find(run, e)   # only white space lies between ``e`` and the run: found where it is
        e = s + len(run)
        if run.isascii():
            if run.isalpha():
                out.append(_token(s, e, run))
                continue
            letters = run.strip(_MARKS)
            if letters and letters.isalpha():
                lead = run.find(letters)   # the marks before (``letters`` holds none of them)
                after = run[lead + len(letters):]
                if not (after[:1] == "." and _abbreviation_like(letters)):
                    for index in range(lead):
                        out.append(_token(s + index, s + index + 1, run[index]))
                    at = s + lead
                    out.append(_token(at, at + len(letters), letters))
                    at += len(letters)
                    for mark in after:
                        out.append(_token(at, at + 1, mark))
                        at += 1
                    continue
        at = s
        while at < e:
            surface: str = _TOKEN.match(norm, at, stop).group()
            out.append(_token(at, at + len(surface), surface))
            at += len(surface)
    return tuple(out)


def _chunk_tokenize(norm: str, start: int, stop: int) -> tuple[Token, ...]:
    """``tokenize`` with the runs cut by ``_CHUNK`` (white space exactly as ``SPACE``), for any text.

    ``_CHUNK`` cuts the text between white space; a run of ASCII letters is one token as it
    stands, and any other run is cut by ``_TOKEN``, token after token (a match can start at
    any non-space character: the last alternative is ``\\S``, so a run's tokens lie end to
    end). Offsets come from ``str.find``: only white space lies between two runs, so a run
    (never opening with white space) is found first exactly where it was matched.
    """
    out: list[Token] = []
    find = norm.find
    e = start
    for word, before, letters, after, other in _CHUNK.findall(norm, start, stop):
        if word:
            s = find(word, e)
            e = s + len(word)
            out.append(_token(s, e, word))
            continue
        if letters and not (after[:1] == "." and _abbreviation_like(letters)):
            # Only white space and the marks before lie between ``e`` and the letters.
            s = find(letters, e) - len(before)
            for mark in before:
                out.append(_token(s, s + 1, mark))
                s += 1
            e = s + len(letters)
            out.append(_token(s, e, letters))
            for mark in after:
                out.append(_token(e, e + 1, mark))
                e += 1
            continue
        if letters:
            other = before + letters + after
        s = find(other, e)
        e = s + len(other)
        while s < e:
            surface: str = _TOKEN.match(norm, s, stop).group()
            out.append(_token(s, s + len(surface), surface))
            s += len(surface)
    return tuple(out)


def _abbreviation_like(letters: str) -> bool:
    """Whether ASCII ``letters`` followed by a full stop may be ``_TOKEN``'s abbreviation
    ("Gen.", "Jr.", "A."): an upper-case letter and at most three lower-case ones."""
    return len(letters) <= 4 and "A" <= letters[0] <= "Z" and (len(letters) == 1 or letters[1:].islower())


def _token(start: int, end: int, surface: str) -> Token:
    """A Token, its slots filled directly (see above)."""
    token = _NEW(_TOKEN_CLASS)
    _SET_START(token, start)
    _SET_END(token, end)
    _SET_NORM(token, surface)
    _SET_LOWER(token, surface.lower())
    return token


# The shape flags of token patterns (``IS_TITLE: true``), in bit order: ``shape_bits`` sets
# bit ``i`` when a surface passes ``SHAPES[i]``. One compiled function, not a test per flag:
# every new surface of a run is tested once against all of them.
SHAPES: Final = ("IS_TITLE", "IS_UPPER", "IS_LOWER", "IS_ALPHA", "IS_DIGIT", "IS_PUNCT", "IS_QUOTE",
                 "LIKE_NUM", "IS_CAPITALISED")


def shape_bits(norm: str) -> int:
    """Bit set of the ``SHAPES`` that the surface ``norm`` passes."""
    upper = norm.isupper()
    capitalised = norm[:1].isupper()
    bits = 0
    if capitalised and not upper or (len(norm) == 1 and upper):
        bits |= 1                                   # IS_TITLE
    if upper:
        bits |= 2                                   # IS_UPPER
    if norm.islower():
        bits |= 4                                   # IS_LOWER
    if norm.isalpha():
        bits |= 8                                   # IS_ALPHA
    if norm.isdigit():
        bits |= 16                                  # IS_DIGIT
    if not any(c.isalnum() for c in norm):
        bits |= 32                                  # IS_PUNCT
    if norm == '"':
        bits |= 64                                  # IS_QUOTE
    if norm[:1].isdigit():
        bits |= 128                                 # LIKE_NUM
    if capitalised:
        bits |= 256                                 # IS_CAPITALISED
    return bits
