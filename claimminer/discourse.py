"""Document-level steps after the per-sentence rules.

* A quotation continued in the next sentence or paragraph, with no cue of its
  own, is attributed to the speaker of the quotation it continues (built-in
  rule ``builtin.quote-continuation``).
* A commitment that lies inside an attribution's content is linked to it.
"""
from __future__ import annotations

from typing import Sequence

from claimminer.quotes import Quote
from claimminer.spans import Claim, Sentence, Span

CONTINUATION_RULE = "builtin.quote-continuation@1"
MIN_QUOTE_SHARE = 0.6  # a continuation quote covers most of its sentence


def continue_quotations(text: str, sentences: Sequence[Sentence], claims: list[Claim],
                        quotes: Sequence[Quote]) -> list[Claim]:
    """Add an attribution for each uncued quotation that continues a quoted attribution."""
    attributions = sorted((c for c in claims if c.kind == "attribution"), key=lambda c: c.sentence.start)
    covered = [c.role("content") for c in attributions if c.role("content") is not None]
    out = list(claims)
    previous: Claim | None = None
    by_sentence = {c.sentence.start: c for c in attributions}
    for sentence in sentences:
        if sentence.start in by_sentence:
            previous = by_sentence[sentence.start]
            continue
        if sentence.layout != "body":
            continue
        quote = _main_quote(sentence, quotes)
        if quote is None or any(span.overlap(quote) for span in covered):
            continue
        if previous is None or previous.attr("quote") == "indirect":
            continue
        if sentence.paragraph - _paragraph_of(previous, sentences) > 1:
            continue
        roles = (("source", previous.role("source")), ("cue", None), ("content", quote))
        claim = Claim("attribution", Span(sentence.start, sentence.end), CONTINUATION_RULE, roles,
                      (("quote", "direct"),))
        out.append(claim)
        covered.append(quote)
        previous = claim
    return out


def _main_quote(sentence: Sentence, quotes: Sequence[Quote]) -> Span | None:
    length = sentence.end - sentence.start
    for quote in quotes:
        if quote.start >= sentence.end or quote.end <= sentence.start:
            continue
        span = Span(max(quote.start, sentence.start), min(quote.end, sentence.end))
        if len(span) >= MIN_QUOTE_SHARE * length:
            return span
    return None


def _paragraph_of(claim: Claim, sentences: Sequence[Sentence]) -> int:
    for sentence in sentences:
        if sentence.start == claim.sentence.start:
            return sentence.paragraph
    return 0


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
