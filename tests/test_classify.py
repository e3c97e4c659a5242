"""Sentence-type classifier (issue 6): split, features, JSON model, fast scorer, cache and CLIs."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from claimminer import classify, classify_cli, features
from claimminer.cli import load_resources
from claimminer.normalize import normalize
from claimminer.pipeline import extract_document
from claimminer.spans import Document
from claimminer.paths import shared_data_dir

SHARED = shared_data_dir()
TEXT = ("Port workers to strike over pay\n\nBy Ana Ruiz\n\n"
        "The union said its members would walk out on Monday. \"We have no choice,\" she said.\n\n"
        "Prices will rise again in spring.\n\nRelated Items\nTalks collapse: union\n")


@pytest.fixture(scope="module")
def res():
    return load_resources(None)


@pytest.fixture(scope="module")
def small_model(res):
    docs = features.load_labelled()
    keep = {d: docs[d] for d in sorted(docs)[::4]}   # a quarter of the articles: quick to fit
    return classify.SentenceTypeModel().fit(features.labelled_rows(res, keep))


def test_split_is_by_article_and_about_a_quarter():
    docs = features.load_labelled()
    test = [d for d in docs if features.is_test(d)]
    assert 0.18 < len(test) / len(docs) < 0.32
    assert features.is_test(test[0]) and features.is_test(test[0])   # deterministic


def test_labelled_data_is_well_formed():
    docs = features.load_labelled()
    n = sum(len(items) for items in docs.values())
    assert n >= 1500
    for items in docs.values():
        for item in items:
            assert item["type"] in classify.TYPES and isinstance(item["reported"], bool)


def test_article_text_offsets_match_items():
    items = next(iter(features.load_labelled().values()))
    text, spans = features.article_text(items)
    assert [text[s.start:s.end] for s in spans] == [item["text"] for item in items]


def test_row_features_see_rules_layout_and_marks():
    row = {"text": "\"We will cut 3% of jobs,\" Anna Berg said.", "layout": "body", "index": 0, "n": 5,
           "paragraph": 0, "claims": [("attribution", "attr.x", "mixed", "said")]}
    feats = features.row_features(row)
    for key in ("layout=body", "first", "percent", "quote_marks", "starts_quote", "attribution:rule=attr.x",
                "attribution:attr=mixed", "attribution:word=said", "cue=we_will", "body:claims=attribution"):
        assert key in feats, key
    assert features.row_features(dict(row, layout="byline"))["boiler_layout"] == 1.0


def test_evaluative_lexicon_sections_and_features(tmp_path):
    lexicon = features.load_lexicon()
    assert {"judgement", "uncertainty", "interpretive", "stance", "naming"} <= set(lexicon)
    assert "point to" in lexicon["interpretive"] and "so called" in lexicon["naming"]   # bigrams as word_grams has them
    feats = features.row_features({"text": "The outcome looks uncertain, and the row underscores how fragile the pact is."})
    for key in ("lex=judgement", "lex=uncertainty", "lex=interpretive"):
        assert feats.get(key) == 1.0, key
    assert not any(k.startswith("lex=") for k in features.row_features({"text": "The ferry left at 9 am."}))
    bad = tmp_path / "bad.txt"
    bad.write_text("[one]\nremains_to_be_seen\n", encoding="utf-8")
    with pytest.raises(ValueError):
        features.load_lexicon(bad)


def test_first_person_is_not_the_united_states():
    # A regression: "US suggestions" lower-cased to "us" and read as a first-person sentence.
    def first(text: str) -> bool:
        return "cue=first_person" in features.row_features({"text": text})
    assert not first("US officials met their allies in Paris.")
    assert first("The deal will help us, she said.")
    assert first("We will not give in.")
    assert not features.LexicalFeatures().fit([]).transform(["The US economy grew."])[0]["first_person"]


def test_word_char_indices_are_the_known_char_grams_packed():
    """The scorer's one-loop lookup gives the indices of ``word_char_grams``, in order, unknown ones left out."""
    from claimminer import featcore

    vocab = {" sa": 3, "said": 7, "aid ": 1, "d, ": 9, "x": 5}
    for word in ("said", "said,", "", "a", "naïve", "sa"):
        expected = featcore.packed_indices(featcore.known_indices(featcore.word_char_grams(word), vocab))
        assert featcore.word_char_indices(word, vocab) == expected, word
    assert np.frombuffer(featcore.word_char_indices("said", vocab), dtype=np.int64).tolist() == [3, 7, 1]


