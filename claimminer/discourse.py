"""Document-level steps after the per-sentence rules.

* A quotation split by its attribution ("“A,” she said. “B.”") is one
  attribution: the content is extended over the quotations that follow in the
  same paragraph, until another attribution or unquoted prose intervenes.
* A quotation carried into the next paragraph (a paragraph that ends inside
  the quotation, the next opening with a quotation mark) is attributed to the
  same source with no cue (built-in rule ``builtin.quote-continuation``).
* Coordinated attributions ("A said X, but B said Y") each keep their own
  content; an attribution nested in another's content is dropped, as news
  annotation records only the outer one.
* A commitment that lies inside an attribution's content is linked to it.
"""
from __future__ import annotations

import bisect
import itertools
import re
from typing import Sequence

from claimminer.quotes import Quote
from claimminer.resolve import quote_type
from claimminer.spans import Claim, Sentence, Span

CONTINUATION_RULE = "builtin.quote-continuation@1"
MIN_QUOTE_SHARE = 0.6  # a sentence "is" a quotation when the quotation covers this share of it


def _replace_role(claim: Claim, name: str, value: Span) -> Claim:
    roles = tuple((role, value if role == name else span) for role, span in claim.roles)
    return Claim(claim.kind, claim.sentence, claim.rule, roles, claim.attrs)


def _replace_content(claim: Claim, content: Span) -> Claim:
    return _replace_role(claim, "content", content)


def _replace_attr(claim: Claim, name: str, value: str) -> Claim:
    attrs = tuple(sorted({**dict(claim.attrs), name: value}.items()))
    return Claim(claim.kind, claim.sentence, claim.rule, claim.roles, attrs)


def _quote_share(sentence: Sentence, quote: Quote) -> float:
    inside = max(0, min(quote.end, sentence.end) - max(quote.start, sentence.start))
    return inside / max(1, sentence.end - sentence.start)


def _inside_quote(quotes: Sequence[Quote], quote_starts: list[int], span: Span | None) -> bool:
    """Whether ``span`` lies inside one quotation."""
    if span is None:
        return False
    i = bisect.bisect_right(quote_starts, span.start) - 1
    return i >= 0 and quotes[i].start < span.start and span.end <= quotes[i].end


def _close_open_quotation(quotes: Sequence[Quote], quote_starts: list[int], content: Span) -> int:
    """The end of ``content``, or of the closed quotation that opens inside it and runs past it.

    The splitter cuts a quotation of several sentences ("... claims that “A. B?”") at its
    full stops; the quoted words after the cut are still the same content. An unclosed
    quotation (an unbalanced mark) is left alone: it would run to the paragraph's end.
    """
    i = bisect.bisect_left(quote_starts, content.end) - 1
    if i < 0:
        return content.end
    quote = quotes[i]
    if quote.closed and content.start <= quote.start and quote.end > content.end:
        return quote.end
    return content.end


def _paragraph_end(sentences: Sequence[Sentence], starts: list[int], sentence: Sentence) -> int:
    """The end of the last sentence of ``sentence``'s paragraph."""
    i = bisect.bisect_left(starts, sentence.start)
    while i + 1 < len(sentences) and sentences[i + 1].paragraph == sentence.paragraph:
        i += 1
    return sentences[i].end


def _opens_paragraph(sentences: Sequence[Sentence], starts: list[int], sentence: Sentence) -> bool:
    """Whether ``sentence`` is the first of its paragraph."""
    i = bisect.bisect_left(starts, sentence.start)
    return i == 0 or sentences[i - 1].paragraph != sentence.paragraph


