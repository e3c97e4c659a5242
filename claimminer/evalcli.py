"""Evaluation commands: attributions on brat gold, the seed article, sentence splitting."""
from __future__ import annotations

import json
from pathlib import Path

from claimminer.normalize import normalize
from claimminer.paths import seed_gold, shared_data_dir
from claimminer.spans import Document


def skip(what: str, path: Path) -> int:
    print(f"{what}: skipped: {path} is absent")
    return 0


def predict_corpus(texts: dict[str, str], res) -> list[dict]:
    """claims.jsonl-shaped records for every text (documents in sorted id order)."""
    from claimminer.pipeline import extract_document
    from claimminer.records import claim_record

    records = []
    for doc_id in sorted(texts):
        result = extract_document(Document(doc_id, texts[doc_id], normalize(texts[doc_id])), res)
        records.extend(claim_record(result, i) for i in range(len(result.claims)))
    return records


def attribution(args) -> int:
    from claimminer.brat import load_gold
    from claimminer.cli import load_resources
    from claimminer.evaluate import evaluate, format_report, load_predictions, predictions_from_records

    if not args.gold.exists():
        return skip("eval", args.gold)
    gold, texts = load_gold(args.gold)
    if args.pred:
        pred = load_predictions(args.pred, texts)
    else:
        res = load_resources(args.rules)
        if res is None:
            return 2
        pred = predictions_from_records(predict_corpus(texts, res), texts)
    figures = evaluate(gold, pred, texts)
    print(json.dumps(figures, indent=2, sort_keys=True) if args.json else format_report(figures))
    return 0


def sbd(args) -> int:
    from claimminer.cli import load_resources
    from claimminer.sbd_eval import golden_rules

    path = args.data or shared_data_dir() / "sbd" / "golden_rules_en.jsonl"
    if not path.exists():
        return skip("eval-sbd", path)
    res = load_resources(args.rules)
    if res is None:
        return 2
    result = golden_rules(res.splitter, path)
    print(f"eval-sbd: Golden Rules {result['passed']}/{result['total']} cases exact"
          f" (pySBD 47/48, NLTK Punkt 27/48)")
    for failure in result.get("failures", []):
        print(f"  miss {failure}")
    return 0


def seed(args) -> int:
    """Every figure the issues set on the seed article, against its gold file."""
    from claimminer.cli import load_resources
    from claimminer import seedeval

    gold_path = args.gold or seed_gold()
    if not gold_path.exists():
        return skip("eval-seed", gold_path)
    res = load_resources(args.rules)
    if res is None:
        return 2
    print(seedeval.report(gold_path, res))
    return 0
