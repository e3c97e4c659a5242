"""Atomic writing, deterministic JSONL/CSV bytes and the run manifest."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import claimminer
from claimminer.output import (
    AtomicWriter,
    atomic_write,
    build_manifest,
    dumps_jsonl_record,
    sha256_file,
    write_csv,
    write_jsonl,
    write_manifest,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "fixtures" / "inputs" / "corpus"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


def test_atomic_write_text_and_bytes(tmp_path: Path) -> None:
    target = tmp_path / "out" / "note.txt"
    atomic_write(target, "line one\nline two – with a dash\n")
    assert target.read_bytes() == "line one\nline two – with a dash\n".encode("utf-8")
    atomic_write(target, b"\x00\x01raw")
    assert target.read_bytes() == b"\x00\x01raw"
    assert _leftovers(target.parent) == []


def test_atomic_writer_streams_and_renames(tmp_path: Path) -> None:
    target = tmp_path / "claims.jsonl"
    with AtomicWriter(target) as handle:
        handle.write(dumps_jsonl_record({"a": 1}))
        # Nothing appears under the real name until the block ends.
        assert not target.exists()
        assert _leftovers(tmp_path) == [f".claims.jsonl.tmp-{os.getpid()}"]
    assert target.read_text(encoding="utf-8") == '{"a":1}\n'
    assert _leftovers(tmp_path) == []


def test_atomic_writer_exception_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "claims.jsonl"
    with pytest.raises(RuntimeError):
        with AtomicWriter(target) as handle:
            handle.write('{"partial":')
            raise RuntimeError("extraction failed mid-write")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_writer_exception_keeps_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "sentences.jsonl"
    atomic_write(target, "old complete content\n")

    def records():
        yield {"n": 1}
        raise ValueError("bad record")

    with pytest.raises(ValueError):
        write_jsonl(target, records())
    assert target.read_text(encoding="utf-8") == "old complete content\n"
    assert _leftovers(tmp_path) == []


def test_dumps_jsonl_record_is_compact_ordered_utf8() -> None:
    record = {"z": "“quoted” café", "a": [1, 2.5, None, True], "nested": {"b": 1, "a": 2}}
    line = dumps_jsonl_record(record)
    assert line == '{"z":"“quoted” café","a":[1,2.5,null,true],"nested":{"b":1,"a":2}}\n'
    assert json.loads(line) == record
    assert line.count("\n") == 1


def test_dumps_jsonl_record_escapes_line_separators_and_refuses_nan() -> None:
    line = dumps_jsonl_record({"t": "a\u2028b\u2029c\nd"})
    assert "\u2028" not in line and "\u2029" not in line
    assert line.splitlines() == [line.rstrip("\n")]
    assert json.loads(line)["t"] == "a\u2028b\u2029c\nd"
    with pytest.raises(ValueError):
        dumps_jsonl_record({"score": float("nan")})
    with pytest.raises(TypeError):
        dumps_jsonl_record({"labels": {"a", "b"}})  # sets have no stable order


def test_write_jsonl_counts(tmp_path: Path) -> None:
    target = tmp_path / "x.jsonl"
    assert write_jsonl(target, ({"i": i} for i in range(3))) == 3
    assert target.read_text(encoding="utf-8") == '{"i":0}\n{"i":1}\n{"i":2}\n'


def test_write_csv_round_trip(tmp_path: Path) -> None:
    target = tmp_path / "claims.csv"
    header = ["doc_id", "source", "content", "score"]
    rows = [
        ["harbour", "the chief engineer", 'We need "another" round, soon', 0.5],
        ["sub/council", "A spokeswoman", "line one\nline two", 1],
        ["café", "", "plain", ""],
    ]
    write_csv(target, header, rows)
    raw = target.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in raw
    assert raw.startswith(b"doc_id,source,content,score\n")
    with open(target, encoding="utf-8", newline="") as handle:
        back = list(csv.reader(handle))
    assert back[0] == header
    assert back[1:] == [[str(cell) for cell in row] for row in rows]


def test_write_csv_failure_leaves_no_file(tmp_path: Path) -> None:
    def rows():
        yield ["a", "b"]
        raise KeyError("boom")

    with pytest.raises(KeyError):
        write_csv(tmp_path / "t.csv", ["x", "y"], rows())
    assert list(tmp_path.iterdir()) == []


def test_sha256_file(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    payload = b"claimminer" * 200_000  # more than one read chunk
    path.write_bytes(payload)
    assert sha256_file(path) == hashlib.sha256(payload).hexdigest()


def test_build_and_write_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rules = tmp_path / "rules" / "attribution.yaml"
    rules.parent.mkdir()
    rules.write_text("rules: []\n", encoding="utf-8")
    output = tmp_path / "out" / "claims.jsonl"
    atomic_write(output, '{"a":1}\n')
    manifest = build_manifest(
        argv=["claimminer", "extract", str(CORPUS)],
        rules_files=[rules],
        data_files=[tmp_path / "absent.yaml"],
        inputs=[CORPUS],
        outputs=[output],
        timings={"extract_s": 0.25},
        extra={"documents": 5},
    )
    assert manifest["claimminer_version"] == claimminer.__version__
    assert manifest["python"]["implementation"]
    assert set(manifest["packages"]) == {"nltk", "regex", "scikit-learn", "numpy", "scipy", "PyYAML"}
    assert manifest["packages"]["PyYAML"]  # installed in the venv
    assert manifest["command"] == ["claimminer", "extract", str(CORPUS)]
    files = manifest["files"]
    assert files["rules"] == [{"path": "rules/attribution.yaml", "sha256": sha256_file(rules), "bytes": 10}]
    assert files["data"][0]["sha256"] is None and "error" in files["data"][0]
    assert files["outputs"][0]["path"] == "out/claims.jsonl"
    # A folder input is expanded to its files, hidden ones left out, in sorted order.
    input_paths = [entry["path"] for entry in files["inputs"]]
    assert [p.rsplit("/corpus/", 1)[1] for p in input_paths] == [
        "budget.html", "feed.jsonl", "harbour.txt", "notes.md", "sub/council.txt",
    ]
    assert input_paths[0].startswith("/")  # outside cwd: absolute
    assert manifest["timings"] == {"extract_s": 0.25} and manifest["extra"] == {"documents": 5}

    target = tmp_path / "out" / "manifest.json"
    write_manifest(target, manifest)
    text = target.read_text(encoding="utf-8")
    assert json.loads(text) == manifest
    assert text.endswith("}\n") and '\n  "claimminer_version"' in text
    keys = list(json.loads(text))
    assert keys == sorted(keys)


_DETERMINISM_SCRIPT = r"""
import sys
from pathlib import Path
from claimminer.corpus import iter_documents
from claimminer.output import dumps_jsonl_record, write_csv, write_jsonl

