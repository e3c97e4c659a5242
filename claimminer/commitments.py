"""Commitment refinement: trim the action and carve condition and time out of it.

Commitment rules let the action run to the end of the sentence. ``refine``
then, in this order:

1. ends the action at a closing quotation mark when the trigger is quoted;
2. ends it before a tail that is not part of the commitment: ", which ...",
   " but ...", ", saying ...", ", the company said", " and will ..." (the
   ``commit_cut_markers`` lexicon, verbs of saying, a second trigger);
3. carves a **condition** (``commit_condition_markers``: "once ...", "if ...",
   "provided that ...") and a **time** ("by 2027", "within six months",
   "after a ceasefire": ``commit_time_*``) off the end of the action. A
   condition or time marker that follows a relative or wh-word inside the
   action ("commitments setting out what they will do ... in case of an
   attack") belongs to that embedded clause and is left in the action;
4. takes a fronted condition or time ("If the talks fail, the union will
   ...", "By 2030, ...") from before the agent.

Every word list is data in ``rules/lexicons``; this module only holds the
procedure.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import regex

from claimminer.spans import Claim, Span, Token
from claimminer.tokens import tokenize

MAX_ACTION_CHARS = 1000   # the longest action in news copy is a few hundred characters
_YEAR = regex.compile(r"(?:19|20)\d\d")
_NUMBER = regex.compile(r"\d[\d,.]*")
_PUNCT_EDGE = " \t\n,;:-.\"'"
# Words that open an embedded clause: a marker after them belongs to that clause.
_EMBEDDERS = frozenset({"which", "that", "who", "whom", "what", "whether", "how", "where", "why"})
# A finite verb after "after" makes it a past reason clause, not the commitment's time.
_FINITE = frozenset({"is", "are", "was", "were", "has", "had", "have", "'s", "did"})
_AMOUNTS = frozenset({"half", "a", "an", "one", "two", "three", "four", "five", "ten", "more", "less", "up", "around", "about"})
# A comma and a subject pronoun start a new clause ("..., he quietly kept it").
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i"})
_SECOND_TRIGGER = frozenset({"will", "would", "won't", "must", "shall", "has", "have", "is", "are", "was",
                             "agreed", "pledged", "promised", "vowed", "decided", "committed", "refused",
                             "declined", "plans", "intends", "aims", "ruled", "still", "signed"})


@dataclass(frozen=True)
class Markers:
    """The lexicons refine reads, looked up once per call from the rulebook."""

    lexicons: dict

    def ends(self, name: str, tokens: Sequence[Token], i: int) -> list[int]:
        lexicon = self.lexicons.get(name)
        return list(lexicon.advance(tokens, i)) if lexicon is not None else []

    def has(self, name: str, word: str) -> bool:
        lexicon = self.lexicons.get(name)
        return lexicon is not None and word in lexicon.words


def refine(text: str, norm: str, claim: Claim, rulebook) -> Claim:
    """Return the claim with its action trimmed and ``condition`` / ``time`` split off where stated."""
    action = claim.role("action")
    if action is None:
        return claim
    markers = Markers(rulebook.lexicons)
    # The rules let an action run to the end of the sentence; refining reads at most
    # MAX_ACTION_CHARS of it, so a 50,000-character sentence costs linear work.
    tokens = tokenize(norm, action.start, min(action.end, action.start + MAX_ACTION_CHARS))
    if not tokens:
        return claim
    quoted = norm.count('"', claim.sentence.start, action.start) % 2 == 1
    end = _cut(tokens, markers, quoted)
    tokens = tokens[:end] if end > 0 else tokens
    roles = dict(claim.roles)
    segments = _segments(tokens, markers)
    action_end = segments[0][0] if segments else len(tokens)
    roles["action"] = _trim(norm, Span(tokens[0].start, tokens[action_end - 1].end))
    for index, (first, kind) in enumerate(segments):
        last = segments[index + 1][0] if index + 1 < len(segments) else len(tokens)
        if kind in ("condition", "time") and roles.get(kind) is None:
            span = _close_quote(norm, _trim(norm, Span(tokens[first].start, tokens[last - 1].end)), claim.sentence)
            roles[kind] = span
    _fronted(norm, claim, roles, markers)
    ordered = tuple((name, roles.get(name)) for name, _ in claim.roles)
    return replace(claim, roles=ordered)


def _cut(tokens: Sequence[Token], markers: Markers, quoted: bool) -> int:
    """Index of the first token that no longer belongs to the action (len(tokens) when none)."""
    for i in range(1, len(tokens)):
        word = tokens[i].lower
        if quoted and word == '"':
            return i
        if markers.ends("commit_cut_markers", tokens, i):
            return i
        if word == "," and i + 1 < len(tokens):
            nxt = tokens[i + 1].lower
            if nxt.endswith("ing") and nxt.isalpha() and nxt.islower():
                return i
            if _saying_tail(tokens, i + 1, markers) or nxt in _PRONOUNS:
                return i
            if nxt == "and" and i + 2 < len(tokens) and _new_subject(tokens[i + 2], markers):
                return i
        if word == "and" and i + 1 < len(tokens) and tokens[i + 1].lower in _SECOND_TRIGGER:
            return i
    return len(tokens)


def _new_subject(token: Token, markers: Markers) -> bool:
    """True when ``token`` can open a new clause's subject (", and the company ...")."""
    return token.lower in _PRONOUNS or markers.has("determiners", token.lower) or token.norm[:1].isupper()


