"""``claimminer bench`` (``make bench``): the speed and memory figures the issues ask for, in one process.

1. segmentation MB/s, ours and pySBD side by side (issue 2);
2. rule-stage cost per sentence (issue 3);
3. ``extract`` end to end, sentences/s (issue 4): in one process, and with one worker
   process per core (``claimminer extract``'s default) when there are several;
4. sentence-type scoring cost and training time (issue 6);
5. peak memory of the process.

The corpus is PolNeAR dev (read at run time from ``$CLAIMMINER_SHARED_DATA``,
never copied); without it the repo's ``seeds/`` stand in, repeated. Set
``CLAIMMINER_BENCH_JSON=FILE`` to also write the figures as JSON.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import platform
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

from claimminer import pipeline
from claimminer.corpus import iter_documents
from claimminer.normalize import normalize
from claimminer.pipeline import Resources, segment_document
from claimminer.quotes import find_quotes
from claimminer.run import resolve_jobs
from claimminer.paths import shared_data_dir
from claimminer.sbd_eval import news_texts
from claimminer.spans import Document

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
SEG_BUDGET_S = 60.0      # pySBD gets a third of it; ours always runs the whole corpus
MIN_PASS_S = 3.0         # repeat short measurements until they last this long
MAX_PASSES = 20


@dataclass(frozen=True)
class Figure:
    """One line of the table: ``ok`` is None when there is no target (or it was skipped)."""

    name: str
    value: float | None
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""

    def status(self) -> str:
        if self.value is None:
            return "SKIP"
        return "INFO" if self.ok is None else ("PASS" if self.ok else "MISS")


# ---------------------------------------------------------------- inputs

def corpus_dir() -> tuple[Path, str]:
    """PolNeAR dev texts when present, else the repo's seeds (and a label saying which)."""
    text_dir = shared_data_dir() / "polnear" / "dev" / "text"
    if text_dir.is_dir() and any(text_dir.glob("*.txt")):
        return text_dir, "PolNeAR dev"
    return SEEDS_DIR, "seeds/ (PolNeAR dev absent)"


def load_documents(folder: Path) -> list[Document]:
    """Every readable document of ``folder`` with its normalised copy (read errors are skipped)."""
    docs = []
    for item in iter_documents([folder]):
        if isinstance(item, Document):
            docs.append(Document(item.doc_id, item.text, item.norm or normalize(item.text), item.origin))
    return docs


def machine() -> dict:
    """Python, platform and core count, printed above the table."""
    from claimminer import __version__, compiled_modules

    return {"python": platform.python_version(), "platform": platform.platform(terse=True),
            "nproc": os.cpu_count() or 0, "claimminer": __version__, "compiled": compiled_modules()}


# ---------------------------------------------------------------- 1. segmentation

