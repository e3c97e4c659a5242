"""Sentence features for the sentence-type classifier (issue 6).

A sentence is described by a plain dict "row" (text, layout, position, and the
claims the rules found in it), so the same features come out at train time
(labelled articles run through the pipeline) and at predict time (a
``DocumentResult``). The scikit-learn parts are built by ``text_features`` and
``sentence_features`` with fixed parameters, which is what lets ``classify``
save a fitted model as JSON and rebuild it.
"""
from __future__ import annotations

import bisect
import hashlib
import json
from pathlib import Path
from typing import Iterable

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from claimminer import featcore
# The per-sentence code lives in featcore (compiled with mypyc); these names are kept for callers.
from claimminer.featcore import char_grams, first_person, word_char_grams, word_grams  # noqa: F401
from claimminer.normalize import normalize
from claimminer.pipeline import DocumentResult, Resources, extract_document
from claimminer.spans import Claim, Document, Span

DATA_DIR = Path(__file__).resolve().parent / "data" / "sentence_types"
LEXICON_PATH = Path(__file__).resolve().parent / "data" / "lexicons" / "evaluative.txt"

_TOKEN = featcore.TOKEN


def load_lexicon(path: Path = LEXICON_PATH) -> dict[str, frozenset[str]]:
    """``[section]`` -> its words and word bigrams, as ``word_grams`` writes them ("point_to" -> "point to")."""
    out: dict[str, set[str]] = {}
    section = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            section = line.strip("[]").strip()
            out.setdefault(section, set())
            continue
        if section is None:
            raise ValueError(f"{path}:{number}: an entry before any [section]")
        for entry in line.split():
            words = _TOKEN.findall(entry.replace("_", " ").replace("-", " ").lower())
            if not 1 <= len(words) <= 2:
                raise ValueError(f"{path}:{number}: {entry!r} is not one word or two")
            out[section].add(" ".join(words))
    return {name: frozenset(words) for name, words in out.items()}


_LEXICON = load_lexicon()
# one binary feature per section: chosen by grouped dev CV over counts, a count of all
# evaluative words, a variant for sentences with no attribution and a "scare quotes" mark
LEX_KEYS = tuple(("lex=" + name, words) for name, words in _LEXICON.items())


def claim_facts(claims: Iterable[tuple[Claim, str]], span: Span) -> list[tuple[str, str, str, str]]:
    """``(kind, rule id, attribute, cue/trigger word)`` for each claim whose sentence overlaps ``span``.

    ``claims`` pairs each claim with its cue (attribution) or trigger (commitment) text.
    """
    out = []
    for claim, word in claims:
        if claim.sentence.overlap(span) <= 0:
            continue
        rule_id = claim.rule.split("@", 1)[0]
        attr = claim.attr("quote") if claim.kind == "attribution" else claim.attr("status")
        out.append((claim.kind, rule_id, attr or "", word.lower()))
    return out


def facts_by_span(claims: list[tuple[Claim, str]], spans: list[Span]) -> list[list[tuple[str, str, str, str]]]:
    """``claim_facts(claims, span)`` for every span of ``spans``, in one pass over the claims.

    For spans in reading order that do not overlap (sentences), each claim is put in
    the spans its sentence overlaps, found by bisection; the facts keep claim order.
    Other span lists get the plain per-span scan.
    """
    if any(a.end > b.start for a, b in zip(spans, spans[1:])):
        return [claim_facts(claims, span) for span in spans]
    ends = [span.end for span in spans]
    out: list[list[tuple[str, str, str, str]]] = [[] for _ in spans]
    for claim, word in claims:
        sentence = claim.sentence
        i = bisect.bisect_right(ends, sentence.start)   # the first span ending after the claim starts
        while i < len(spans) and spans[i].start < sentence.end:
            if sentence.overlap(spans[i]) > 0:
                out[i].extend(claim_facts(((claim, word),), spans[i]))
            i += 1
    return out


def row_features(row: featcore.Row) -> dict[str, float]:
    """Sparse named features of one sentence row (the pipeline side, not n-grams)."""
    return featcore.row_features(row, LEX_KEYS)


class RowFeatures(BaseEstimator, TransformerMixin):
    """Rows -> feature dicts (stateless); pair with a ``DictVectorizer``."""

    def fit(self, rows, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, rows) -> list[dict[str, float]]:
        return [row_features(row) for row in rows]


class TextOf(BaseEstimator, TransformerMixin):
    """Rows (dicts) or plain strings -> their text, for the n-gram vectorizers."""

    def fit(self, rows, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, rows) -> list[str]:
        return [row if isinstance(row, str) else row["text"] for row in rows]


