"""Sentence features for the sentence-type classifier (issue 6).

A sentence is described by a plain dict "row" (text, layout, position, and the
claims the rules found in it), so the same features come out at train time
(labelled articles run through the pipeline) and at predict time (a
``DocumentResult``). The scikit-learn parts are built by ``text_features`` and
``sentence_features`` with fixed parameters, which is what lets ``classify``
save a fitted model as JSON and rebuild it.
"""
from __future__ import annotations

import math
from typing import Iterable

import regex
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from claimminer.spans import Claim, Span

_NUMBER = regex.compile(r"\p{N}")
_PERCENT = regex.compile(r"\p{N}\s*(?:%|per\s?cent|percent)", regex.IGNORECASE)
_MONEY = regex.compile(r"[$€£¥]\s*\p{N}|\p{N}\s*(?:euros?|dollars?|pounds?|francs?|billion|million)\b",
                       regex.IGNORECASE)
_YEAR = regex.compile(r"\b(?:19|20)\d\d\b")
_CAPS = regex.compile(r"(?<!^)(?<![.!?]\s)\b\p{Lu}[\p{L}'’-]+(?:\s+\p{Lu}[\p{L}'’-]+)*")
_QUOTE = regex.compile(r"[\"“”«»„]")
_WORD = regex.compile(r"[\p{L}\p{N}]+")
_TAIL_SPEAKER = regex.compile(r":\s*[\p{Lu}][\p{L}'’. -]{1,40}$")
_LABEL_SPEAKER = regex.compile(r"^[\p{Lu}][\p{L}'’. -]{1,30}:\s")
_FIRST_PERSON = regex.compile(r"\b(?:I|we|We|our|Our|my|My|us)\b")
_FUTURE = regex.compile(r"\b(?:will|would|shall|'ll|plans? to|intends? to|is to|are to|set to|due to|"
                        r"must|has to|have to|has yet to|still has to|pledged?|promised?|vowed?|agreed?)\b",
                        regex.IGNORECASE)
_HEDGE = regex.compile(r"\b(?:could|might|may|likely|unlikely|expected|should|seems?|appears?)\b",
                       regex.IGNORECASE)
# finer commitment cues: the n-grams see the words, these group the paraphrases
_CUES = {name: regex.compile(pattern, regex.IGNORECASE) for name, pattern in {
    "pledge": r"\b(?:pledg|promis|vow|commit|undert(?:ook|ake)|guarantee)\w*",
    "agree": r"\b(?:agreed|signed|approved|accepted|decided)\b",
    "plan": r"\b(?:plans?|plann\w+|intends?|aims?|is to|are to|set to|due to|going to)\b",
    "oblige": r"\b(?:must|required|has to|have to|obliged|obligation|will have to)\b",
    "pending": r"\b(?:has yet to|have yet to|still (?:has|have|must|needs?) to)\b",
    "negation": r"\b(?:not|n't|no|never|refus\w*|ruled? out|declin\w*)\b",
    "forecast": r"\b(?:expect\w*|likely|predict\w*|forecast\w*|probably|could|might)\b",
    "we_will": r"\b(?:we|I)(?:\s+|')(?:will|ll|shall|are going to|plan|intend|are committed)\b",
    "will_verb": r"\b(?:will|would|'ll)\s+(?:not\s+)?\p{Ll}+",
    "readiness": r"\b(?:ready|prepared|willing|open) to\b",
}.items()}
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


def row_features(row: dict) -> dict[str, float]:
    """Sparse named features of one sentence row (the pipeline side, not n-grams)."""
    text = row["text"]
    layout = row.get("layout", "body")
    feats: dict[str, float] = {f"layout={layout}": 1.0, "boiler_layout": float(layout not in ("body", "headline"))}
    n = max(1, row.get("n", 1))
    index = row.get("index", 0)
    feats[f"pos={_ratio_bin(index / n)}"] = 1.0
    feats["first"] = float(index == 0)
    feats["last3"] = float(index >= n - 3)
    feats["para0"] = float(row.get("paragraph", 0) == 0)
    words = _WORD.findall(text)
    feats[f"len={_log_bin(len(words))}"] = 1.0
    feats["numbers"] = min(3, len(_NUMBER.findall(text))) / 3
    feats["percent"] = float(bool(_PERCENT.search(text)))
    feats["money"] = float(bool(_MONEY.search(text)))
    feats["year"] = float(bool(_YEAR.search(text)))
    feats["caps"] = min(4, len(_CAPS.findall(text))) / 4
    quotes = len(_QUOTE.findall(text))
    feats["quote_marks"] = min(4, quotes) / 4
    feats["starts_quote"] = float(bool(_QUOTE.match(text.lstrip())))
    feats["ends_quote"] = float(bool(_QUOTE.search(text.rstrip()[-2:])))
    stripped = text.rstrip()
    feats["end=" + (stripped[-1] if stripped and stripped[-1] in ".?!:\"”" else "other")] = 1.0
    feats["tail_speaker"] = float(bool(_TAIL_SPEAKER.search(stripped)))
    feats["label_speaker"] = float(bool(_LABEL_SPEAKER.match(text)))
    feats["first_person"] = float(bool(_FIRST_PERSON.search(text)))
    feats["future"] = float(bool(_FUTURE.search(text)))
    feats["hedge"] = float(bool(_HEDGE.search(text)))
    for name, pattern in _CUES.items():
        if pattern.search(text):
            feats["cue=" + name] = 1.0
    if layout == "headline" and _HEAD_TO.search(text):
        feats["headline_to_verb"] = 1.0
    facts = row.get("claims", ())
    kinds = {fact[0] for fact in facts}
    feats["n_attr"] = float(sum(f[0] == "attribution" for f in facts))
    feats["n_commit"] = float(sum(f[0] == "commitment" for f in facts))
    feats["no_claim"] = float(not facts)
    for kind, rule_id, attr, word in facts:
        feats[f"{kind}:rule={rule_id}"] = 1.0
        feats[f"{kind}:attr={attr}"] = 1.0
        feats[f"{kind}:word={word}"] = 1.0
    if "attribution" in kinds and "commitment" in kinds:
        feats["attr+commit"] = 1.0
    feats[f"{layout}:claims={'+'.join(sorted(kinds)) or 'none'}"] = 1.0
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
            out.append({"numbers": min(3, len(_NUMBER.findall(text))) / 3,
                        "percent": float(bool(_PERCENT.search(text))),
                        "money": float(bool(_MONEY.search(text))),
                        "year": float(bool(_YEAR.search(text))),
                        "caps": min(4, len(_CAPS.findall(text))) / 4,
                        "first_person": float(bool(_FIRST_PERSON.search(text))),
                        "question": float(text.rstrip().endswith("?")),
                        f"len={_log_bin(len(_WORD.findall(text)))}": 1.0})
        return out


def _ngrams() -> list[tuple[str, Pipeline]]:
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, lowercase=True,
                           token_pattern=r"(?u)\b\w+\b|[\"“”?%$€£:]")
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
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
