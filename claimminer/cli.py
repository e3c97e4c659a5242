"""Command line: ``claimminer SUBCOMMAND ...``; ``main(argv) -> exit code``.

Exit codes: 0 success; 1 the run finished but some inputs had errors;
2 nothing was run (bad usage or an invalid rule set).
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from claimminer import __version__


def _rules_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", type=Path, default=None, help="rules folder (default: the project's rules/)")


def _input_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders (.txt, .jsonl, .html)")
    parser.add_argument("--id-field", default="id", help="JSONL field holding the document id")
    parser.add_argument("--text-field", default="text", help="JSONL field holding the document text")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claimminer", description="Mine reported speech and commitments from news.")
    parser.add_argument("--version", action="version", version=f"claimminer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="extract sentences and claims from a corpus")
    _input_args(p)
    _rules_arg(p)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--explain", action="store_true", help="add rule file, lexicon entries and suppressed matches")
    p.add_argument("--no-classify", action="store_true", help="skip sentence-type scoring")
    p.add_argument("--progress", choices=("auto", "on", "off"), default="auto")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="worker processes (default 0: one per core on Linux; 1: all in this process); same outputs")

    p = sub.add_parser("segment", help="print one JSON line per sentence")
    _input_args(p)
    _rules_arg(p)

    p = sub.add_parser("rules", help="check, test and measure the rule set")
    rules_sub = p.add_subparsers(dest="rules_command", required=True)
    for name, text in (("check", "validate every rule file"), ("test", "run every rule's examples")):
        q = rules_sub.add_parser(name, help=text)
        _rules_arg(q)
        q.add_argument("files", nargs="*", type=Path, help="extra rule files to check with the rule set")
    q = rules_sub.add_parser("stats", help="per-rule matches, coverage, conflicts and precision")
    _input_args(q)
    _rules_arg(q)
    q.add_argument("--gold", type=Path, help="brat gold folder (PolNeAR layout) for per-rule precision")

    p = sub.add_parser("eval", help="score attributions against brat gold (PolNeAR layout)")
    p.add_argument("--gold", type=Path, required=True)
    p.add_argument("--pred", type=Path, help="claims.jsonl to score (default: run extraction)")
    p.add_argument("--json", action="store_true")
    _rules_arg(p)

    p = sub.add_parser("eval-sbd", help="Golden Rules sentence-splitting benchmark")
    p.add_argument("--data", type=Path, default=None)
    _rules_arg(p)

    p = sub.add_parser("eval-commitments", help="score commitments on our gold and the seed gold")
    p.add_argument("--split", default="test", choices=("dev", "test"))
    p.add_argument("--json", action="store_true")
    _rules_arg(p)

    p = sub.add_parser("eval-seed", help="score the seed article against its gold file")
    p.add_argument("--gold", type=Path, default=None)
    _rules_arg(p)

    p = sub.add_parser("train", help="build the sentence-type model (or train on your own data)")
    p.add_argument("--data", type=Path, default=None, help="labelled CSV/JSONL (default: the shipped data)")
    p.add_argument("--labels", default="type", help="label column")
    p.add_argument("--text", default="text", help="text column")
    p.add_argument("--out", type=Path, default=None, help="where to write the model (JSON)")
    _rules_arg(p)

    p = sub.add_parser("eval-types", help="evaluate the sentence-type classifier")
    p.add_argument("--json", action="store_true")
    _rules_arg(p)

    p = sub.add_parser("eval-claimbuster", help="train on ClaimBuster crowdsourced, test on groundtruth")
    p.add_argument("--data", type=Path, default=None)

    p = sub.add_parser("bench", help="speed and memory figures")
    p.add_argument("--megabytes", type=float, default=5.0)
    _rules_arg(p)
    return parser


def load_resources(rules_dir: Path | None, err=None):
    """The rule set, checked; None (after printing every problem) when it is invalid."""
    err = sys.stderr if err is None else err  # looked up per call, so redirection and capture see it
    from claimminer.pipeline import Resources, default_rules_dir
    from claimminer.rulebook import load_rulebook

    book, problems = load_rulebook(rules_dir or default_rules_dir())
    if problems:
        from claimminer.ruletest import problem_order

        for problem in sorted(problems, key=problem_order):
            err.write(f"{problem}\n")
        err.write(f"claimminer: {len(problems)} problem(s) in the rule set; nothing was run\n")
        return None
    return Resources.from_rulebook(book)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        if args.command in _LOCAL:
            return _LOCAL[args.command](args, argv)
        module, function = _ELSEWHERE[args.command]
        # Imported on use: `claimminer segment` need not load scikit-learn.
        return getattr(importlib.import_module(module), function)(args)
    except BrokenPipeError:
        return 0


# Commands implemented in their own modules: command -> (module, function taking args).
_ELSEWHERE = {
    "rules": ("claimminer.ruletest", "main"),
    "eval": ("claimminer.evalcli", "attribution"),
    "eval-sbd": ("claimminer.evalcli", "sbd"),
    "eval-seed": ("claimminer.evalcli", "seed"),
    "eval-commitments": ("claimminer.evalcommit", "main"),
    "bench": ("claimminer.bench", "main"),
    "train": ("claimminer.classify_cli", "train_cli"),
    "eval-types": ("claimminer.classify_cli", "eval_cli"),
    "eval-claimbuster": ("claimminer.classify_cli", "claimbuster_cli"),
}


def _cmd_extract(args, argv) -> int:
    from claimminer.run import extract

    res = load_resources(args.rules)
    if res is None:
        return 2
    scorer, extra = None, {}
    if not args.no_classify:
        from claimminer.classify import scorer_for_run

        scorer, extra = scorer_for_run(res)
    progress = {"auto": None, "on": True, "off": False}[args.progress]
    summary = extract(args.inputs, args.out, res, argv=["claimminer"] + argv, scorer=scorer,
                      id_field=args.id_field, text_field=args.text_field, explain=args.explain,
                      progress=progress, extra=extra, jobs=args.jobs)
    sys.stderr.write(summary.line() + "\n")
    return 1 if summary.errors else 0


def _cmd_segment(args, argv) -> int:
    from claimminer.corpus import ReadError, iter_documents
    from claimminer.pipeline import segment_document

    res = load_resources(args.rules)
    if res is None:
        return 2
    errors = 0
    for item in iter_documents(args.inputs, id_field=args.id_field, text_field=args.text_field):
        if isinstance(item, ReadError):
            errors += 1
            sys.stderr.write(f"error: {item}\n")
            continue
        sentences, _ = segment_document(item, res)
        for s in sentences:
            sys.stdout.write(json.dumps({"doc_id": item.doc_id, "start": s.start, "end": s.end,
                                         "text": item.text[s.start:s.end]}, ensure_ascii=False) + "\n")
    return 1 if errors else 0


_LOCAL = {"extract": _cmd_extract, "segment": _cmd_segment}
