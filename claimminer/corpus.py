"""Reading input documents: plain text, JSON Lines and HTML, from files or folders.

Bad input never stops a run: each problem becomes one :class:`ReadError` in the
stream and the remaining documents are still read. Offsets downstream are into
``Document.text`` exactly as decoded (a leading UTF-8 BOM is the only thing
removed), so nothing here rewrites line endings or white space in ``.txt``.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator, Union

from claimminer.normalize import normalize
from claimminer.spans import Document

DEFAULT_EXTENSIONS = (".txt", ".jsonl", ".html", ".htm")
_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_BYTE_SUFFIX = re.compile(r"^(.*)@(\d+)$", re.DOTALL)


@dataclass(frozen=True)
class ReadError:
    """One input that could not be read; ``origin`` is the path, ``:LINE`` or ``@BYTE``.

    ``kind`` is a short machine-readable tag (missing, decode, empty, binary,
    json, field, duplicate, io) so callers can count problems by type.
    """

    origin: str
    message: str
    kind: str = ""

    def __str__(self) -> str:
        # The byte offset is already spelt out in the message ("at byte N"),
        # so the "@N" suffix is dropped to keep the line readable.
        match = _BYTE_SUFFIX.match(self.origin)
        where = match.group(1) if match else self.origin
        return f"{where}: {self.message}"


Item = Union[Document, ReadError]


def iter_documents(
    inputs: Iterable[Union[str, Path]],
    *,
    id_field: str = "id",
    text_field: str = "text",
    extensions: Iterable[str] = DEFAULT_EXTENSIONS,
) -> Iterator[Item]:
    """Yield every document (or read error) of ``inputs``, in a deterministic order.

    A folder is walked recursively (hidden entries skipped, files sorted by
    relative POSIX path, only ``extensions`` read); a file given directly is
    always read, as plain text when its extension is unknown. A doc_id seen
    before yields a ReadError instead of a second document.
    """
    exts = tuple(e.lower() for e in extensions)
    first_seen: dict[str, str] = {}  # doc_id -> origin of its first document
    for given in inputs:
        for item in _iter_input(Path(given), exts, id_field, text_field):
            if isinstance(item, Document):
                earlier = first_seen.get(item.doc_id)
                if earlier is not None:
                    yield ReadError(
                        item.origin,
                        f"duplicate doc_id {item.doc_id!r} (first read from {earlier}); skipped",
                        "duplicate",
                    )
                    continue
                first_seen[item.doc_id] = item.origin
            yield item


def input_files(inputs: Iterable[Union[str, Path]], extensions: Iterable[str] = DEFAULT_EXTENSIONS) -> list[Path]:
    """The files ``iter_documents`` reads for ``inputs``, in its order (missing paths kept, for the manifest)."""
    exts = tuple(e.lower() for e in extensions)
    files: list[Path] = []
    for given in map(Path, inputs):
        files.extend([given / rel for rel in _walk(given, exts)] if given.is_dir() else [given])
    return files


def _iter_input(path: Path, exts: tuple[str, ...], id_field: str, text_field: str) -> Iterator[Item]:
    """Documents of one input path, a file or a folder."""
    if path.is_dir():
        files = list(_walk(path, exts))
        if not files:
            yield ReadError(str(path), f"no input files ({', '.join(exts)}) in folder", "empty")
        for rel in files:
            yield from _read_file(path / rel, _stem(rel), id_field, text_field)
    elif path.exists():
        yield from _read_file(path, _stem(path.name), id_field, text_field)
    else:
        yield ReadError(str(path), "no such file or directory", "missing")


def _stem(rel: str) -> str:
    """POSIX path without its last extension (``sub/a.b.txt`` -> ``sub/a.b``)."""
    return PurePosixPath(rel).with_suffix("").as_posix()


def _walk(root: Path, exts: tuple[str, ...]) -> Iterator[str]:
    """Relative POSIX paths of the readable files under ``root``, sorted."""
    found: list[str] = []
    for folder, dirnames, filenames in os.walk(root):
        # Pruning in place stops os.walk from descending into hidden folders.
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel_folder = Path(folder).relative_to(root)
        for name in filenames:
            if name.startswith(".") or Path(name).suffix.lower() not in exts:
                continue
            found.append((rel_folder / name).as_posix())
    yield from sorted(found)


def _read_file(path: Path, doc_id: str, id_field: str, text_field: str) -> Iterator[Item]:
    """Dispatch on the extension; unknown extensions are plain text."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _read_jsonl(path, id_field, text_field)
        return
    origin = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield ReadError(origin, _os_message(exc), "io")
        return
    text = _decode(data, origin)
    if isinstance(text, ReadError):
        yield text
        return
    if suffix in (".html", ".htm"):
        text = html_visible_text(text)
    if not text.strip():
        what = "empty document (no visible text)" if suffix in (".html", ".htm") else "empty document"
        yield ReadError(origin, what, "empty")
        return
    yield Document(doc_id, text, norm=normalize(text), origin=origin)


def _os_message(exc: OSError) -> str:
    """A lower-case strerror such as ``permission denied``."""
    return (exc.strerror or str(exc)).lower()


