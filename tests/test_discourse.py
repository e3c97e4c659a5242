"""Document-level steps: nested attributions, split quotations."""
from __future__ import annotations

import pytest

from claimminer.cli import load_resources
from claimminer.discourse import drop_nested_attributions, drop_wordless_contents
from claimminer.pipeline import extract_document
from claimminer.spans import Claim, Document, Span


def _claim(text: str, rule: str, source: str, cue: str, content: str) -> Claim:
    def span(part: str) -> Span:
        start = text.index(part)
        return Span(start, start + len(part))
    return Claim("attribution", Span(0, len(text)), rule,
                 (("source", span(source)), ("cue", span(cue)), ("content", span(content))))


PRIORITY = {"say@1": 50, "stance@1": 45}


def test_inner_attribution_inside_the_content_is_dropped() -> None:
    text = "They say they want a new leader."
    outer = _claim(text, "say@1", "They", "say", "they want a new leader")
    inner = _claim(text, "stance@1", "they want"[:4], "want", "a new leader")
    assert drop_nested_attributions(text, [outer, inner], PRIORITY) == [outer]


def test_a_lower_priority_outer_gives_way() -> None:
    text = "Groups supporting the bill have said they have the votes."
    outer = _claim(text, "stance@1", "Groups", "supporting", "the bill have said they have the votes")
    inner = _claim(text, "say@1", "the bill", "have said", "they have the votes")
    assert drop_nested_attributions(text, [outer, inner], PRIORITY) == [inner]


def test_a_participle_with_its_source_outside_is_not_nested() -> None:
    text = "Sanders defended the plan, saying it works."
    outer = _claim(text, "stance@1", "Sanders", "defended", "the plan, saying it works")
    participle = Claim("attribution", Span(0, len(text)), "say@1",
                       (("source", Span(0, 7)), ("cue", Span(27, 33)), ("content", Span(34, 42))))
    assert drop_nested_attributions(text, [outer, participle], PRIORITY) == [outer, participle]


def test_a_content_without_a_word_is_no_attribution() -> None:
    # "his colleague David French defended)" gave the content ")".
    text = "He backed it (as David French defended) and said that."
    wordless = _claim(text, "stance@1", "David French", "defended", ")")
    pronoun = _claim(text, "say@1", "He", "said", "that")
    assert drop_wordless_contents(text, [wordless, pronoun]) == [pronoun]


def test_a_content_of_one_function_word_is_no_attribution() -> None:
    # "The union replied on Monday by proposing ..." gave the content "by".
    text = "The union replied by proposing new talks, and the fans jeered and left."
    by = _claim(text, "say@1", "The union", "replied", "by")
    conjunction = _claim(text, "stance@1", "the fans", "jeered", "and")
    talks = _claim(text, "say@1", "The union", "proposing", "new talks")
    assert drop_wordless_contents(text, [by, conjunction, talks]) == [talks]


def test_builtin_and_commitment_claims_are_kept() -> None:
    text = "They say they will win."
    outer = _claim(text, "say@1", "They", "say", "they will win")
    inner = _claim(text, "builtin.quote-continuation@1", "they will"[:4], "will", "win")
    assert drop_nested_attributions(text, [outer, inner], PRIORITY) == [outer, inner]


# ---------------------------------------------------------------- whole documents


@pytest.fixture(scope="module")
def res():
    return load_resources(None)


def _attributions(text: str, res) -> list[tuple[str, str]]:
    result = extract_document(Document("t", text, ""), res)
    return [(text[c.role("cue").start:c.role("cue").end], text[c.role("content").start:c.role("content").end])
            for c in result.claims if c.kind == "attribution"]


def test_a_second_cue_stops_a_split_quotation(res) -> None:
    # A regression: "“A,” she said, adding, “B.”" gave 'said' the content A ... B and lost 'adding'.
    text = "\u201cWe are done,\u201d she said, adding, \u201cWe move on.\u201d"
    assert _attributions(text, res) == [("said", "\u201cWe are done,\u201d"), ("adding", "\u201cWe move on.\u201d")]


def test_a_split_quotation_still_joins_its_parts(res) -> None:
    text = "\u201cIt is over,\u201d she said. \u201cWe move on.\u201d"
    assert _attributions(text, res) == [("said", text)]


