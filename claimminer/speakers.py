"""Canonical speaker (and agent) names within one document.

A person is named by the fullest mention without title or role ("French
President Emmanuel Macron", "Macron" and a later "he" are all "Emmanuel
Macron"); spelling variants one edit apart are one speaker ("Zelensky" /
"Zelenskyy"). Any other source is its text without a leading article.
"""
from __future__ import annotations

from typing import Sequence

import regex

from claimminer.spans import Claim

PRONOUNS_PERSON = frozenset({"he", "she", "him", "her"})
PRONOUNS_SINGULAR = frozenset({"it", "its"})
PRONOUNS_PLURAL = frozenset({"they", "them", "we"})
PRONOUNS_GROUP = PRONOUNS_SINGULAR | PRONOUNS_PLURAL | frozenset({"i", "you"})
PRONOUNS_RELATIVE = frozenset({"who", "whom", "which", "that"})
ARTICLES = ("the ", "a ", "an ")
_TOKEN = regex.compile(r"[\p{L}\p{M}.'-]+|\S")
_APPOSITION = regex.compile(r"\s*[,(]")   # where an apposition or parenthetical starts
_COORDINATION = regex.compile(r"\s(?:and|or|&)\s")
_LINK = regex.compile(r"\s+(?:of|from)\s+")   # "Tim Scott of South Carolina", "Secretary of State John Kerry"
_POSSESSIVE_END = regex.compile(r"\s*['\u2019]s?$")
# When no rule set is given (tests, library use): a few role words and organisation heads.
DEFAULT_ROLE_WORDS = frozenset("president prime minister secretary senator governor general leader mayor chief "
                               "spokesman spokeswoman director chairman mr mrs ms dr gen sen rep".split())
DEFAULT_ORG_HEADS = frozenset("office ministry department agency committee government union party kremlin "
                              "association council court company group".split())


class SpeakerWords:
    """The word lists speaker naming uses: roles and titles, and organisation heads (from the lexicons)."""

    def __init__(self, role_words: frozenset[str] = DEFAULT_ROLE_WORDS,
                 org_heads: frozenset[str] = DEFAULT_ORG_HEADS) -> None:
        self.role_words = role_words
        self.org_heads = org_heads

    @classmethod
    def from_lexicons(cls, lexicons: dict) -> "SpeakerWords":
        def words(*names: str) -> frozenset[str]:
            return frozenset().union(*(lexicons[n].words for n in names if n in lexicons))

        return cls(words("titles", "attribution_nouns") or DEFAULT_ROLE_WORDS,
                   words("organisation_heads") or DEFAULT_ORG_HEADS)


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def person_name(source: str, lists: SpeakerWords | None = None) -> str | None:
    """The name part of a person mention, or None when the mention is not a named person.

    An apposition or parenthetical after the name is left out ("Owen Castell, the chief
    negotiator"); the name is the run of capitalised words after the last title or role.
    Coordinated mentions ("Merkel and Macron") name no single person.
    """
    lists = lists or SpeakerWords()
    head = _APPOSITION.split(source, maxsplit=1)[0]
    if "'s" in head.lower() or "\u2019s" in head.lower():
        return None
    if _COORDINATION.search(source):
        return None   # "Obama and Clinton" is two people: the source stays whole, not "Clinton"
    linked = _LINK.split(head, maxsplit=1)
    if len(linked) == 2:
        return _linked_name(linked[0], linked[1], lists)
    words = _words(head)
    if not words or words[-1].lower().rstrip(".") in lists.org_heads:
        return None
    name: list[str] = []
    for word in reversed(words):
        key = word.lower().rstrip(".")
        if word[:1].isupper() and key not in lists.role_words and key not in ("the", "a", "an"):
            name.append(word)
        else:
            break
    if not name or (len(name) == 1 and words[-1].lower().rstrip(".") in lists.role_words):
        return None
    name.reverse()
    if len(name) == 1 and len(words) > 1 and words[0].lower() in ("the", "a", "an"):
        return None  # "the Kremlin"
    return " ".join(name)


# What a relative pronoun refers to: the words just before its comma ("... endorsed Trump, who said"),
# a run of capitalised words (with "of") or else the last word.
_ANTECEDENT = regex.compile(
    r"(?:(\p{Lu}[\p{L}\p{M}.'-]*(?:\s+(?:of\s+)?\p{Lu}[\p{L}\p{M}.'-]*)*)|(\p{Ll}[\p{L}\p{M}'-]*))\s*,\s*$")
_ANTECEDENT_WINDOW = 80


def relative_antecedent(text: str, start: int) -> str | None:
    """The noun phrase a relative pronoun at ``start`` refers to, when a comma sets it off."""
    match = _ANTECEDENT.search(text, max(0, start - _ANTECEDENT_WINDOW), start)
    if match is None:
        return None
    return match.group(1) or match.group(2)


