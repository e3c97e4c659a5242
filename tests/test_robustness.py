"""Issue 4, bad input: odd quotation marks and very long paragraphs never crash, never give a span
outside the document, and cost work linear in the length (counted, not timed)."""
from __future__ import annotations

import pytest

from claimminer import compiled_modules
import claimminer.pipeline as pipeline_module
from claimminer.cli import load_resources
from claimminer.normalize import normalize
from claimminer.pipeline import extract_document
from claimminer.records import claim_record, sentence_records
from claimminer.spans import Claim, Document

ROLES = ("source", "cue", "content", "agent", "trigger", "action", "condition", "time")
MAX_RATIO = 5.0  # 4x the text may cost at most 5x the work (linear, with slack for edges)

ODD_QUOTES = {
    "unclosed-opening": "“We will not give up, the minister said on Tuesday.\n\nThe talks resumed later.",
    "stray-closing": "The minister said the talks were over.” Officials disagreed.",
    "straight-unclosed": 'The union said "the strike will go on. Managers said nothing.',
    "only-marks": '"""" “”“” \'\'\' ”“',
    "mark-at-edges": '"',
    "nested-curly": "“He told me ‘we will win’ and left,” the coach said.",
    "nested-straight": "\"He told me \"we will win\" and left,\" the coach said.",
    "nested-three-deep": "“She said ‘he wrote “never” twice’ yesterday,” Ms Lane said.",
    "inch-marks": "The suspect is 5'10\" tall, police said, and wore a 32\" belt.",
    "apostrophes-in-words": "Rock'n'roll fans said the O\"Brien show won't return; it''s over, he said.",
    "quote-inside-word": "The firm said ab\"cd and ef”gh were “code names”, officials said.",
    "closing-mark-opens": "” ” “ the mayor said “ ”",
    "curly-marks-wrong-way-round": "”We will win,” the mayor said. The air force is “the best in the world“ and growing.",
    "across-paragraphs": "“The first part goes on,\n\n“and the second part ends here,” she said.\n\n“Unclosed.",
    "mixed-marks": "“We are ready,\" the chair said, 'as ever.’ ‘ok”",
}


@pytest.fixture(scope="module")
def res():
    return load_resources(None)


def _run(text: str, res):
    return extract_document(Document("doc", text, normalize(text)), res)


def _assert_spans_inside(result) -> None:
    text = result.doc.text
    for record in sentence_records(result):
        assert 0 <= record["start"] < record["end"] <= len(text)
        assert record["text"] == text[record["start"]:record["end"]]
    for index, claim in enumerate(result.claims):
        record = claim_record(result, index)
        assert 0 <= claim.sentence.start <= claim.sentence.end <= len(text)
        for role in ROLES:
            span = record.get(role)
            if span is not None:
                assert 0 <= span["start"] <= span["end"] <= len(text), (role, span)
                assert span["text"] == text[span["start"]:span["end"]], (role, span)


@pytest.mark.parametrize("name", sorted(ODD_QUOTES))
def test_odd_quotation_marks(name: str, res) -> None:
    _assert_spans_inside(_run(ODD_QUOTES[name], res))


def test_nested_quotes_keep_the_outer_quotation(res) -> None:
    text = ODD_QUOTES["nested-curly"]
    result = _run(text, res)
    _assert_spans_inside(result)
    contents = [text[c.role("content").start:c.role("content").end] for c in result.claims
                if c.kind == "attribution" and c.role("content") is not None]
    assert any(c.startswith("“He told me ‘we will win’") for c in contents), contents


def test_curly_marks_typed_the_wrong_way_round_are_read_from_their_neighbours() -> None:
    # A paragraph opened with ” (reader quotes signed "” ... ” ― Name") found no quotation at all.
    from claimminer.quotes import find_quotes
    text = ODD_QUOTES["curly-marks-wrong-way-round"]
    spans = [text[q.start:q.end] for q in find_quotes(text, normalize(text))]
    assert spans == ["”We will win,”", "“the best in the world“"]