def extend_split_quotations(sentences: Sequence[Sentence], claims: list[Claim],
                            quotes: Sequence[Quote]) -> list[Claim]:
    """Extend each quoted content over the quotations that continue it in its paragraph, and
    into a next paragraph that opens with a quotation and holds no attribution of its own."""
    starts = [s.start for s in sentences]
    quote_starts = [q.start for q in quotes]
    # Only attributions outside quotation marks interrupt a quotation: a cue inside one
    # ("“... they would like to normalise policy ...”") is part of the quoted words.
    outside = [c for c in claims if c.kind == "attribution"
               and not _inside_quote(quotes, quote_starts, c.role("cue") or c.role("content"))]
    cues = sorted(c.role("cue").start for c in outside if c.role("cue") is not None)
    attr_sentences = {c.sentence.start for c in outside}
    # An attribution of its own in a paragraph (outside quotation marks, or an interview
    # turn '"WALLACE: ...' typed inside them) keeps it from continuing the previous speaker;
    # a cue inside the quoted words ('“He referred to my hands ...”') does not.
    own_turns = (c for c in claims if c.attr("turn") == "paragraph")
    attr_paragraphs = {sentence.paragraph for sentence in
                       (_sentence_at(sentences, starts, c.sentence.start) for c in itertools.chain(outside, own_turns))
                       if sentence is not None}
    out = []
    for claim in claims:
        content = claim.role("content")
        if claim.kind != "attribution" or content is None or claim.attr("quote") == "indirect":
            out.append(claim)
            continue
        own = Span(claim.sentence.start, claim.sentence.end)
        para = _sentence_at(sentences, starts, claim.sentence.start).paragraph
        # The claim's own cue, and cues inside its source ("said X, who backed Y,"), are its own.
        own_cue, own_source = claim.role("cue"), claim.role("source")
        own_cues = {own_cue.start} if own_cue is not None else set()
        if own_source is not None:
            own_cues.update(cues[bisect.bisect_left(cues, own_source.start):bisect.bisect_left(cues, own_source.end)])
        end = _close_open_quotation(quotes, quote_starts, content)
        for quote in quotes[bisect.bisect_left(quote_starts, end):]:
            sentence = _sentence_at(sentences, starts, quote.start)
            if sentence is None:
                break
            if sentence.paragraph != para:
                # A paragraph that opens with a quotation and holds no attribution of its own
                # goes on with the same speaker's words (news convention; PolNeAR joins them).
                if (sentence.paragraph != para + 1 or quote.start != sentence.start
                        or sentence.paragraph in attr_paragraphs or not _opens_paragraph(sentences, starts, sentence)
                        or _paragraph_end(sentences, starts, sentence) > quote.end + 1):
                    break
                para = sentence.paragraph
            # Another cue before the next quotation (", adding, “...”") starts an attribution of its own.
            between = cues[bisect.bisect_left(cues, end):bisect.bisect_left(cues, quote.start)]
            if any(c not in own_cues for c in between):
                break
            in_own = own.start <= quote.start < own.end
            if not in_own and (sentence.start in attr_sentences or _quote_share(sentence, quote) < MIN_QUOTE_SHARE):
                break
            end = quote.end
        out.append(_replace_content(claim, Span(content.start, end)) if end != content.end else claim)
    return out


# A bare participle far from its subject ("..., seeing the savings") is often part of
# the first content rather than a second claim; unless it is a participle of saying
# ("..., adding that ..."), it does not cut that content.
_WEAK_CUTTERS = ("attr.participle-subject@",)
# ... and only after a break: "X said Y, saying Z" is two claims, "X said Trump's tweet saying Z" one.
_BREAK_BEFORE_PARTICIPLE = re.compile(r"(?:[,;\u2013\u2014]|\s-|\b(?:and|while|before|after|by))\s*(?:\w+ly\s+)?$")


# Rules of saying have priority 50 or more; stance rules (support, criticism, intention) less.
SAYING_PRIORITY = 50


def _unbroken_participle(text: str, claim: Claim) -> bool:
    """A weak participle claim whose cue follows no comma, dash or joining word ("tweet saying")."""
    cue = claim.role("cue")
    return (claim.rule.startswith(_WEAK_CUTTERS) and cue is not None
            and not _BREAK_BEFORE_PARTICIPLE.search(text, max(0, cue.start - 40), cue.start))


