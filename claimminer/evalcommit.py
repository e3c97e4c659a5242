"""``claimminer eval-commitments``: score commitments on our gold and on the seed gold.

Our gold (``tests/data/commitments/{dev,test}.jsonl``) holds one sentence per
record; each sentence is run through the whole pipeline as its own document.

* **Sentence level**: a sentence is positive when it holds at least one
  commitment; P/R/F1 of predicted against gold positives.
* **Span level**: trigger **strict** (exact span after trimming white space
  and punctuation, one to one); agent, action, condition and time
  **partial** after Pareti, as in ``claimminer.evaluate``: precision is the
  mean over predicted spans of the best character overlap with a gold span of
  the same role in the same sentence over the predicted length; recall the
  same from the gold side.
* **Status accuracy**: on gold and predicted commitments paired one to one in
  a sentence, largest trigger overlap first (ties: gold order); a pair needs
  overlapping triggers. Also reported: agent exact and the attribution link
  (``in_reported_speech`` against a predicted ``attribution``) on the pairs.
* **Seed**: the figures the issue sets on the seed article (every gold
  commitment found by exact trigger, with agent, trigger and status exact and
  action covered >= 0.8; no other commitment), via ``claimminer.seedeval``.
"""
from __future__ import annotations

import json
from pathlib import Path

from claimminer.evaluate import length, normalise_role, overlap
from claimminer.normalize import normalize
from claimminer.spans import Document, Span

ROLES = ("agent", "trigger", "action", "condition", "time")
PARTIAL = ("agent", "action", "condition", "time")


def gold_path(split: str) -> Path:
    return Path(__file__).resolve().parent.parent / "tests" / "data" / "commitments" / f"{split}.jsonl"