def _linked_name(left: str, right: str, lists: SpeakerWords) -> str | None:
    """The person in "LEFT of RIGHT": "Sen. Tim Scott of South Carolina" is Tim Scott; "Secretary
    of State John Kerry" is John Kerry; "Bank of England" is an organisation (None)."""
    left_words = _words(left)
    if left_words and left_words[-1].lower().rstrip(".") in lists.org_heads:
        return None
    name = person_name(left, lists)
    if name is not None:
        return name if " " in name else None   # "Bank of England", "Friends of the Earth": no person
    if not left_words or any(w[:1].islower() for w in left_words):
        return None   # "the senator from Ohio": a role, not a name
    # A title with its department: the person is the last two capitalised words (three after an initial).
    right_words = _words(right)
    if len(right_words) < 3 or not all(w[:1].isupper() for w in right_words):
        return None
    size = 3 if right_words[-2].endswith(".") and len(right_words) > 3 else 2
    return " ".join(right_words[-size:])


def plain_source(source: str) -> str:
    """Other sources: their own text without a leading article."""
    lowered = source.lower()
    for article in ARTICLES:
        if lowered.startswith(article):
            return source[len(article):]
    return source


def _edit1(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion or substitution."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


class _People:
    """Full names seen so far, and the surname / variant index onto them."""

    def __init__(self) -> None:
        self.full: list[str] = []

    def canonical(self, name: str) -> str:
        parts = name.split()
        for known in self.full:
            known_parts = known.split()
            if name == known or (len(parts) < len(known_parts) and parts[-1] == known_parts[-1]):
                return known
            if len(parts[-1]) >= 5 and _edit1(parts[-1].lower(), known_parts[-1].lower()) and (
                    len(parts) == 1 or parts[0] == known_parts[0] or len(known_parts) == 1):
                return known if len(known_parts) >= len(parts) else name
        self.full.append(name)
        return name


def _position(claim: Claim) -> tuple[int, int]:
    role = claim.role("source") if claim.kind == "attribution" else claim.role("agent")
    return (claim.sentence.start, role.start if role is not None else claim.sentence.start)


def _plural(mention: str) -> bool:
    """A rough number test for a non-person source: a head ending in -s, or a coordination."""
    words = _words(mention)
    head = words[-1].lower() if words else ""
    return " and " in f" {mention.lower()} " or (head.endswith("s") and not head.endswith(("ss", "us", "'s")))


def resolve(text: str, claims: Sequence[Claim], lists: SpeakerWords | None = None) -> list[str | None]:
    """Speaker (attributions) or agent (commitments) name for each claim, in document order."""
    people = _People()
    last_person: str | None = None
    last_group: str | None = None
    last_singular: str | None = None   # the latest non-person source in the singular ("the company")
    last_plural: str | None = None     # ... and in the plural ("environmental groups", "the allies")
    # Claims come grouped by kind; antecedents are found in reading order.
    order = sorted(range(len(claims)), key=lambda i: _position(claims[i]))
    names: dict[int, str | None] = {}
    for index in order:
        claim = claims[index]
        role = claim.role("source") if claim.kind == "attribution" else claim.role("agent")
        if role is None:
            names[index] = None
            continue
        mention = _POSSESSIVE_END.sub("", text[role.start:role.end])   # "Whitcomb's claim": Whitcomb
        lowered = mention.lower()
        if lowered in PRONOUNS_RELATIVE:
            # "Cruz endorsed Trump, who said ...": the speaker is Trump, named like any other mention.
            mention = relative_antecedent(text, role.start) or mention
            lowered = mention.lower()
        if lowered in PRONOUNS_PERSON:
            names[index] = last_person or mention
            continue
        if lowered in PRONOUNS_SINGULAR:
            names[index] = last_singular or last_group or mention
            continue
        if lowered in PRONOUNS_PLURAL:
            names[index] = last_plural or last_group or last_person or mention
            continue
        if lowered in PRONOUNS_GROUP:
            names[index] = last_group or last_person or mention
            continue
        name = person_name(mention, lists)
        if name is not None:
            canonical = people.canonical(name)
            # A later, fuller mention of the same person becomes the canonical form.
            names[index] = canonical
            last_person = canonical
        else:
            plain = plain_source(mention) if claim.kind == "attribution" else mention
            names[index] = plain
            last_group = plain
            if _plural(plain):
                last_plural = plain
            else:
                last_singular = plain
    return [names.get(i) for i in range(len(claims))]


FIRST_PERSON = frozenset({"i", "we", "me", "us"})


def first_person_to_speaker(text: str, claims: Sequence[Claim], names: list[str | None],
                            links: Sequence[str | None], ids: Sequence[str]) -> list[str | None]:
    """An agent "I" or "we" inside reported speech is the speaker of that speech."""
    speaker_of = {ids[i]: names[i] for i, c in enumerate(claims) if c.kind == "attribution"}
    out = list(names)
    for i, claim in enumerate(claims):
        agent = claim.role("agent") if claim.kind == "commitment" else None
        if agent is not None and links[i] and text[agent.start:agent.end].lower() in FIRST_PERSON:
            out[i] = speaker_of.get(links[i]) or out[i]
    return out
