"""Output records: the JSON and CSV shapes of sentences and claims.

Field order is fixed here, so outputs are byte-identical from run to run.
"""
from __future__ import annotations

from typing import Iterator

from claimminer.pipeline import DocumentResult
from claimminer.spans import Claim, Span

CLAIM_CSV_HEADER = [
    "doc_id", "claim_id", "kind", "rule", "sentence_start", "sentence_end",
    "source", "cue", "content", "quote", "speaker",
    "agent", "agent_resolved", "trigger", "action", "condition", "time", "status", "attribution",
    "source_start", "source_end", "cue_start", "cue_end", "content_start", "content_end",
    "agent_start", "agent_end", "trigger_start", "trigger_end", "action_start", "action_end",
]
COMMITMENT_CSV_HEADER = ["doc_id", "claim_id", "agent", "agent_resolved", "status", "trigger", "action",
                         "condition", "time", "attribution"]
SPEAKER_CSV_HEADER = ["speaker", "attributions", "documents", "first_doc_id", "first_start", "first_mention"]


def _span(text: str, span: Span | None) -> dict | None:
    return None if span is None else span.to_json(text)


def sentence_records(result: DocumentResult, scores: list[dict] | None = None) -> Iterator[dict]:
    text = result.doc.text
    for i, sentence in enumerate(result.sentences):
        record = {"doc_id": result.doc.doc_id, "start": sentence.start, "end": sentence.end,
                  "text": text[sentence.start:sentence.end], "paragraph": sentence.paragraph,
                  "layout": sentence.layout}
        if scores is not None:
            record.update(scores[i])
        yield record


def claim_record(result: DocumentResult, index: int, explain: bool = False) -> dict:
    claim: Claim = result.claims[index]
    text = result.doc.text
    record = {"doc_id": result.doc.doc_id, "claim_id": result.claim_ids[index], "kind": claim.kind,
              "sentence": {"start": claim.sentence.start, "end": claim.sentence.end}, "rule": claim.rule}
    for role, span in claim.roles:
        record[role] = _span(text, span)
    if claim.kind == "attribution":
        record["quote"] = claim.attr("quote")
        record["speaker"] = result.speakers[index]
    else:
        record["status"] = claim.attr("status")
        record["agent_resolved"] = result.speakers[index]
        record["attribution"] = result.links[index]
    return record


def claim_csv_row(record: dict) -> list:
    def text(role: str) -> str:
        span = record.get(role)
        return span["text"] if span else ""

    def offset(role: str, key: str):
        span = record.get(role)
        return span[key] if span else ""

    row = [record["doc_id"], record["claim_id"], record["kind"], record["rule"],
           record["sentence"]["start"], record["sentence"]["end"],
           text("source"), text("cue"), text("content"), record.get("quote") or "", record.get("speaker") or "",
           text("agent"), record.get("agent_resolved") or "", text("trigger"), text("action"),
           text("condition"), text("time"), record.get("status") or "", record.get("attribution") or ""]
    for role in ("source", "cue", "content", "agent", "trigger", "action"):
        row += [offset(role, "start"), offset(role, "end")]
    return row


def commitment_csv_row(record: dict) -> list:
    def text(role: str) -> str:
        span = record.get(role)
        return span["text"] if span else ""

    return [record["doc_id"], record["claim_id"], text("agent"), record.get("agent_resolved") or "",
            record["status"], text("trigger"), text("action"), text("condition"), text("time"),
            record.get("attribution") or ""]


class SpeakerTally:
    """speakers.csv: attributions per canonical speaker across the corpus."""

    def __init__(self) -> None:
        self.counts: dict[str, list] = {}

    def add(self, record: dict) -> None:
        speaker = record.get("speaker")
        if record["kind"] != "attribution" or not speaker:
            return
        key = speaker.lower()
        entry = self.counts.get(key)
        if entry is None:
            source = record.get("source") or record.get("content")
            self.counts[key] = [speaker, 1, {record["doc_id"]}, record["doc_id"], source["start"],
                                (record.get("source") or {}).get("text", "")]
        else:
            entry[1] += 1
            entry[2].add(record["doc_id"])

    def rows(self) -> list[list]:
        rows = [[s, n, len(docs), d, start, mention] for s, n, docs, d, start, mention in self.counts.values()]
        return sorted(rows, key=lambda r: (-r[1], r[0].lower(), r[0]))