class LexicalFeatures(BaseEstimator, TransformerMixin):
    """Text-only cues (numbers, percent, money, years, capitalised names, quotes) for generic data."""

    def fit(self, rows, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, rows) -> list[dict[str, float]]:
        out = []
        for row in rows:
            text = row if isinstance(row, str) else row["text"]
            grams = set(word_grams(text))
            feats = {"question": float(text.rstrip().endswith("?")),
                     "first_person": float(first_person(text, grams))}
            featcore.text_marks(text, grams, feats)
            out.append(feats)
        return out


def _ngrams() -> list[tuple[str, Pipeline]]:
    word = TfidfVectorizer(analyzer=word_grams, sublinear_tf=True, min_df=2)
    char = TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, min_df=2)
    return [("word", Pipeline([("text", TextOf()), ("tfidf", word)])),
            ("char", Pipeline([("text", TextOf()), ("tfidf", char)]))]


def text_features() -> FeatureUnion:
    """Text-only features for a user's data (and ClaimBuster): word and char tf-idf plus lexical cues."""
    return FeatureUnion(_ngrams() + [("lex", Pipeline([("feats", LexicalFeatures()),
                                                         ("vec", DictVectorizer())]))])


def sentence_features() -> FeatureUnion:
    """Features for our sentence types: n-grams plus what the pipeline saw (rules, layout, position)."""
    return FeatureUnion(_ngrams() + [("rows", Pipeline([("feats", RowFeatures()),
                                                          ("vec", DictVectorizer())]))])


# ---------------------------------------------------------------- labelled data and rows

def data_files() -> list[Path]:
    return sorted(DATA_DIR.glob("*.jsonl"))


def load_labelled(paths: list[Path] | None = None) -> dict[str, list[dict]]:
    """Labelled sentences grouped by article, in file and ``i`` order."""
    docs: dict[str, list[dict]] = {}
    for path in paths or data_files():
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    item = json.loads(line)
                    docs.setdefault(item["doc"], []).append(item)
    for items in docs.values():
        items.sort(key=lambda item: item["i"])
    return docs


def is_test(doc_id: str) -> bool:
    """The documented split (SPLIT.md): an article is test when sha256(id) mod 4 == 0."""
    return int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16) % 4 == 0


def article_text(items: list[dict]) -> tuple[str, list[Span]]:
    """An article as news text: one line per non-body item, body sentences two to a paragraph."""
    text, spans, body_run, prev = "", [], 0, None
    for item in items:
        layout = item["layout"]
        if prev is None:
            sep = ""
        elif layout == "body" and prev == "body" and body_run % 2 == 1:
            sep = " "
        elif layout == "related" and prev == "related":
            sep = "\n"
        else:
            sep = "\n\n"
        body_run = body_run + 1 if layout == "body" and prev == "body" else int(layout == "body")
        text += sep
        spans.append(Span(len(text), len(text) + len(item["text"])))
        text += item["text"]
        prev = layout
    return text + "\n", spans


def _claims_with_words(result: DocumentResult) -> list:
    text = result.doc.text
    out = []
    for claim in result.claims:
        word = claim.role("cue") if claim.kind == "attribution" else claim.role("trigger")
        out.append((claim, text[word.start:word.end] if word else ""))
    return out


def result_rows(result: DocumentResult) -> list[dict]:
    """One feature row per pipeline sentence (predict time: layout from the pipeline)."""
    claims = _claims_with_words(result)
    n, text = len(result.sentences), result.doc.text
    facts = facts_by_span(claims, [Span(s.start, s.end) for s in result.sentences])
    return [{"text": text[s.start:s.end], "layout": s.layout, "index": s.index, "n": n,
             "paragraph": s.paragraph, "claims": f} for s, f in zip(result.sentences, facts)]


def article_rows(doc_id: str, items: list[dict], res: Resources, gold_layout: bool = True) -> list[dict]:
    """Rows for one labelled article, run through the pipeline; labels ride along under ``y_*``."""
    text, spans = article_text(items)
    result = extract_document(Document(doc_id, text, normalize(text)), res)
    claims = _claims_with_words(result)
    starts = [s.start for s in result.sentences]
    rows = []
    for item, span in zip(items, spans):
        k = max(0, bisect.bisect_right(starts, span.start) - 1)
        sent = result.sentences[k] if result.sentences else None
        rows.append({"text": item["text"], "layout": item["layout"] if gold_layout or sent is None else sent.layout,
                     "index": sent.index if sent else item["i"], "n": len(result.sentences),
                     "paragraph": sent.paragraph if sent else 0, "claims": claim_facts(claims, span),
                     "doc": doc_id, "y_reported": bool(item["reported"]), "y_type": item["type"]})
    return rows


def labelled_rows(res: Resources, docs: dict[str, list[dict]] | None = None, gold_layout: bool = True) -> list[dict]:
    docs = load_labelled() if docs is None else docs
    return [row for doc_id in sorted(docs) for row in article_rows(doc_id, docs[doc_id], res, gold_layout)]