def drop_buried_participles(text: str, claims: list[Claim]) -> list[Claim]:
    """Drop a participle claim that sits, unbroken, inside what its own source says.

    "Christie said Trump's tweet saying X was wrong": "saying" describes the tweet inside
    Christie's content; it is no second claim of Christie's.
    """
    contents: dict[Span, list[Span]] = {}
    for claim in claims:
        source, content = claim.role("source"), claim.role("content")
        if (claim.kind == "attribution" and source is not None and content is not None
                and not claim.rule.startswith(_WEAK_CUTTERS)):
            contents.setdefault(source, []).append(content)

    def buried(claim: Claim) -> bool:
        cue, source = claim.role("cue"), claim.role("source")
        return (source in contents and _unbroken_participle(text, claim)
                and any(c.start < cue.start < c.end for c in contents[source]))

    return [claim for claim in claims if not buried(claim)]


# No word at all, or a lone article, preposition or conjunction ("replied by", "jeered and").
_WORDLESS = re.compile(r"(?i)[\W_]*(?:(?:a|an|the|and|but|or|nor|by|of|to|for|in|on|at|with|from|as)[\W_]*)?")


def drop_wordless_contents(text: str, claims: list[Claim]) -> list[Claim]:
    """Drop an attribution whose content holds no word, or one function word only.

    Such a content is a rule running out of its clause (")" in "David French defended)",
    "by" in "The union replied by proposing ..."), not something said. "He said
    that." keeps its "that" (a pronoun there), and a claim with no content at all (a
    continued quotation's cue) is kept.
    """
    def wordless(claim: Claim) -> bool:
        content = claim.role("content")
        return (claim.kind == "attribution" and content is not None
                and _WORDLESS.fullmatch(text, content.start, content.end) is not None)

    return [claim for claim in claims if not wordless(claim)]


def trim_coordinated(text: str, claims: list[Claim], saying_participles: frozenset[str] = frozenset()) -> list[Claim]:
    """Cut a content before a second cue of the same source ("reaffirmed X and have insisted Y")."""
    cues_by_source: dict[Span, list[int]] = {}
    for claim in claims:
        source, cue = claim.role("source"), claim.role("cue")
        if claim.kind != "attribution" or source is None or cue is None:
            continue
        if claim.rule.startswith(_WEAK_CUTTERS) and (
                text[cue.start:cue.end].split()[-1].lower() not in saying_participles
                or _unbroken_participle(text, claim)):
            continue
        cues_by_source.setdefault(source, []).append(cue.start)
    out = []
    for claim in claims:
        content, source = claim.role("content"), claim.role("source")
        if claim.kind == "attribution" and content is not None and source in cues_by_source:
            own = claim.role("cue")
            cut = min((c for c in cues_by_source[source]
                       if content.start < c < content.end and (own is None or c != own.start)), default=None)
            if cut is not None:
                end = _before_conjunction(text, content.start, cut)
                if end > content.start:
                    claim = _replace_content(claim, Span(content.start, end))
        out.append(claim)
    return out


# A clause break before a second speaker: ", and", ", but", ";", " -- ", ", while".
_CLAUSE_BREAK = re.compile(r"(?:[,;]|\s[-\u2013\u2014]{1,2})\s*(?:(?:and|but|while|whereas|yet)\s+)?$")


def split_coordinated_attributions(text: str, claims: list[Claim], priority: dict[str, int],
                                   min_priority: int = SAYING_PRIORITY) -> list[Claim]:
    """End a content before a coordinated clause with an attribution of its own.

    "Officials said the plan would fail, and analysts said it would pass" holds two
    attributions; a rule whose content runs to the end of the sentence swallows the
    second. When another attribution's source opens a clause inside the content
    (after a comma or semicolon, optionally with and/but/while, or a dash), the
    content ends before that clause. Found by bisecting source starts, so the work
    stays near-linear.
    """
    # Each clause opener with the offset where its break (", and", ";") begins: found once
    # in a short window before the source, so a long sentence costs linear work.
    breaks = sorted(_clause_break(text, claim.role("source").start) for claim in claims
                    if _opens_clause(text, claim, priority, min_priority))
    breaks = [(opener, start) for opener, start in breaks if start is not None]
    openers = [opener for opener, _ in breaks]
    out = []
    for claim in claims:
        content = claim.role("content")
        if claim.kind == "attribution" and content is not None:
            i = bisect.bisect_right(openers, content.start)
            # The first break that lies inside the content (a break before it opens no clause of it).
            while i < len(openers) and openers[i] < content.end and breaks[i][1] <= content.start:
                i += 1
            if i < len(openers) and openers[i] < content.end:
                end = content.start + len(text[content.start:breaks[i][1]].rstrip())
                claim = _replace_content(claim, Span(content.start, end))
        out.append(claim)
    return out