def _decode(data: bytes, origin: str, base: int = 0) -> Union[str, ReadError]:
    """Strict UTF-8 decoding with a located error; ``base`` is the byte offset of ``data``."""
    if data.startswith(_UTF16_BOMS):
        return ReadError(origin, "UTF-16 text is not supported; save the file as UTF-8", "decode")
    if b"\x00" in data:
        return ReadError(origin, "binary file (NUL bytes)", "binary")
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = base + skip + exc.start
        bad = data[skip + exc.start]
        return ReadError(f"{origin}@{at}", f"not valid UTF-8 at byte {at} (0x{bad:02x})", "decode")


def _read_jsonl(path: Path, id_field: str, text_field: str) -> Iterator[Item]:
    """One document per non-blank line; a bad line is one error, the others are still read."""
    origin = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield ReadError(origin, _os_message(exc), "io")
        return
    count = 0
    with handle:
        offset = 0
        # Binary lines split on b"\n" only, so U+2028 inside a JSON string is not a break.
        for lineno, raw in enumerate(handle, start=1):
            start, offset = offset, offset + len(raw)
            if b"\x00" in raw:
                yield ReadError(origin, f"binary file (NUL bytes, line {lineno}); rest of file skipped", "binary")
                return
            if lineno == 1 and raw.startswith(_BOM):
                raw, start = raw[len(_BOM):], start + len(_BOM)
            line = _decode(raw, f"{origin}:{lineno}", base=start)
            if isinstance(line, ReadError):
                yield line
                continue
            if not line.strip():
                continue
            count += 1
            yield _jsonl_record(line, f"{origin}:{lineno}", id_field, text_field)
    if count == 0:
        yield ReadError(origin, "empty document (no JSON lines)", "empty")


def _jsonl_record(line: str, origin: str, id_field: str, text_field: str) -> Item:
    """Turn one JSON line into a Document, or say precisely what is wrong with it."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return ReadError(origin, f"malformed JSON line: {exc.msg.removesuffix(' at')} at column {exc.colno}", "json")
    if not isinstance(record, dict):
        return ReadError(origin, f"JSON line is a {type(record).__name__}, not an object", "json")
    missing = [name for name in (id_field, text_field) if name not in record]
    if missing:
        return ReadError(origin, f"JSON line lacks field(s) {', '.join(map(repr, missing))}", "field")
    doc_id, text = record[id_field], record[text_field]
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        return ReadError(origin, f"field {id_field!r} must be a string or an integer", "field")
    if not isinstance(text, str):
        return ReadError(origin, f"field {text_field!r} must be a string, not {type(text).__name__}", "field")
    if not str(doc_id).strip():
        return ReadError(origin, f"field {id_field!r} is empty", "field")
    if not text.strip():
        return ReadError(origin, "empty document", "empty")
    return Document(str(doc_id), text, norm=normalize(text), origin=origin)


# --- HTML ---------------------------------------------------------------------------

# Content of these elements is never shown by a browser.
_HIDDEN = frozenset({"script", "style", "head", "title", "template", "noscript"})
# These end a paragraph (blank line between paragraphs).
_PARAGRAPH = frozenset({
    "address", "article", "aside", "blockquote", "caption", "center", "details", "dialog",
    "div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "main", "nav", "ol", "p", "pre", "section",
    "summary", "table", "ul", "body", "html",
})
# These end a line inside a paragraph.
_LINE = frozenset({"br", "li", "tr", "dt", "dd", "option"})
# Table cells are separated by a space so that words of neighbouring cells do not glue.
_CELL = frozenset({"td", "th"})
# HTML white space (not U+00A0, which a browser keeps).
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


class _VisibleText(HTMLParser):
    """Collects visible text as paragraphs of lines; one instance per document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._hidden: list[str] = []
        self._buffer: list[str] = []
        self._lines: list[str] = []
        self.paragraphs: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _HIDDEN:
            self._hidden.append(tag)
        elif tag == "body" and "head" in self._hidden:
            # An unclosed <head> ends where <body> starts, as in a browser.
            self._hidden = [t for t in self._hidden if t != "head"]
        if self._hidden:
            return
        if tag == "br" and not self._flush_line() and self._lines:
            self._end_paragraph()  # <br><br> reads as a paragraph break
        else:
            self._boundary(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            if tag in self._hidden:
                index = len(self._hidden) - 1 - self._hidden[::-1].index(tag)
                del self._hidden[index:]
            return
        if not self._hidden:
            self._boundary(tag)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._buffer.append(data)

    def _boundary(self, tag: str) -> None:
        if tag in _PARAGRAPH:
            self._end_paragraph()
        elif tag in _LINE:
            self._flush_line()
        elif tag in _CELL:
            self._buffer.append(" ")

    def _flush_line(self) -> bool:
        """Close the current line; False when it held no visible text."""
        line = _HTML_SPACE.sub(" ", "".join(self._buffer)).strip(" ")
        self._buffer.clear()
        if line:
            self._lines.append(line)
        return bool(line)

    def _end_paragraph(self) -> None:
        self._flush_line()
        if self._lines:
            self.paragraphs.append(self._lines)
            self._lines = []

    def text(self) -> str:
        self.close()
        self._end_paragraph()
        return "\n\n".join("\n".join(lines) for lines in self.paragraphs)


def html_visible_text(markup: str) -> str:
    """Visible text of an HTML page: paragraphs separated by a blank line, entities unescaped."""
    parser = _VisibleText()
    parser.feed(markup)
    return parser.text()
