"""Score one document against a gold file in the project's JSON gold format (ANNOTATION.md section 4)."""
from __future__ import annotations

import json
from pathlib import Path

from claimminer.normalize import normalize
from claimminer.spans import Document

ATTR_ROLES = ("source", "cue", "content")


def _text(span) -> str | None:
    return None if span is None else span["text"]


def _key(span) -> tuple | None:
    return None if span is None else (span["start"], span["end"])


def _overlap(a, b) -> int:
    if a is None or b is None:
        return 0
    return max(0, min(a["end"], b["end"]) - max(a["start"], b["start"]))


def compare(gold: dict, text: str, sentences: list[dict], claims: list[dict]) -> dict:
    """Figures and the list of differences, for sentences, attributions, commitments and types."""
    out: dict = {"diffs": []}
    gold_s = [(s["start"], s["end"]) for s in gold["sentences"]]
    pred_s = [(s["start"], s["end"]) for s in sentences]
    out["sentences"] = {"gold": len(gold_s), "pred": len(pred_s), "exact": len(set(gold_s) & set(pred_s))}
    for s in sorted(set(gold_s) ^ set(pred_s)):
        out["diffs"].append(f"sentence {'missing' if s in gold_s else 'extra'}: {text[s[0]:s[1]]!r}")

    attrs = [c for c in claims if c["kind"] == "attribution"]
    found = exact = speaker_ok = 0
    used = set()
    for g in gold["attributions"]:
        match = next((i for i, p in enumerate(attrs) if i not in used and _key(p["cue"]) == _key(g["cue"])
                      and _overlap(p["content"], g["content"]) > 0), None)
        if match is None:
            out["diffs"].append(f"attribution missing: {g['id']} {_text(g['source'])!r} {_text(g['cue'])!r}")
            continue
        used.add(match)
        p = attrs[match]
        found += 1
        wrong = [r for r in ATTR_ROLES if _key(p[r]) != _key(g[r])]
        if wrong:
            out["diffs"].append(f"attribution {g['id']} differs in {wrong}: "
                                + "; ".join(f"{r}: {_text(p[r])!r} vs gold {_text(g[r])!r}" for r in wrong))
        else:
            exact += 1
        if (p.get("speaker") or "").lower() == (g.get("speaker") or "").lower():
            speaker_ok += 1
        else:
            out["diffs"].append(f"attribution {g['id']} speaker {p.get('speaker')!r} vs gold {g.get('speaker')!r}")
    for i, p in enumerate(attrs):
        if i not in used:
            out["diffs"].append(f"attribution extra: {_text(p['source'])!r} {_text(p['cue'])!r} "
                                f"{(_text(p['content']) or '')[:60]!r} ({p['rule']})")
    out["attributions"] = {"gold": len(gold["attributions"]), "pred": len(attrs), "found": found,
                           "exact": exact, "speaker": speaker_ok}

    comms = [c for c in claims if c["kind"] == "commitment"]
    found = good = 0
    used = set()
    for g in gold["commitments"]:
        match = next((i for i, p in enumerate(comms) if i not in used and _key(p["trigger"]) == _key(g["trigger"])),
                     None)
        if match is None:
            out["diffs"].append(f"commitment missing: {g['id']} {_text(g['agent'])!r} {_text(g['trigger'])!r}")
            continue
        used.add(match)
        p = comms[match]
        found += 1
        action_cover = _overlap(p["action"], g["action"]) / max(1, g["action"]["end"] - g["action"]["start"])
        ok = _key(p["agent"]) == _key(g["agent"]) and p["status"] == g["status"] and action_cover >= 0.8
        good += ok
        if not ok:
            out["diffs"].append(f"commitment {g['id']}: agent {_text(p['agent'])!r} vs {_text(g['agent'])!r}, "
                                f"status {p['status']} vs {g['status']}, action cover {action_cover:.2f}")
    for i, p in enumerate(comms):
        if i not in used:
            out["diffs"].append(f"commitment extra: {_text(p['agent'])!r} {_text(p['trigger'])!r} ({p['rule']})")
    out["commitments"] = {"gold": len(gold["commitments"]), "pred": len(comms), "found": found, "exact": good}

    by_span = {(s["start"], s["end"]): s for s in sentences}
    typed = [(g, by_span.get((g["start"], g["end"]))) for g in gold["sentences"]]
    if all(p is not None and "type" in p for _, p in typed):
        out["types"] = {"gold": len(typed), "type_right": sum(g["type"] == p["type"] for g, p in typed),
                        "reported_right": sum(g["reported"] == p["reported"] for g, p in typed)}
        for g, p in typed:
            if g["type"] != p["type"] or g["reported"] != p["reported"]:
                out["diffs"].append(f"sentence type {p['type']}/{p['reported']} vs gold {g['type']}/{g['reported']}:"
                                    f" {g['text'][:60]!r}")
    return out


def report(gold_path: Path, res, scorer=None) -> str:
    from claimminer.pipeline import extract_document
    from claimminer.records import claim_record, sentence_records

    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    text_path = Path(gold_path).with_name(Path(gold_path).name.replace(".gold.json", ".txt"))
    text = text_path.read_text(encoding="utf-8")
    result = extract_document(Document(text_path.stem, text, normalize(text)), res)
    if scorer is None:
        try:
            from claimminer.classify import scorer_for_run

            scorer, _ = scorer_for_run(res)
        except ImportError:
            scorer = None
    sentences = list(sentence_records(result, scorer(result) if scorer else None))
    claims = [claim_record(result, i) for i in range(len(result.claims))]
    figures = compare(gold, text, sentences, claims)
    s, a, c = figures["sentences"], figures["attributions"], figures["commitments"]
    lines = [f"seed {text_path.name}:",
             f"  sentences     {s['exact']}/{s['gold']} exact ({s['pred']} predicted)",
             f"  attributions  {a['found']}/{a['gold']} found, {a['exact']} exact in source, cue and content, "
             f"{a['speaker']} speakers right, {a['pred'] - a['found']} extra",
             f"  commitments   {c['found']}/{c['gold']} found, {c['exact']} with agent, trigger, status exact and "
             f"action >= 0.8, {c['pred'] - c['found']} extra"]
    if "types" in figures:
        t = figures["types"]
        lines.append(f"  types         {t['type_right']}/{t['gold']} types right, {t['reported_right']}/{t['gold']} "
                     f"reported flags right")
    lines += ["  " + d for d in figures["diffs"]]
    return "\n".join(lines)