_BREAK_WINDOW = 16   # the longest break: a dash or comma, spaces and "whereas"


def _clause_break(text: str, opener: int) -> tuple[int, int | None]:
    """``(opener, offset where the clause break before it begins)``, or ``(opener, None)``."""
    window_start = max(0, opener - _BREAK_WINDOW)
    match = _CLAUSE_BREAK.search(text[window_start:opener])
    return opener, (window_start + match.start() if match else None)


def trim_relative_sources(text: str, claims: list[Claim]) -> list[Claim]:
    """End a source before a relative clause that holds an attribution of its own.

    "Sanders, who had said he would debate her, criticized Clinton": when the
    relative clause is a claim (``clause: relative``), news annotation draws the
    outer source as "Sanders" alone; otherwise the description stays in the source.
    """
    starts = sorted(claim.role("source").start for claim in claims
                    if claim.attr("clause") == "relative" and claim.role("source") is not None)
    if not starts:
        return claims
    out = []
    for claim in claims:
        source = claim.role("source")
        if claim.kind == "attribution" and source is not None:
            i = bisect.bisect_right(starts, source.start)
            if i < len(starts) and starts[i] < source.end:
                end = source.start + len(text[source.start:starts[i]].rstrip(" ,\u2013\u2014-"))
                if end > source.start:
                    claim = _replace_role(claim, "source", Span(source.start, end))
        out.append(claim)
    return out


_LIST_GOES_ON = re.compile(r"(?:including|such as|like|and|or|who|which)\b", re.IGNORECASE)


def trim_intro_from_sources(text: str, claims: list[Claim], openers: frozenset[str]) -> list[Claim]:
    """Drop an introductory phrase that a source swallowed as an apposition.

    "At his cookout, the band leader called ...": the noun-phrase layers read "his
    cookout, the band leader" as a name and its apposition. When the sentence opens
    with a preposition (``openers``) and no comma comes before the source ("At his
    cookout, ...", "In a statement announcing the pick, ..."), a source holding a comma
    is what comes after it, unless that goes on with the same noun phrase ("..., including
    Mr. Goldberg").
    """
    out = []
    for claim in claims:
        source = claim.role("source")
        if claim.kind == "attribution" and source is not None and claim.sentence.start <= source.start:
            before = text[claim.sentence.start:source.start]
            head = before.split()
            comma = text.find(", ", source.start, source.end)
            if head and head[0].lower() in openers and "," not in before and comma != -1:
                start = comma + 2
                while start < source.end and text[start].isspace():
                    start += 1
                if start < source.end and not _LIST_GOES_ON.match(text, start):
                    claim = _replace_role(claim, "source", Span(start, source.end))
        out.append(claim)
    return out


def _opens_clause(text: str, claim: Claim, priority: dict[str, int], min_priority: int) -> bool:
    """Whether the claim reads SOURCE CUE CONTENT as a clause of its own.

    Not a parenthetical ("X, he said, Y", whose content starts before its cue), not
    a relative clause ("..., who called it ..."), and from a rule of saying
    (``min_priority``), since stance rules there are mostly part of the content.
    """
    source, cue, content = claim.role("source"), claim.role("cue"), claim.role("content")
    return (claim.kind == "attribution" and source is not None and cue is not None and content is not None
            and source.end <= cue.start < content.start
            and not _relative_source(text, claim)
            and priority.get(claim.rule, 0) >= min_priority)


_RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom", "whose"})


# Words that join a second verb of the same subject to the first one's content
# ("... while adding", "..., before optimistically predicting", "... and then said").
_JOINERS = frozenset({"and", "but", "or", "while", "before", "after", "then", "also", "yet", "whereas"})
_TRAILING_WORD = re.compile(r"(?:^|\s)([A-Za-z]+)[\s,]*$")


