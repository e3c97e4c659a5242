"""Score predicted attributions against brat gold (PolNeAR).

Three families of figures, each overall and split into ``direct`` and
``indirect`` attributions:

* per role (source, cue, content), **strict** P/R/F1 — exact boundaries after
  normalising both spans — and **partial** P/R/F1 after Pareti: precision is
  the mean, over predicted spans, of the best character overlap with a gold
  span of the same role in the same document divided by the predicted length;
  recall is the same from the gold side.
* **quote-level** P/R/F1 as the Gender Gap Tracker scores quotes: gold and
  predicted attributions paired one to one, greedily, by content overlap
  divided by the gold content length, at two thresholds (0.3 and 0.8).
* on the pairs matched at the lower threshold, **speaker** and **cue** accuracy.

Choices (keep the module docstring and the code in step):

* Span normalisation. Every fragment is trimmed of white space and Unicode
  punctuation at both ends (a span that would vanish, such as a colon cue,
  keeps its white-space-trimmed form). With ``strip_that=True`` a leading
  lower-case complementiser "that" plus white space is removed from CONTENT,
  gold and predicted alike, because PolNeAR includes it and our scheme does
  not. Strict matching compares the hull of the normalised fragments; every
  overlap is measured on the fragments, so text between two fragments of a
  discontinuous gold span does not count.
* Strict matching is one to one: equal spans pair off per document, so a
  duplicated prediction is a false positive.
* Direct / indirect. An attribution is ``direct`` when its content holds a
  quotation mark (see ``_QUOTE_MARK``): any double quote, two ASCII
  apostrophes used as one, an opening single quote (‘ ‛ ‚, used as quotes in
  headlines), or an ASCII apostrophe that opens a word. A closing ’ alone is
  an apostrophe and does not count. So ``direct`` covers the scheme's direct
  and mixed quotes. A quote mark right before or right after the content
  counts too, since our scheme may leave the marks out of the span. No
  content means ``indirect``. Matching is always done
  over everything; a subset's precision counts the predictions classed by
  their own content, its recall the gold classed by gold content; speaker and
  cue accuracy go with the gold side of each pair.
* Quote level. Gold and predictions without content are left out (counted
  under ``skipped_*``). Pairs are taken largest overlap first, ties by higher
  ratio, then gold order, then prediction order.
* Speaker accuracy: the predicted source overlaps the gold source by at
  least one character; when the gold has no source the pair is correct only
  if the prediction has none either. Cue accuracy: the cue strings (fragments
  joined by one space) equal after trimming and lower-casing; two missing cues
  are equal.
* Documents: only gold documents are scored; predictions for other documents
  are counted in ``pred_docs_ignored``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import regex

from claimminer.brat import ROLES, Attr, hull, load_gold, make_attr
from claimminer.normalize import QUOTE_CHARS
from claimminer.spans import Span

SUBSETS = ("overall", "direct", "indirect")
THRESHOLDS = (0.3, 0.8)

_EDGE = regex.compile(r"^[\s\p{P}]*(.*?)[\s\p{P}]*$", regex.DOTALL)
# the complementiser, also when an aside follows it ("that, in retrospect, ...")
_THAT = regex.compile(r"that(?:\s+|(?=,))")
_QUOTE_MARK = regex.compile(
    "[\"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u301d\u301e\uff02\u2018\u201a\u201b]"
    r"|''|(?:^|(?<=[\s(\[]))'(?=\w)"
)
_SPACES = regex.compile(r"\s+")
_OPENERS = QUOTE_CHARS | {"\u2018", "\u201a", "\u201b"}

Frags = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class _Item:
    """An attribution ready for scoring: normalised fragments per role and its class."""

    roles: tuple[Frags, Frags, Frags]  # source, cue, content
    subset: str                        # "direct" or "indirect"
    cue_text: Optional[str]

    def get(self, role: str) -> Frags:
        return self.roles[ROLES.index(role)]


# ---------------------------------------------------------------- normalising

def _trim(text: str, span: Span, *, punct: bool = True) -> Span:
    """Drop white space (and punctuation) at both ends; keep a span that would vanish."""
    piece = text[span.start:span.end]
    if punct:
        m = _EDGE.match(piece)
        if m.end(1) > m.start(1):
            return Span(span.start + m.start(1), span.start + m.end(1))
    stripped = piece.strip()
    if not stripped:
        return span
    lead = len(piece) - len(piece.lstrip())
    return Span(span.start + lead, span.start + lead + len(stripped))


def normalise_role(text: str, frags: Iterable[Span], *, strip_that: bool = False) -> Frags:
    """Trim each fragment; with ``strip_that`` drop a leading "that " (or "that,") from the first."""
    out = [_trim(text, f) for f in frags if len(f)]
    if strip_that and out:
        first = out[0]
        m = _THAT.match(text, first.start, first.end)
        if m and m.end() < first.end:
            out[0] = _trim(text, Span(m.end(), first.end))
    return tuple(f for f in out if len(f))


def is_quoted(text: str, frags: Frags) -> bool:
    """True when a content fragment holds a quotation mark or one sits right at its edge."""
    if any(_QUOTE_MARK.search(text[f.start:f.end]) for f in frags):
        return True
    span = hull(frags)
    if span is None:
        return False
    before = text[span.start - 1] if span.start > 0 else ""
    after = text[span.end] if span.end < len(text) else ""
    return before in _OPENERS or after in QUOTE_CHARS


def _cue_string(text: str, frags: Frags) -> Optional[str]:
    if not frags:
        return None
    joined = " ".join(text[f.start:f.end] for f in frags)
    return _SPACES.sub(" ", joined).strip().lower()


def _prepare(attrs: list[Attr], text: str, strip_that: bool) -> list[_Item]:
    items = []
    for attr in attrs:
        source = normalise_role(text, attr.fragments("source"))
        cue = normalise_role(text, attr.fragments("cue"))
        content = normalise_role(text, attr.fragments("content"), strip_that=strip_that)
        # Class on the raw content: trimming strips the very quote marks we look for.
        subset = "direct" if is_quoted(text, attr.fragments("content")) else "indirect"
        items.append(_Item((source, cue, content), subset, _cue_string(text, cue)))
    return items


# ---------------------------------------------------------------- overlaps

def overlap(a: Frags, b: Frags) -> int:
    """Characters shared by two fragment lists (fragments within a list do not overlap)."""
    return sum(x.overlap(y) for x in a for y in b)


def length(frags: Frags) -> int:
    return sum(len(f) for f in frags)


def _hull_key(frags: Frags) -> tuple[int, int]:
    return (frags[0].start, frags[-1].end) if frags else (-1, -1)


def _strict_flags(gold: list[Frags], pred: list[Frags]) -> tuple[list[bool], list[bool]]:
    """One-to-one exact matching on hulls; returns matched flags for gold and pred."""
    waiting: dict[tuple[int, int], list[int]] = {}
    for i, frags in enumerate(gold):
        waiting.setdefault(_hull_key(frags), []).append(i)
    g_flags, p_flags = [False] * len(gold), [False] * len(pred)
    for j, frags in enumerate(pred):
        queue = waiting.get(_hull_key(frags))
        if queue:
            g_flags[queue.pop(0)] = True
            p_flags[j] = True
    return g_flags, p_flags


def _best_ratios(mine: list[Frags], others: list[Frags]) -> list[float]:
    """For each span, its best overlap with any of ``others`` over its own length."""
    return [max((overlap(a, b) for b in others), default=0) / length(a) for a in mine]


def greedy_pairs(gold: list[Frags], pred: list[Frags], threshold: float) -> list[tuple[int, int]]:
    """Pair gold and predicted contents one to one, largest overlap first.

    A pair qualifies when overlap / gold length >= threshold. Empty contents never pair.
    """
    candidates = []
    for i, g in enumerate(gold):
        g_len = length(g)
        for j, p in enumerate(pred):
            shared = overlap(g, p) if g_len else 0
            if shared and shared / g_len >= threshold:
                candidates.append((-shared, -shared / g_len, i, j))
    candidates.sort()
    used_g, used_p, pairs = set(), set(), []
    for _, _, i, j in candidates:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return sorted(pairs)


# ---------------------------------------------------------------- figures

def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _prf(gold: list[tuple[str, float]], pred: list[tuple[str, float]], subset: str) -> dict:
    """P/R/F1 from per-item scores (1/0 for matched flags, ratios for partial)."""
    g = [v for s, v in gold if subset in ("overall", s)]
    p = [v for s, v in pred if subset in ("overall", s)]
    prec = sum(p) / len(p) if p else 0.0
    rec = sum(g) / len(g) if g else 0.0
    return {"gold": len(g), "pred": len(p),
            "matched_gold": sum(1 for v in g if v > 0), "matched_pred": sum(1 for v in p if v > 0),
            "p": prec, "r": rec, "f1": _f1(prec, rec)}


def _accuracy(values: list[tuple[str, bool]], subset: str) -> dict:
    picked = [v for s, v in values if subset in ("overall", s)]
    correct = sum(picked)
    return {"pairs": len(picked), "correct": correct,
            "accuracy": correct / len(picked) if picked else 0.0}


def _same_speaker(g: Frags, p: Frags) -> bool:
    return overlap(g, p) > 0 if g else not p


def evaluate(gold: dict[str, list[Attr]], pred: dict[str, list[Attr]], texts: dict[str, str],
             *, strip_that: bool = True) -> dict:
    """All figures as a nested dict: ``{subset: {"roles", "quote", "speaker", "cue"}}`` plus counts."""
    role_g = {r: {"strict": [], "partial": []} for r in ROLES}
    role_p = {r: {"strict": [], "partial": []} for r in ROLES}
    quote_g = {t: [] for t in THRESHOLDS}
    quote_p = {t: [] for t in THRESHOLDS}
    speaker: list[tuple[str, bool]] = []
    cue: list[tuple[str, bool]] = []
    skipped = {"gold": 0, "pred": 0}
    for doc in sorted(gold):
        text = texts[doc]
        g_items = _prepare(gold[doc], text, strip_that)
        p_items = _prepare(pred.get(doc, []), text, strip_that)
        for role in ROLES:
            gs = [it for it in g_items if it.get(role)]
            ps = [it for it in p_items if it.get(role)]
            g_spans, p_spans = [it.get(role) for it in gs], [it.get(role) for it in ps]
            g_flags, p_flags = _strict_flags(g_spans, p_spans)
            role_g[role]["strict"] += [(it.subset, float(f)) for it, f in zip(gs, g_flags)]
            role_p[role]["strict"] += [(it.subset, float(f)) for it, f in zip(ps, p_flags)]
            role_g[role]["partial"] += [(it.subset, v) for it, v in zip(gs, _best_ratios(g_spans, p_spans))]
            role_p[role]["partial"] += [(it.subset, v) for it, v in zip(ps, _best_ratios(p_spans, g_spans))]
        gq = [it for it in g_items if it.get("content")]
        pq = [it for it in p_items if it.get("content")]
        skipped["gold"] += len(g_items) - len(gq)
        skipped["pred"] += len(p_items) - len(pq)
        for t in THRESHOLDS:
            pairs = greedy_pairs([it.get("content") for it in gq], [it.get("content") for it in pq], t)
            g_hit, p_hit = {i for i, _ in pairs}, {j for _, j in pairs}
            quote_g[t] += [(it.subset, float(i in g_hit)) for i, it in enumerate(gq)]
            quote_p[t] += [(it.subset, float(j in p_hit)) for j, it in enumerate(pq)]
            if t == THRESHOLDS[0]:
                for i, j in pairs:
                    speaker.append((gq[i].subset, _same_speaker(gq[i].get("source"), pq[j].get("source"))))
                    cue.append((gq[i].subset, gq[i].cue_text == pq[j].cue_text))
    figures: dict = {
        "options": {"strip_that": strip_that, "thresholds": list(THRESHOLDS)},
        "docs": len(gold),
        "pred_docs_ignored": len(set(pred) - set(gold)),
        "quote_skipped_no_content": skipped,
    }
    for subset in SUBSETS:
        figures[subset] = {
            "roles": {r: {kind: _prf(role_g[r][kind], role_p[r][kind], subset)
                          for kind in ("strict", "partial")} for r in ROLES},
            "quote": {f"{t:g}": _prf(quote_g[t], quote_p[t], subset) for t in THRESHOLDS},
            "speaker": _accuracy(speaker, subset),
            "cue": _accuracy(cue, subset),
        }
    return figures


# ---------------------------------------------------------------- input / output

def _span_of(record: dict, role: str, line_no: int, texts: Optional[dict[str, str]]) -> list[Span]:
    value = record.get(role)
    if not value:
        return []
    span = Span(int(value["start"]), int(value["end"]))
    text = texts.get(record["doc_id"]) if texts else None
    if text is not None and "text" in value and text[span.start:span.end] != value["text"]:
        raise ValueError(f"line {line_no}: {role} text does not match document offsets")
    return [span]


def load_predictions(path: Path, texts: Optional[dict[str, str]] = None) -> dict[str, list[Attr]]:
    """Attributions from a claims.jsonl file, by doc id; other kinds are skipped.

    With ``texts``, every span's ``text`` is checked against the document slice.
    """
    out: dict[str, list[Attr]] = {}
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if record.get("kind") != "attribution":
                continue
            roles = {r: _span_of(record, r, line_no, texts) for r in ROLES}
            out.setdefault(record["doc_id"], []).append(make_attr(roles, f"line {line_no}"))
    return out


def predictions_from_records(records: Iterable[dict], texts: Optional[dict[str, str]] = None
                             ) -> dict[str, list[Attr]]:
    """Attributions from in-memory claims.jsonl records (what ``extract`` would write)."""
    out: dict[str, list[Attr]] = {}
    for index, record in enumerate(records, 1):
        if record.get("kind") != "attribution":
            continue
        roles = {r: _span_of(record, r, index, texts) for r in ROLES}
        out.setdefault(record["doc_id"], []).append(make_attr(roles, f"record {index}"))
    return out


def evaluate_files(gold_dir: Path, claims: Path, *, strip_that: bool = True) -> dict:
    """Read a brat gold directory and a claims.jsonl, and score them."""
    gold, texts = load_gold(Path(gold_dir))
    return evaluate(gold, load_predictions(Path(claims), texts), texts, strip_that=strip_that)


def format_report(figures: dict) -> str:
    """Plain-text tables: roles (strict / partial) and quote level, per subset."""
    lines = [f"documents: {figures['docs']}   strip_that: {figures['options']['strip_that']}", "",
             f"{'subset':<9} {'role':<8} {'gold':>5} {'pred':>5} | "
             f"{'strict P':>8} {'R':>6} {'F1':>6} | {'partial P':>9} {'R':>6} {'F1':>6}"]
    for subset in SUBSETS:
        for role in ROLES:
            s, p = (figures[subset]["roles"][role][k] for k in ("strict", "partial"))
            lines.append(f"{subset:<9} {role:<8} {s['gold']:>5} {s['pred']:>5} | "
                         f"{s['p']:>8.3f} {s['r']:>6.3f} {s['f1']:>6.3f} | "
                         f"{p['p']:>9.3f} {p['r']:>6.3f} {p['f1']:>6.3f}")
    lines += ["", f"{'subset':<9} {'gold':>5} {'pred':>5} | {'@0.3 P':>6} {'R':>6} {'F1':>6} "
                  f"{'match':>5} | {'@0.8 P':>6} {'R':>6} {'F1':>6} {'match':>5} | "
                  f"{'speaker':>7} {'cue':>6} {'pairs':>5}"]
    for subset in SUBSETS:
        fig = figures[subset]
        lo, hi = fig["quote"]["0.3"], fig["quote"]["0.8"]
        lines.append(f"{subset:<9} {lo['gold']:>5} {lo['pred']:>5} | "
                     f"{lo['p']:>6.3f} {lo['r']:>6.3f} {lo['f1']:>6.3f} {lo['matched_gold']:>5} | "
                     f"{hi['p']:>6.3f} {hi['r']:>6.3f} {hi['f1']:>6.3f} {hi['matched_gold']:>5} | "
                     f"{fig['speaker']['accuracy']:>7.3f} {fig['cue']['accuracy']:>6.3f} "
                     f"{fig['speaker']['pairs']:>5}")
    skipped = figures["quote_skipped_no_content"]
    lines += ["", f"quote level leaves out attributions without content: "
                  f"gold {skipped['gold']}, pred {skipped['pred']}"]
    if figures["pred_docs_ignored"]:
        lines.append(f"predictions for {figures['pred_docs_ignored']} documents not in the gold were ignored")
    return "\n".join(lines)
