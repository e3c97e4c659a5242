"""Scoring and timing of the sentence splitter (no CLI wiring here).

* ``golden_rules``: exact match of the whole sentence list per benchmark case.
* ``seed_offsets``: exact (start, end) match against a gold file's ``sentences``.
* ``bench_segmentation``: MB/s of our splitter and of pySBD (comparison only).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

from claimminer.normalize import normalize
from claimminer.paths import default_rules_dir, seeds_dir, shared_data_dir
from claimminer.segment import SentenceSplitter



def split_strings(splitter: SentenceSplitter, text: str) -> list[str]:
    """Sentences of ``text`` (read from the normalised copy, returned from the original)."""
    return [text[a:b] for a, b in splitter.span_tokenize(normalize(text))]


def golden_rules(splitter: SentenceSplitter, path: Path) -> dict:
    """Score the Golden Rules JSONL: a case passes when every sentence matches."""
    failures: list[dict] = []
    total = 0
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            case = json.loads(line)
            total += 1
            got = [s.strip() for s in split_strings(splitter, case["text"])]
            want = [s.strip() for s in case["sentences"]]
            if got != want:
                failures.append({"id": case["id"], "rule": case["rule"], "got": got, "want": want})
    return {"passed": total - len(failures), "total": total, "failures": failures}


def seed_offsets(splitter: SentenceSplitter, text_path: Path, gold_path: Path) -> dict:
    """Compare spans with a gold file's ``sentences`` (start/end exact)."""
    text = Path(text_path).read_text(encoding="utf-8")
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    want = [(s["start"], s["end"]) for s in gold["sentences"]]
    got = list(splitter.span_tokenize(normalize(text)))
    missing = [text[a:b] for a, b in want if (a, b) not in set(got)]
    extra = [text[a:b] for a, b in got if (a, b) not in set(want)]
    return {"exact": got == want, "gold": len(want), "predicted": len(got),
            "missing": missing, "extra": extra}


def news_texts(limit: Optional[int] = None) -> list[str]:
    """PolNeAR dev texts (read at run time, never copied) plus the seed article."""
    texts: list[str] = []
    text_dir = shared_data_dir() / "polnear" / "dev" / "text"
    if text_dir.is_dir():
        for path in sorted(text_dir.glob("*.txt"))[:limit]:
            texts.append(path.read_text(encoding="utf-8"))
    seed = seeds_dir() / "paris-coalition-summit.txt"
    if seed.is_file():
        texts.append(seed.read_text(encoding="utf-8"))
    return texts


def _repeat_to(texts: list[str], min_chars: int) -> list[str]:
    """Repeat the documents until they total at least ``min_chars`` characters."""
    if not texts:
        raise ValueError("no texts to benchmark")
    size = sum(len(t) for t in texts)
    copies = max(1, -(-min_chars // size))
    return [normalize(t) for t in texts] * copies


def _mb(texts: list[str]) -> float:
    return sum(len(t.encode("utf-8")) for t in texts) / 1e6


def bench_segmentation(texts: list[str], seconds_budget: float = 60.0,
                       min_chars: int = 5_000_000) -> dict:
    """MB/s of our splitter on >= ``min_chars`` of text, of pySBD on a sample, and the ratio.

    pySBD is measured on documents until a third of the budget is spent and
    extrapolated as MB/s; it is imported here only, as a comparison.
    """
    corpus = _repeat_to(texts, min_chars)
    splitter = SentenceSplitter.from_rules_dir(default_rules_dir())
    splitter.tokenize("Warm up. Done.")  # build Punkt outside the timing
    started = time.perf_counter()
    sentences = sum(sum(1 for _ in splitter.span_tokenize(t)) for t in corpus)
    ours_seconds = time.perf_counter() - started
    result = {"mb": round(_mb(corpus), 3), "sentences": sentences,
              "ours_seconds": round(ours_seconds, 3), "ours_mb_s": _mb(corpus) / ours_seconds}
    import pysbd  # benchmark only; never a runtime dependency

    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)
    done: list[str] = []
    started = time.perf_counter()
    for text in corpus:
        segmenter.segment(text)
        done.append(text)
        if time.perf_counter() - started > seconds_budget / 3:
            break
    pysbd_seconds = time.perf_counter() - started
    result.update({"pysbd_mb": round(_mb(done), 3), "pysbd_seconds": round(pysbd_seconds, 3),
                   "pysbd_mb_s": _mb(done) / pysbd_seconds})
    result["ratio"] = result["ours_mb_s"] / result["pysbd_mb_s"]
    return result


def report(seconds_budget: float = 60.0) -> dict:
    """All three figures: golden rules, seed offsets, speed."""
    splitter = SentenceSplitter.from_rules_dir(default_rules_dir())
    data = shared_data_dir()
    seeds = data.parent / "seeds"
    return {
        "golden": golden_rules(splitter, data / "sbd" / "golden_rules_en.jsonl"),
        "seed": seed_offsets(splitter, seeds / "paris-coalition-summit.txt",
                             seeds / "paris-coalition-summit.gold.json"),
        "speed": bench_segmentation(news_texts(), seconds_budget),
    }


if __name__ == "__main__":
    figures = report()
    golden, seed, speed = figures["golden"], figures["seed"], figures["speed"]
    print(f"golden rules: {golden['passed']}/{golden['total']}")
    for failure in golden["failures"]:
        print(f"  FAIL {failure['id']} {failure['rule']}\n    got  {failure['got']}\n    want {failure['want']}")
    print(f"seed: exact={seed['exact']} predicted={seed['predicted']} gold={seed['gold']}")
    for key in ("missing", "extra"):
        for sentence in seed[key]:
            print(f"  {key}: {sentence!r}")
    print(f"speed: ours {speed['ours_mb_s']:.2f} MB/s on {speed['mb']} MB, "
          f"pySBD {speed['pysbd_mb_s']:.3f} MB/s on {speed['pysbd_mb']} MB, ratio {speed['ratio']:.1f}x")