def test_a_cue_inside_a_source_description_is_not_a_claim(res) -> None:
    text = "\u201cWe are not done,\u201d said Roy Hermann, 65, who backed the mayor last year."
    assert _attributions(text, res) == [("said", "\u201cWe are not done,\u201d")]


def test_a_cue_inside_the_quotation_does_not_stop_it(res) -> None:
    text = ("\u201cRates will rise,\u201d said Ann Lee, an economist at a bank. "
            "\u201cThe members say they would like to move soon.\u201d")
    cues = [cue for cue, _ in _attributions(text, res)]
    assert cues == ["said"]
    assert _attributions(text, res)[0][1].endswith("move soon.\u201d")


def test_a_cue_inside_the_speaker_description_does_not_stop_the_quotation(res) -> None:
    # A regression: 'the only senator to endorse Sanders' stopped the split quotation.
    text = ("\u201cWe should drop the rule,\u201d said Ann Lee, the only senator to endorse the mayor. "
            "\u201cIt is out of step with the party.\u201d")
    assert _attributions(text, res) == [("said", text)]


def test_a_relative_clause_attribution_inside_a_source_is_kept(res) -> None:
    # The relative-clause rule bounds its content by the clause, so its claim
    # survives although its cue lies inside the outer claim's source.
    text = "Sanders, who had said he would debate the mayor, criticized the plan on Monday."
    assert _attributions(text, res) == [("had said", "he would debate the mayor"),
                                        ("criticized", "the plan on Monday")]


def test_a_relative_clause_marked_rule_survives_the_source_check() -> None:
    text = "Lee, who said it was over, left."
    outer = _claim(text, "stance@1", "Lee, who said it was over", "left", "left")
    inner = Claim("attribution", Span(0, len(text)), "say@1",
                  (("source", Span(5, 8)), ("cue", Span(9, 13)), ("content", Span(14, 25))),
                  (("clause", "relative"),))
    plain = Claim("attribution", Span(0, len(text)), "say@1", inner.roles)
    assert drop_nested_attributions(text, [outer, inner], PRIORITY) == [outer, inner]
    assert drop_nested_attributions(text, [outer, plain], PRIORITY) == [outer]


def test_coordinated_attributions_each_keep_their_content(res) -> None:
    # A regression: the first content ran to the end of the sentence and swallowed the second claim.
    text = "Officials said the plan would fail, but analysts said it would pass."
    assert _attributions(text, res) == [("said", "the plan would fail"), ("said", "it would pass")]


def test_a_parenthetical_attribution_does_not_cut_a_content(res) -> None:
    text = "The talks, officials said, were aimed at calming the markets."
    assert _attributions(text, res) == [("said", "The talks, officials said, were aimed at calming the markets")]


def test_an_inner_relative_clause_never_displaces_the_outer_claim() -> None:
    text = "Many are expected to follow Lee, who backed the plan."
    outer = _claim(text, "low@1", "Many", "are expected", "Many are expected to follow Lee, who backed the plan")
    inner = _claim(text, "stance@1", "who", "backed", "the plan")
    assert drop_nested_attributions(text, [outer, inner], {**PRIORITY, "low@1": 35}) == [outer]


def test_a_source_ends_before_a_relative_clause_that_is_a_claim(res) -> None:
    text = "Barkley, who said he votes for Democrats, said the mayor would win."
    result = extract_document(Document("t", text, ""), res)
    sources = [text[c.role("source").start:c.role("source").end] for c in result.claims if c.kind == "attribution"]
    assert sources == ["who", "Barkley"]


@pytest.mark.parametrize("text, source", [
    # The object of an opening preposition is no apposition of the source.
    ("At his cookout, the band leader called the mayor a friend.", "the band leader"),
    ("In July, the NAACP said the plan would fail.", "the NAACP"),
    ("In a statement announcing the pick, the union called Clinton a champion.", "the union"),
    # The subject of an "as" clause stays whole.
    ("As Steven Rosen, a tax lawyer, recently put it, the plan fails.", "Steven Rosen, a tax lawyer"),
])
def test_an_opening_prepositional_phrase_is_not_part_of_the_source(res, text: str, source: str) -> None:
    result = extract_document(Document("t", text, ""), res)
    sources = [text[c.role("source").start:c.role("source").end] for c in result.claims if c.kind == "attribution"]
    assert sources[:1] == [source]


