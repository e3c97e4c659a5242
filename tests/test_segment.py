"""Tests of the sentence splitter: our own golden table, invariants, shared benchmarks."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimminer.normalize import normalize
from claimminer.segment import SentenceSplitter, load_config
from claimminer.paths import shared_data_dir

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
SHARED = shared_data_dir()
SEEDS = SHARED.parent / "seeds"

# (behaviour, input, expected sentences): written for these tests, not taken from any benchmark.
GOLDEN = [
    ("glued full stop", "The talks ended.Officials then left the room.", ["The talks ended.", "Officials then left the room."]),
    ("glued before single capital", "They signed the pact.A new round starts soon.", ["They signed the pact.", "A new round starts soon."]),
    ("glued question mark", "Who pays?Nobody knows yet.", ["Who pays?", "Nobody knows yet."]),
    ("dotted acronym not glued", "He moved to the U.S.A last spring.", ["He moved to the U.S.A last spring."]),
    ("decimal number", "Growth hit 3.5 percent. Analysts were surprised.", ["Growth hit 3.5 percent.", "Analysts were surprised."]),
    ("file name", "The app runs on Node.js today. Others use Python.", ["The app runs on Node.js today.", "Others use Python."]),
    ("web address", "Details are at www.Example.Org/News today.", ["Details are at www.Example.Org/News today."]),
    ("email", "Write to Press.Office@agency.org. Replies take a day.", ["Write to Press.Office@agency.org.", "Replies take a day."]),
    ("title before name", "US Gen. Mark T. Rivers spoke to reporters.", ["US Gen. Mark T. Rivers spoke to reporters."]),
    ("several titles", "Mr. Lee met Sen. Ortiz and Lt. Col. Baker on Tuesday.", ["Mr. Lee met Sen. Ortiz and Lt. Col. Baker on Tuesday."]),
    ("month abbreviation", "The vote is set for Sept. 11 in the capital.", ["The vote is set for Sept. 11 in the capital."]),
    ("No. before a number", "He ranked No. 2 in the poll.", ["He ranked No. 2 in the poll."]),
    ("no as a word", "She said no. Reporters waited outside.", ["She said no.", "Reporters waited outside."]),
    ("U.S. inside", "The U.S. government responded on Friday.", ["The U.S. government responded on Friday."]),
    ("U.S. at the end", "Prices rose in the U.S. They fell in Europe.", ["Prices rose in the U.S.", "They fell in Europe."]),
    ("U.N. before a name", "The U.N. Security Council met again.", ["The U.N. Security Council met again."]),
    ("a.m. inside", "The meeting began at 9 a.m. and ended at noon.", ["The meeting began at 9 a.m. and ended at noon."]),
    ("p.m. at the end", "The office closes at 6 p.m. Staff then go home.", ["The office closes at 6 p.m.", "Staff then go home."]),
    ("a.m. before a day", "The doors opened at 10 a.m. Friday to a crowd.", ["The doors opened at 10 a.m. Friday to a crowd."]),
    ("bare time phrase", "By 7 p.m. Officials had left the building.", ["By 7 p.m. Officials had left the building."]),
    ("quote closes sentence", "\"He left.\" Then the rain began.", ["\"He left.\"", "Then the rain began."]),
    ("quote then attribution", "\"It is done,\" she said. \"We won.\" The crowd cheered.", ["\"It is done,\" she said.", "\"We won.\"", "The crowd cheered."]),
    ("quoted question lowercase", "\"Is it over?\" the minister asked.", ["\"Is it over?\" the minister asked."]),
    ("quoted question named speaker", "\"Is it over?\" Ms. Diaz asked.", ["\"Is it over?\" Ms. Diaz asked."]),
    ("quoted question ends", "\"Is it over?\" Nobody answered.", ["\"Is it over?\"", "Nobody answered."]),
    ("question in parentheses", "The plan (is it real?) remains secret.", ["The plan (is it real?) remains secret."]),
    ("exclamation in name", "He joined Wham! at a young age.", ["He joined Wham! at a young age."]),
    ("ellipsis inside", "He paused... and then spoke.", ["He paused... and then spoke."]),
    ("four dots end", "They waited.... Nothing happened.", ["They waited....", "Nothing happened."]),
    ("period then ellipsis", "It was late. ... The guests left.", ["It was late.", "... The guests left."]),
    ("numbered inline list", "1) Raise funds 2) Hire staff 3) Open offices", ["1) Raise funds", "2) Hire staff", "3) Open offices"]),
    ("inline enumeration in prose", "The reasons were 1) cost and 2) time.", ["The reasons were 1) cost and 2) time."]),
    ("bulleted items", "\u2022 First point here \u2022 Second point here", ["\u2022 First point here", "\u2022 Second point here"]),
    ("corporate form inside", "Shares of Acme Corp. rose on Monday.", ["Shares of Acme Corp. rose on Monday."]),
    ("corporate form at the end", "He works for Smith & Co. It is a small firm.", ["He works for Smith & Co.", "It is a small firm."]),
    ("page abbreviation", "See pp. 10-12 for details.", ["See pp. 10-12 for details."]),
    ("etc. inside", "Cats, dogs, etc. are allowed inside.", ["Cats, dogs, etc. are allowed inside."]),
    ("e.g. inside", "Some states, e.g. Ohio, voted early.", ["Some states, e.g. Ohio, voted early."]),
    ("initials", "The report was written by J. R. Hale last year.", ["The report was written by J. R. Hale last year."]),
    ("pronoun I at the end", "The winner was not me but I. Then we left.", ["The winner was not me but I.", "Then we left."]),
    ("camel-case opener", "Sales slowed. iPhone demand fell.", ["Sales slowed.", "iPhone demand fell."]),
    ("parenthesis then lowercase", "The firm (founded in 1990.) grew fast.", ["The firm (founded in 1990.) grew fast."]),
    ("state abbreviation", "Sen. Ann Cole (R-Ky.) said she would vote.", ["Sen. Ann Cole (R-Ky.) said she would vote."]),
    ("versus", "The case Doe v. Roe went to court.", ["The case Doe v. Roe went to court."]),
    ("headline and byline lines", "Leaders Meet In Rome\nStaff Reporter\nThe leaders met on Monday. They talked.",
     ["Leaders Meet In Rome", "Staff Reporter", "The leaders met on Monday.", "They talked."]),
    ("paragraph break", "First paragraph without stop\n\nSecond paragraph.", ["First paragraph without stop", "Second paragraph."]),
    ("hard-wrapped line", "The minister said the plan\nwould be ready soon. Aides agreed.",
     ["The minister said the plan\nwould be ready soon.", "Aides agreed."]),
    ("line ending with a stop", "The talks ended.\nthe next round is in May.", ["The talks ended.", "the next round is in May."]),
    ("related items list", "Related Items\nTrade talks resume in Geneva\nMarkets fall on rate fears",
     ["Related Items", "Trade talks resume in Geneva", "Markets fall on rate fears"]),
    ("glued before possessive", "Talks began in Kyiv.Rome's envoy arrived late.", ["Talks began in Kyiv.", "Rome's envoy arrived late."]),
    ("possessive after abbreviation", "That is Lee Jr.'s car.", ["That is Lee Jr.'s car."]),
]



@pytest.fixture(scope="module")
def splitter() -> SentenceSplitter:
    return SentenceSplitter.from_rules_dir(RULES)


def sentences(splitter: SentenceSplitter, text: str) -> list[str]:
    return [text[a:b] for a, b in splitter.span_tokenize(normalize(text))]


def assert_clean_spans(splitter: SentenceSplitter, text: str) -> list[tuple[int, int]]:
    """Spans are ordered, disjoint, non-empty and have no whitespace at either end."""
    spans = list(splitter.span_tokenize(normalize(text)))
    last = 0
    for start, end in spans:
        assert last <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip(), repr(piece)
        last = end
    return spans


@pytest.mark.parametrize("name,text,expected", GOLDEN, ids=[case[0] for case in GOLDEN])
def test_golden_table(splitter, name, text, expected):
    assert sentences(splitter, text) == expected
    assert_clean_spans(splitter, text)


def test_curly_quotes_are_read_through_normalisation(splitter):
    text = "She said \u201cwe are ready.\u201d Then the vote began."
    assert sentences(splitter, text) == ["She said \u201cwe are ready.\u201d", "Then the vote began."]


def test_offsets_survive_windows_line_ends(splitter):
    text = "First line ends here.\r\nSecond line starts here."
    spans = assert_clean_spans(splitter, text)
    assert [text[a:b] for a, b in spans] == ["First line ends here.", "Second line starts here."]


def test_whitespace_only_and_empty(splitter):
    assert list(splitter.span_tokenize("")) == []
    assert list(splitter.span_tokenize(" \n\n \t")) == []


def test_constructor_stores_config_only():
    config = load_config(RULES)
    lazy = SentenceSplitter(config)
    assert lazy.tokenize("One. Two.") == ["One.", "Two."]


def test_non_string_entry_is_a_located_error():
    config = load_config(RULES)
    config["sentence_starters"] = ["the", True]
    with pytest.raises(ValueError, match="sentence_starters"):
        SentenceSplitter(config).tokenize("x")


def test_segment_needs_no_benchmark_library():
    source = (REPO / "claimminer" / "segment.py").read_text(encoding="utf-8")
    assert "pysbd" not in source and "nltk.download" not in source


def test_works_without_nltk_data(monkeypatch):
    import nltk

    monkeypatch.setattr(nltk.data, "path", [])
    assert SentenceSplitter.from_rules_dir(RULES).tokenize("Dr. Ruiz won. We left.") == [
        "Dr. Ruiz won.", "We left."]


needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared data absent")


@pytest.mark.shared_data
@needs_shared
def test_golden_rules_benchmark(splitter):
    from claimminer.sbd_eval import golden_rules

    score = golden_rules(splitter, SHARED / "sbd" / "golden_rules_en.jsonl")
    assert score["failures"] == []
    assert score["passed"] == score["total"] == 48


@pytest.mark.shared_data
@pytest.mark.skipif(not (SEEDS / "paris-coalition-summit.gold.json").is_file(), reason="seed absent")
def test_seed_article_offsets(splitter):
    text = (SEEDS / "paris-coalition-summit.txt").read_text(encoding="utf-8")
    gold = json.loads((SEEDS / "paris-coalition-summit.gold.json").read_text(encoding="utf-8"))
    want = [(s["start"], s["end"]) for s in gold["sentences"]]
    assert len(want) == 24
    assert assert_clean_spans(splitter, text) == want


@pytest.mark.shared_data
@needs_shared
def test_news_texts_keep_abbreviations_inside(splitter):
    text_dir = SHARED / "polnear" / "dev" / "text"
    if not text_dir.is_dir():
        pytest.skip("PolNeAR dev texts absent")
    bad = []
    for path in sorted(text_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for start, end in assert_clean_spans(splitter, text):
            tail = text[start:end].split()[-1]
            if tail in {"Mr.", "Mrs.", "Ms.", "Dr.", "Sen.", "Rep.", "Gov.", "Gen.", "Sept."}:
                bad.append((path.name, text[max(0, end - 40):end + 20]))
    assert bad == []


@pytest.mark.shared_data
@needs_shared
def test_bench_reports_both_speeds():
    from claimminer.sbd_eval import bench_segmentation

    result = bench_segmentation(["Dr. Lee spoke. The U.S. agreed on Sept. 5. It ended."] * 20,
                                seconds_budget=1.0, min_chars=20_000)
    assert result["ours_mb_s"] > 0 and result["pysbd_mb_s"] > 0 and result["ratio"] > 0