def _saying_tail(tokens: Sequence[Token], i: int, markers: Markers) -> bool:
    """True when tokens from ``i`` are a short source and a verb of saying (", the company said ...")."""
    for j in range(i, min(i + 9, len(tokens))):
        word = tokens[j].lower
        if markers.has("say_verbs", word) or markers.has("commit_report_verbs", word):
            return True
        if word in (",", ";", '"') or word in _EMBEDDERS:
            return False
    return False


def _segments(tokens: Sequence[Token], markers: Markers) -> list[tuple[int, str]]:
    """Start index and kind (condition, time, drop) of each phrase carved off the action's end."""
    out: list[tuple[int, str]] = []
    embedded = False
    for i in range(1, len(tokens)):
        if tokens[i].lower in _EMBEDDERS:
            embedded = True
        if embedded:
            continue
        current = out[-1][1] if out else None
        kind = _marker_kind(tokens, i, markers)
        if kind is None and current in ("condition", "time") and (
                markers.ends("commit_drop_markers", tokens, i)
                or (tokens[i].lower == "and" and i + 1 < len(tokens) and tokens[i + 1].lower == "to")):
            kind = "drop"
        if kind is None:
            continue
        if current is None or (kind != current and current != "condition"):
            out.append((i, kind))
    return out


def _marker_kind(tokens: Sequence[Token], i: int, markers: Markers) -> str | None:
    word = tokens[i].lower
    if markers.ends("commit_condition_markers", tokens, i):
        if word == "once" and i + 1 < len(tokens) and tokens[i + 1].lower in ("again", "more"):
            return None
        return "condition"
    if markers.ends("commit_time_always", tokens, i):
        if word == "next" and _possessive_ahead(tokens, i + 1):
            return None
        return "time"
    ends = markers.ends("commit_time_preps", tokens, i)
    if not ends:
        return None
    after = ends[0]
    if word == "after":
        clause = any(t.lower in _FINITE or (t.lower.endswith("ed") and t.lower.isalpha())
                     for t in tokens[after:after + 6])
        return "drop" if clause else "time"
    if word == "by" and after < len(tokens) and (tokens[after].lower in _AMOUNTS or (
            _NUMBER.fullmatch(tokens[after].norm) and not _YEAR.fullmatch(tokens[after].norm))):
        return None  # "by 18 months", "by half": an amount, not a deadline
    for j in range(after, min(after + 4, len(tokens))):
        t = tokens[j]
        if t.lower in (",", ";", '"') or markers.ends("commit_time_preps", tokens, j) \
                or markers.ends("commit_condition_markers", tokens, j):
            break
        if _YEAR.fullmatch(t.norm) or markers.has("commit_time_words", t.lower):
            return None if _possessive_ahead(tokens, j + 1) else "time"
        if word == "on" and _NUMBER.fullmatch(t.norm):
            return "time"
        if not (markers.has("commit_time_fillers", t.lower) or _NUMBER.fullmatch(t.norm)):
            break
    return None


def _possessive_ahead(tokens: Sequence[Token], i: int) -> bool:
    """True when a time word is used as a possessive ("next week's walkout", "Saturday's derby")."""
    for j in range(i, min(i + 2, len(tokens))):
        if tokens[j].lower in ("'s", "'"):
            return True
        if not tokens[j].lower.isalpha():
            return False
    return False


def _trim(norm: str, span: Span) -> Span:
    """Drop white space and trailing punctuation; keep quotes that are balanced inside the span."""
    start, end = span.start, span.end
    while end > start and norm[end - 1] in _PUNCT_EDGE:
        if norm[end - 1] == '"' and norm.count('"', start, end) % 2 == 0:
            break
        end -= 1
    while start < end and norm[start] in " \t\n,;:-":
        start += 1
    return Span(start, end) if end > start else span


def _close_quote(norm: str, span: Span, sentence: Span) -> Span:
    """Extend a carved phrase over the closing ``."`` of a quotation it opened."""
    if norm.count('"', span.start, span.end) % 2 == 0:
        return span
    end = span.end
    while end < sentence.end and norm[end] in ".!?,":
        end += 1
    if end < sentence.end and norm[end] == '"':
        return Span(span.start, end + 1)
    return span


def _fronted(norm: str, claim: Claim, roles: dict, markers: Markers) -> None:
    """A condition or time opening the sentence, before a comma and the agent ("If X, the club will ...")."""
    head = [s for s in (claim.role("agent"), claim.role("trigger")) if s is not None]
    if not head:
        return
    stop = min(s.start for s in head)
    if stop - claim.sentence.start > MAX_ACTION_CHARS:
        return  # no fronted phrase is that long; reading it would make long sentences quadratic
    tokens = tokenize(norm, claim.sentence.start, stop)
    commas = [i for i, t in enumerate(tokens) if t.norm == ","]
    if not commas or commas[-1] != len(tokens) - 1 or len(tokens) < 3:
        return
    first_comma = commas[0]
    if markers.ends("commit_condition_markers", tokens, 0):
        kind = "condition"
    else:
        kind = _marker_kind(tokens[:first_comma] + (tokens[first_comma],), 0, markers)
    if kind in ("condition", "time") and roles.get(kind) is None:
        roles[kind] = _trim(norm, Span(tokens[0].start, tokens[first_comma - 1].end))
