"""The fast engine (bitmatch) and the reference backtracking engine (refmatch) give the same matches.

Compared match by match (rule, captures, span, lexicon hits, in order), with
layers computed on demand and all at once, on every example, counterexample
and todo text of the shipped rules, and on small rule sets written to reach
the corners of the pattern language (repetition bounds, zero-width tests,
phrase lexicons, REST, anchors, layers that capture context or refer to
themselves).
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from claimminer.cli import load_resources
from claimminer.match import compiled, layer_cycles, run_rules
from claimminer.normalize import normalize
from claimminer.pipeline import Resources, _view, segment_document
from claimminer.quotes import find_quotes
from claimminer.rulebook import load_rulebook
from claimminer.spans import Document

ENGINES = ("reference", "fast")


@pytest.fixture(scope="module")
def res():
    return load_resources(None)


def _raw(text: str, res: Resources, engine: str, all_layers: bool) -> list:
    """Every match of every rule on ``text`` with one engine, claims in order, layers as a sorted list.

    Without ``all_layers`` only the layers some rule needed are computed, and the
    engines may differ in which those are (the fast one decides from sets of
    positions, the reference one as its search goes): layer matches are then
    left out, claims must still agree.
    """
    doc = Document("doc", text, normalize(text))
    sentences, _ = segment_document(doc, res)
    quotes = find_quotes(doc.text, doc.norm)
    quote_ends = [q.end for q in quotes]
    out = []
    for sentence in sentences:
        view = _view(sentence, doc.norm, quotes, quote_ends)
        timeouts: list = []
        matches = run_rules(res.rulebook, view, doc.text, timeouts, all_layers, None, engine)
        keys = [(m.rule.id, m.captures, m.span, m.lexicon_hits) for m in matches]
        layers = sorted((k for k, m in zip(keys, matches) if m.rule.kind == "layer"), key=repr)
        out.append(([k for k, m in zip(keys, matches) if m.rule.kind != "layer"],
                    layers if all_layers else None,
                    [(t.rule.id, t.detail) for t in timeouts]))
    return out


def _texts(res: Resources) -> list[str]:
    return sorted({e.text for rule in res.rulebook.rules for e in rule.examples + rule.counterexamples + rule.todo})


@pytest.mark.parametrize("all_layers", [False, True])
def test_engines_agree_on_the_shipped_examples(res, all_layers: bool) -> None:
    texts = _texts(res)
    assert len(texts) > 100
    for text in texts:
        assert _raw(text, res, "fast", all_layers) == _raw(text, res, "reference", all_layers), text


def test_the_fast_engine_is_used_for_the_shipped_rules(res) -> None:
    assert not layer_cycles(res.rulebook) and compiled(res.rulebook) is not None


# --- corners of the pattern language -------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]
CORNERS = Path(__file__).parent / "fixtures" / "rules_corners" / "corners.yaml"
CORNER_TEXTS = [
    "The minister said on Tuesday that the plan was late, and the union said nothing.",
    "The old red car and a blue van said last week that costs will rise.",
    "Costs will rise sharply this year, said the finance minister.",
    "“We will rebuild the school,” the mayor said, and the council agreed.",
    "A spokesman, the press office, confirmed and denied it; the firm said: “never”.",
    "the the the the and and a a said said that that",
    "Officials warned, the agency reported that prices would not fall",
    "\"The talks will resume,\" the negotiators announced last month, officials said.",
    "A spokesman, the press office, confirmed denied reported insisted claims it was all over.",
]


def _book(folder: Path, *files: Path) -> Resources:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "rules" / "lexicons", folder / "lexicons")
    for name in ("segmentation.yaml", "layout.yaml"):
        shutil.copy(REPO / "rules" / name, folder / name)
    for path in files:
        shutil.copy(path, folder / path.name)
    book, problems = load_rulebook(folder)
    assert not problems, problems
    return Resources.from_rulebook(book)


@pytest.fixture(scope="module")
def corners(tmp_path_factory) -> Resources:
    return _book(tmp_path_factory.mktemp("corners"), CORNERS)


@pytest.mark.parametrize("all_layers", [False, True])
def test_engines_agree_on_the_corners(corners: Resources, all_layers: bool) -> None:
    fired: set[str] = set()
    for text in CORNER_TEXTS:
        fast = _raw(text, corners, "fast", all_layers)
        assert fast == _raw(text, corners, "reference", all_layers), text
        fired |= {key[0] for sentence in fast for key in sentence[0] + (sentence[1] or [])}
    if all_layers:  # every rule of the file found something, so the comparison means something
        assert fired == {rule.id for rule in corners.rulebook.rules}


def test_layers_in_a_cycle_use_the_reference_engine(tmp_path: Path) -> None:
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text(CORNERS.read_text(encoding="utf-8").replace(
        "      - {LAYER: TNP, OP: \"+\"}", "      - {LAYER: TNP, OP: \"+\"}\n      - {LAYER: TRUN, OP: \"?\"}").replace(
        "      - {LAYER: TNP}\n      - {LOWER: and}", "      - {LAYER: TRUN, OP: \"?\"}\n      - {LAYER: TNP}\n      - {LOWER: and}"),
        encoding="utf-8")
    res = _book(tmp_path / "rules", cycle)
    assert layer_cycles(res.rulebook) and compiled(res.rulebook) is None
    for text in CORNER_TEXTS[:3]:
        assert _raw(text, res, "fast", True) == _raw(text, res, "reference", True)


def _layer_tables(text: str, res: Resources, engine: str) -> list[dict]:
    """Per sentence: every layer's spans by start token (``SentenceView.layer``), all layers computed."""
    doc = Document("doc", text, normalize(text))
    sentences, _ = segment_document(doc, res)
    quotes = find_quotes(doc.text, doc.norm)
    out = []
    for sentence in sentences:
        view = _view(sentence, doc.norm, quotes, [q.end for q in quotes])
        run_rules(res.rulebook, view, doc.text, [], False, None, engine)
        for name in res.rulebook.producers():
            view.compute_layer(name)
        out.append({name: view.layer(name) for name in sorted(res.rulebook.producers())})
    return out


