"""Reading inputs: formats, doc_id rules, determinism and every kind of bad input."""
from __future__ import annotations

from pathlib import Path

import pytest

from claimminer.corpus import ReadError, html_visible_text, iter_documents
from claimminer.normalize import normalize
from claimminer.spans import Document

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = FIXTURES / "inputs" / "corpus"
BAD = FIXTURES / "bad_input"


def _docs(items: list) -> list[Document]:
    return [item for item in items if isinstance(item, Document)]


def _errors(items: list) -> list[ReadError]:
    return [item for item in items if isinstance(item, ReadError)]


def _one_error(path: Path) -> ReadError:
    items = list(iter_documents([path]))
    assert len(items) == 1 and isinstance(items[0], ReadError), items
    return items[0]


# --- good input ------------------------------------------------------------------------

def test_folder_order_ids_and_skips() -> None:
    items = list(iter_documents([CORPUS]))
    assert _errors(items) == []
    ids = [doc.doc_id for doc in _docs(items)]
    # budget.html, feed.jsonl (two lines), harbour.txt, sub/council.txt; hidden and .md skipped
    assert ids == ["budget", "feed-1", "42", "harbour", "sub/council"]


def test_documents_carry_norm_and_origin() -> None:
    for doc in _docs(list(iter_documents([CORPUS]))):
        assert doc.norm == normalize(doc.text)
        assert len(doc.norm) == len(doc.text)
        assert doc.origin.startswith(str(CORPUS))
    harbour = next(d for d in iter_documents([CORPUS]) if d.doc_id == "harbour")
    assert harbour.text == (CORPUS / "harbour.txt").read_text(encoding="utf-8")


def test_file_given_directly_uses_stem() -> None:
    (doc,) = list(iter_documents([CORPUS / "sub" / "council.txt"]))
    assert doc.doc_id == "council"


