"""The `extract` job: read a corpus, run the pipeline, write every output atomically."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from claimminer.corpus import ReadError, input_files, iter_documents
from claimminer.output import AtomicWriter, build_manifest, dumps_jsonl_record, write_csv, write_manifest
from claimminer.pipeline import Resources, extract_document
from claimminer.records import (CLAIM_CSV_HEADER, COMMITMENT_CSV_HEADER, SPEAKER_CSV_HEADER, SpeakerTally,
                                claim_csv_row, claim_record, commitment_csv_row, sentence_records)


@dataclass
class Summary:
    documents: int = 0
    sentences: int = 0
    claims: int = 0
    errors: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"claimminer: {self.documents} documents, {self.sentences} sentences, {self.claims} claims, "
                f"{self.errors} errors, {self.seconds:.2f} s")


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream: TextIO, enabled: bool | None = None) -> None:
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self.last = 0.0

    def update(self, done: int, sentences: int, started: float) -> None:
        now = time.perf_counter()
        if not self.enabled or now - self.last < 0.1:
            return
        self.last = now
        rate = sentences / max(now - started, 1e-9)
        self.stream.write(f"\r{done} documents, {sentences} sentences ({rate:,.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def extract(inputs: list[str], out_dir: Path, res: Resources, *, argv: list[str], scorer=None,
            id_field: str = "id", text_field: str = "text", explain: bool = False,
            err: TextIO | None = None, progress: bool | None = None, extra: dict | None = None) -> Summary:
    """Run the whole job; returns the summary. Output files appear only when complete."""
    started = time.perf_counter()
    err = sys.stderr if err is None else err  # looked up per call: a default bound at import misses redirection
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    bar = Progress(err, progress)
    tally = SpeakerTally()
    claim_rows, commitment_rows = [], []
    paths = {name: out_dir / name for name in
             ("sentences.jsonl", "claims.jsonl", "claims.csv", "commitments.csv", "speakers.csv", "manifest.json")}
    with AtomicWriter(paths["sentences.jsonl"]) as sentences_out, AtomicWriter(paths["claims.jsonl"]) as claims_out:
        for item in iter_documents(inputs, id_field=id_field, text_field=text_field):
            if isinstance(item, ReadError):
                summary.errors += 1
                err.write(f"error: {item}\n")
                continue
            try:
                result = extract_document(item, res)
            except Exception as exc:  # one bad document never stops the run
                summary.errors += 1
                err.write(f"error: {item.origin or item.doc_id}: {type(exc).__name__}: {exc}\n")
                continue
            for timeout in result.timeouts:
                message = (f"warning: {item.origin or item.doc_id}: rule {timeout.rule.ref} ({timeout.rule.loc}) "
                           f"gave up on the sentence at {timeout.sentence.start}-{timeout.sentence.end}: "
                           f"{timeout.detail}")
                summary.warnings.append(message)
                err.write(message + "\n")
            scores = scorer(result) if scorer is not None else None
            for record in sentence_records(result, scores):
                sentences_out.write(dumps_jsonl_record(record))
            for index in range(len(result.claims)):
                record = claim_record(result, index, explain)
                if explain:
                    record["explain"] = _explanation(result, index)
                claims_out.write(dumps_jsonl_record(record))
                claim_rows.append(claim_csv_row(record))
                if record["kind"] == "commitment":
                    commitment_rows.append(commitment_csv_row(record))
                tally.add(record)
            summary.documents += 1
            summary.sentences += len(result.sentences)
            summary.claims += len(result.claims)
            bar.update(summary.documents, summary.sentences, started)
    bar.close()
    write_csv(paths["claims.csv"], CLAIM_CSV_HEADER, claim_rows)
    write_csv(paths["commitments.csv"], COMMITMENT_CSV_HEADER, commitment_rows)
    write_csv(paths["speakers.csv"], SPEAKER_CSV_HEADER, tally.rows())
    summary.seconds = time.perf_counter() - started
    book = res.rulebook
    manifest = build_manifest(
        argv=argv, rules_files=list(book.files), data_files=list((extra or {}).pop("data_files", [])),
        inputs=input_files(inputs), outputs=[p for k, p in paths.items() if k != "manifest.json"],
        timings={"seconds": round(summary.seconds, 3),
                 "sentences_per_second": round(summary.sentences / max(summary.seconds, 1e-9), 1)},
        extra={"summary": {"documents": summary.documents, "sentences": summary.sentences,
                           "claims": summary.claims, "errors": summary.errors},
               "rulebook_sha256": book.fingerprint(), "warnings": summary.warnings, **(extra or {})})
    write_manifest(paths["manifest.json"], manifest)
    return summary


def _explanation(result, index: int) -> dict:
    """Rule file and line, lexicon entries used, and what the winning match suppressed."""
    claim = result.claims[index]
    for resolved in result.explain:
        match = resolved.match
        if match.rule.ref == claim.rule and _same_anchor(result.doc.text, resolved.roles, claim):
            return {"rule_file": str(match.rule.loc), "description": match.rule.description,
                    "lexicon_entries": [list(hit) for hit in match.lexicon_hits],
                    "suppressed": [{"rule": m.rule.ref, "text": result.doc.text[m.span.start:m.span.end]}
                                   for m in resolved.suppressed]}
    return {"rule_file": "built-in (claimminer/discourse.py)", "lexicon_entries": [], "suppressed": []}


def _same_anchor(text: str, roles: dict, claim) -> bool:
    """Whether a resolved match made ``claim``: the same cue (or trigger), as trimmed in the claim.

    Later steps may extend or cut a content, so the anchor, not every role, identifies the match.
    """
    from claimminer.resolve import ANCHOR, trim_span

    for role in ANCHOR[claim.kind]:
        if role in roles:
            return trim_span(text, roles[role], role) == claim.role(role)
    return False
