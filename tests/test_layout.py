"""Layout kinds from the YAML cues: every line is kept and marked."""
from __future__ import annotations

from claimminer.layout import LayoutCues, classify_lines
from claimminer.normalize import normalize
from claimminer.paths import default_rules_dir


def _kinds(text: str) -> list[str]:
    cues = LayoutCues.from_file(default_rules_dir() / "layout.yaml")
    return [b.kind for b in classify_lines(normalize(text), cues)]


def test_byline_related_block_and_prompt() -> None:
    text = ("Officials met on Monday.\nNewsroom Staff\n\nRelated Items\nTalks resume in Geneva\n"
            "Ministers meet again: Duarte\nShare this article")
    assert _kinds(text) == ["body", "byline", "related", "related", "related", "prompt"]


def test_a_poll_named_after_a_wire_agency_is_prose_not_a_caption() -> None:
    # A regression: "Reuters/Ipsos" inside a sentence made the whole paragraph a caption.
    assert _kinds("The latest Reuters/Ipsos poll shows a close race.\n") == ["body"]
    assert _kinds("Crowds gather outside the court. REUTERS/Jane Doe\n") == ["caption"]


def test_claims_are_not_taken_from_bylines() -> None:
    cues = LayoutCues.from_file(default_rules_dir() / "layout.yaml")
    assert {"byline", "prompt", "caption"} <= cues.no_claims_in


def test_line_tests_agree_with_the_cues_as_written() -> None:
    # classify_lines may search a cue right to left (speed); whether it matches must not change,
    # including under full case folding, where "ss" can stand for one letter ("ß").
    cues = LayoutCues.from_file(default_rules_dir() / "layout.yaml")
    lines = ["Associated Press staff", "ss" * 25 + " staff", "x" * 39 + "ss team", "a" * 45 + " staff",
             "By Jane Doe", "Reuters", "Photo: a march", "Crowds gather. REUTERS/Jane Doe",
             "The latest Reuters/Ipsos poll shows a close race.", "Officials met on Monday.",
             "Sign up for our newsletter today", "Related Items", "Newsroom Staff", "Straße staff"]
    for kind, tests in cues.tests.items():
        for pattern, test in zip(getattr(cues, kind), tests):
            for line in lines:
                assert bool(pattern.search(line)) == bool(test.search(line)), (pattern.pattern, line)
