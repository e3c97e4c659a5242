"""``claimminer train``, ``eval-types`` and ``eval-claimbuster`` (issue 6), over ``classify``'s model."""
from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline

from claimminer import classify, features
from claimminer.classify import TYPES, SentenceTypeModel
from claimminer.normalize import normalize
from claimminer.paths import seeds_dir, shared_data_dir
from claimminer.pipeline import extract_document
from claimminer.spans import Document

SEED_GOLD = "paris-coalition-summit.gold.json"
CLAIMBUSTER_NAMES = {"-1": "NFS", "0": "UFS", "1": "CFS"}
# C and class weights chosen by 5-fold CV on ClaimBuster crowdsourced.csv only (SPLIT.md):
# C=0.1 unweighted 0.648 CV macro-F1, C=0.3 0.645, balanced weights 0.642/0.641
TEXT_C = 0.1


# ---------------------------------------------------------------- generic text models

def text_model(C: float = TEXT_C) -> Pipeline:
    """Text-only model for a user's labelled data: word+char tf-idf, lexical cues, calibrated linear SVM."""
    return Pipeline([("features", features.text_features()),
                     ("clf", classify.calibrated_svm(C))])


def cv_macro_f1(texts: list[str], labels: list[str], folds: int = 5, C: float = TEXT_C) -> float:
    """Stratified, shuffled with a fixed seed, so the figure is reproducible."""
    y = np.asarray(labels)
    preds = np.empty(len(y), dtype=object)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=classify.SEED).split(texts, y):
        model = text_model(C).fit([texts[i] for i in train], y[train])
        preds[test] = model.predict([texts[i] for i in test])
    return float(f1_score(y, preds.astype(str), average="macro"))


