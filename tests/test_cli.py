"""Issue 2 end to end through the CLI: formats, doc_ids, outputs, schema, determinism, bad input, atomicity.

The CLI runs in-process (``claimminer.cli.main``) except where a fresh
interpreter is the point (``PYTHONHASHSEED``).
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from claimminer.cli import load_resources, main
from claimminer.corpus import html_visible_text

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "fixtures" / "cli" / "corpus"
FIELDS = ["--id-field", "key", "--text-field", "body"]
OUTPUTS = ("sentences.jsonl", "claims.jsonl", "claims.csv", "commitments.csv", "speakers.csv", "manifest.json")
DETERMINISTIC = ("sentences.jsonl", "claims.jsonl", "claims.csv")
COMMON_KEYS = {"doc_id", "claim_id", "kind", "sentence", "rule"}
KIND_KEYS = {
    "attribution": {"source", "cue", "content", "quote", "speaker"},
    "commitment": {"agent", "trigger", "action", "condition", "time", "status", "attribution"},
}
SPAN_ROLES = ("source", "cue", "content", "agent", "trigger", "action", "condition", "time")
RULE_REF = re.compile(r"^[a-z][a-z0-9]*(?:[./][a-z0-9][a-z0-9-]*)+@\d+$")


def _cli(*argv) -> int:
    return main([str(a) for a in argv])


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _texts_read_back() -> dict[str, str]:
    """The fixture documents decoded independently of claimminer.corpus (except the HTML rendering)."""
    texts = {
        "harbour": (CORPUS / "harbour.txt").read_bytes().decode("utf-8-sig"),
        "politics/senate": (CORPUS / "politics" / "senate.txt").read_text(encoding="utf-8"),
        "page": html_visible_text((CORPUS / "page.html").read_text(encoding="utf-8")),
    }
    for line in (CORPUS / "wire.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts[record["key"]] = record["body"]
    return texts


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """One extract run over the fixture corpus; its exit code, stderr and output folder."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("extract") / "out"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = _cli("extract", CORPUS, "--out", out, "--no-classify", *FIELDS)
    return {"code": code, "stderr": err.getvalue(), "out": out}


def test_extract_writes_every_output(run) -> None:
    assert run["code"] == 0, run["stderr"]
    for name in OUTPUTS:
        assert (run["out"] / name).is_file(), name
    # Nothing but the outputs: no temporary file left beside them.
    assert sorted(p.name for p in run["out"].iterdir()) == sorted(OUTPUTS)


def test_doc_ids_follow_the_input_layout(run) -> None:
    ids = {r["doc_id"] for r in _jsonl(run["out"] / "sentences.jsonl")}
    # nested .txt -> relative path without extension; .jsonl -> its id field; .html -> stem; .md skipped
    assert ids == {"harbour", "page", "politics/senate", "wire-101", "wire-102"}


def test_summary_line_matches_outputs(run) -> None:
    sentences = _jsonl(run["out"] / "sentences.jsonl")
    claims = _jsonl(run["out"] / "claims.jsonl")
    summary = run["stderr"].strip().splitlines()[-1]
    assert re.match(rf"claimminer: 5 documents, {len(sentences)} sentences, {len(claims)} claims, 0 errors, "
                    r"[0-9.]+ s$", summary), summary
    assert "\r" not in run["stderr"]  # no progress bar when stderr is not a terminal


def test_every_span_is_a_slice_of_the_document_as_read(run) -> None:
    texts = _texts_read_back()
    sentences = _jsonl(run["out"] / "sentences.jsonl")
    assert sentences
    for s in sentences:
        assert s["text"] == texts[s["doc_id"]][s["start"]:s["end"]]
    claims = _jsonl(run["out"] / "claims.jsonl")
    assert claims
    for claim in claims:
        text = texts[claim["doc_id"]]
        sentence = claim["sentence"]
        assert 0 <= sentence["start"] < sentence["end"] <= len(text)
        for role in SPAN_ROLES:
            span = claim.get(role)
            if span is not None:
                assert set(span) == {"start", "end", "text"}
                assert 0 <= span["start"] <= span["end"] <= len(text)
                assert span["text"] == text[span["start"]:span["end"]], (claim["claim_id"], role)


