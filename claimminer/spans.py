"""Small frozen records that carry offsets between pipeline stages.

Every offset is a Python code-point offset into the document text exactly as
read, end exclusive. Strings are derived from offsets, never the other way
round (nltk's ``span_tokenize`` habit).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}:{self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    def overlap(self, other: "Span") -> int:
        return max(0, min(self.end, other.end) - max(self.start, other.start))

    def contains(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end

    def to_json(self, text: str) -> dict:
        return {"start": self.start, "end": self.end, "text": text[self.start:self.end]}


@dataclass(frozen=True, slots=True)
class Document:
    """A document as read: ``text`` is never changed; ``norm`` has the same length."""

    doc_id: str
    text: str
    norm: str = ""
    origin: str = ""  # file (and line, for JSONL) it came from, for error messages


@dataclass(frozen=True, slots=True)
class Block:
    """A line of the document with its layout kind (body, headline, byline, related, prompt, ...)."""

    start: int
    end: int
    kind: str
    paragraph: int


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    norm: str   # normalised surface (curly quotes folded etc.), same length as the original slice
    lower: str


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    index: int          # position in the document, from 0
    paragraph: int      # paragraph number, from 0
    layout: str = "body"  # layout kind of the block the sentence sits in
    tokens: tuple[Token, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Claim:
    """An attribution or a commitment found in a document.

    ``roles`` maps role names (source, cue, content / agent, trigger, action,
    condition, time) to spans or None; ``attrs`` holds fixed attributes such as
    ``quote`` and ``status``.
    """

    kind: str
    sentence: Span
    rule: str                       # "ID@VERSION"
    roles: tuple[tuple[str, Optional[Span]], ...]
    attrs: tuple[tuple[str, str], ...] = ()

    def role(self, name: str) -> Optional[Span]:
        for key, span in self.roles:
            if key == name:
                return span
        return None

    def attr(self, name: str) -> Optional[str]:
        for key, value in self.attrs:
            if key == name:
                return value
        return None