def test_json_round_trip_and_fast_scorer_agree(small_model, res):
    rows = features.labelled_rows(res, {d: v for d, v in list(features.load_labelled().items())[:6]})
    again = classify.model_from_json(json.loads(json.dumps(classify.model_to_json(small_model, "sentences"))))
    a, b = small_model.predict_proba(rows), again.predict_proba(rows)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    fast = classify.FastScorer(again).predict_proba(rows)
    assert np.allclose(a[0], fast[0], atol=1e-12) and np.allclose(a[1], fast[1], atol=1e-12)


def test_fast_scorer_features_are_the_models_features(small_model, res):
    # The scorer builds one sparse matrix per document; it must hold what the fitted union computes.
    rows = features.labelled_rows(res, {d: v for d, v in list(features.load_labelled().items())[6:12]})
    fast = classify.FastScorer(small_model)
    mine, theirs = fast.features(rows), small_model.features_.transform(rows).tocsr()
    assert mine.shape == theirs.shape
    assert np.allclose(mine.toarray(), theirs.toarray(), atol=1e-12)
    assert np.array_equal(mine.toarray() != 0, theirs.toarray() != 0)
    p_rep, p_type = small_model.predict_proba(rows)
    f_rep, f_type = fast.predict_proba(rows)
    assert np.allclose(p_rep, f_rep, atol=1e-12) and np.allclose(p_type, f_type, atol=1e-12)
    assert fast.features([]).shape == (0, len(fast.weights))


def test_training_is_deterministic(res):
    docs = features.load_labelled()
    keep = {d: docs[d] for d in sorted(docs)[:12]}
    rows = features.labelled_rows(res, keep)
    one = classify.model_to_json(classify.SentenceTypeModel().fit(rows), "sentences")
    two = classify.model_to_json(classify.SentenceTypeModel().fit(rows), "sentences")
    assert json.dumps(one) == json.dumps(two)


def test_records_shape_and_rounding():
    out = classify.records(np.array([0.73456789]), np.array([[0.1, 0.2, 0.6, 0.1]]))
    assert list(out[0]) == ["reported", "type", "scores"]
    assert out[0]["type"] == "evaluation" and out[0]["reported"] is True
    assert list(out[0]["scores"]) == ["reported", "commitment", "factual", "evaluation", "boilerplate"]
    assert out[0]["scores"]["reported"] == 0.7346


def test_scorer_for_run_uses_cache(res, small_model, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMMINER_CACHE", str(tmp_path))
    monkeypatch.setattr(classify, "train_shipped", lambda _res: small_model)
    score, extra = classify.scorer_for_run(res)
    key = classify.model_key(res)
    assert extra["model_key"] == key and Path(extra["model_cache"]).exists()
    assert extra["data_files"] == features.data_files()
    result = extract_document(Document("t", TEXT, normalize(TEXT)), res)
    first = score(result)
    assert len(first) == len(result.sentences)
    assert {r["type"] for r in first} <= set(classify.TYPES)
    monkeypatch.setattr(classify, "train_shipped", lambda _res: pytest.fail("cache not used"))
    score2, _ = classify.scorer_for_run(res)
    assert score2(result) == first
    assert not list(tmp_path.glob("*.tmp"))


def test_rules_only_baseline():
    rows = [{"text": "He said so.", "layout": "body", "claims": [("attribution", "a", "indirect", "said")]},
            {"text": "By Ana Ruiz", "layout": "byline", "claims": []},
            {"text": "The bridge will reopen.", "layout": "body", "claims": [("commitment", "c", "made", "will")]},
            {"text": "Turnout was 64%.", "layout": "body", "claims": []}]
    assert classify_cli.rules_only(rows) == [(True, "evaluation"), (False, "boilerplate"),
                                            (False, "commitment"), (False, "factual")]


def test_train_on_user_csv(tmp_path, capsys):
    data = tmp_path / "mine.csv"
    lines = ["sentence,label"] + [f"The council will build {i} new homes by next year.,plan" for i in range(12)] \
        + [f"Shares fell {i} percent on Tuesday.,fact" for i in range(12)]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "model.json"
    args = SimpleNamespace(data=data, labels="label", text="sentence", out=out, rules=None)
    assert classify_cli.train_cli(args) == 0
    assert "macro-F1" in capsys.readouterr().out
    model = classify.model_from_json(json.loads(out.read_text(encoding="utf-8")))
    assert list(model.predict(["The city will build a school next year."])) == ["plan"]


def test_claimbuster_skips_without_data(tmp_path, capsys):
    assert classify_cli.claimbuster_cli(SimpleNamespace(data=tmp_path)) == 0
    assert "skipped" in capsys.readouterr().out
