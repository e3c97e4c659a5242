"""``extract_document``: one document in, sentences and claims out. Pure, no I/O.

read -> normalise -> layout -> segment -> tokens -> rules (by stage) ->
resolve conflicts -> quotations across sentences -> speakers and agents ->
commitment links -> (classify, in classify.py).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace

from claimminer.layout import LayoutCues, classify_lines
from claimminer.match import RuleTimeout, SentenceView, run_rules
from claimminer.normalize import normalize
from claimminer.quotes import Quote, find_quotes
from claimminer.resolve import QuoteSpans, Resolved, resolve_conflicts, to_claim
from claimminer.rulebook import Rulebook
from claimminer.segment import SentenceSplitter
from claimminer.spans import Block, Claim, Document, Sentence, Span
from claimminer.tokens import tokenize
from claimminer import commitments, discourse, speakers
from claimminer.paths import default_rules_dir  # noqa: F401  (re-exported for callers)


@dataclass(frozen=True)
class Resources:
    """Everything a run needs besides the documents, built once."""

    rulebook: Rulebook
    splitter: SentenceSplitter
    layout: LayoutCues
    speaker_words: speakers.SpeakerWords
    rule_priority: dict[str, int] = field(default_factory=dict)   # "ID@VERSION" -> priority
    saying_participles: frozenset[str] = frozenset()              # "adding", "saying": cut a content
    intro_prepositions: frozenset[str] = frozenset()              # "At", "In": open a sentence's introduction

    @classmethod
    def from_rulebook(cls, book: Rulebook) -> "Resources":
        return cls(book, SentenceSplitter(book.config["segmentation"]),
                   LayoutCues.from_mapping(book.config.get("layout", {})),
                   speakers.SpeakerWords.from_lexicons(book.lexicons),
                   {rule.ref: rule.priority for rule in book.rules},
                   _words(book, "participle_cues"), _words(book, "adverbial_prepositions"))


def _words(book: Rulebook, lexicon: str) -> frozenset[str]:
    return frozenset(book.lexicons[lexicon].words) if lexicon in book.lexicons else frozenset()


@dataclass
class DocumentResult:
    doc: Document
    sentences: list[Sentence]
    claims: list[Claim]
    claim_ids: list[str]
    speakers: list[str | None]               # per claim: resolved speaker / agent name
    links: list[str | None]                  # per claim: attribution id a commitment sits in
    timeouts: list[RuleTimeout] = field(default_factory=list)
    explain: list[Resolved] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    work: int = 0                            # tokens examined, for linear-time checks


def segment_document(doc: Document, res: Resources) -> tuple[list[Sentence], list[Block]]:
    """Sentences with their paragraph and layout kind (shared by `extract` and `segment`)."""
    norm = doc.norm or normalize(doc.text)
    blocks = classify_lines(norm, res.layout)
    starts = [b.start for b in blocks]
    sentences = []
    for index, (start, end) in enumerate(res.splitter.span_tokenize(norm)):
        b = bisect.bisect_right(starts, start) - 1
        block = blocks[b] if b >= 0 else None
        sentences.append(Sentence(start, end, index, block.paragraph if block else 0,
                                  block.kind if block else "body"))
    return sentences, blocks


def _view(sentence: Sentence, norm: str, quotes: list[Quote], quote_ends: list[int]) -> SentenceView:
    """Tokens of one sentence, with the quotations that touch it (found by bisection: linear overall)."""
    tokens = tokenize(norm, sentence.start, sentence.end)
    view = SentenceView(Span(sentence.start, sentence.end), tokens, norm)
    in_quote = [False] * len(tokens)
    token_starts = [t.start for t in tokens]
    q = bisect.bisect_right(quote_ends, sentence.start)
    while q < len(quotes) and quotes[q].start < sentence.end:
        quote = quotes[q]
        q += 1
        first = bisect.bisect_left(token_starts, quote.start)
        last = bisect.bisect_left(token_starts, quote.end)
        if first >= last:
            continue
        for i in range(first, last):
            in_quote[i] = tokens[i].start != quote.start and not (quote.closed and tokens[i].end == quote.end)
        view.add_layer_span("QUOTE", first, last, Span(quote.start, quote.end))
    view.in_quote = tuple(in_quote)
    return view


def sentence_matches(doc: Document, res: Resources, sentences: list[Sentence], quotes: list[Quote],
                     timeouts: list[RuleTimeout], all_layers: bool = False, timer: dict | None = None):
    """Yield ``(sentence, view, raw matches)`` for every sentence, all stages run."""
    norm = doc.norm or normalize(doc.text)
    quote_ends = [q.end for q in quotes]
    for sentence in sentences:
        view = _view(sentence, norm, quotes, quote_ends)
        yield sentence, view, run_rules(res.rulebook, view, doc.text, timeouts, all_layers, timer)


def extract_document(doc: Document, res: Resources) -> DocumentResult:
    if not doc.norm:  # normalise once; the stages below read doc.norm
        doc = replace(doc, norm=normalize(doc.text))
    norm = doc.norm
    sentences, blocks = segment_document(doc, res)
    quotes = find_quotes(doc.text, norm)
    quote_spans = QuoteSpans([Span(q.start, q.end) for q in quotes])
    timeouts: list[RuleTimeout] = []
    resolved_all: list[tuple[Sentence, Resolved]] = []
    work = 0
    for sentence, view, matches in sentence_matches(doc, res, sentences, quotes, timeouts):
        work += len(view.tokens)
        if sentence.layout in res.layout.no_claims_in:
            continue
        for resolved in resolve_conflicts(matches):
            resolved_all.append((sentence, resolved))
    claims = [to_claim(r, Span(s.start, s.end), doc.text, quote_spans) for s, r in resolved_all]
    claims = [commitments.refine(doc.text, norm, c, res.rulebook) if c.kind == "commitment" else c
              for c in claims]
    claims = discourse.drop_wordless_contents(doc.text, claims)
    claims = discourse.drop_buried_participles(doc.text, claims)
    claims = discourse.trim_coordinated(doc.text, claims, res.saying_participles)
    claims = discourse.split_coordinated_attributions(doc.text, claims, res.rule_priority)
    claims = discourse.trim_subordinate_clauses(doc.text, claims, quotes)
    claims = discourse.trim_participle_adjuncts(doc.text, claims, quotes)
    claims = discourse.extend_turns(sentences, claims)
    claims = discourse.introduce_next_paragraph(doc.text, sentences, claims, quotes)
    claims = discourse.extend_split_quotations(sentences, claims, quotes)
    claims = discourse.continue_quotations(sentences, claims, quotes)
    claims = discourse.drop_nested_attributions(doc.text, claims, res.rule_priority)
    claims = discourse.trim_relative_sources(doc.text, claims)
    claims = discourse.trim_intro_from_sources(doc.text, claims, res.intro_prepositions)
    claims.sort(key=_claim_order)
    ids = _claim_ids(claims)
    names = speakers.resolve(doc.text, claims, res.speaker_words)
    links = discourse.link_commitments(claims, ids)
    names = speakers.first_person_to_speaker(doc.text, claims, names, links, ids)
    return DocumentResult(doc, sentences, claims, ids, names, links, timeouts,
                          [r for _, r in resolved_all], blocks, work)


def _claim_order(claim: Claim) -> tuple:
    anchor = claim.role("cue") or claim.role("trigger") or claim.role("content") or claim.sentence
    return (claim.kind != "attribution", claim.sentence.start, anchor.start, claim.rule)


def _claim_ids(claims: list[Claim]) -> list[str]:
    counters = {"attribution": 0, "commitment": 0}
    ids = []
    for claim in claims:
        counters[claim.kind] += 1
        ids.append(("A" if claim.kind == "attribution" else "C") + str(counters[claim.kind]))
    return ids