def _before_conjunction(text: str, start: int, end: int) -> int:
    """``end`` moved left over white space, commas, joining words and -ly adverbs."""
    head = text[start:end].rstrip(" ,")
    for _ in range(4):   # "..., and then quickly said": a few words at most
        match = _TRAILING_WORD.search(head)
        if match is None:
            break
        word = match.group(1)
        if word.lower() not in _JOINERS and not (word.islower() and word.endswith("ly") and len(word) > 4):
            break
        head = head[: match.start(1)].rstrip(" ,")
    return start + len(head)


def _sentence_at(sentences: Sequence[Sentence], starts: list[int], offset: int) -> Sentence | None:
    i = bisect.bisect_right(starts, offset) - 1
    if i < 0 or offset >= sentences[i].end:
        return None
    return sentences[i]


# A sentence that opens with a subordinate clause ("Even as he accused X of Y, Z ...").
_SUBORDINATE_OPENING = re.compile(
    r"(?i)\s*(?:even\s+)?(?:after|although|though|as|while|when|whenever|because|since|if|before|once|until|unless|whereas)\s")
_MAX_OPENING = 6   # characters between the subordinator's end and the source


def trim_subordinate_clauses(text: str, claims: list[Claim], quotes: Sequence[Quote]) -> list[Claim]:
    """End a content at the comma that closes the subordinate clause its attribution sits in.

    In "Even as he accused the ministry of favouritism, Hale would not speculate" the
    content of "accused" is the ministry ... favouritism; the main clause after the
    comma is the writer's. Only when the source follows the subordinator directly and
    the cue comes before the content.
    """
    quote_starts = [q.start for q in quotes]
    out = []
    for claim in claims:
        source, cue, content = claim.role("source"), claim.role("cue"), claim.role("content")
        if (claim.kind == "attribution" and source is not None and cue is not None and content is not None
                and source.end <= cue.start < content.start):
            opening = _SUBORDINATE_OPENING.match(text, claim.sentence.start, source.start)
            if opening is not None and source.start - opening.end() <= _MAX_OPENING:
                cut = _first_comma_outside_quotes(text, content, quotes, quote_starts)
                if cut is not None and cut > content.start:
                    claim = _replace_content(claim, Span(content.start, cut))
        out.append(claim)
    return out


# A participle after a comma that closes a content: an adjunct of the main clause
# ("Trump called Cruz the “ultimate hypocrite,” linking to a story"). Not a participle:
# prepositions and linking words in -ing ("including", "depending"), nouns ("something").
_ADJUNCT_PARTICIPLE = re.compile(r"\s+([a-z]+ing)\b")
_NOT_ADJUNCTS = frozenset({
    "including", "according", "regarding", "concerning", "following", "excluding", "notwithstanding",
    "during", "pending", "considering", "depending", "ranging", "meaning", "having", "being", "leaving",
    "something", "nothing", "anything", "everything", "thing", "morning", "evening", "king", "spring",
    "bring", "ring", "sing", "wing"})


def trim_participle_adjuncts(text: str, claims: list[Claim], quotes: Sequence[Quote]) -> list[Claim]:
    """End a content before ", VERB-ing ..." that follows it: the participle is the writer's adjunct.

    In "Trump called Cruz the “ultimate hypocrite,” linking to a story" the content is
    Cruz the “ultimate hypocrite,”; "linking ..." tells what Trump did, not what he said.
    Only for a cue before its content, and a comma outside quotation marks (or closing one).
    """
    quote_starts = [q.start for q in quotes]
    out = []
    for claim in claims:
        cue, content = claim.role("cue"), claim.role("content")
        if claim.kind == "attribution" and cue is not None and content is not None and cue.end <= content.start:
            start = content.start
            while True:
                part = Span(start, content.end)
                cut = _first_comma_outside_quotes(text, part, quotes, quote_starts)
                if cut is None:
                    break
                after = cut + 1 if text[cut] == "," else cut
                word = _ADJUNCT_PARTICIPLE.match(text, after, content.end)
                if word is not None and word.group(1) not in _NOT_ADJUNCTS:
                    if cut > content.start:
                        claim = _replace_content(claim, Span(content.start, cut))
                    break
                start = after
        out.append(claim)
    return out