def test_claim_schema(run) -> None:
    claims = _jsonl(run["out"] / "claims.jsonl")
    kinds = {c["kind"] for c in claims}
    assert kinds == {"attribution", "commitment"}  # the fixture holds both
    ids_by_doc: dict[str, dict[str, str]] = {}
    for claim in claims:
        assert COMMON_KEYS | KIND_KEYS[claim["kind"]] <= set(claim), claim
        assert set(claim["sentence"]) == {"start", "end"}
        assert RULE_REF.match(claim["rule"]), claim["rule"]
        ids = ids_by_doc.setdefault(claim["doc_id"], {})
        assert claim["claim_id"] not in ids, "claim_id must be unique within its document"
        ids[claim["claim_id"]] = claim["kind"]
        if claim["kind"] == "attribution":
            assert claim["quote"] in ("direct", "indirect", "mixed")
            assert claim["speaker"] is None or isinstance(claim["speaker"], str)
        else:
            assert isinstance(claim["status"], str) and claim["status"]
    for claim in claims:
        if claim["kind"] == "commitment" and claim["attribution"] is not None:
            assert ids_by_doc[claim["doc_id"]][claim["attribution"]] == "attribution"


def test_csv_files_agree_with_claims(run) -> None:
    claims = _jsonl(run["out"] / "claims.jsonl")
    with open(run["out"] / "claims.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["doc_id"], r["claim_id"], r["kind"], r["rule"]) for r in rows] == \
        [(c["doc_id"], c["claim_id"], c["kind"], c["rule"]) for c in claims]
    with open(run["out"] / "commitments.csv", newline="", encoding="utf-8") as handle:
        commitments = list(csv.DictReader(handle))
    assert len(commitments) == sum(c["kind"] == "commitment" for c in claims)
    with open(run["out"] / "speakers.csv", newline="", encoding="utf-8") as handle:
        speakers = list(csv.DictReader(handle))
    assert speakers and "speaker" in speakers[0]


def test_manifest_records_versions_hashes_and_command(run) -> None:
    out = run["out"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["claimminer_version"]
    assert manifest["python"]["version"].count(".") == 2
    for package in ("nltk", "regex", "PyYAML"):
        assert manifest["packages"][package], package
    assert manifest["command"][:2] == ["claimminer", "extract"]
    assert str(CORPUS) in manifest["command"] and "--no-classify" in manifest["command"]
    files = manifest["files"]
    by_name = {Path(e["path"]).name: e for e in files["outputs"]}
    for name in DETERMINISTIC + ("commitments.csv", "speakers.csv"):
        assert by_name[name]["sha256"] == _sha(out / name), name
    inputs = {Path(e["path"]).name: e["sha256"] for e in files["inputs"]}
    for path in (CORPUS / "harbour.txt", CORPUS / "politics" / "senate.txt", CORPUS / "wire.jsonl",
                 CORPUS / "page.html"):
        assert inputs[path.name] == _sha(path)
    assert "notes.md" not in inputs  # only files that were read are inputs
    rules = {Path(e["path"]).name: e["sha256"] for e in files["rules"]}
    for path in list((REPO / "rules").glob("*.yaml")) + list((REPO / "rules" / "lexicons").glob("*.txt")):
        assert rules.get(path.name) == _sha(path), path.name


def test_segment_prints_the_extract_sentences(run, capsys) -> None:
    assert _cli("segment", CORPUS, *FIELDS) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(list(r) == ["doc_id", "start", "end", "text"] for r in printed)
    expected = [{k: r[k] for k in ("doc_id", "start", "end", "text")}
                for r in _jsonl(run["out"] / "sentences.jsonl")]
    assert printed == expected


def _subprocess_extract(out: Path, seed: str, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    return subprocess.Popen(
        [sys.executable, "-m", "claimminer", "extract", str(CORPUS), "--out", str(out), *FIELDS, *extra],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_outputs_byte_identical_whatever_the_hash_seed(tmp_path, run) -> None:
    from claimminer.classify import scorer_for_run

    # Build (or find) the cached sentence-type model first, so both runs only load it.
    scorer_for_run(load_resources(None))
    runs = [(tmp_path / f"seed{seed}", _subprocess_extract(tmp_path / f"seed{seed}", seed)) for seed in ("1", "2")]
    for _, proc in runs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    for name in DETERMINISTIC:
        assert (runs[0][0] / name).read_bytes() == (runs[1][0] / name).read_bytes(), name
    # Classification adds fields to sentences only; claims equal the in-process run without it.
    for name in ("claims.jsonl", "claims.csv"):
        assert (runs[0][0] / name).read_bytes() == (run["out"] / name).read_bytes(), name
    classified = _jsonl(runs[0][0] / "sentences.jsonl")
    plain = _jsonl(run["out"] / "sentences.jsonl")
    assert [{k: r[k] for k in p} for r, p in zip(classified, plain)] == plain and len(classified) == len(plain)
    assert all({"reported", "type", "scores"} <= set(r) for r in classified)


# --- bad input ---------------------------------------------------------------------------

def _bad_corpus(folder: Path) -> None:
    folder.mkdir()
    (folder / "good.txt").write_text("The minister said the plan was ready.\n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Caf\xe9 owners said prices rose.\n".encode("latin-1"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "feed.jsonl").write_text(
        '{"id": "f1", "text": "Police said the road was closed."}\n'
        '{"id": "f2", "text": "unterminated\n'
        '{"id": "f3", "text": "The union said talks had resumed."}\n', encoding="utf-8")


def test_bad_inputs_are_reported_and_the_rest_processed(tmp_path, capsys) -> None:
    bad = tmp_path / "bad"
    _bad_corpus(bad)
    missing = tmp_path / "nowhere.txt"
    out = tmp_path / "out"
    code = _cli("extract", bad, missing, "--out", out, "--no-classify")
    err = capsys.readouterr().err
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 5, err

    def one(fragment: str) -> str:
        found = [line for line in errors if fragment in line]
        assert len(found) == 1, (fragment, errors)
        return found[0]

    assert "byte 3" in one("latin1.txt")
    assert "empty" in one("empty.txt")
    assert "binary" in one("binary.txt")
    assert "malformed JSON" in one("feed.jsonl:2")
    assert "no such file" in one("nowhere.txt")
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("claimminer: 3 documents,") and " 5 errors," in summary, summary
    ids = {r["doc_id"] for r in _jsonl(out / "sentences.jsonl")}
    assert ids == {"good", "f1", "f3"}
    assert {r["doc_id"] for r in _jsonl(out / "claims.jsonl")} == ids
    for name in OUTPUTS:
        assert (out / name).is_file()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["extra"]["summary"]["errors"] == 5


def _interrupt_after_first_document(monkeypatch) -> None:
    import claimminer.run as run_module

    real = run_module.extract_document
    calls = []

    def flaky(doc, res):
        calls.append(doc.doc_id)
        if len(calls) > 1:
            raise KeyboardInterrupt
        return real(doc, res)

    monkeypatch.setattr(run_module, "extract_document", flaky)


def test_interrupted_run_leaves_no_output(tmp_path, monkeypatch, capsys) -> None:
    out = tmp_path / "out"
    _interrupt_after_first_document(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        _cli("extract", CORPUS, "--out", out, "--no-classify", *FIELDS)
    left = sorted(p.name for p in out.rglob("*")) if out.exists() else []
    assert left == [], left  # neither outputs under their real names nor temporary files


def test_interrupted_run_keeps_previous_outputs_whole(tmp_path, monkeypatch, capsys, run) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = {}
    for name in OUTPUTS:
        (out / name).write_bytes((run["out"] / name).read_bytes())
        before[name] = (out / name).read_bytes()
    _interrupt_after_first_document(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        _cli("extract", CORPUS, "--out", out, "--no-classify", *FIELDS)
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    for name in OUTPUTS:
        assert (out / name).read_bytes() == before[name], name


def test_explain_adds_rule_file_and_line(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    assert _cli("extract", CORPUS / "politics", "--out", out, "--no-classify", "--explain") == 0
    claims = _jsonl(out / "claims.jsonl")
    explained = [c["explain"] for c in claims if "explain" in c]
    assert len(explained) == len(claims) and claims
    located = [e["rule_file"] for e in explained if e["rule_file"].endswith(tuple("0123456789"))]
    assert located, explained
    assert all(re.search(r"rules/[a-z_]+\.yaml:\d+:\d+$", f) for f in located), located


def test_segment_reports_bad_input_and_goes_on(tmp_path, capsys) -> None:
    bad = tmp_path / "bad"
    _bad_corpus(bad)
    assert _cli("segment", bad, tmp_path / "nowhere.txt") == 1
    captured = capsys.readouterr()
    assert len([line for line in captured.err.splitlines() if line.startswith("error:")]) == 5
    assert {json.loads(line)["doc_id"] for line in captured.out.splitlines()} == {"good", "f1", "f3"}


def test_progress_bar_when_asked(tmp_path, capsys) -> None:
    assert _cli("extract", CORPUS, "--out", tmp_path / "out", "--no-classify", "--progress", "on", *FIELDS) == 0
    err = capsys.readouterr().err
    assert "\r" in err and "documents" in err


# --- worker processes ----------------------------------------------------------------------

def test_worker_processes_give_the_same_bytes_and_messages(tmp_path, capsys) -> None:
    """``--jobs 2`` forks workers; outputs, error lines and their order are those of ``--jobs 1``."""
    bad = tmp_path / "bad"
    _bad_corpus(bad)
    results = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        code = _cli("extract", CORPUS, bad, "--out", out, *FIELDS, "--jobs", jobs)
        err = capsys.readouterr().err
        results[jobs] = (code, [line for line in err.splitlines() if not line.startswith("claimminer:")], out)
    assert results["1"][0] == results["2"][0] == 1
    assert results["1"][1] == results["2"][1]
    assert sum(line.startswith("error:") for line in results["1"][1]) >= 4, results["1"][1]
    for name in OUTPUTS[:-1]:
        assert (results["1"][2] / name).read_bytes() == (results["2"][2] / name).read_bytes(), name


def test_interrupted_run_with_workers_leaves_no_output(tmp_path, monkeypatch, capsys) -> None:
    """An exception raised in a worker (here an interrupt) is raised by the parent, as without workers."""
    out = tmp_path / "out"
    _interrupt_after_first_document(monkeypatch)   # forked workers inherit the patched function
    with pytest.raises(KeyboardInterrupt):
        _cli("extract", CORPUS, "--out", out, "--no-classify", *FIELDS, "--jobs", "2")
    left = sorted(p.name for p in out.rglob("*")) if out.exists() else []
    assert left == [], left


def test_jobs_default_to_the_cores_on_linux_only(monkeypatch) -> None:
    import claimminer.run as run_module

    assert run_module.resolve_jobs(3) == 3 and run_module.resolve_jobs(1) == 1
    monkeypatch.setattr(run_module.sys, "platform", "linux")
    monkeypatch.setattr(run_module.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert run_module.resolve_jobs(0) == run_module.resolve_jobs(None) == 2
    monkeypatch.setattr(run_module.sys, "platform", "darwin")
    assert run_module.resolve_jobs(0) == 1
