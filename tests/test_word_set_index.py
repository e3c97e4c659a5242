"""``featcore.WordSetIndex`` (one dict lookup per gram) gives the features of the plain
set-by-set test (``featcore._word_set_marks``), in the same order, and ``document_columns``
the same columns with the index as without it."""
from __future__ import annotations

import random
from pathlib import Path

from claimminer import featcore, features

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _texts() -> list[str]:
    """Seed sentences (roughly), texts made of cue and lexicon words, and the corner of "us"."""
    texts = [line for path in sorted(SEEDS.glob("*.txt")) for line in path.read_text(encoding="utf-8").split(". ")]
    words = sorted({w for _, ws in featcore.CUES.items() for w in ws} | {w for _, ws in features.LEX_KEYS for w in ws})
    rnd = random.Random(3)
    filler = ["the", "minister", "said", "US", "us", "We", "it", "rose", "7%", "plan", ",", "."]
    for _ in range(3000):
        texts.append(" ".join(rnd.choice(words if rnd.random() < 0.3 else filler) for _ in range(rnd.randint(0, 14))))
    texts += ["They told us so.", "The US said no.", "Us?", "", "we will", "I'll plan to"]
    return texts


def test_indexed_word_set_marks_are_the_plain_ones() -> None:
    index = featcore.WordSetIndex(features.LEX_KEYS)
    for text in _texts():
        grams = set(featcore.word_grams(text))
        plain: dict[str, float] = {"layout=body": 1.0}
        indexed: dict[str, float] = {"layout=body": 1.0}
        featcore._word_set_marks(text, grams, features.LEX_KEYS, plain)
        featcore._indexed_word_set_marks(text, grams, index, indexed)
        assert list(indexed.items()) == list(plain.items()), text


def test_document_columns_are_the_same_with_the_index() -> None:
    texts = _texts()
    rows: list[featcore.Row] = [{"text": t, "layout": "body", "index": i, "n": len(texts), "paragraph": 0,
                                 "claims": ()} for i, t in enumerate(texts)]
    vocab = {g: i for i, g in enumerate(sorted({g for t in texts for g in featcore.word_grams(t)}))}
    chars = {g: i for i, g in enumerate(sorted({g for t in texts[:200] for g in featcore.char_grams(t)}))}
    keys = {k: i for i, k in enumerate(sorted({k for r in rows for k in features.row_features(r)}))}
    plain = featcore.document_columns(rows, vocab, chars, keys, {}, 10, features.LEX_KEYS)
    indexed = featcore.document_columns(rows, vocab, chars, keys, {}, 10, features.LEX_KEYS,
                                        featcore.WordSetIndex(features.LEX_KEYS))
    for name in ("word_cols", "word_counts", "char_cols", "char_counts", "row_rows", "row_cols", "row_vals"):
        assert getattr(indexed, name) == getattr(plain, name), name