out = Path(sys.argv[1])
items = list(iter_documents([sys.argv[2], sys.argv[3]]))
records = [
    {"doc_id": i.doc_id, "len": len(i.text), "text": i.text} if hasattr(i, "doc_id")
    else {"error": str(i)}
    for i in items
]
write_jsonl(out / "docs.jsonl", records)
write_csv(out / "docs.csv", ["doc_id", "chars"], [[r.get("doc_id", ""), r.get("len", "")] for r in records])
"""


def test_outputs_identical_whatever_the_hash_seed(tmp_path: Path) -> None:
    digests = []
    for seed in ("0", "1", "12345"):
        out = tmp_path / f"seed{seed}"
        out.mkdir()
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(REPO))
        subprocess.run(
            [sys.executable, "-c", _DETERMINISM_SCRIPT, str(out), str(CORPUS), str(CORPUS.parent.parent / "bad_input")],
            check=True, env=env, cwd=REPO,
        )
        digests.append((sha256_file(out / "docs.jsonl"), sha256_file(out / "docs.csv")))
    assert len(set(digests)) == 1


def test_heap_frozen_exempts_existing_objects_during_a_run_only() -> None:
    """``extract``'s garbage-collector freeze covers the run and is undone after, even on an
    error; a freeze the caller made is neither doubled nor undone."""
    import gc

    from claimminer.run import heap_frozen

    assert gc.get_freeze_count() == 0
    with heap_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError):
        with heap_frozen():
            raise RuntimeError("a failing run")
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with heap_frozen():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