def read_table(path: Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    """Texts and labels from a CSV (header row) or JSONL file; rows with an empty label are skipped."""
    rows: list[dict]
    with open(path, encoding="utf-8", newline="") as handle:
        if path.suffix.lower() in (".jsonl", ".json"):
            rows = [json.loads(line) for line in handle if line.strip()]
        else:
            rows = list(csv.DictReader(handle))
    if rows and (text_col not in rows[0] or label_col not in rows[0]):
        raise KeyError(f"{path}: needs columns {text_col!r} and {label_col!r}; has {sorted(rows[0])}")
    pairs = [(str(r[text_col]), str(r[label_col])) for r in rows if str(r.get(label_col, "")).strip() != ""]
    return [t for t, _ in pairs], [label for _, label in pairs]


def train_cli(args) -> int:
    from claimminer.cli import load_resources

    started = time.perf_counter()
    if args.data is not None:
        texts, labels = read_table(args.data, args.text, args.labels)
        print(f"{args.data}: {len(texts)} rows, labels {dict(sorted(_counts(labels).items()))}")
        print(f"5-fold cross-validated macro-F1: {cv_macro_f1(texts, labels):.4f}")
        model = text_model().fit(texts, labels)
        out = args.out or classify.cache_dir() / f"user-{args.data.stem}.json"
        classify.write_json_atomic(out, classify.model_to_json(model, "text"))
        print(f"model written to {out} ({time.perf_counter() - started:.1f} s)")
        return 0
    res = load_resources(args.rules)
    if res is None:
        return 2
    model, key, path = classify.load_or_build(res, rebuild=True)
    if args.out is not None:
        classify.write_json_atomic(args.out, classify.model_to_json(model, "sentences", key))
        path = args.out
    print(f"sentence-type model {key[:16]} rebuilt from {len(classify.data_files())} files "
          f"in {time.perf_counter() - started:.1f} s -> {path}")
    return 0


def _counts(labels) -> dict:
    out: dict = {}
    for label in labels:
        out[label] = out.get(label, 0) + 1
    return out


# ---------------------------------------------------------------- our split

def rules_only(rows: list[dict]) -> list[tuple[bool, str]]:
    """Baseline: reported = an attribution fired; type from commitment claims, layout and a trivial cue."""
    out = []
    for row in rows:
        kinds = {fact[0] for fact in row["claims"]}
        reported = "attribution" in kinds
        if "commitment" in kinds:
            kind = "commitment"
        elif row["layout"] not in ("body", "headline"):
            kind = "boilerplate"
        else:
            feats = features.row_features(row)
            kind = "evaluation" if reported or feats.get("cue=hedge") or row["text"].rstrip().endswith("?") else "factual"
        out.append((reported, kind))
    return out


def scores(gold: list[tuple[bool, str]], pred: list[tuple[bool, str]], p_type=None) -> dict:
    """Macro-F1, per-label P/R/F1, confusion matrix, reported F1 and (given probabilities) Brier scores."""
    gt, pt = [g[1] for g in gold], [p[1] for p in pred]
    p, r, f, n = precision_recall_fscore_support(gt, pt, labels=list(TYPES), zero_division=0)
    out = {"n": len(gold), "type_macro_f1": round(float(np.mean(f)), 4),
           "reported_f1": round(float(f1_score([g[0] for g in gold], [q[0] for q in pred])), 4),
           "per_label": {t: {"p": round(float(p[i]), 4), "r": round(float(r[i]), 4), "f1": round(float(f[i]), 4),
                             "n": int(n[i])} for i, t in enumerate(TYPES)},
           "confusion": confusion_matrix(gt, pt, labels=list(TYPES)).tolist()}
    if p_type is not None:
        onehot = np.array([[float(t == label) for label in TYPES] for t in gt])
        out["brier_type"] = round(float(np.mean(np.sum((p_type[1] - onehot) ** 2, axis=1))), 4)
        out["brier_reported"] = round(float(np.mean((p_type[0] - np.array([g[0] for g in gold])) ** 2)), 4)
    return out


def cross_validate(rows: list[dict], folds: int = 5) -> dict:
    """Grouped by article so no article is on both sides."""
    pred: list = [None] * len(rows)
    groups = [row["doc"] for row in rows]
    for train, test in GroupKFold(folds).split(rows, groups=groups):
        model = SentenceTypeModel(features=features.sentence_features()).fit([rows[i] for i in train])
        for i, guess in zip(test, model.predict([rows[i] for i in test])):
            pred[i] = guess
    return scores([(r["y_reported"], r["y_type"]) for r in rows], pred)


def seed_types(res, model) -> dict | None:
    gold_path = seeds_dir()
    gold_path = gold_path / SEED_GOLD
    if not gold_path.exists():
        return None
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    text = gold_path.with_name(SEED_GOLD.replace(".gold.json", ".txt")).read_text(encoding="utf-8")
    result = extract_document(Document("seed", text, normalize(text)), res)
    by_span = dict(zip([(s.start, s.end) for s in result.sentences],
                       classify.records(*model.predict_proba(classify.result_rows(result)))))
    typed = [(g, by_span.get((g["start"], g["end"]))) for g in gold["sentences"]]
    wrong = [f"{(p or {}).get('type')}/{(p or {}).get('reported')} vs gold {g['type']}/{g['reported']}: "
             f"{g['text'][:70]!r}" for g, p in typed if p is None or (p["type"], p["reported"]) != (g["type"], g["reported"])]
    return {"n": len(typed), "type_right": sum(bool(p) and p["type"] == g["type"] for g, p in typed),
            "reported_right": sum(bool(p) and p["reported"] == g["reported"] for g, p in typed), "wrong": wrong}


def evaluate_all(res) -> dict:
    started = time.perf_counter()
    rows = classify.labelled_rows(res)
    dev = [r for r in rows if not classify.is_test(r["doc"])]
    test_gold = [r for r in rows if classify.is_test(r["doc"])]
    # test rows as extract sees them: layout from the pipeline, not from the labels
    docs = classify.load_labelled()
    test = [r for d in sorted(docs) if classify.is_test(d)
            for r in classify.article_rows(d, docs[d], res, gold_layout=False)]
    model = SentenceTypeModel(features=features.sentence_features()).fit(dev)
    gold = [(r["y_reported"], r["y_type"]) for r in test]
    probs = model.predict_proba(test)
    out = {"sentences": {"dev": len(dev), "test": len(test_gold)},
           "cv_dev": cross_validate(dev), "test": scores(gold, model.predict(test), probs),
           "test_rules_only": scores(gold, rules_only(test))}
    shipped, key, _ = classify.load_or_build(res)
    out["model_key"] = key
    out["seed"] = seed_types(res, shipped)
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def _format(out: dict) -> str:
    lines = [f"sentence types: {out['sentences']['dev']} dev / {out['sentences']['test']} test sentences "
             f"(model {out['model_key'][:16]}, {out['seconds']} s)",
             f"  dev 5-fold CV (grouped by article): type macro-F1 {out['cv_dev']['type_macro_f1']:.4f}, "
             f"reported F1 {out['cv_dev']['reported_f1']:.4f}"]
    t, b = out["test"], out["test_rules_only"]
    lines += ["  test split            classifier   rules only",
              f"    type macro-F1       {t['type_macro_f1']:.4f}       {b['type_macro_f1']:.4f}",
              f"    reported F1         {t['reported_f1']:.4f}       {b['reported_f1']:.4f}",
              f"    Brier (type/rep.)   {t['brier_type']:.4f} / {t['brier_reported']:.4f}",
              "    per label           P      R      F1     n     (rules-only F1)"]
    for label in TYPES:
        s = t["per_label"][label]
        lines.append(f"      {label:<16}  {s['p']:.3f}  {s['r']:.3f}  {s['f1']:.3f}  {s['n']:<5} "
                     f"({b['per_label'][label]['f1']:.3f})")
    lines.append("    confusion (rows gold, columns predicted): " + " ".join(f"{x[:4]:>5}" for x in TYPES))
    for label, row in zip(TYPES, t["confusion"]):
        lines.append(f"      {label:<16}" + " " * 27 + " ".join(f"{v:>5}" for v in row))
    seed = out["seed"]
    if seed is None:
        lines.append(f"  seed: skipped ({SEED_GOLD} not found; set CLAIMMINER_SEEDS)")
    else:
        lines.append(f"  seed: {seed['type_right']}/{seed['n']} types right, "
                     f"{seed['reported_right']}/{seed['n']} reported flags right")
        lines += ["    " + w for w in seed["wrong"]]
    return "\n".join(lines)


def eval_cli(args) -> int:
    from claimminer.cli import load_resources

    res = load_resources(args.rules)
    if res is None:
        return 2
    out = evaluate_all(res)
    sys.stdout.write((json.dumps(out, indent=1) if args.json else _format(out)) + "\n")
    return 0


# ---------------------------------------------------------------- ClaimBuster

def claimbuster_cli(args) -> int:
    default = shared_data_dir()
    folder = args.data or default / "claimbuster"
    train_path, test_path = folder / "crowdsourced.csv", folder / "groundtruth.csv"
    if not (train_path.exists() and test_path.exists()):
        print(f"eval-claimbuster: skipped, {train_path} or {test_path} not found")
        return 0
    started = time.perf_counter()
    train_x, train_y = read_table(train_path, "Text", "Verdict")
    test_x, test_y = read_table(test_path, "Text", "Verdict")
    model = text_model().fit(train_x, train_y)
    pred = model.predict(test_x)
    labels = ["-1", "0", "1"]
    per = f1_score(test_y, pred, labels=labels, average=None)
    print(f"ClaimBuster: trained on {train_path.name} ({len(train_x)}), tested on {test_path.name} ({len(test_x)}), "
          f"{time.perf_counter() - started:.1f} s")
    print(f"  macro-F1 {float(np.mean(per)):.4f}; " + ", ".join(
        f"{CLAIMBUSTER_NAMES[label]} F1 {score:.4f}" for label, score in zip(labels, per)))
    return 0