def test_a_relative_clause_without_a_claim_stays_in_the_source(res) -> None:
    text = "Roy Hermann, who caucused for Sanders, said the vote was close."
    result = extract_document(Document("t", text, ""), res)
    sources = [text[c.role("source").start:c.role("source").end] for c in result.claims if c.kind == "attribution"]
    assert sources == ["Roy Hermann, who caucused for Sanders"]


def test_a_content_cut_before_a_second_cue_drops_the_joining_words(res) -> None:
    # A regression: "... back her while adding ..." left "while" at the end of the first content.
    text = "Gore insisted it was premature to back her while adding that her heart was in the right place."
    assert _attributions(text, res)[0] == ("insisted", "it was premature to back her")


def test_a_participle_adjunct_after_the_content_is_the_writers(res) -> None:
    # "linking ..." tells what Trump did, not what he called Cruz.
    text = "Trump called Cruz the \u201cultimate hypocrite,\u201d linking to a story."
    assert _attributions(text, res) == [("called", "Cruz the \u201cultimate hypocrite,\u201d")]


def test_a_preposition_in_ing_does_not_end_the_content(res) -> None:
    text = "The senator said the plan, including the tax, was bad."
    assert _attributions(text, res) == [("said", "the plan, including the tax, was bad")]


def test_a_dropped_inner_claim_does_not_take_the_parenthetical_along(res) -> None:
    # A regression: the stance reading "The museum, Bush said, | celebrated" was dropped as
    # nested, but its source (holding "said") still removed the parenthetical claim.
    text = "The museum, Bush said, celebrated his heroes."
    assert _attributions(text, res) == [("said", text[:-1])]


def test_an_interview_turn_does_not_continue_the_previous_speaker(res) -> None:
    text = "\"WALLACE: Will she be there?\n\n\"PENCE: She will not be there."
    assert [cue for cue, _ in _attributions(text, res)] == [":", ":"]


def test_a_cue_inside_the_next_quoted_paragraph_does_not_stop_the_speaker(res) -> None:
    text = "\u201cWe are done,\u201d she said.\n\n\u201cHe claimed we would fail.\u201d\n\nThe vote is Monday."
    assert _attributions(text, res)[0] == ("said", "\u201cWe are done,\u201d she said.\n\n\u201cHe claimed we would fail.\u201d")