def test_one_paragraph_of_50000_characters(res) -> None:
    sentence = ("The minister said the plan was late, and officials warned that \"costs would rise. "
                "“We will review it,” a spokeswoman said, while the union's 5'10\" leader shrugged. ")
    text = (sentence * (50_000 // len(sentence) + 1))[:50_000]
    result = _run(text, res)
    assert "\n" not in text and len(text) == 50_000
    _assert_spans_inside(result)
    assert len(result.sentences) > 100 and result.claims


def test_one_sentence_of_50000_characters(res) -> None:
    words = "the council said it would not approve the plan and officials warned it was late "
    text = (words * (50_000 // len(words) + 1))[:50_000]
    _assert_spans_inside(_run(text, res))


# --- linear work -------------------------------------------------------------------------

UNIT = ("“We will rebuild the school,” the mayor said. Officials said the council would vote on Monday, "
        "and the union warned that \"costs would rise.\" The firm's 6'2\" chief said nothing.\n\n")
LONG_SENTENCE = "the council said it would not approve the plan and officials warned it was late "


class _CountingList(list):
    """A list that counts the items its loops visit (``for quote in quotes``)."""

    visits = 0

    def __iter__(self):
        for item in list.__iter__(self):
            type(self).visits += 1
            yield item


def _measure(text: str, res) -> dict[str, int]:
    """Counts of work while extracting ``text``: tokens, matcher steps, quote visits, claim-role look-ups."""
    counts = {"steps": 0, "rest": 0, "roles": 0}
    real_role = Claim.role
    real_find = pipeline_module.find_quotes
    real_run_rules = pipeline_module.run_rules

    def run_rules(book, view, *args, **kwargs):
        # Every rule's matcher adds the steps it took to the sentence's counter, and each
        # REST table (built once per sentence, one pass each) the tokens it scanned.
        try:
            return real_run_rules(book, view, *args, **kwargs)
        finally:
            counts["steps"] += view.steps
            counts["rest"] += view.rest_work

    def role(self, name):
        counts["roles"] += 1
        return real_role(self, name)

    _CountingList.visits = 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline_module, "run_rules", run_rules)
        mp.setattr(Claim, "role", role)
        mp.setattr(pipeline_module, "find_quotes", lambda t, n: _CountingList(real_find(t, n)))
        result = _run(text, res)
    assert not result.timeouts  # a rule giving up would hide work
    return {"tokens": result.work, "quote_visits": _CountingList.visits, **counts}


@pytest.fixture(scope="module")
def paragraphs(res) -> tuple[dict, dict]:
    """Work for a document of N units and one of 4N units (many sentences, quotes in each)."""
    return _measure(UNIT * 20, res), _measure(UNIT * 80, res)


def _ratio(pair: tuple[dict, dict], key: str) -> float:
    small, large = pair
    assert small[key] > 0, key
    return large[key] / small[key]


def test_tokens_examined_grow_linearly(paragraphs) -> None:
    assert 3.5 <= _ratio(paragraphs, "tokens") <= MAX_RATIO


def test_matcher_steps_grow_linearly(paragraphs) -> None:
    assert _ratio(paragraphs, "steps") <= MAX_RATIO
    assert _ratio(paragraphs, "rest") <= MAX_RATIO


def test_quotation_lookup_grows_linearly(paragraphs) -> None:
    assert _ratio(paragraphs, "quote_visits") <= MAX_RATIO


def test_claim_passes_grow_linearly(paragraphs) -> None:
    assert _ratio(paragraphs, "roles") <= MAX_RATIO


def test_work_inside_one_long_sentence_grows_linearly(res) -> None:
    small = _measure(LONG_SENTENCE * 6, res)
    large = _measure(LONG_SENTENCE * 24, res)
    assert large["steps"] + large["rest"] <= MAX_RATIO * (small["steps"] + small["rest"])


# --- bounded per-item work in a long sentence (regressions: a 50,000-character sentence
# took minutes while the counted work stayed linear) -------------------------------------

LONG_TEXT = (LONG_SENTENCE * 60)[:4000]


def _sizes_while_running(res, monkeypatch, module, name: str, size) -> list[int]:
    """``size(*args)`` of every call of ``module.name`` while a long sentence is extracted."""
    sizes: list[int] = []
    real = getattr(module, name)

    def recording(*args, **kwargs):
        sizes.append(size(*args, **kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    _run(LONG_TEXT, res)
    return sizes


@pytest.mark.skipif("bitmatch" in compiled_modules(),
                    reason="calls inside a compiled module cannot be intercepted (the pure-Python run checks it)")
def test_lane_passes_hold_at_most_LANES_starts(res, monkeypatch) -> None:
    import claimminer.bitmatch as bitmatch
    sizes = _sizes_while_running(res, monkeypatch, bitmatch, "_lane_pass",
                                 lambda steps, view, bits, feasible, starts, counter: starts.bit_count())
    assert sizes and max(sizes) <= bitmatch.LANES


def test_lane_chunks_hold_at_most_LANES_starts() -> None:
    """The starts of a long sentence are cut into lane passes of at most LANES starts, none lost."""
    import claimminer.bitmatch as bitmatch
    starts = sum(1 << p for p in range(0, 600, 3))
    chunks = bitmatch.lane_chunks(starts)
    assert len(chunks) == -(-200 // bitmatch.LANES)
    assert all(0 < chunk.bit_count() <= bitmatch.LANES for chunk in chunks)
    assert sum(chunks) == starts and all(a < b for a, b in zip(chunks, chunks[1:]))


def test_commitment_refinement_reads_a_bounded_window(res, monkeypatch) -> None:
    import claimminer.commitments as commitments
    widths = _sizes_while_running(res, monkeypatch, commitments, "tokenize",
                                  lambda text, start=0, end=None: (len(text) if end is None else end) - start)
    assert widths and max(widths) <= commitments.MAX_ACTION_CHARS


def test_coordinated_attributions_look_at_a_short_window(res, monkeypatch) -> None:
    import claimminer.discourse as discourse
    windows = []
    real = discourse._CLAUSE_BREAK

    class Recording:
        def search(self, text):
            windows.append(len(text))
            return real.search(text)

    monkeypatch.setattr(discourse, "_CLAUSE_BREAK", Recording())
    _run(LONG_TEXT, res)
    assert windows and max(windows) <= discourse._BREAK_WINDOW
