"""``claimminer rules check | test | stats``: the rule set's own tooling.

``test`` runs every rule's embedded ``examples`` (must fire with the expected
captures), ``counterexamples`` (must not fire) and ``todo`` (known misses:
reported, and a failure once they pass, so they get promoted), Semgrep /
sqlfluff style: test cases live beside the rule, one command runs them all.
"""
from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from claimminer.match import Match
from claimminer.normalize import normalize
from claimminer.patterns import Problem
from claimminer.pipeline import Resources, default_rules_dir, segment_document, sentence_matches
from claimminer.quotes import find_quotes
from claimminer.resolve import resolve_conflicts, role_spans, trim_span
from claimminer.rulebook import Example, Rule, load_rulebook
from claimminer.spans import Document


def main(args) -> int:
    rules_dir = args.rules or default_rules_dir()
    extra = tuple(getattr(args, "files", ()) or ())
    book, problems = load_rulebook(rules_dir, extra)
    problems = sorted(problems, key=problem_order)
    if args.rules_command == "check":
        for problem in problems:
            print(problem)
        print(f"{len(book.rules)} rules checked, {len(problems)} problem(s)")
        return 1 if problems else 0
    if problems:
        for problem in problems:
            sys.stderr.write(f"{problem}\n")
        return 2
    res = Resources.from_rulebook(book)
    if args.rules_command == "test":
        return run_tests(res)
    return stats(res, args)


def problem_order(problem: Problem) -> tuple:
    """File, line, column: problems read top to bottom (unlocated ones last, in the order found)."""
    loc = problem.loc
    return (0, loc.path, loc.line, loc.col) if loc else (1, "", 0, 0)


def raw_matches(text: str, res: Resources) -> tuple[str, list[Match]]:
    """Every match of every rule on ``text`` (before conflicts), for tests and stats."""
    doc = Document("example", text, normalize(text))
    sentences, _ = segment_document(doc, res)
    quotes = find_quotes(doc.text, doc.norm)
    out: list[Match] = []
    for _, _, matches in sentence_matches(doc, res, sentences, quotes, [], all_layers=True):
        out.extend(matches)
    return text, out


def _captures(text: str, match: Match) -> dict[str, str]:
    if match.rule.kind == "layer":
        span = match.capture("span") or match.span
        return {"span": text[span.start:span.end]}
    # The same trimming as the claims written out, so an example states what users will see.
    return {role: text[s.start:s.end] for role, s in ((r, trim_span(text, sp, r)) for r, sp in role_spans(match).items())}


def check_example(rule: Rule, example: Example, res: Resources) -> tuple[bool, str]:
    """Whether ``rule`` fires on the example with the expected captures; and what it found."""
    text, matches = raw_matches(example.text, res)
    found = [_captures(text, m) for m in matches if m.rule.id == rule.id]
    if example.expect is None:
        return bool(found), f"found {found}" if found else "no match"
    want = {k: str(v) for k, v in example.expect.items()}
    for captures in found:
        if all(captures.get(role, "").strip() == value.strip() for role, value in want.items()):
            return True, ""
    return False, f"expected {want}, found {found or 'no match'}"


def run_tests(res: Resources, out=None) -> int:
    """Run every rule's examples, counterexamples and todo; one line per failure, then the totals."""
    out = sys.stdout if out is None else out  # looked up per call: a default bound at import misses capture
    passed = failed = todo_open = 0
    for rule in res.rulebook.rules:
        for example in rule.examples:
            ok, detail = check_example(rule, example, res)
            if ok:
                passed += 1
            else:
                failed += 1
                out.write(f"{example.loc}: {rule.id}: example does not fire: {example.text!r}: {detail}\n")
        for example in rule.counterexamples:
            fired, detail = check_example(rule, Example(example.text, None, example.loc), res)
            if fired:
                failed += 1
                out.write(f"{example.loc}: {rule.id}: counterexample fires: {example.text!r}: {detail}\n")
            else:
                passed += 1
        for example in rule.todo:
            ok, _ = check_example(rule, example, res)
            if ok:
                failed += 1
                out.write(f"{example.loc}: {rule.id}: todo now passes: move it to examples\n")
            else:
                todo_open += 1
        if not rule.examples or not rule.counterexamples:
            failed += 1
            out.write(f"{rule.loc}: {rule.id}: every rule needs at least one example and one counterexample\n")
    out.write(f"rules: {passed} passed, {failed} failed ({todo_open} todo)\n")
    return 1 if failed else 0


