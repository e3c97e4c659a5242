"""Document-level steps: nested attributions."""
from __future__ import annotations

from claimminer.discourse import drop_nested_attributions
from claimminer.spans import Claim, Span


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
    assert drop_nested_attributions([outer, inner], PRIORITY) == [outer]


def test_a_lower_priority_outer_gives_way() -> None:
    text = "Groups supporting the bill have said they have the votes."
    outer = _claim(text, "stance@1", "Groups", "supporting", "the bill have said they have the votes")
    inner = _claim(text, "say@1", "the bill", "have said", "they have the votes")
    assert drop_nested_attributions([outer, inner], PRIORITY) == [inner]


def test_a_participle_with_its_source_outside_is_not_nested() -> None:
    text = "Sanders defended the plan, saying it works."
    outer = _claim(text, "stance@1", "Sanders", "defended", "the plan, saying it works")
    participle = Claim("attribution", Span(0, len(text)), "say@1",
                       (("source", Span(0, 7)), ("cue", Span(27, 33)), ("content", Span(34, 42))))
    assert drop_nested_attributions([outer, participle], PRIORITY) == [outer, participle]


def test_builtin_and_commitment_claims_are_kept() -> None:
    text = "They say they will win."
    outer = _claim(text, "say@1", "They", "say", "they will win")
    inner = _claim(text, "builtin.quote-continuation@1", "they will"[:4], "will", "win")
    assert drop_nested_attributions([outer, inner], PRIORITY) == [outer, inner]
