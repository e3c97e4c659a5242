"""Format checks for the hand-written commitment gold (tests/data/commitments).

These tests validate the data only, never a system's output: offsets match the
text, spans are trimmed, statuses and domains are known, ids are unique and
the two splits do not share sentences.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest

DATA = Path(__file__).parent / "data" / "commitments"
SPLITS = ("dev", "test")
STATUSES = {"made", "intended", "required", "pending", "refused"}
DOMAINS = {"politics", "business", "labour", "climate", "sport", "courts"}
ROLES = ("agent", "trigger", "action", "condition", "time")
OPTIONAL = {"condition", "time"}
RECORD_KEYS = {"id", "domain", "text", "commitments"}
COMMITMENT_KEYS = set(ROLES) | {"status", "in_reported_speech"}
ID_RE = re.compile(r"cm-(dev|test)-\d{4}")


def read_split(split: str) -> list[dict]:
    """All records of one split, in file order."""
    path = DATA / f"{split}.jsonl"
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def all_records() -> Iterator[tuple[str, dict]]:
    """(split, record) for every record of every split."""
    for split in SPLITS:
        for rec in read_split(split):
            yield split, rec


def spans_of(rec: dict) -> Iterator[tuple[str, dict]]:
    """(role, span) for every non-null span of a record."""
    for com in rec["commitments"]:
        for role in ROLES:
            if com.get(role) is not None:
                yield role, com[role]


RECORDS = list(all_records())


def test_files_present_and_sized() -> None:
    counts = Counter(split for split, _ in RECORDS)
    assert counts["dev"] >= 150 and counts["test"] >= 150, counts


@pytest.mark.parametrize("split", SPLITS)
def test_record_shape(split: str) -> None:
    for rec in read_split(split):
        assert set(rec) == RECORD_KEYS, rec.get("id")
        assert ID_RE.fullmatch(rec["id"]) and rec["id"].split("-")[1] == split, rec["id"]
        assert rec["domain"] in DOMAINS, rec["id"]
        assert isinstance(rec["text"], str) and rec["text"] == rec["text"].strip(), rec["id"]
        assert isinstance(rec["commitments"], list), rec["id"]
        for com in rec["commitments"]:
            assert set(com) == COMMITMENT_KEYS, rec["id"]
            assert com["status"] in STATUSES, (rec["id"], com["status"])
            assert isinstance(com["in_reported_speech"], bool), rec["id"]
            for role in ROLES:
                if role not in OPTIONAL:
                    assert com[role] is not None, (rec["id"], role)


def test_ids_unique() -> None:
    ids = Counter(rec["id"] for _, rec in RECORDS)
    assert not [i for i, n in ids.items() if n > 1]


def test_texts_unique_across_splits() -> None:
    # A sentence in both splits would leak test data into development.
    texts = Counter(rec["text"] for _, rec in RECORDS)
    assert not [t for t, n in texts.items() if n > 1]


def test_span_text_equals_slice() -> None:
    for _, rec in RECORDS:
        text = rec["text"]
        for role, span in spans_of(rec):
            assert set(span) == {"start", "end", "text"}, (rec["id"], role)
            assert 0 <= span["start"] < span["end"] <= len(text), (rec["id"], role, span)
            assert text[span["start"]:span["end"]] == span["text"], (rec["id"], role, span)


def test_spans_trimmed() -> None:
    for _, rec in RECORDS:
        for role, span in spans_of(rec):
            assert span["text"] == span["text"].strip(), (rec["id"], role, span)


def test_action_has_no_final_punctuation() -> None:
    for _, rec in RECORDS:
        for com in rec["commitments"]:
            assert com["action"]["text"][-1] not in ".,;:!?", rec["id"]


def test_roles_do_not_overlap() -> None:
    for _, rec in RECORDS:
        for com in rec["commitments"]:
            spans = sorted((com[r]["start"], com[r]["end"]) for r in ROLES if com[r])
            for (_, end), (start, _) in zip(spans, spans[1:]):
                assert end <= start, (rec["id"], spans)


def test_each_split_covers_every_domain_and_has_negatives() -> None:
    for split in SPLITS:
        recs = read_split(split)
        assert {r["domain"] for r in recs} == DOMAINS, split
        negatives = sum(1 for r in recs if not r["commitments"])
        assert negatives / len(recs) >= 0.4, (split, negatives, len(recs))
