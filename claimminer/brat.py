"""Read attribution gold in brat standoff, as the PolNeAR corpus ships it.

A gold directory holds ``text/<doc>.txt`` and ``attributions/<doc>_<annotator>.ann``.
When an article has several ``.ann`` files (several annotators), the first in
sorted order is the gold. The document id is the stem of the ``.txt`` file.

Text-bound lines (``T``) carry a label and code-point offsets into the
``.txt`` read as UTF-8; offsets may be discontinuous (``10 20;25 40``). Event
lines (``E``) tie a Source, a Cue and one or more Content spans (``Content``,
``Content2``) into one attribution. ``Discard`` and ``Discuss`` spans,
annotator notes and anything else are ignored.

Discontinuous spans are kept as their fragments (``Attr.parts``); the role's
plain ``Span`` is the hull, from the first fragment's start to the last
fragment's end. Scorers use the hull for exact-boundary matching and the
fragments for character overlap, so words lying between two fragments (an
interrupting "he said") are not counted as content.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import regex

from claimminer.spans import Span

ROLES = ("source", "cue", "content")

# "T12<TAB>Label 10 20;25 40<TAB>text" — the text may run over several lines
# (a fragment can hold a newline), so only lines that open with an id matter.
_T_LINE = regex.compile(r"^(T\d+)\t([\w-]+) (\d+ \d+(?:;\d+ \d+)*)(?:\t|$)")
_E_LINE = regex.compile(r"^(E\d+)\t(.*)$")
_ARG = regex.compile(r"([A-Za-z-]+?)(\d*):([TE]\d+)")

# Event argument names (digits stripped) mapped to our roles.
_ROLE_OF = {"Source": "source", "Cue": "cue", "Content": "content"}


@dataclass(frozen=True, slots=True)
class Attr:
    """One attribution: a Span (the hull) or None per role, plus the fragments."""

    source: Optional[Span] = None
    cue: Optional[Span] = None
    content: Optional[Span] = None
    # ((role, (fragment, ...)), ...) — only for roles whose span is discontinuous
    # or made of several event arguments; absent roles use (hull,).
    parts: tuple[tuple[str, tuple[Span, ...]], ...] = ()
    ident: str = ""  # the brat event id or the prediction's line number, for messages

    def role(self, name: str) -> Optional[Span]:
        """The hull span of a role, or None."""
        return getattr(self, name)

    def fragments(self, name: str) -> tuple[Span, ...]:
        """The role's fragments in text order; () when the role is absent."""
        for key, frags in self.parts:
            if key == name:
                return frags
        hull = self.role(name)
        return () if hull is None else (hull,)


def hull(frags: Iterable[Span]) -> Optional[Span]:
    """The smallest span that covers all fragments, or None when there are none."""
    frags = list(frags)
    if not frags:
        return None
    return Span(min(f.start for f in frags), max(f.end for f in frags))


def merge_fragments(frags: Iterable[Span]) -> tuple[Span, ...]:
    """Sort fragments and merge the ones that touch or overlap."""
    merged: list[Span] = []
    for frag in sorted(frags, key=lambda f: (f.start, f.end)):
        if merged and frag.start <= merged[-1].end:
            last = merged.pop()
            frag = Span(last.start, max(last.end, frag.end))
        merged.append(frag)
    return tuple(merged)


def make_attr(roles: dict[str, list[Span]], ident: str = "") -> Attr:
    """Build an Attr from fragment lists per role (missing or empty role = None)."""
    hulls: dict[str, Optional[Span]] = {}
    parts: list[tuple[str, tuple[Span, ...]]] = []
    for name in ROLES:
        frags = merge_fragments(roles.get(name, ()))
        hulls[name] = hull(frags)
        if len(frags) > 1:
            parts.append((name, frags))
    return Attr(parts=tuple(parts), ident=ident, **hulls)


def _parse_offsets(field: str) -> list[Span]:
    """'10 20;25 40' -> [Span(10, 20), Span(25, 40)]."""
    spans = []
    for piece in field.split(";"):
        start, end = piece.split()
        spans.append(Span(int(start), int(end)))
    return spans


def parse_ann(ann: str) -> list[Attr]:
    """Attributions from the text of one ``.ann`` file, in event order.

    Events with no source, cue or content at all (an empty shell that some
    annotators left behind) are dropped.
    """
    spans: dict[str, tuple[str, list[Span]]] = {}
    events: list[tuple[str, str]] = []
    for line in ann.splitlines():
        t = _T_LINE.match(line)
        if t:
            spans[t.group(1)] = (t.group(2), _parse_offsets(t.group(3)))
            continue
        e = _E_LINE.match(line)
        if e:
            events.append((e.group(1), e.group(2)))
    attrs = []
    for ident, args in events:
        roles: dict[str, list[Span]] = {}
        for name, _num, ref in _ARG.findall(args):
            role = _ROLE_OF.get(name)
            if role is None or ref not in spans:
                continue  # the event's own trigger ("Attribution:T4") or a dangling id
            roles.setdefault(role, []).extend(spans[ref][1])
        if roles:
            attrs.append(make_attr(roles, ident))
    return attrs


def gold_files(gold_dir: Path) -> dict[str, tuple[Path, Path]]:
    """doc id -> (txt path, chosen ann path): the first ``<doc>_<annotator>.ann`` in sorted order."""
    gold_dir = Path(gold_dir)
    texts = {p.stem: p for p in sorted((gold_dir / "text").glob("*.txt"))}
    chosen: dict[str, Path] = {}
    for ann in sorted((gold_dir / "attributions").glob("*.ann")):
        doc = ann.stem if ann.stem in texts else ann.stem.rsplit("_", 1)[0]
        if doc in texts and doc not in chosen:
            chosen[doc] = ann
    return {doc: (texts[doc], chosen[doc]) for doc in sorted(chosen)}


def read_text(path: Path) -> str:
    """Document text exactly as on disk (UTF-8, no newline translation)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def load_gold(gold_dir: Path) -> tuple[dict[str, list[Attr]], dict[str, str]]:
    """Read a gold directory: (doc id -> attributions, doc id -> text).

    Raises ValueError when an offset falls outside its document.
    """
    gold: dict[str, list[Attr]] = {}
    texts: dict[str, str] = {}
    for doc, (txt, ann) in gold_files(gold_dir).items():
        text = read_text(txt)
        attrs = parse_ann(read_text(ann))
        for attr in attrs:
            for name in ROLES:
                span = attr.role(name)
                if span is not None and span.end > len(text):
                    raise ValueError(f"{ann}: {attr.ident} {name} ends at {span.end} > {len(text)}")
        gold[doc] = attrs
        texts[doc] = text
    return gold, texts


def offset_mismatches(ann: str, text: str) -> list[str]:
    """T lines whose recorded text differs from the document slices (fragments joined by a space).

    Only the part of the recorded text on the T line itself is compared, since
    a fragment holding a newline continues on the next lines of the file.
    """
    bad = []
    for line in ann.splitlines():
        t = _T_LINE.match(line)
        if not t:
            continue
        recorded = line[t.end():]
        actual = " ".join(text[s.start:s.end] for s in _parse_offsets(t.group(3)))
        if not actual.split("\n")[0].startswith(recorded) and actual != recorded:
            bad.append(t.group(1))
    return bad