def _first_comma_outside_quotes(text: str, content: Span, quotes: Sequence[Quote],
                                quote_starts: list[int]) -> int | None:
    """The first comma of ``content`` outside quotation marks; a comma just before a closing
    mark (American style: "... “slow and late,” the mayor ...") counts, after the mark."""
    i = text.find(",", content.start, content.end)
    while i != -1:
        q = bisect.bisect_right(quote_starts, i) - 1
        if not (q >= 0 and quotes[q].start < i < quotes[q].end):
            return i
        if quotes[q].closed and i + 2 == quotes[q].end and quotes[q].end < content.end:
            return quotes[q].end
        i = text.find(",", i + 1, content.end)
    return None


def extend_turns(sentences: Sequence[Sentence], claims: list[Claim]) -> list[Claim]:
    """A speaker's turn ("CLINTON: ...", rule attribute ``turn: paragraph``) runs to the
    end of its paragraph: every sentence after the label is the speaker's."""
    starts = [s.start for s in sentences]
    out = []
    for claim in claims:
        content = claim.role("content")
        if claim.kind == "attribution" and content is not None and claim.attr("turn") == "paragraph":
            sentence = _sentence_at(sentences, starts, content.start)
            end = content.end if sentence is None else max(content.end, _paragraph_end(sentences, starts, sentence))
            if end != content.end:
                claim = _replace_content(claim, Span(content.start, end))
        out.append(claim)
    return out


def introduce_next_paragraph(text: str, sentences: Sequence[Sentence], claims: list[Claim],
                             quotes: Sequence[Quote]) -> list[Claim]:
    """Give "SOURCE CUE:" at a paragraph's end (rule attribute ``introduces: next-paragraph``)
    the next paragraph as its content: the quotation that opens it (over several
    paragraphs when it goes on), or else the whole paragraph, a block quotation set
    without marks ("Limbaugh added:" / "And from a supposed front-runner, ..."). With no
    next paragraph the claim is dropped (a cue with nothing said is no attribution)."""
    starts = [s.start for s in sentences]
    quote_starts = [q.start for q in quotes]
    out = []
    for claim in claims:
        if claim.kind != "attribution" or claim.attr("introduces") != "next-paragraph":
            out.append(claim)
            continue
        here = _sentence_at(sentences, starts, claim.sentence.start)
        i = bisect.bisect_left(starts, claim.sentence.end)
        nxt = sentences[i] if i < len(sentences) else None
        if here is None or nxt is None or nxt.paragraph != here.paragraph + 1:
            continue
        q = bisect.bisect_left(quote_starts, nxt.start)
        if q < len(quotes) and quotes[q].start == nxt.start:
            end = quotes[q].end
            while quotes[q].continues and q + 1 < len(quotes):   # a quotation over several paragraphs
                q += 1
                end = quotes[q].end
            out.append(_replace_content(claim, Span(nxt.start, end)))
            continue
        block = Span(nxt.start, _paragraph_end(sentences, starts, nxt))
        # its quote class from its own marks, as a rule's "quote: auto" would give it
        kind = quote_type(text, block, [Span(quote.start, quote.end) for quote in quotes[q:]])
        out.append(_replace_attr(_replace_content(claim, block), "quote", kind))
    return out


def continue_quotations(sentences: Sequence[Sentence], claims: list[Claim],
                        quotes: Sequence[Quote]) -> list[Claim]:
    """Attribute a quotation carried on into the next paragraph to the previous speaker."""
    out = list(claims)
    starts = [s.start for s in sentences]
    for prev, nxt in zip(quotes, quotes[1:]):
        if not prev.continues:
            continue
        owner = next((c for c in out if c.kind == "attribution" and c.role("content") is not None
                      and c.role("content").overlap(Span(prev.start, prev.end)) > 0), None)
        sentence = _sentence_at(sentences, starts, nxt.start)
        if owner is None or sentence is None:
            continue
        if any(c.kind == "attribution" and c.role("content") is not None
               and c.role("content").overlap(Span(nxt.start, nxt.end)) > 0 for c in out):
            continue
        roles = (("source", owner.role("source")), ("cue", None), ("content", Span(nxt.start, nxt.end)))
        out.append(Claim("attribution", Span(sentence.start, sentence.end), CONTINUATION_RULE, roles,
                         (("quote", "direct"),)))
    return out