def test_nested_doc_id_uses_posix_path(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    (deep / "story.v2.txt").write_text("The agency said it would review the case.", encoding="utf-8")
    (doc,) = list(iter_documents([tmp_path]))
    assert doc.doc_id == "a/b/story.v2"


def test_unknown_extension_given_directly_is_text(tmp_path: Path) -> None:
    path = tmp_path / "wire.story"
    path.write_text("The minister said <b>nothing</b> new.", encoding="utf-8")
    (doc,) = list(iter_documents([path]))
    assert doc.doc_id == "wire" and doc.text == "The minister said <b>nothing</b> new."
    # ...but inside a folder it is ignored, and the folder is reported as holding nothing
    (err,) = list(iter_documents([tmp_path]))
    assert err.kind == "empty"


def test_custom_extensions(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("Officials said the plan was final.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("The club said it would appeal.", encoding="utf-8")
    ids = [d.doc_id for d in iter_documents([tmp_path], extensions=(".MD",))]
    assert ids == ["a"]


def test_bom_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffThe court said the ruling stands.\r\n".encode("utf-8"))
    (doc,) = list(iter_documents([path]))
    assert doc.text == "The court said the ruling stands.\r\n"  # line ends kept as read


def test_bom_on_jsonl_first_line(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "x", "text": "Ministers said talks went well."}\n')
    (doc,) = list(iter_documents([path]))
    assert doc.doc_id == "x"


def test_jsonl_custom_fields() -> None:
    path = FIXTURES / "inputs" / "custom_fields.jsonl"
    items = list(iter_documents([path], id_field="key", text_field="body"))
    assert [(d.doc_id, d.origin.rsplit(":", 1)[1]) for d in _docs(items)] == [("wire-7", "1"), ("wire-8", "2")]
    # With the default names every line lacks its fields.
    errors = list(iter_documents([path]))
    assert [e.kind for e in errors] == ["field", "field"]


def test_jsonl_keeps_line_separator_inside_text(tmp_path: Path) -> None:
    path = tmp_path / "sep.jsonl"
    path.write_text('{"id": "s", "text": "One line\u2028same record."}\n', encoding="utf-8")
    (doc,) = list(iter_documents([path]))
    assert doc.text == "One line\u2028same record."


# --- HTML ---------------------------------------------------------------------------------

def test_html_visible_text_fixture() -> None:
    (doc,) = list(iter_documents([CORPUS / "budget.html"]))
    assert doc.text == (
        "Budget talks stall\n\n"
        "By A. Writer\n\n"
        "The finance committee said it would meet again on Friday.\n\n"
        "\u201cWe are close,\u201d the chair said & smiled.\n\n"
        "First item\nSecond item"
    )
    for hidden in ("tracker", "hidden", "Enable scripts", "Evening Ledger", "color"):
        assert hidden not in doc.text


@pytest.mark.parametrize(
    "markup, expected",
    [
        ("<p>One</p><p>Two</p>", "One\n\nTwo"),
        ("<p>A<br>B</p>", "A\nB"),
        ("Line one<br><br>Line two", "Line one\n\nLine two"),
        ("<p>x &lt; y &amp;&nbsp;z</p>", "x < y &\u00a0z"),
        ("<p>in<b>line</b> <i>tags</i></p>", "inline tags"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        ("<head><title>T</title><body><p>Body</p>", "Body"),  # unclosed head
        ("<template><p>no</p></template><p>yes</p><!-- comment -->", "yes"),
        ("<style>p{}</style><script>if (a < b) {}</script>", ""),
    ],
)
def test_html_rules(markup: str, expected: str) -> None:
    assert html_visible_text(markup) == expected


def test_html_without_visible_text_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "shell.htm"
    path.write_text("<html><head><script>x()</script></head><body> </body></html>", encoding="utf-8")
    err = _one_error(path)
    assert err.kind == "empty" and "no visible text" in str(err)


# --- bad input ------------------------------------------------------------------------------

def test_undecodable_reports_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Résumé".encode("utf-8") + b" and caf\xe9 owners said so.")
    err = _one_error(path)
    offset = len("Résumé".encode("utf-8")) + len(b" and caf")
    assert err.kind == "decode"
    assert err.origin == f"{path}@{offset}"
    assert str(err) == f"{path}: not valid UTF-8 at byte {offset} (0xe9)"


def test_undecodable_offset_counts_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom_latin.txt"
    path.write_bytes(b"\xef\xbb\xbfab\xff")
    assert "at byte 5" in str(_one_error(path))


def test_undecodable_jsonl_line_is_located(tmp_path: Path) -> None:
    path = tmp_path / "enc.jsonl"
    good = b'{"id": "a", "text": "Fine."}\n'
    bad = b'{"id": "b", "text": "caf\xe9"}\n'
    path.write_bytes(good + bad + b'{"id": "c", "text": "Also fine."}\n')
    items = list(iter_documents([path]))
    assert [d.doc_id for d in _docs(items)] == ["a", "c"]
    (err,) = _errors(items)
    offset = len(good) + bad.index(b"\xe9")
    assert str(err) == f"{path}:2: not valid UTF-8 at byte {offset} (0xe9)"


def test_empty_and_blank_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text(" \n\t\n", encoding="utf-8")
    errors = list(iter_documents([tmp_path / "empty.txt", tmp_path / "blank.txt"]))
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'empty.txt'}: empty document",
        f"{tmp_path / 'blank.txt'}: empty document",
    ]


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(b"GIF89a\x00\x01\x02")
    err = _one_error(path)
    assert str(err) == f"{path}: binary file (NUL bytes)" and err.kind == "binary"


def test_utf16_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("The mayor said yes.".encode("utf-16"))
    assert "UTF-16" in str(_one_error(path))


def test_missing_path_then_reading_continues(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    items = list(iter_documents([missing, CORPUS / "harbour.txt"]))
    assert str(items[0]) == f"{missing}: no such file or directory"
    assert items[0].kind == "missing"
    assert isinstance(items[1], Document) and items[1].doc_id == "harbour"


def test_malformed_jsonl_lines_among_good_ones() -> None:
    path = BAD / "mixed.jsonl"
    items = list(iter_documents([path]))
    assert [d.doc_id for d in _docs(items)] == ["ok-1", "ok-2"]
    errors = _errors(items)
    assert [e.origin for e in errors] == [f"{path}:2", f"{path}:3", f"{path}:4"]
    assert [e.kind for e in errors] == ["json", "field", "field"]
    assert str(errors[0]).startswith(f"{path}:2: malformed JSON line: ")
    assert "'text'" in errors[1].message and "not int" in errors[2].message


@pytest.mark.parametrize(
    "line, kind",
    [
        ("[1, 2]", "json"),
        ('{"id": null, "text": "x"}', "field"),
        ('{"id": true, "text": "x"}', "field"),
        ('{"id": "", "text": "x"}', "field"),
        ('{"id": "w", "text": "   "}', "empty"),
    ],
)
def test_jsonl_line_problems(tmp_path: Path, line: str, kind: str) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    assert _one_error(path).kind == kind


def test_jsonl_without_records_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_text("\n  \n", encoding="utf-8")
    assert _one_error(path).kind == "empty"


def test_bad_input_folder_reports_each_problem_once() -> None:
    items = list(iter_documents([BAD]))
    assert [d.doc_id for d in _docs(items)] == ["good", "ok-1", "ok-2"]
    by_file = {Path(e.origin.split("@")[0].split(":")[0]).name: e.kind for e in _errors(items)}
    assert by_file == {
        "binary.txt": "binary", "blank.txt": "empty", "empty.txt": "empty",
        "latin1.txt": "decode", "mixed.jsonl": "field",
    }
    assert len(_errors(items)) == 7  # 4 files + 3 JSONL lines


def test_duplicate_ids_across_inputs(tmp_path: Path) -> None:
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "story.txt").write_text(f"{name.title()} version of the story.", encoding="utf-8")
    items = list(iter_documents([tmp_path / "first", tmp_path / "second"]))
    assert isinstance(items[0], Document) and items[0].text.startswith("First")
    err = items[1]
    assert isinstance(err, ReadError) and err.kind == "duplicate"
    assert err.origin == str(tmp_path / "second" / "story.txt")
    assert "'story'" in err.message and str(tmp_path / "first" / "story.txt") in err.message


def test_duplicate_ids_inside_one_folder_and_jsonl(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text version.", encoding="utf-8")
    (tmp_path / "a.html").write_text("<p>HTML version.</p>", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        '{"id": "x", "text": "One."}\n{"id": "x", "text": "Two."}\n{"id": "a", "text": "Three."}\n',
        encoding="utf-8",
    )
    items = list(iter_documents([tmp_path]))
    kept = [(d.doc_id, d.text) for d in _docs(items)]
    assert kept == [("a", "HTML version."), ("x", "One.")]
    assert [e.origin for e in _errors(items)] == [
        str(tmp_path / "a.txt"), f"{tmp_path / 'b.jsonl'}:2", f"{tmp_path / 'b.jsonl'}:3",
    ]


def test_iteration_is_lazy(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("First.", encoding="utf-8")
    stream = iter_documents([tmp_path, tmp_path / "later-missing.txt"])
    assert next(stream).doc_id == "a"
    (tmp_path / "later-missing.txt").write_text("Arrived late.", encoding="utf-8")
    assert next(stream).doc_id == "later-missing"


def test_normalize_folds_every_table_character_as_translate_would() -> None:
    """The fold by scanning for the table's characters gives ``str.translate``'s result."""
    from claimminer.normalize import _TABLE

    text = "".join(f"a{chr(cp)}b" for cp in sorted(_TABLE)) + "\u201cQuoted\u201d \u2014 it\u2019s caf\u00e9\n"
    assert normalize(text) == text.translate(_TABLE)