# Each case: a text and the (cue, content) pairs it must give; the id says what is checked.
ATTRIBUTION_CASES = [
    pytest.param("Ted Cruz endorsed Trump, who said he was honored.",
                 [("endorsed", "Trump"), ("said", "he was honored")],
                 id="a_relative_clause_with_its_own_cue_ends_the_content_before_it"),
    pytest.param("She said dads were left out, and when pressed on why the plan leaves out dads, "
                 "the mayor said it was fair.",
                 [("said", "dads were left out, and when pressed on why the plan leaves out dads"),
                  ("said", "it was fair")],
                 id="an_unclosed_apposition_is_no_source"),
    pytest.param("Rep. Meeks said Clinton reassured them that everyone would come together.",
                 [("said", "Clinton reassured them that everyone would come together")],
                 id="a_claim_of_saying_is_not_displaced_by_the_claim_inside_it"),
    pytest.param("Christie said Trump's tweet saying voters will back him was unacceptable.",
                 [("said", "Trump's tweet saying voters will back him was unacceptable")],
                 id="a_participle_inside_what_its_source_says_is_no_second_claim"),
    pytest.param("Christie said the tweet was bad, saying it was unacceptable.",
                 [("said", "the tweet was bad"), ("saying", "it was unacceptable")],
                 id="a_participle_after_a_comma_is_a_second_claim"),
    pytest.param("A senator is calling for the ban to stay after the judge suggested that it was unlawful.",
                 [("is calling for", "the ban to stay"), ("suggested", "it was unlawful")],
                 id="a_subordinate_clause_with_its_own_cue_ends_the_content_before_it"),
    pytest.param("The ministry denies any ties to the groups, but critics point to charities that fund them.",
                 [("denies", "any ties to the groups"), ("point to", "charities that fund them")],
                 id="a_coordinated_clause_with_its_own_cue_ends_the_content_before_it"),
    pytest.param("About 30 percent favored a new park and 12 percent backed a pool.",
                 [("favored", "a new park"), ("backed", "a pool")],
                 id="a_clause_after_and_with_its_own_subject_and_cue_ends_the_content_before_it"),
    pytest.param("The state said the timing was an accident; the senator said it was planned.",
                 [("said", "the timing was an accident"), ("said", "it was planned")],
                 id="a_clause_after_a_semicolon_with_its_own_cue_ends_the_content_before_it"),
    # A regression: the content of "say that, in addition, ..." opened with the comma.
    pytest.param("Aides say that, in addition to the mayor, she would consider two others.",
                 [("say", "in addition to the mayor, she would consider two others")],
                 id="a_content_does_not_open_with_a_comma"),
    # A regression: "X claims that “A. B?”" gave the content “A. only.
    pytest.param("The ad claims that \u201cthe bank made her rich. Does the town want that?\u201d",
                 [("claims", "\u201cthe bank made her rich. Does the town want that?\u201d")],
                 id="a_quotation_cut_by_the_splitter_stays_one_content"),
    pytest.param("The ad claims that \u201cthe bank made her rich. Does the town want that?",
                 [("claims", "\u201cthe bank made her rich.")],
                 id="an_unclosed_quotation_does_not_stretch_a_content"),
    pytest.param("Voter Ann Pike echoed: \u201cHe speaks his mind.\u201d",
                 [("echoed:", "\u201cHe speaks his mind.\u201d")],
                 id="a_colon_after_a_stance_cue_is_not_content"),
    # A regression: the content of "said ''No.''" was "'No.'", one character inside each pair.
    pytest.param("Mrs. Clinton said ''No.''",
                 [("said", "''No.''")],
                 id="a_quotation_typed_with_doubled_apostrophes_keeps_its_marks"),
    pytest.param("Even as he accused the ministry of favouritism, Hale would not speculate.",
                 [("accused", "the ministry of favouritism")],
                 id="a_content_ends_with_its_subordinate_clause"),
    pytest.param("After Hale called the plan \u201cslow, costly and late,\u201d the mayor resigned.",
                 [("called", "the plan \u201cslow, costly and late,\u201d")],
                 id="a_comma_inside_a_quotation_does_not_end_the_subordinate_clause"),
    pytest.param("LEE: Honestly, I think the bill is fair. It is also overdue.\n\nWhat next?",
                 [(":", "Honestly, I think the bill is fair. It is also overdue.")],
                 id="a_speakers_turn_runs_to_the_end_of_its_paragraph"),
    # A regression: "email" listed as a verb of saying stopped the phrase "In an email,".
    pytest.param("In an email, Carter put a card in a bag, the Times reported.",
                 [("reported", "In an email, Carter put a card in a bag")],
                 id="email_as_a_noun_does_not_break_an_introduction"),
    pytest.param("He called it \u201ca disaster,\u201d Smith said.",
                 [("said", "He called it \u201ca disaster,\u201d")],
                 id="a_quotation_that_ends_a_content_before_an_inverted_cue"),
    pytest.param("Caddell continued:\n\n\"The health issue is a partisan issue. It is also about age.\"\n\nThen he left.",
                 [("continued:", "\"The health issue is a partisan issue. It is also about age.\"")],
                 id="a_cue_ending_a_paragraph_takes_the_next_paragraphs_quotation"),
    pytest.param("Limbaugh added:\n\nAnd from a front-runner, this reeks of fear. She cannot win.\n\nThe show ended.",
                 [("added:", "And from a front-runner, this reeks of fear. She cannot win.")],
                 id="a_cue_ending_a_paragraph_takes_the_next_paragraph_set_without_marks"),
    pytest.param("The poll is wrong, Caddell said. Caddell continued:",
                 [("said", "The poll is wrong")],
                 id="a_cue_ending_the_text_with_nothing_after_it_is_no_claim"),
    pytest.param("\u201cWe are done,\u201d she said.\n\n\u201cWe move on.\u201d\n\nThe vote is Monday.",
                 [("said", "\u201cWe are done,\u201d she said.\n\n\u201cWe move on.\u201d")],
                 id="a_quoted_paragraph_without_a_cue_goes_on_with_the_previous_speaker"),
]


@pytest.mark.parametrize("text, expected", ATTRIBUTION_CASES)
def test_attributions_of_a_text(res, text: str, expected: list[tuple[str, str]]) -> None:
    assert _attributions(text, res) == expected