def stats(res: Resources, args, out=None) -> int:
    """Per-rule table over a corpus: matches, sentences, overlaps, conflicts, and precision with gold."""
    out = sys.stdout if out is None else out
    from claimminer.corpus import ReadError, iter_documents

    gold = _load_gold(args.gold) if args.gold else None
    counts: dict[str, Counter] = defaultdict(Counter)
    total_sentences = 0
    timer: dict[str, float] = {}
    for item in iter_documents(args.inputs, id_field=args.id_field, text_field=args.text_field):
        if isinstance(item, ReadError):
            sys.stderr.write(f"error: {item}\n")
            continue
        sentences, _ = segment_document(item, res)
        total_sentences += len(sentences)
        quotes = find_quotes(item.text, item.norm or normalize(item.text))
        for _, _, matches in sentence_matches(item, res, sentences, quotes, [], all_layers=True, timer=timer):
            _count_sentence(matches, counts, gold.get(item.doc_id) if gold else None)
    header = f"{'rule':40} {'matches':>8} {'sent%':>6} {'overlap':>8} {'won':>5} {'lost':>5} {'ms/1k':>7}"
    header += f" {'correct':>8} {'prec':>6}" if gold else ""
    out.write(header + "\n")
    for rule in res.rulebook.rules:
        c = counts[rule.id]
        row = (f"{rule.id:40} {c['matches']:8d} {100 * c['sentences'] / max(total_sentences, 1):6.1f} "
               f"{c['overlaps']:8d} {c['won']:5d} {c['lost']:5d} "
               f"{1e6 * timer.get(rule.id, 0.0) / max(total_sentences, 1):7.1f}")
        if gold and rule.kind == "attribution":
            judged = c["won"]
            row += f" {c['correct']:8d} {c['correct'] / judged if judged else 0:6.2f}"
        out.write(row + "\n")
    out.write(f"{total_sentences} sentences; ms/1k: milliseconds of matching per 1,000 sentences "
              "(layers are computed first, so a claim rule's figure excludes them)\n")
    return 0


def _count_sentence(matches: list[Match], counts, gold_attrs) -> None:
    seen = set()
    for match in matches:
        c = counts[match.rule.id]
        c["matches"] += 1
        if match.rule.id not in seen:
            c["sentences"] += 1
            seen.add(match.rule.id)
        if any(o.rule.id != match.rule.id and o.rule.kind == match.rule.kind and o.span.overlap(match.span)
               for o in matches):
            c["overlaps"] += 1
    for resolved in resolve_conflicts(matches):
        c = counts[resolved.match.rule.id]
        c["won"] += 1
        for lost in resolved.suppressed:
            counts[lost.rule.id]["lost"] += 1
        if gold_attrs is not None and resolved.match.rule.kind == "attribution":
            cue = resolved.roles.get("cue")
            content = resolved.roles.get("content")
            if any(_agrees(g, cue, content) for g in gold_attrs):
                c["correct"] += 1


def _agrees(gold, cue, content) -> bool:
    g_cue, g_content = gold.role("cue"), gold.role("content")
    if cue is not None and g_cue is not None and cue.overlap(g_cue) > 0:
        return True
    return content is not None and g_content is not None and \
        content.overlap(g_content) >= 0.3 * max(len(g_content), 1)


def _load_gold(path: Path):
    from claimminer.brat import load_gold

    gold, _ = load_gold(path)
    return gold


__all__ = ["main", "run_tests", "stats", "raw_matches", "check_example", "Problem"]
