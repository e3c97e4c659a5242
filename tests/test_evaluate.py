"""Brat reader and attribution scorers, checked against hand-computed figures.

The fixtures under tests/fixtures/brat are three tiny documents written for
these tests: alpha (two annotators; the first file in sorted order is gold),
beta (a discontinuous content, an attribution without content, Discuss /
Discard spans, a note, a span text running over two lines, an empty event)
and gamma (a content made of Content and Content2).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimminer.brat import Attr, gold_files, load_gold, make_attr, offset_mismatches, read_text
from claimminer.evaluate import (evaluate, format_report, greedy_pairs, is_quoted,
                                 load_predictions, normalise_role)
from claimminer.spans import Span
from claimminer.paths import shared_data_dir

FIXTURES = Path(__file__).parent / "fixtures" / "brat"
SHARED = shared_data_dir()


def attr(source=None, cue=None, content=None) -> Attr:
    """An Attr from (start, end) pairs or lists of pairs (fragments)."""
    def frags(value):
        if value is None:
            return []
        return [Span(*v) for v in (value if isinstance(value[0], tuple) else [value])]
    return make_attr({"source": frags(source), "cue": frags(cue), "content": frags(content)})


@pytest.fixture(scope="module")
def gold_and_texts():
    return load_gold(FIXTURES)


# ---------------------------------------------------------------- reader

def test_first_ann_in_sorted_order_is_gold(gold_and_texts):
    files = gold_files(FIXTURES)
    assert files["alpha"][1].name == "alpha_aaaa.ann"
    gold, _ = gold_and_texts
    assert [a.content for a in gold["alpha"]] == [Span(15, 50), Span(52, 67)]


def test_events_map_to_roles_and_drop_discard_discuss_and_empty(gold_and_texts):
    gold, texts = gold_and_texts
    assert sorted(gold) == ["alpha", "beta", "gamma"]
    beta = gold["beta"]
    assert len(beta) == 3  # E4 has no role at all and is dropped
    assert beta[1].content is None and beta[1].cue == Span(72, 80)
    assert texts["beta"][beta[2].cue.start:beta[2].cue.end] == "According to"


def test_discontinuous_span_keeps_fragments_and_hull(gold_and_texts):
    gold, texts = gold_and_texts
    first = gold["beta"][0]
    assert first.content == Span(0, 63)
    assert first.fragments("content") == (Span(0, 22), Span(42, 63))
    assert first.fragments("source") == (Span(23, 35),)
    assert texts["beta"][0] == "\u201c"  # offsets count code points, not bytes


def test_content2_joins_the_content(gold_and_texts):
    gold, _ = gold_and_texts
    assert gold["gamma"][0].fragments("content") == (Span(0, 17), Span(30, 48))


def test_recorded_text_matches_offsets():
    for txt, ann in gold_files(FIXTURES).values():
        assert offset_mismatches(read_text(ann), read_text(txt)) == []


# ---------------------------------------------------------------- normalising

def test_trim_and_strip_that():
    text = 'He said that "the plan works."'
    assert normalise_role(text, [Span(8, 30)], strip_that=True) == (Span(14, 28),)
    assert normalise_role(text, [Span(8, 30)], strip_that=False) == (Span(8, 28),)
    # "that" followed by an aside is still the complementiser; the comma goes with it.
    text = "He said that, in hindsight, it failed."
    assert normalise_role(text, [Span(8, 37)], strip_that=True) == (Span(14, 37),)
    # ... but a word that only starts with "that" stays.
    assert normalise_role("thatcherism won", [Span(0, 15)], strip_that=True) == (Span(0, 15),)
    # A cue made of punctuation alone keeps its span.
    assert normalise_role("Claim: Lee", [Span(5, 6)]) == (Span(5, 6),)


def test_quote_classes():
    text = "\u201cYes,\u201d she said. ''No,'' he said. It is \u2018odd\u2019. Lee\u2019s dog."
    assert is_quoted(text, (Span(0, 6),))
    assert is_quoted(text, (Span(1, 4),))          # marks just outside the content
    assert is_quoted(text, (Span(17, 24),))        # two apostrophes used as a double quote
    assert is_quoted(text, (Span(40, 45),))        # opening single quote
    assert not is_quoted(text, (Span(47, 56),))    # an apostrophe is not a quote


# ---------------------------------------------------------------- scoring

def _alpha_predictions() -> dict[str, list[Attr]]:
    return {"alpha": [
        attr(source=(0, 9), cue=(10, 14), content=(20, 51)),   # right, "that" left out
        attr(source=(68, 71), cue=(72, 86), content=(53, 65)),  # cue too long, marks left out
        attr(cue=(37, 43), content=(44, 50)),                   # spurious
    ]}


def test_role_scores_by_hand(gold_and_texts):
    gold, texts = gold_and_texts
    figs = evaluate({"alpha": gold["alpha"]}, _alpha_predictions(), texts)
    roles = figs["overall"]["roles"]
    assert roles["source"]["strict"]["f1"] == 1.0
    cue = roles["cue"]
    assert (cue["strict"]["p"], cue["strict"]["r"]) == (pytest.approx(1 / 3), 0.5)
    assert cue["strict"]["f1"] == pytest.approx(0.4)
    # partial precision: (1 + 4/14 + 0) / 3; recall: both gold cues fully covered
    assert cue["partial"]["p"] == pytest.approx(3 / 7)
    assert cue["partial"]["r"] == 1.0
    assert cue["partial"]["f1"] == pytest.approx(0.6)
    content = roles["content"]
    assert (content["strict"]["p"], content["strict"]["r"]) == (pytest.approx(2 / 3), 1.0)
    assert content["strict"]["matched_pred"] == 2 and content["strict"]["pred"] == 3
    assert content["partial"]["p"] == 1.0  # "in May" lies inside a gold content


def test_strip_that_is_an_option(gold_and_texts):
    gold, texts = gold_and_texts
    figs = evaluate({"alpha": gold["alpha"]}, _alpha_predictions(), texts, strip_that=False)
    content = figs["overall"]["roles"]["content"]
    assert content["strict"]["r"] == 0.5
    assert content["partial"]["r"] == pytest.approx((30 / 35 + 1) / 2)


def test_direct_indirect_split(gold_and_texts):
    gold, texts = gold_and_texts
    figs = evaluate({"alpha": gold["alpha"]}, _alpha_predictions(), texts)
    direct, indirect = figs["direct"]["roles"]["content"]["strict"], figs["indirect"]["roles"]["content"]["strict"]
    assert (direct["gold"], direct["pred"], direct["p"], direct["r"]) == (1, 1, 1.0, 1.0)
    assert (indirect["gold"], indirect["pred"], indirect["p"], indirect["r"]) == (1, 2, 0.5, 1.0)
    assert figs["direct"]["roles"]["cue"]["strict"]["f1"] == 0.0


def test_quote_level_speaker_and_cue(gold_and_texts):
    gold, texts = gold_and_texts
    figs = evaluate({"alpha": gold["alpha"]}, _alpha_predictions(), texts)
    for threshold in ("0.3", "0.8"):
        quote = figs["overall"]["quote"][threshold]
        assert (quote["matched_gold"], quote["p"], quote["r"]) == (2, pytest.approx(2 / 3), 1.0)
    assert figs["overall"]["speaker"] == {"pairs": 2, "correct": 2, "accuracy": 1.0}
    assert figs["overall"]["cue"]["accuracy"] == 0.5
    assert figs["direct"]["cue"]["accuracy"] == 0.0


def test_discontinuous_gold_partial_and_strict(gold_and_texts):
    gold, texts = gold_and_texts
    pred = {"beta": [attr(source=(23, 35), cue=(36, 40), content=(0, 63))]}
    content = evaluate({"beta": gold["beta"][:1]}, pred, texts)["overall"]["roles"]["content"]
    assert content["strict"]["f1"] == 1.0           # hulls agree after trimming
    assert content["partial"]["p"] == pytest.approx(37 / 60)  # 19 + 18 gold chars; "the minister said," is not content
    assert content["partial"]["r"] == 1.0


def test_gold_without_content_is_left_out_of_quote_level(gold_and_texts):
    gold, texts = gold_and_texts
    figs = evaluate({"beta": gold["beta"]}, {}, texts)
    assert figs["overall"]["quote"]["0.3"]["gold"] == 2
    assert figs["quote_skipped_no_content"] == {"gold": 1, "pred": 0}
    assert figs["overall"]["roles"]["cue"]["strict"]["gold"] == 3
    assert figs["overall"]["quote"]["0.3"]["p"] == 0.0


def test_greedy_pairs_thresholds_and_ties():
    gold = [(Span(0, 10),), (Span(10, 20),)]
    assert greedy_pairs(gold, [(Span(0, 20),)], 0.3) == [(0, 0)]  # one to one, gold order breaks the tie
    assert greedy_pairs(gold[:1], [(Span(0, 4),), (Span(0, 10),)], 0.3) == [(0, 1)]  # largest overlap first
    assert greedy_pairs(gold[:1], [(Span(0, 5),)], 0.3) == [(0, 0)]
    assert greedy_pairs(gold[:1], [(Span(0, 5),)], 0.8) == []


def test_speaker_when_gold_has_no_source():
    text = "Rain is coming, it was said. Rain is coming, Ann said."
    gold = {"d": [attr(cue=(23, 27), content=(0, 14)), attr(cue=(49, 53), content=(29, 43))]}
    pred = {"d": [attr(cue=(23, 27), content=(0, 14)), attr(source=(45, 48), cue=(49, 53), content=(29, 43))]}
    speaker = evaluate(gold, pred, {"d": text})["overall"]["speaker"]
    assert speaker == {"pairs": 2, "correct": 1, "accuracy": 0.5}


def test_load_predictions_checks_text(tmp_path, gold_and_texts):
    _, texts = gold_and_texts
    rows = [
        {"doc_id": "alpha", "kind": "attribution", "quote": "indirect",
         "source": {"start": 0, "end": 9, "text": "The mayor"}, "cue": {"start": 10, "end": 14, "text": "said"},
         "content": {"start": 20, "end": 50, "text": texts["alpha"][20:50]}},
        {"doc_id": "alpha", "kind": "commitment", "agent": None},
        {"doc_id": "zeta", "kind": "attribution", "quote": "direct", "source": None, "cue": None,
         "content": {"start": 0, "end": 3, "text": "abc"}},
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    pred = load_predictions(path, texts)
    assert [a.content for a in pred["alpha"]] == [Span(20, 50)]
    assert pred["zeta"][0].source is None
    gold, _ = load_gold(FIXTURES)
    figs = evaluate(gold, pred, texts)
    assert figs["pred_docs_ignored"] == 1
    report = format_report(figs)
    assert "overall" in report and "indirect" in report and "@0.8" in report
    rows[0]["cue"]["text"] = "says"
    path.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        load_predictions(path, texts)


# ---------------------------------------------------------------- PolNeAR itself

@pytest.mark.shared_data
def test_polnear_dev_offsets_and_self_score():
    dev = SHARED / "polnear" / "dev"
    if not dev.is_dir():
        pytest.skip("PolNeAR dev not available")
    for txt, ann in gold_files(dev).values():
        assert offset_mismatches(read_text(ann), read_text(txt)) == [], ann.name
    gold, texts = load_gold(dev)
    assert len(gold) == 84
    figs = evaluate(gold, gold, texts)
    assert figs["overall"]["quote"]["0.8"]["f1"] == 1.0
    assert figs["overall"]["roles"]["content"]["strict"]["f1"] == 1.0
