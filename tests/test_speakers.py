"""Speaker and agent names within a document."""
from __future__ import annotations

from claimminer.spans import Claim, Span
from claimminer.speakers import resolve


def _attribution(text: str, source: str, start_at: int = 0) -> Claim:
    start = text.index(source, start_at)
    return Claim("attribution", Span(0, len(text)), "t@1", (("source", Span(start, start + len(source))),
                                                            ("cue", None), ("content", None)))


def test_full_name_without_title_and_pronoun() -> None:
    text = "French President Emmanuel Macron said so. Macron said more. He said it again."
    claims = [_attribution(text, "French President Emmanuel Macron"), _attribution(text, "Macron", 40),
              _attribution(text, "He")]
    assert resolve(text, claims) == ["Emmanuel Macron"] * 3


def test_spelling_variants_are_one_speaker() -> None:
    text = "Ukrainian leader Volodymyr Zelensky spoke. Zelenskyy said more."
    claims = [_attribution(text, "Ukrainian leader Volodymyr Zelensky"), _attribution(text, "Zelenskyy")]
    assert resolve(text, claims) == ["Volodymyr Zelensky", "Volodymyr Zelensky"]


def test_it_and_they_follow_number() -> None:
    # A regression: "it" resolved to the latest group, a plural one.
    text = "The company said yes. Environmental groups said no. It said more. They said less."
    claims = [_attribution(text, "The company"), _attribution(text, "Environmental groups"),
              _attribution(text, "It"), _attribution(text, "They")]
    assert resolve(text, claims) == ["company", "Environmental groups", "company", "Environmental groups"]


def test_coordinated_names_stay_whole_and_plural() -> None:
    # A regression: "Obama and Clinton" became the speaker "Clinton".
    text = "Obama and Clinton call them lone wolves. They said more. Jeb Bush and his aides disagreed."
    claims = [_attribution(text, "Obama and Clinton"), _attribution(text, "They"),
              _attribution(text, "Jeb Bush and his aides")]
    assert resolve(text, claims) == ["Obama and Clinton", "Obama and Clinton", "Jeb Bush and his aides"]


def test_a_possessive_source_names_its_owner() -> None:
    text = "Senator Ann Whitcomb spoke. Aides rejected Whitcomb's claim that the deal was dead."
    claims = [_attribution(text, "Senator Ann Whitcomb"), _attribution(text, "Whitcomb's")]
    assert resolve(text, claims) == ["Ann Whitcomb", "Ann Whitcomb"]


def test_other_sources_lose_their_article() -> None:
    text = "A joint statement said so. The Kremlin has ruled it out."
    claims = [_attribution(text, "A joint statement"), _attribution(text, "The Kremlin")]
    assert resolve(text, claims) == ["joint statement", "Kremlin"]


def test_parenthetical_attribution_keeps_its_whole_content() -> None:
    # A regression: a parenthetical cue ("other experts say") cut its own content at itself.
    from claimminer.discourse import trim_coordinated

    text = "But ultimately, other experts say, she was not trying to hide anything."
    source = Span(text.index("other experts"), text.index("other experts") + len("other experts"))
    cue = Span(text.index("say"), text.index("say") + 3)
    content = Span(0, len(text) - 1)
    claim = Claim("attribution", Span(0, len(text)), "t@1", (("source", source), ("cue", cue), ("content", content)))
    assert trim_coordinated(text, [claim])[0].role("content") == content


def test_antecedents_are_found_in_reading_order_across_kinds() -> None:
    # A regression: commitments were resolved after every attribution of the document, so
    # "it" in the second sentence took the last source of the whole text.
    text = "The company will build a plant. Later, it said it would hire. The ministry said no."
    company = Span(0, len("The company"))
    it = Span(text.index("it said"), text.index("it said") + 2)
    ministry = Span(text.index("The ministry"), text.index("The ministry") + len("The ministry"))
    commitment = Claim("commitment", Span(0, 32), "c@1", (("agent", company), ("trigger", None), ("action", None),
                                                        ("condition", None), ("time", None)))
    said_it = Claim("attribution", Span(33, 62), "a@1", (("source", it), ("cue", None), ("content", None)))
    ministry_said = Claim("attribution", Span(63, len(text)), "a@1",
                          (("source", ministry), ("cue", None), ("content", None)))
    # Claims arrive grouped by kind: attributions first.
    names = resolve(text, [said_it, ministry_said, commitment])
    assert names == ["The company", "ministry", "The company"]


def test_first_person_agent_in_reported_speech_is_the_speaker() -> None:
    from claimminer.speakers import first_person_to_speaker

    text = "The mayor said we will fix the road."
    we = Span(text.index("we"), text.index("we") + 2)
    attribution = _attribution(text, "The mayor")
    commitment = Claim("commitment", Span(0, len(text)), "c@1", (("agent", we), ("trigger", None), ("action", None),
                                                                ("condition", None), ("time", None)))
    names = first_person_to_speaker(text, [attribution, commitment], ["mayor", "we"], [None, "A1"], ["A1", "C1"])
    assert names == ["mayor", "mayor"]


def test_a_relative_pronoun_is_the_person_it_refers_to() -> None:
    # "who" was its own speaker; the person it refers to is named like any other mention.
    text = "Senator Donald Trump spoke. Ted Cruz endorsed Trump, who said he was honored."
    claims = [_attribution(text, "Senator Donald Trump"), _attribution(text, "who")]
    assert resolve(text, claims) == ["Donald Trump", "Donald Trump"]


def test_a_place_or_department_after_of_is_not_the_name() -> None:
    # A regression: "Sen. Tim Scott of South Carolina" was the speaker "South Carolina".
    text = "Sen. Tim Scott of South Carolina spoke. Secretary of State John Kerry spoke. The Bank of England spoke."
    claims = [_attribution(text, "Sen. Tim Scott of South Carolina"),
              _attribution(text, "Secretary of State John Kerry"), _attribution(text, "The Bank of England")]
    assert resolve(text, claims) == ["Tim Scott", "John Kerry", "Bank of England"]