def load_gold(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def predict(records: list[dict], res) -> list[list[dict]]:
    """Predicted commitments per sentence, as dicts of role -> Span plus status and attribution."""
    from claimminer.pipeline import extract_document

    out = []
    for record in records:
        text = record["text"]
        result = extract_document(Document(record["id"], text, normalize(text)), res)
        found = []
        for claim, link in zip(result.claims, result.links):
            if claim.kind != "commitment":
                continue
            item = {role: claim.role(role) for role in ROLES}
            item.update(status=claim.attr("status"), attribution=link, rule=claim.rule)
            found.append(item)
        out.append(found)
    return out


def _gold_items(record: dict) -> list[dict]:
    items = []
    for c in record["commitments"]:
        item = {role: Span(c[role]["start"], c[role]["end"]) if c.get(role) else None for role in ROLES}
        item.update(status=c["status"], reported=c.get("in_reported_speech", False))
        items.append(item)
    return items


def _norm(text: str, span: Span | None) -> tuple[Span, ...]:
    return normalise_role(text, [span]) if span is not None else ()


def _ratios(text: str, mine: list[Span], others: list[Span]) -> list[float]:
    out = []
    for span in mine:
        frags = _norm(text, span)
        if not length(frags):
            continue
        best = max((overlap(frags, _norm(text, o)) for o in others), default=0)
        out.append(best / length(frags))
    return out


def _prf(tp_p: float, n_p: int, tp_g: float, n_g: int) -> dict:
    p = tp_p / n_p if n_p else 0.0
    r = tp_g / n_g if n_g else 0.0
    return {"gold": n_g, "pred": n_p, "p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _pairs(text: str, gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            shared = overlap(_norm(text, g["trigger"]), _norm(text, p["trigger"]))
            if shared:
                candidates.append((-shared, i, j))
    used_g, used_p, pairs = set(), set(), []
    for _, i, j in sorted(candidates):
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def score(records: list[dict], predictions: list[list[dict]]) -> tuple[dict, list[str]]:
    """All figures for one split, and a list of readable errors."""
    sent = {"tp": 0, "fp": 0, "fn": 0}
    trig = {"tp": 0, "gold": 0, "pred": 0}
    partial = {r: {"p": [], "g": []} for r in PARTIAL}
    status = agent_exact = linked = pairs_n = 0
    errors: list[str] = []
    for record, pred in zip(records, predictions):
        text, gold = record["text"], _gold_items(record)
        sent["tp"] += bool(gold) and bool(pred)
        sent["fp"] += not gold and bool(pred)
        sent["fn"] += bool(gold) and not pred
        g_trig = {(s.start, s.end) for s in (_norm(text, g["trigger"]) for g in gold) for s in s}
        p_trig = [tuple((s.start, s.end) for s in _norm(text, p["trigger"])) for p in pred]
        trig["gold"] += len(gold)
        trig["pred"] += len(pred)
        trig["tp"] += sum(1 for t in p_trig if t and all(x in g_trig for x in t))
        for role in PARTIAL:
            g_spans = [g[role] for g in gold if g[role] is not None]
            p_spans = [p[role] for p in pred if p[role] is not None]
            partial[role]["p"] += _ratios(text, p_spans, g_spans)
            partial[role]["g"] += _ratios(text, g_spans, p_spans)
        for i, j in _pairs(text, gold, pred):
            g, p = gold[i], pred[j]
            pairs_n += 1
            status += g["status"] == p["status"]
            agent_exact += _norm(text, g["agent"]) == _norm(text, p["agent"])
            linked += g["reported"] == (p["attribution"] is not None)
        errors += _errors(record, gold, pred)
    figures = {
        "sentences": len(records),
        "sentence": _prf(sent["tp"], sent["tp"] + sent["fp"], sent["tp"], sent["tp"] + sent["fn"]),
        "trigger_strict": _prf(trig["tp"], trig["pred"], trig["tp"], trig["gold"]),
        "partial": {r: _prf(sum(v["p"]), len(v["p"]), sum(v["g"]), len(v["g"])) for r, v in partial.items()},
        "pairs": pairs_n,
        "status_accuracy": status / pairs_n if pairs_n else 0.0,
        "agent_exact": agent_exact / pairs_n if pairs_n else 0.0,
        "link_accuracy": linked / pairs_n if pairs_n else 0.0,
    }
    return figures, errors


def _show(text: str, item: dict) -> str:
    parts = [f"{role}={text[s.start:s.end]!r}" for role in ROLES if (s := item.get(role)) is not None]
    return f"[{item['status']}] " + " ".join(parts)


def _errors(record: dict, gold: list[dict], pred: list[dict]) -> list[str]:
    text = record["text"]
    g_show = sorted(_show(text, g) for g in gold)
    p_show = sorted(_show(text, p) for p in pred)
    if g_show == p_show:
        return []
    lines = [f"{record['id']}: {text}"]
    lines += [f"    gold {s}" for s in g_show] + [f"    pred {s}" for s in p_show]
    return lines


def seed_figures(res) -> dict | None:
    """The seed article's commitment figures, or None when the seed gold is absent."""
    from claimminer import seedeval
    from claimminer.paths import seed_gold
    from claimminer.pipeline import extract_document
    from claimminer.records import claim_record, sentence_records

    gold_file = seed_gold()
    if not gold_file.exists():
        return None
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    text = gold_file.with_name("paris-coalition-summit.txt").read_text(encoding="utf-8")
    result = extract_document(Document("paris-coalition-summit", text, normalize(text)), res)
    claims = [claim_record(result, i) for i in range(len(result.claims))]
    figures = seedeval.compare(gold, text, list(sentence_records(result)), claims)
    out = dict(figures["commitments"])
    out["extra"] = out["pred"] - out["found"]
    out["diffs"] = [d for d in figures["diffs"] if d.startswith("commitment")]
    out["passed"] = out["exact"] == out["gold"] and out["extra"] == 0
    return out


def format_report(split: str, figures: dict, seed: dict | None, errors: list[str], show_errors: bool) -> str:
    s, t = figures["sentence"], figures["trigger_strict"]
    lines = [f"commitments on {split}.jsonl ({figures['sentences']} sentences)",
             f"  sentence level   P {s['p']:.3f}  R {s['r']:.3f}  F1 {s['f1']:.3f}  (gold {s['gold']}, pred {s['pred']})",
             f"  trigger strict   P {t['p']:.3f}  R {t['r']:.3f}  F1 {t['f1']:.3f}  (gold {t['gold']}, pred {t['pred']})"]
    for role, f in figures["partial"].items():
        lines.append(f"  {role:<9} partial P {f['p']:.3f}  R {f['r']:.3f}  F1 {f['f1']:.3f}  (gold {f['gold']}, pred {f['pred']})")
    lines.append(f"  on {figures['pairs']} paired commitments: status accuracy {figures['status_accuracy']:.3f}, "
                 f"agent exact {figures['agent_exact']:.3f}, attribution link {figures['link_accuracy']:.3f}")
    if seed is None:
        lines.append("seed: skipped (seed gold absent)")
    else:
        lines.append(f"seed: {seed['found']}/{seed['gold']} found, {seed['exact']} with agent, trigger, status exact and "
                     f"action >= 0.8, {seed['extra']} extra: {'PASS' if seed['passed'] else 'FAIL'}")
        lines += ["  " + d for d in seed["diffs"]]
    if show_errors and errors:
        lines += ["", "differences:"] + errors
    return "\n".join(lines)


def main(args) -> int:
    from claimminer.cli import load_resources

    split = getattr(args, "split", None) or "test"
    path = gold_path(split)
    if not path.exists():
        print(f"eval-commitments: skipped: {path} is absent")
        return 0
    res = load_resources(getattr(args, "rules", None))
    if res is None:
        return 2
    records = load_gold(path)
    figures, errors = score(records, predict(records, res))
    seed = seed_figures(res)
    if getattr(args, "json", False):
        print(json.dumps({"split": split, **figures, "seed": seed}, indent=2, sort_keys=True))
    else:
        # Differences are listed for dev only: test errors must not steer the rules.
        print(format_report(split, figures, seed, errors, show_errors=split == "dev"))
    return 0