@pytest.mark.parametrize("which", ["shipped", "corners"])
def test_layer_span_lists_made_on_demand_match_the_reference(res, corners, which: str) -> None:
    """The fast engine registers most layer spans as bare token ends and makes the (end, span)
    lists only when asked: asked for, they equal the reference engine's lists, order included."""
    book = res if which == "shipped" else corners
    texts = _texts(res)[:150] if which == "shipped" else CORNER_TEXTS
    for text in texts:
        assert _layer_tables(text, book, "fast") == _layer_tables(text, book, "reference"), text


def test_layer_runs_gate_rules_whose_parts_are_not_side_by_side(res) -> None:
    """A rule whose mandatory parts all occur, but not back to back, stops before its full pass
    (``CompiledRule.layer_run``); one whose parts do sit side by side still matches."""
    from claimminer.bitmatch import LAYER, SIMPLE
    from claimminer.pipeline import _view as make_view

    program = compiled(res.rulebook)
    run = program.compiled["layer.speaker-np-role-name"].layer_run
    assert [(s.kind, s.layer) for s in run] == [(LAYER, "NOMINAL"), (LAYER, "NAME")]
    # ", SOURCE CUE" back to back (attr.content-source-cue lets a quotation mark follow its comma)
    assert [s.kind for s in program.compiled["attr.content-source-cue-content"].layer_run] == [SIMPLE, LAYER, LAYER]
    assert program.compiled["attr.source-cue-content"].layer_run == ()   # optional steps between its layers

    def steps_of(text: str) -> tuple[int, list]:
        doc = Document("doc", text, normalize(text))
        sentences, _ = segment_document(doc, res)
        view = make_view(sentences[0], doc.norm, [], [])
        matches = run_rules(res.rulebook, view, doc.text, [], True)
        return view.steps, [m for m in matches if m.rule.id == "layer.speaker-np-role-name"]

    _, apart = steps_of("Officials said that Paris was ready.")
    _, together = steps_of("The spokeswoman Kellyanne Conway said it was over.")
    assert not apart and together


def test_the_claim_prefilter_on_words_is_the_one_on_whole_bit_sets(res) -> None:
    """``Program.passing_claim_rules`` (required bits cut into unboxed words) keeps exactly the
    claim rules that the whole-int test ``not required & ~present`` keeps, in run order."""
    import random

    from claimminer.bitmatch import WORD_BITS

    program = compiled(res.rulebook)
    assert program is not None
    width = len(program.table.required_bit)
    assert program.words * WORD_BITS >= width > WORD_BITS   # several words: the cut is exercised
    rng = random.Random(0)
    presents = [0, (1 << width) - 1] + [rng.getrandbits(width) | rng.getrandbits(width) for _ in range(300)]
    # Also sentences holding exactly one rule's required sets, and one set fewer.
    for required in program.claim_required:
        presents += [required, required & (required - 1)]
    for present in presents:
        expected = [rule for rule, required in zip(program.claim_rule_list, program.claim_required)
                    if not required & ~present]
        assert program.passing_claim_rules(present) == expected
        for name, pairs in program.producers.items():   # the layers' producers, through the same words
            assert program.passing_producers(name, present) == [rule for rule, required in pairs
                                                                if not required & ~present], name
    assert program.passing_producers("NO_SUCH_LAYER", 0) == []
