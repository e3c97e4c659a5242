"""Sentence types (issue 6): the ``reported`` flag and the content type of every sentence.

A linear model (linear SVMs with sigmoid calibration, two heads) over n-gram tf-idf and pipeline
features, trained from ``claimminer/data/sentence_types/*.jsonl``. The fitted
model is saved as JSON in a cache outside the repo, keyed by the sha256 of the
training data, this code, scikit-learn's version and the rule set (rule
features come from the rules), so any change rebuilds it. ``FastScorer`` does
the fitted model's arithmetic without scikit-learn's per-call overhead. The CLI
entry points (train, eval-types, eval-claimbuster) live in ``classify_cli``.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.calibration import CalibratedClassifierCV, _CalibratedClassifier, _SigmoidCalibration
from sklearn.svm import LinearSVC

from claimminer import __version__, featcore, features
from claimminer.features import (DATA_DIR, article_rows, article_text, data_files, is_test,  # noqa: F401
                                 labelled_rows, load_labelled, result_rows)
from claimminer.normalize import normalize
from claimminer.pipeline import DocumentResult, Resources, extract_document
from claimminer.spans import Document

TYPES = ("commitment", "factual", "evaluation", "boilerplate")
# The code that defines the model's features and arithmetic, hashed into its cache key. The
# ``.py`` sources by path: featcore's ``__file__`` may name its compiled extension instead.
FEATURE_SOURCES = tuple(Path(__file__).resolve().parent / name for name in ("features.py", "featcore.py", "classify.py"))
FORMAT = "claimminer-sentence-types/1"
WORD_CACHE_LIMIT = 500_000   # words whose char n-gram indices a scorer keeps (it lives for one run)
SEED = 0


# ---------------------------------------------------------------- model

class SentenceTypeModel(BaseEstimator, ClassifierMixin):
    """Shared features, two calibrated linear-SVM heads: ``reported`` (binary) and ``type`` (4 classes).

    C values were chosen by grouped 5-fold CV on the dev split only (grid 0.25, 0.5, 1, 2;
    re-run when quoted_clauses.jsonl was added: type macro-F1 0.8893 / 0.8908 / 0.8868 /
    0.8857, reported F1 0.9443 / 0.9470 / 0.9480 / 0.9494; type head re-checked when the evaluative
    lexicon features were added: 0.8953 / 0.8947 / 0.8921 for C 0.25 / 0.5 / 1, kept at 0.5).
    """

    def __init__(self, features=None, C_reported: float = 2.0, C_type: float = 0.5, random_state: int = SEED):
        self.features = features
        self.C_reported = C_reported
        self.C_type = C_type
        self.random_state = random_state

    def _head(self, C: float) -> CalibratedClassifierCV:
        return calibrated_svm(C, self.random_state)

    def fit(self, rows: list[dict], y=None):
        """``y`` is ignored: the labels are the rows' ``y_reported`` and ``y_type``."""
        self.features_ = clone(self.features if self.features is not None else features.sentence_features())
        X = self.features_.fit_transform(rows)
        self.reported_ = self._head(self.C_reported).fit(X, [int(r["y_reported"]) for r in rows])
        self.type_ = self._head(self.C_type).fit(X, [r["y_type"] for r in rows])
        return self

    def predict_proba(self, rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        """P(reported) per row, and type probabilities in ``TYPES`` order."""
        X = self.features_.transform(rows)
        p_rep = self.reported_.predict_proba(X)[:, list(self.reported_.classes_).index(1)]
        order = [list(self.type_.classes_).index(t) for t in TYPES]
        return p_rep, self.type_.predict_proba(X)[:, order]

    def predict(self, rows: list[dict]) -> list[tuple[bool, str]]:
        p_rep, p_type = self.predict_proba(rows)
        return [(bool(r >= 0.5), TYPES[int(np.argmax(t))]) for r, t in zip(p_rep, p_type)]


def records(p_rep: np.ndarray, p_type: np.ndarray) -> list[dict]:
    """The per-sentence dicts merged into sentences.jsonl (fixed key order, 4 decimals)."""
    out = []
    # Python floats up front (``tolist``: the same values as float() of each element, made in one go)
    best = np.argmax(p_type, axis=1).tolist() if len(p_type) else []
    for rep, probs, top in zip(p_rep.tolist(), p_type.tolist(), best):
        scores = {"reported": round(rep, 4)}
        scores.update(zip(TYPES, [round(p, 4) for p in probs]))
        out.append({"reported": rep >= 0.5, "type": TYPES[top], "scores": scores})
    return out


# ---------------------------------------------------------------- JSON (de)serialisation

def _union_to_json(union) -> dict:
    out = {}
    for name, pipe in union.transformer_list:
        last = pipe.steps[-1][1]
        if isinstance(last, TfidfVectorizer):
            terms = sorted(last.vocabulary_, key=last.vocabulary_.get)
            out[name] = {"terms": terms, "idf": last.idf_.tolist()}
        else:
            out[name] = {"terms": list(last.feature_names_)}
    return out


def _union_from_json(union, data: dict):
    for name, pipe in union.transformer_list:
        for _, step in pipe.steps[:-1]:
            step.fit([])
        last, terms = pipe.steps[-1][1], data[name]["terms"]
        vocab = {t: i for i, t in enumerate(terms)}
        if isinstance(last, TfidfVectorizer):
            last.vocabulary_ = vocab
            last.idf_ = np.asarray(data[name]["idf"], dtype=np.float64)
        elif isinstance(last, DictVectorizer):
            last.vocabulary_, last.feature_names_ = vocab, list(terms)
    return union


def calibrated_svm(C: float, random_state: int = SEED, class_weight=None) -> CalibratedClassifierCV:
    """One linear SVM on all the data plus sigmoid calibrators fitted on 3-fold decisions (small, fast)."""
    return CalibratedClassifierCV(LinearSVC(C=C, class_weight=class_weight, random_state=random_state),
                                  method="sigmoid", cv=3, ensemble=False)


def _head_to_json(head: CalibratedClassifierCV) -> dict:
    (inner,) = head.calibrated_classifiers_
    svm = inner.estimator
    return {"classes": [c.item() if hasattr(c, "item") else c for c in head.classes_],
            "coef": svm.coef_.tolist(), "intercept": svm.intercept_.tolist(),
            "sigmoid": [[float(c.a_), float(c.b_)] for c in inner.calibrators], "params": svm.get_params()}


def _head_from_json(data: dict) -> CalibratedClassifierCV:
    classes = np.asarray(data["classes"])
    svm = LinearSVC(**data["params"])
    svm.classes_, svm.coef_ = classes, np.asarray(data["coef"], dtype=np.float64)
    svm.intercept_ = np.asarray(data["intercept"], dtype=np.float64)
    svm.n_features_in_ = svm.coef_.shape[1]
    calibrators = []
    for a, b in data["sigmoid"]:
        calibrator = _SigmoidCalibration()
        calibrator.a_, calibrator.b_ = a, b
        calibrators.append(calibrator)
    head = CalibratedClassifierCV(LinearSVC(**data["params"]), method="sigmoid", cv=3, ensemble=False)
    head.classes_, head.n_features_in_ = classes, svm.n_features_in_
    head.calibrated_classifiers_ = [_CalibratedClassifier(svm, calibrators, classes=classes, method="sigmoid")]
    return head


def model_to_json(model, kind: str, key: str = "") -> dict:
    """``kind``: "sentences" (SentenceTypeModel) or "text" (a features + head Pipeline)."""
    if kind == "sentences":
        heads = {"reported": _head_to_json(model.reported_), "type": _head_to_json(model.type_)}
        union = model.features_
    else:
        heads = {"label": _head_to_json(model.steps[-1][1])}
        union = model.steps[0][1]
    return {"format": FORMAT, "kind": kind, "key": key, "claimminer": __version__,
            "sklearn": sklearn.__version__, "features": _union_to_json(union), "heads": heads}


def model_from_json(data: dict):
    if data.get("format") != FORMAT:
        raise ValueError(f"not a claimminer model file (format {data.get('format')!r})")
    if data["kind"] == "sentences":
        model = SentenceTypeModel(features=features.sentence_features())
        model.features_ = _union_from_json(features.sentence_features(), data["features"])
        model.reported_ = _head_from_json(data["heads"]["reported"])
        model.type_ = _head_from_json(data["heads"]["type"])
        return model
    from sklearn.pipeline import Pipeline

    return Pipeline([("features", _union_from_json(features.text_features(), data["features"])),
                     ("clf", _head_from_json(data["heads"]["label"]))])


def write_json_atomic(path: Path, data: dict) -> None:
    """Write then rename, so a racing process sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
        os.chmod(tmp, 0o644)   # mkstemp makes it private; a cache is shared by the user's processes
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- cache and scorer

def cache_dir() -> Path:
    env = os.environ.get("CLAIMMINER_CACHE")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "claimminer"
    return base


def model_key(res: Resources) -> str:
    """sha256 of training data and the evaluative lexicon, code version and source, scikit-learn version and rule set."""
    digest = hashlib.sha256()
    for path in data_files() + [features.LEXICON_PATH]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for part in (__version__, sklearn.__version__, res.rulebook.fingerprint()):
        digest.update(part.encode() + b"\0")
    for source in FEATURE_SOURCES:
        digest.update(source.read_bytes())
    return digest.hexdigest()


def train_shipped(res: Resources) -> SentenceTypeModel:
    """The shipped model: every labelled sentence (dev and test), labelled layouts."""
    return SentenceTypeModel(features=features.sentence_features()).fit(labelled_rows(res))


def load_or_build(res: Resources, rebuild: bool = False) -> tuple[SentenceTypeModel, str, Path]:
    key = model_key(res)
    path = cache_dir() / f"sentence-types-{key[:16]}.json"
    if not rebuild and path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") == key:
                return model_from_json(data), key, path
        except (ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    model = train_shipped(res)
    write_json_atomic(path, model_to_json(model, "sentences", key))
    return model_from_json(json.loads(path.read_text(encoding="utf-8"))), key, path


class FastScorer:
    """The fitted model's arithmetic without scikit-learn's per-call overhead (scoring <= 0.2 ms a sentence).

    Same features (``features.word_grams``/``char_grams``/``row_features``), same
    tf-idf and calibration formulas; tests check it against ``predict_proba``.
    A document's sentences are scored together: their features go into one sparse
    matrix and the decisions are one sparse-dense product.
    """

    def __init__(self, model: SentenceTypeModel) -> None:
        blocks = dict((name, pipe.steps[-1][1]) for name, pipe in model.features_.transformer_list)
        self.word_vocab, self.char_vocab = blocks["word"].vocabulary_, blocks["char"].vocabulary_
        self.row_vocab = blocks["rows"].vocabulary_
        self.word_idf, self.char_idf = blocks["word"].idf_, blocks["char"].idf_
        self.char_offset = len(self.word_vocab)
        self.row_offset = self.char_offset + len(self.char_vocab)
        rep, typ = (head.calibrated_classifiers_[0] for head in (model.reported_, model.type_))
        order = [list(model.type_.classes_).index(t) for t in TYPES]
        self.weights = np.vstack([rep.estimator.coef_, typ.estimator.coef_[order]]).T.copy()
        self.bias = np.concatenate([rep.estimator.intercept_, typ.estimator.intercept_[order]])
        sig = [rep.calibrators[0]] + [typ.calibrators[i] for i in order]
        self.sig_a = np.array([c.a_ for c in sig])
        self.sig_b = np.array([c.b_ for c in sig])
        self.word_cache: dict[str, bytes] = {}   # word -> its packed char n-gram indices
        self.word_sets = featcore.WordSetIndex(features.LEX_KEYS)   # the cue and lexicon sets, indexed

    @staticmethod
    def _tfidf(n: int, counts: list[int], cols: np.ndarray, idf: np.ndarray) -> tuple[np.ndarray, ...]:
        """One tf-idf block as (row, column, value), rows then columns ascending.

        ``counts[r]`` entries of ``cols`` (int64) belong to row ``r``. Sublinear tf times idf,
        unit length per row: TfidfTransformer's formula, with its float operations in
        its order (the sums of squares run over each row's columns in ascending order).
        """
        if not len(cols):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        size = len(idf)
        rows = np.repeat(np.arange(n, dtype=np.int64), counts)
        keys, tf = np.unique(rows * size + cols, return_counts=True)
        r, c = keys // size, keys % size
        values = (1.0 + np.log(tf)) * idf[c]
        norms = np.sqrt(np.bincount(r, weights=values * values, minlength=n))
        values /= norms[r]
        return r, c, values

    def features(self, rows: list[dict]) -> sparse.csr_array:
        """The feature matrix of ``rows`` (one row per sentence), in the model's column order.

        Within a matrix row the entries run word block, char block, then the pipeline
        features in ``row_features`` order: the order in which the decisions add them up.
        """
        n = len(rows)
        got = featcore.document_columns(rows, self.word_vocab, self.char_vocab, self.row_vocab, self.word_cache,
                                        WORD_CACHE_LIMIT, features.LEX_KEYS, self.word_sets)
        # the char block arrives packed: read in place, no conversion per integer
        char_cols = np.frombuffer(got.char_cols, dtype=np.int64)
        wr, wc, wv = self._tfidf(n, got.word_counts, np.asarray(got.word_cols, dtype=np.int64), self.word_idf)
        cr, cc, cv = self._tfidf(n, got.char_counts, char_cols, self.char_idf)
        row_of = np.concatenate([wr, cr, np.asarray(got.row_rows, dtype=np.int64)])
        cols = np.concatenate([wc, cc + self.char_offset, np.asarray(got.row_cols, dtype=np.int64) + self.row_offset])
        values = np.concatenate([wv, cv, np.asarray(got.row_vals, dtype=np.float64)])
        order = np.argsort(row_of, kind="stable")   # stable: each row keeps the block order above
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=n), out=indptr[1:])
        return sparse.csr_array((values[order], cols[order], indptr), shape=(n, len(self.weights)))

    def decisions(self, rows: list[dict]) -> np.ndarray:
        """SVM decision values per row: reported, then the types in ``TYPES`` order."""
        # csr @ dense adds each row's entries one by one in stored order, from zero.
        return self.features(rows) @ self.weights + self.bias

    def predict_proba(self, rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        p = 1.0 / (1.0 + np.exp(self.sig_a * self.decisions(rows) + self.sig_b))
        return p[:, 0], p[:, 1:] / p[:, 1:].sum(axis=1, keepdims=True)


def scorer_for_run(res: Resources) -> tuple[Callable[[DocumentResult], list[dict]], dict]:
    """A scorer (DocumentResult -> one dict per sentence) and the manifest entries."""
    model, key, path = load_or_build(res)
    fast = FastScorer(model)

    def score(result: DocumentResult) -> list[dict]:
        if not result.sentences:
            return []
        return records(*fast.predict_proba(result_rows(result)))

    return score, {"model_key": key, "model_cache": str(path), "data_files": data_files()}


def bench_scoring(res: Resources, n_sentences: int = 5000) -> dict:
    """Scoring cost per sentence over the labelled articles run through the pipeline (extraction not timed)."""
    score, extra = scorer_for_run(res)
    docs = load_labelled()
    results = []
    for doc_id in sorted(docs):
        text, _ = article_text(docs[doc_id])
        results.append(extract_document(Document(doc_id, text, normalize(text)), res))
    for result in results:   # warm-up: fills the per-word n-gram cache as a long run would
        score(result)
    done, i, started, cpu = 0, 0, time.perf_counter(), time.process_time()
    while done < n_sentences:
        result = results[i % len(results)]
        score(result)
        done += len(result.sentences)
        i += 1
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    # CPU time is the cost; wall time also counts other processes sharing the cores
    return {"sentences": done, "documents": i, "seconds": round(seconds, 3),
            "ms_per_sentence": round(1000 * cpu / max(done, 1), 4),
            "wall_ms_per_sentence": round(1000 * seconds / max(done, 1), 4), "model_key": extra["model_key"]}