def link_commitments(claims: Sequence[Claim], ids: Sequence[str]) -> list[str | None]:
    """For each claim: the id of the attribution whose content holds it (commitments only)."""
    contents = [(ids[i], c.role("content")) for i, c in enumerate(claims)
                if c.kind == "attribution" and c.role("content") is not None]
    links: list[str | None] = []
    for claim in claims:
        link = None
        if claim.kind == "commitment":
            anchor = claim.role("trigger") or claim.role("action")
            for claim_id, content in contents:
                if anchor is not None and content.contains(anchor):
                    link = claim_id
                    break
        links.append(link)
    return links


def _inside(claim: Claim, outer: Span) -> bool:
    """Whether the claim's cue and its source (when it has one) lie inside ``outer``."""
    spans = [span for span in (claim.role("cue"), claim.role("source")) if span is not None]
    return all(outer.start <= span.start and span.end <= outer.end for span in spans)


def _relative_source(text: str, claim: Claim) -> bool:
    source = claim.role("source")
    return source is not None and text[source.start:source.end].lower() in _RELATIVE_PRONOUNS


def drop_nested_attributions(text: str, claims: list[Claim], priority: dict[str, int]) -> list[Claim]:
    """Keep one attribution where one's cue and source lie inside another's content.

    "They say they want a new leader": news annotation (PolNeAR, and our scheme's
    gold) records the outer attribution, whose content already holds the inner
    one. The inner claim is dropped, unless the outer one comes from a stance
    rule of lower priority (a stance verb such as "supporting" swallowing "have
    said ..."), in which case the outer one goes (a rule of saying, priority
    ``SAYING_PRIORITY`` or more, is never displaced: "X said Clinton reassured
    them that ..." is X's claim); but an inner claim whose source is a
    relative pronoun ("..., who backed X") describes someone inside the content
    and never displaces the outer claim. An inner claim that opens a relative
    clause of a ``clause: relative`` rule, a subordinate clause ("after Z
    said W") or a coordinated one (", but Z said W"), ends the outer content
    before that clause, and both are kept. An
    inner attribution whose source lies outside ("X defended the plan, saying
    ...") is not nested. ``priority``
    maps "ID@VERSION" to the rule's priority; built-in rules and commitments are
    never dropped. A claim whose cue lies inside another claim's source (a
    relative clause describing the speaker) is dropped too, unless its rule marks
    it ``clause: relative``: such a rule bounds its content by the clause. A
    speaker's turn (``turn: paragraph``) is never displaced by what it holds.
    """
    candidates = [(c, c.role("cue"), c.role("content")) for c in claims
                  if c.kind == "attribution" and c.rule in priority]
    candidates = [(c, cue, content) for c, cue, content in candidates if cue is not None and content is not None]
    # Inner candidates are found by bisecting cue starts, so the work stays near-linear.
    by_cue = sorted(range(len(candidates)), key=lambda k: candidates[k][1].start)
    cue_starts = [candidates[k][1].start for k in by_cue]
    dropped: set[int] = set()
    cut_at: dict[int, int] = {}   # outer claim -> new content end, before a relative clause of its own
    # Outer claims are visited widest content first so a chain a > b > c keeps a only.
    for o in sorted(range(len(candidates)), key=lambda k: (-len(candidates[k][2]), candidates[k][2].start)):
        if o in dropped:
            continue
        outer, _, content = candidates[o]
        lo = bisect.bisect_left(cue_starts, content.start)
        hi = bisect.bisect_left(cue_starts, content.end)
        for i in by_cue[lo:hi]:
            inner, _, inner_content = candidates[i]
            if i == o or i in dropped or inner_content == content or not _inside(inner, content):
                continue  # one content with two cues is not nesting
            end = _before_relative_clause(text, inner, content) if inner.attr("clause") == "relative" else None
            if end is None:
                end = _before_subordinate_clause(text, inner, content)
            if end is not None:
                # "Cruz endorsed Trump, who said he was honored", "X called for Y after Z said W":
                # two claims; the first ends before the relative or subordinate clause.
                cut_at[o] = end
                content = Span(content.start, end)
                continue
            # A claim of saying keeps what it holds, unless that claim holds it back ("He called it
            # “a disaster,” Smith said": "called" runs on over "Smith said", whose content has "called").
            ceiling = priority[inner.rule] if _inside(outer, inner_content) else SAYING_PRIORITY
            if (priority[outer.rule] < min(priority[inner.rule], ceiling) and not _relative_source(text, inner)
                    and outer.attr("turn") != "paragraph"):   # a speaker's turn holds all it says
                dropped.add(o)
                break
            dropped.add(i)
    # A cue inside another claim's source ("Roy Hermann, who caucused for Sanders, said")
    # belongs to the description of that source, not to a claim of its own.
    # The furthest end of any source starting before a cue tells whether one covers it.
    # Only claims still kept count: a dropped inner claim whose source swallowed the
    # outer cue ("The museum, Bush said, celebrated ...") must not take the outer one along.
    sources = sorted((s.start, s.end) for k, s in enumerate(c.role("source") for c, _, _ in candidates)
                     if s is not None and k not in dropped)
    source_starts = [start for start, _ in sources]
    furthest = list(itertools.accumulate((end for _, end in sources), max))
    for k, (_, cue, _) in enumerate(candidates):
        j = bisect.bisect_left(source_starts, cue.start)   # sources starting strictly before the cue
        if j and furthest[j - 1] >= cue.end and candidates[k][0].attr("clause") != "relative":
            dropped.add(k)
    gone = {id(candidates[k][0]) for k in dropped}
    shortened = {id(candidates[k][0]): end for k, end in cut_at.items() if k not in dropped}
    return [_replace_content(c, Span(c.role("content").start, shortened[id(c)])) if id(c) in shortened else c
            for c in claims if id(c) not in gone]


