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
import math
import re
from pathlib import Path
from typing import Iterable

import regex
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from claimminer.normalize import normalize
from claimminer.pipeline import DocumentResult, Resources, extract_document
from claimminer.spans import Claim, Document, Span

DATA_DIR = Path(__file__).resolve().parent / "data" / "sentence_types"
LEXICON_PATH = Path(__file__).resolve().parent / "data" / "lexicons" / "evaluative.txt"

# stdlib ``re`` for the hot checks: scoring runs them on every sentence and must stay cheap
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_QUOTES = "\"“”«»„"
_CURRENCY = "$€£¥"
_PERCENT_WORDS = frozenset({"percent", "per cent", "percentage"})
_MONEY_WORDS = frozenset({"euro", "euros", "dollar", "dollars", "pound", "pounds", "franc", "francs",
                          "billion", "million", "bn", "m"})
_TAIL_SPEAKER = regex.compile(r":\s*[\p{Lu}][\p{L}'’. -]{1,40}$")
_LABEL_SPEAKER = regex.compile(r"^[\p{Lu}][\p{L}'’. -]{1,30}:\s")
_TOKEN = re.compile(r"\w+|[\"“”?%$€£:]")
# cue words and bigrams, checked against the sentence's word_grams set (regexes were too slow)
_CUES = {name: frozenset(words.split("|")) for name, words in {
    "first_person": "i|we|our|my",   # "us" is checked with its case: "US" is the country
    "future": "will|would|shall|ll|must|pledged|promised|vowed|agreed|plans to|intends to|set to|due to",
    "hedge": "could|might|may|likely|unlikely|expected|should|seems|appears",
    "pledge": "pledged|pledge|promised|promise|vowed|vow|committed|commit|undertook|guaranteed",
    "agree": "agreed|signed|approved|accepted|decided",
    "plan": "plan|plans|planned|intends|intend|aims|aim|is to|are to|set to|due to|going to",
    "oblige": "must|required|has to|have to|obliged|obligation",
    "pending": "yet to|still has|still have|still must|still needs",
    "negation": "not|n't|no|never|refused|refuses|rule out|ruled out|declined|declines",
    "forecast": "expected|expects|likely|predicted|predicts|forecast|probably|could|might",
    "we_will": "we will|i will|we ll|i ll|we shall|we are|we plan|we intend",
    "readiness": "ready to|prepared to|willing to|open to",
}.items()}
_CUE_KEYS = tuple(("cue=" + name, cues) for name, cues in _CUES.items())   # feature names built once
_US_PRONOUN = re.compile(r"\bus\b")   # lower-case only: "US officials" names the United States


def first_person(text: str, grams: set[str]) -> bool:
    """Whether the sentence speaks in the first person ("we", "our", "us"; not "the US")."""
    return not _CUES["first_person"].isdisjoint(grams) or _us_pronoun(text, grams)


def _us_pronoun(text: str, grams: set[str]) -> bool:
    return "us" in grams and _US_PRONOUN.search(text) is not None


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
_LEX_KEYS = tuple(("lex=" + name, words) for name, words in _LEXICON.items())
_WILL_VERB = frozenset({"will", "would", "ll"})
_HEAD_TO = regex.compile(r"^\P{Ll}?[^:]*?\bto\s+\p{Ll}+")


def _ratio_bin(value: float, bins: int = 5) -> int:
    return min(bins - 1, int(value * bins))


def _log_bin(value: int) -> int:
    return int(math.log2(1 + value))


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


def _text_marks(text: str, grams: set[str], feats: dict[str, float]) -> None:
    """Numbers, money, years, capitalised words and quote marks; only true marks are added (0 is implied)."""
    digits = len(_DIGIT.findall(text))
    if digits:
        feats["numbers"] = min(3, digits) / 3
        if "%" in text or not grams.isdisjoint(_PERCENT_WORDS):
            feats["percent"] = 1.0
        if _YEAR.search(text):
            feats["year"] = 1.0
        if not grams.isdisjoint(_MONEY_WORDS) or any(c in text for c in _CURRENCY):
            feats["money"] = 1.0
    words = text.split()
    caps = sum([w[:1].isupper() for w in words[1:]])
    if caps:
        feats["caps"] = min(4, caps) / 4
    feats[f"len={_log_bin(len(words))}"] = 1.0
    quotes = sum(map(text.count, _QUOTES))
    if quotes:
        feats["quote_marks"] = min(4, quotes) / 4
        if text.lstrip()[:1] in _QUOTES:
            feats["starts_quote"] = 1.0
        if any(c in _QUOTES for c in text.rstrip()[-2:]):
            feats["ends_quote"] = 1.0


def row_features(row: dict) -> dict[str, float]:
    """Sparse named features of one sentence row (the pipeline side, not n-grams)."""
    text = row["text"]
    layout = row.get("layout", "body")
    n = max(1, row.get("n", 1))
    index = row.get("index", 0)
    feats: dict[str, float] = {f"layout={layout}": 1.0, f"pos={_ratio_bin(index / n)}": 1.0}
    if layout not in ("body", "headline"):
        feats["boiler_layout"] = 1.0
    if index == 0:
        feats["first"] = 1.0
    if index >= n - 3:
        feats["last3"] = 1.0
    if row.get("paragraph", 0) == 0:
        feats["para0"] = 1.0
    grams = set(row["grams"]) if "grams" in row else set(word_grams(text))
    _text_marks(text, grams, feats)
    stripped = text.rstrip()
    feats["end=" + (stripped[-1] if stripped and stripped[-1] in ".?!:\"”" else "other")] = 1.0
    if ":" in stripped:
        if _TAIL_SPEAKER.search(stripped):
            feats["tail_speaker"] = 1.0
        if _LABEL_SPEAKER.match(text):
            feats["label_speaker"] = 1.0
        if layout == "headline" and _HEAD_TO.search(text):
            feats["headline_to_verb"] = 1.0
    for key, cues in _CUE_KEYS:
        if not grams.isdisjoint(cues):
            feats[key] = 1.0
    if "cue=first_person" not in feats and _us_pronoun(text, grams):   # the word list came first, in the loop
        feats["cue=first_person"] = 1.0
    for key, words in _LEX_KEYS:   # evaluative language, one binary feature per lexicon section
        if not words.isdisjoint(grams):
            feats[key] = 1.0
    facts = row.get("claims", ())
    kinds = sorted({fact[0] for fact in facts})
    for kind, rule_id, attr, word in facts:
        feats[f"n_{kind}"] = feats.get(f"n_{kind}", 0.0) + 1.0
        feats[f"{kind}:rule={rule_id}"] = 1.0
        feats[f"{kind}:attr={attr}"] = 1.0
        feats[f"{kind}:word={word}"] = 1.0
    feats[f"{layout}:claims={'+'.join(kinds) or 'none'}"] = 1.0
    return feats


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
            _text_marks(text, grams, feats)
            out.append(feats)
        return out


def word_grams(text: str) -> list[str]:
    """Lower-cased words and a few telling marks, plus word bigrams."""
    tokens = _TOKEN.findall(text.lower())
    return tokens + [a + " " + b for a, b in zip(tokens, tokens[1:])]


def word_char_grams(word: str) -> list[str]:
    """Character 3- to 5-grams of one lower-cased word padded with spaces."""
    t = " " + word + " "
    return [t[i:i + n] for n in (3, 4, 5) for i in range(len(t) - n + 1)]


def char_grams(text: str) -> list[str]:
    """Character n-grams word by word, so scoring can cache them per word."""
    return [gram for word in text.lower().split() for gram in word_char_grams(word)]


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