def _ours_only(texts: list[str], min_chars: int, rules_dir: Path | None) -> dict:
    """Our splitter alone, for when pySBD is not installed."""
    from claimminer.paths import default_rules_dir
    from claimminer.segment import SentenceSplitter

    splitter = SentenceSplitter.from_rules_dir(rules_dir or default_rules_dir())
    splitter.tokenize("Warm up. Done.")
    norms = [normalize(t) for t in texts]
    size = sum(len(t) for t in norms)
    corpus = norms * max(1, -(-min_chars // max(size, 1)))
    started = time.perf_counter()
    for text in corpus:
        for _ in splitter.span_tokenize(text):
            pass
    seconds = time.perf_counter() - started
    mb = sum(len(t.encode("utf-8")) for t in corpus) / 1e6
    return {"mb": mb, "ours_mb_s": mb / max(seconds, 1e-9)}


def segmentation_figures(texts: list[str], megabytes: float, rules_dir: Path | None = None,
                         budget: float = SEG_BUDGET_S) -> list[Figure]:
    """Our MB/s on >= ``megabytes`` of text, and pySBD's in the same process when installed."""
    from claimminer.sbd_eval import bench_segmentation

    min_chars = max(1, int(megabytes * 1e6))
    if importlib.util.find_spec("pysbd") is None:
        speed = _ours_only(texts, min_chars, rules_dir)
        return [Figure("segmentation, ours", speed["ours_mb_s"], "MB/s", ">= 1 MB/s",
                       speed["ours_mb_s"] >= 1.0, f"on {speed['mb']:.1f} MB"),
                Figure("segmentation, pySBD", None, "MB/s", "", None, "pysbd not importable: skipped"),
                Figure("segmentation, ours / pySBD", None, "x", ">= 8x", None, "pysbd not importable: skipped")]
    speed = bench_segmentation(texts, seconds_budget=budget, min_chars=min_chars)
    return [Figure("segmentation, ours", speed["ours_mb_s"], "MB/s", ">= 1 MB/s",
                   speed["ours_mb_s"] >= 1.0, f"on {speed['mb']:.1f} MB"),
            Figure("segmentation, pySBD", speed["pysbd_mb_s"], "MB/s", "(comparison)", None,
                   f"on {speed['pysbd_mb']:.1f} MB"),
            Figure("segmentation, ours / pySBD", speed["ratio"], "x", ">= 8x", speed["ratio"] >= 8.0)]


# ---------------------------------------------------------------- 2. rule stage

@contextlib.contextmanager
def _timed_run_rules(spent: list[float]) -> Iterator[None]:
    """Time every ``run_rules`` call the pipeline makes; the original is always restored."""
    original = pipeline.run_rules

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    pipeline.run_rules = timed
    try:
        yield
    finally:
        pipeline.run_rules = original


def _rule_pass(docs: list[Document], res: Resources) -> tuple[int, float, float]:
    """One pass: sentences, seconds in ``run_rules``, seconds for tokens + views + rules."""
    spent, total, count = [0.0], 0.0, 0
    with _timed_run_rules(spent):
        for doc in docs:
            sentences, _ = segment_document(doc, res)
            quotes = find_quotes(doc.text, doc.norm)
            started = time.perf_counter()
            for _ in pipeline.sentence_matches(doc, res, sentences, quotes, []):
                count += 1
            total += time.perf_counter() - started
    return count, spent[0], total


def rule_figures(docs: list[Document], res: Resources, min_seconds: float = MIN_PASS_S) -> list[Figure]:
    """Rule matching cost per sentence (and with tokenising and sentence views included)."""
    _rule_pass(docs[:3], res)  # warm-up: lazily built lexicon tables and layers
    sentences, rules_s, total_s, passes = 0, 0.0, 0.0, 0
    while passes < 1 or (total_s < min_seconds and passes < MAX_PASSES):
        n, r, t = _rule_pass(docs, res)
        sentences, rules_s, total_s, passes = sentences + n, rules_s + r, total_s + t, passes + 1
    per = 1000 * rules_s / max(sentences, 1)
    with_views = 1000 * total_s / max(sentences, 1)
    note = f"{sentences:,} sentences, {passes} pass(es)"
    return [Figure("rule stage (run_rules)", per, "ms/sentence", "(budget: 0.4 ms for all)", None, note),
            Figure("rule stage + tokens/views", with_views, "ms/sentence", "", None, note)]


# ---------------------------------------------------------------- 3. extract end to end

def _extract_once(folder: Path, out: Path, res: Resources, scorer, extra: dict, jobs: int = 1) -> tuple[int, float]:
    from claimminer.run import extract

    started = time.perf_counter()
    summary = extract([str(folder)], out, res, argv=["claimminer", "bench"], scorer=scorer,
                      err=io.StringIO(), progress=False, extra=dict(extra), jobs=jobs)
    return summary.sentences, time.perf_counter() - started


def extract_figures(folder: Path, res: Resources, scorer=None, extra: dict | None = None,
                    min_seconds: float = MIN_PASS_S, jobs: int = 1) -> list[Figure]:
    """``extract`` (read ... write every output to a temp dir), sentences/s: in this process,
    or with ``jobs`` worker processes (``claimminer extract``'s default is one per core).

    Warmed up on the seeds (not the measured corpus, so no per-run cache is primed);
    the figure is the first pass, the note gives the best of the repeats.
    """
    extra = extra or {}
    rates: list[float] = []
    spent = 0.0
    with tempfile.TemporaryDirectory(prefix="claimminer-bench-") as tmp:
        _extract_once(SEEDS_DIR, Path(tmp) / "warm", res, scorer, extra)
        while not rates or (spent < min_seconds and len(rates) < MAX_PASSES):
            n, seconds = _extract_once(folder, Path(tmp) / f"run{len(rates)}", res, scorer, extra, jobs)
            rates.append(n / max(seconds, 1e-9))
            spent += seconds
    what = "with" if scorer is not None else "without"
    note = f"{n:,} sentences/pass, {what} classifier; best of {len(rates)}: {max(rates):,.0f}/s; peers 100-120/s"
    name = "extract end to end" if jobs == 1 else f"extract end to end, {jobs} processes"
    return [Figure(name, rates[0], "sentences/s", ">= 2,500/s", rates[0] >= 2500, note)]


# ---------------------------------------------------------------- 4. sentence types

def load_scorer(res: Resources) -> tuple[Callable | None, dict, str]:
    """The run's scorer (model built or loaded from cache here, outside any timing)."""
    try:
        from claimminer.classify import scorer_for_run
    except ImportError as exc:
        return None, {}, f"classifier unavailable: {exc}"
    started = time.perf_counter()
    scorer, extra = scorer_for_run(res)
    return scorer, extra, f"model ready in {time.perf_counter() - started:.1f} s (not timed)"


def scoring_figures(res: Resources, n_sentences: int = 5000, train: bool = True) -> list[Figure]:
    """Scoring ms/sentence (``classify.bench_scoring``) and training time of the shipped model."""
    try:
        from claimminer import classify
    except ImportError as exc:
        return [Figure("sentence-type scoring", None, "ms/sentence", "<= 0.2 ms", None, f"skipped: {exc}")]
    figures = []
    if hasattr(classify, "bench_scoring"):
        result = classify.bench_scoring(res, n_sentences)
        ms = result["ms_per_sentence"]
        figures.append(Figure("sentence-type scoring", ms, "ms/sentence", "<= 0.2 ms", ms <= 0.2,
                              f"{result['sentences']:,} sentences"))
    else:
        figures.append(Figure("sentence-type scoring", None, "ms/sentence", "<= 0.2 ms", None,
                              "classify.bench_scoring absent: skipped"))
    if train and hasattr(classify, "train_shipped") and hasattr(classify, "load_labelled"):
        count = sum(len(items) for items in classify.load_labelled().values())
        started = time.perf_counter()
        classify.train_shipped(res)
        seconds = time.perf_counter() - started
        figures.append(Figure("training (shipped data)", seconds, "s", "< 30 s", seconds < 30.0,
                              f"{count:,} sentences, pipeline features included"))
    return figures


# ---------------------------------------------------------------- 5. memory and output

def memory_figure() -> Figure:
    """Peak resident memory of this process so far (ru_maxrss is KB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    mb = peak / 1e6 if sys.platform == "darwin" else peak / 1024
    return Figure("peak memory (ru_maxrss)", mb, "MB", "", None, "whole bench process")


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}" if value < 1 else f"{value:.2f}"


def format_table(figures: list[Figure]) -> str:
    """A fixed-width table: figure, measured value, target, status, note."""
    rows = [("figure", "measured", "target", "status", "note")]
    rows += [(f.name, f"{_fmt(f.value)} {f.unit}", f.target, f.status(), f.note) for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4] for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(line.rstrip() for line in lines)


def _section(figures: list[Figure], out, name: str, make: Callable[[], list[Figure]]) -> None:
    """Run one measurement; a failure becomes a SKIP line instead of ending the bench."""
    out.write(f"  measuring {name} ...\n")
    out.flush()
    try:
        figures.extend(make())
    except Exception as exc:  # one broken stage must not hide the other figures
        figures.append(Figure(name, None, "", "", None, f"failed: {type(exc).__name__}: {exc}"))


def main(args, out=sys.stdout) -> int:
    from claimminer.cli import load_resources

    res = load_resources(getattr(args, "rules", None))
    if res is None:
        return 2
    info = machine()
    folder, label = corpus_dir()
    docs = load_documents(folder)
    texts = news_texts() or [d.text for d in docs]
    build = f"compiled with mypyc: {', '.join(info['compiled'])}" if info["compiled"] else "pure Python (not compiled)"
    out.write(f"claimminer {info['claimminer']} bench: Python {info['python']}, {info['nproc']} cores, "
              f"{info['platform']}\n{build}\ncorpus: {label}, {len(docs)} documents\n")
    figures: list[Figure] = []
    megabytes = float(getattr(args, "megabytes", 5.0))
    _section(figures, out, "segmentation", lambda: segmentation_figures(texts, megabytes, getattr(args, "rules", None)))
    _section(figures, out, "rule stage", lambda: rule_figures(docs, res))
    scorer, extra, note = load_scorer(res)
    out.write(f"  classifier: {note}\n")
    _section(figures, out, "extract", lambda: extract_figures(folder, res, scorer, extra))
    jobs = resolve_jobs(0)
    if jobs > 1:
        _section(figures, out, "extract with workers", lambda: extract_figures(folder, res, scorer, extra, jobs=jobs))
    _section(figures, out, "sentence types", lambda: scoring_figures(res))
    figures.append(memory_figure())
    out.write("\n" + format_table(figures) + "\n")
    target = os.environ.get("CLAIMMINER_BENCH_JSON")
    if target:
        Path(target).write_text(json.dumps({"machine": info, "corpus": label,
                                            "figures": [asdict(f) | {"status": f.status()} for f in figures]},
                                           indent=2) + "\n", encoding="utf-8")
    return 0