# A subordinator directly before a nested attribution's source ("... banned after the
# candidate suggested that ..."), "and" ("31 percent favored X and 12 percent backed Y"), or a
# coordinator after a comma or semicolon ("deny any links, but critics point to ..."): the
# clause it opens is the writer's, not the outer content.
_SUBORDINATOR_BEFORE_SOURCE = re.compile(
    r"(?i)(?:[\s,]*\b(?:even\s+)?(?:after|although|though|because|since|while|when|before|until|unless"
    r"|whereas|once|and)|\s*(?:;|,\s*(?:and|but|yet))(?:\s+(?:and|but|yet))?)\s+$")
_SUBORDINATOR_WINDOW = 30   # characters looked at before the source


def _before_subordinate_clause(text: str, inner: Claim, content: Span) -> int | None:
    """Where ``content`` ends when ``inner`` opens a subordinate clause inside it.

    "X is calling for Trump to be banned after the candidate suggested that ...": two
    claims; the first ends at "banned". None when nothing of ``content`` is left.
    """
    source = inner.role("source")
    if source is None or source.start <= content.start:
        return None
    opener = _SUBORDINATOR_BEFORE_SOURCE.search(
        text, max(content.start, source.start - _SUBORDINATOR_WINDOW), source.start)
    if opener is None:
        return None
    end = content.start + len(text[content.start:opener.start()].rstrip(" ,\u2013\u2014-"))
    return end if end > content.start else None


def _before_relative_clause(text: str, inner: Claim, content: Span) -> int | None:
    """Where ``content`` ends when ``inner`` is a relative clause inside it (", who said ...").

    None when the relative pronoun opens the content, or nothing is left before it.
    """
    source = inner.role("source")
    if source is None or not _relative_source(text, inner) or source.start <= content.start:
        return None
    end = content.start + len(text[content.start:source.start].rstrip(" ,\u2013\u2014-"))
    return end if end > content.start else None
