"""The `extract` job: read a corpus, run the pipeline, write every output atomically."""
from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import time
from collections import deque
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, TextIO

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


@dataclass
class DocumentOutput:
    """What ``extract`` writes for one input, made where the document was processed.

    Lines and records are built in the worker, so only strings and small dicts travel
    back to the writing process (never the pipeline's objects).
    """

    sentence_lines: list[str] = field(default_factory=list)
    claim_lines: list[str] = field(default_factory=list)
    claim_records: list[dict] = field(default_factory=list)   # for the speaker tally
    claim_rows: list[list] = field(default_factory=list)       # claims.csv rows
    commitment_rows: list[list] = field(default_factory=list)  # commitments.csv rows
    messages: list[str] = field(default_factory=list)         # error and warning lines, in order
    warnings: list[str] = field(default_factory=list)
    sentences: int = 0
    error: bool = False


def process_document(item, res: Resources, scorer=None, explain: bool = False) -> DocumentOutput:
    """One input (a document or a read error) -> its output lines, records and messages."""
    out = DocumentOutput()
    if isinstance(item, ReadError):
        out.error = True
        out.messages.append(f"error: {item}\n")
        return out
    try:
        result = extract_document(item, res)
    except Exception as exc:  # one bad document never stops the run
        out.error = True
        out.messages.append(f"error: {item.origin or item.doc_id}: {type(exc).__name__}: {exc}\n")
        return out
    for timeout in result.timeouts:
        message = (f"warning: {item.origin or item.doc_id}: rule {timeout.rule.ref} ({timeout.rule.loc}) "
                   f"gave up on the sentence at {timeout.sentence.start}-{timeout.sentence.end}: "
                   f"{timeout.detail}")
        out.warnings.append(message)
        out.messages.append(message + "\n")
    scores = scorer(result) if scorer is not None else None
    out.sentence_lines = [dumps_jsonl_record(record) for record in sentence_records(result, scores)]
    for index in range(len(result.claims)):
        record = claim_record(result, index, explain)
        if explain:
            record["explain"] = _explanation(result, index)
        out.claim_lines.append(dumps_jsonl_record(record))
        out.claim_records.append(record)
        out.claim_rows.append(claim_csv_row(record))
        if record["kind"] == "commitment":
            out.commitment_rows.append(commitment_csv_row(record))
    out.sentences = len(result.sentences)
    return out


# The pool's per-worker state: set once in each worker process by ``_init_worker`` (inherited
# through fork, never pickled) and read by ``_work``; the parent process never sets it.
_WORKER: dict = {}
WINDOW = 4   # documents in flight per worker: enough to keep it busy, few enough to stream


def _init_worker(res: Resources, scorer, explain: bool) -> None:
    _WORKER.update(res=res, scorer=scorer, explain=explain)


def _work(item) -> DocumentOutput | BaseException:
    """``process_document`` in a worker; anything it raises comes back to be raised by the parent
    (a worker that died of it would leave the parent waiting)."""
    try:
        return process_document(item, _WORKER["res"], _WORKER["scorer"], _WORKER["explain"])
    except BaseException as exc:  # noqa: B902  (KeyboardInterrupt too: the parent decides)
        return exc


def resolve_jobs(jobs: int | None) -> int:
    """Worker processes to use: ``jobs``, or with 0/None one per available core on Linux (one
    elsewhere: forking a process that has loaded numpy is not safe on every platform); 1 where
    processes cannot be forked (the resources and the scorer are shared by forking)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if not jobs and not sys.platform.startswith("linux"):
        return 1
    if not jobs:
        try:
            jobs = len(os.sched_getaffinity(0))
        except AttributeError:
            jobs = os.cpu_count() or 1
    return max(1, jobs)


def _outputs(items: Iterable, res: Resources, scorer, explain: bool, jobs: int) -> Iterator[DocumentOutput]:
    """Each input's output, in input order: made here, or by ``jobs`` forked worker processes."""
    if jobs <= 1:
        for item in items:
            yield process_document(item, res, scorer, explain)
        return
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                               initializer=_init_worker, initargs=(res, scorer, explain))
    try:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(_work, item))
            if len(pending) >= WINDOW * jobs:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _result(future) -> DocumentOutput:
    output = future.result()
    if isinstance(output, BaseException):
        raise output
    return output


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Keep the objects that exist before a run (rule book, model, caches of earlier runs) out
    of the garbage collector's scans during it.

    A run makes many long-lived objects (per-word caches), so the collector does full
    collections, each walking every object in the process; frozen, the rule book and model
    are skipped (about 0.1 s of a first pass over PolNeAR dev). They are unfrozen after, so
    nothing stays exempt beyond the run; a caller's own freeze is left as it is.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def extract(inputs: list[str], out_dir: Path, res: Resources, *, argv: list[str], scorer=None,
            id_field: str = "id", text_field: str = "text", explain: bool = False,
            err: TextIO | None = None, progress: bool | None = None, extra: dict | None = None,
            jobs: int | None = 1) -> Summary:
    """Run the whole job; returns the summary. Output files appear only when complete.

    ``jobs`` > 1 (or 0/None: one per core) processes documents in forked worker processes;
    the outputs are written in input order by this process, byte for byte as with one.
    """
    started = time.perf_counter()
    err = sys.stderr if err is None else err  # looked up per call: a default bound at import misses redirection
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    bar = Progress(err, progress)
    tally = SpeakerTally()
    claim_rows, commitment_rows = [], []
    paths = {name: out_dir / name for name in
             ("sentences.jsonl", "claims.jsonl", "claims.csv", "commitments.csv", "speakers.csv", "manifest.json")}
    items = iter_documents(inputs, id_field=id_field, text_field=text_field)
    with heap_frozen(), AtomicWriter(paths["sentences.jsonl"]) as sentences_out, \
            AtomicWriter(paths["claims.jsonl"]) as claims_out:
        for output in _outputs(items, res, scorer, explain, resolve_jobs(jobs)):
            for message in output.messages:
                err.write(message)
            summary.warnings.extend(output.warnings)
            if output.error:
                summary.errors += 1
                continue
            sentences_out.writelines(output.sentence_lines)
            claims_out.writelines(output.claim_lines)
            claim_rows.extend(output.claim_rows)
            commitment_rows.extend(output.commitment_rows)
            for record in output.claim_records:
                tally.add(record)
            summary.documents += 1
            summary.sentences += output.sentences
            summary.claims += len(output.claim_records)
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
