"""Issue 3: rule validation (located messages, one pass), refusing to run, regex safety, `rules test`."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from claimminer.cli import main

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = FIXTURES / "rules_broken" / "broken.yaml"
CATASTROPHIC = FIXTURES / "rules_catastrophic" / "catastrophic.yaml"
MESSAGE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<rule>[^:]+): (?P<message>.+)$")
SUMMARY = re.compile(r"^rules: (\d+) passed, (\d+) failed \((\d+) todo\)$")

# Marker in broken.yaml -> (rule id, part of the message, the text the column must point at)
EXPECTED = {
    "unknown-key": ("broken.misspelt-key", "did you mean 'examples'", "examples_"),
    "wrong-type": ("broken.wrong-type", "version must be an integer", "version"),
    "duplicate-id": ("broken.np", "duplicate rule id", "id"),
    "undefined-lexicon": ("broken.undefined-lexicon", "did you mean 'reporting_verbs'", "IN"),
    "undefined-layer": ("broken.undefined-layer", "did you mean 'TEST_NP'", "LAYER"),
    "phrase-shape": ("broken.phrase-shape", "phrase lexicon takes no other token tests", "IN"),
    "phrase-not-in": ("broken.phrase-not-in", "phrase lexicon takes no other token tests", "IN"),
    "bad-regex": ("broken.bad-regex", "regex does not compile", "regex"),
    "unknown-role": ("broken.unknown-role", "did you mean 'cue'", "verb"),
    "example-capture": ("broken.example-capture", "did you mean 'source'", "sorce"),
    "bare-on": ("broken.bare-on", "quote them", "LOWER"),
}


def _cli(*argv) -> int:
    return main([str(a) for a in argv])


def _rules_dir(folder: Path, *extra: Path, shipped_rules: bool = False) -> Path:
    """A rules folder: the project's lexicons and text-layer config (and rule files), plus ``extra``."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(RULES / "lexicons", folder / "lexicons")
    for name in ("segmentation.yaml", "layout.yaml"):
        shutil.copy(RULES / name, folder / name)
    if shipped_rules:
        for path in RULES.glob("*.yaml"):
            shutil.copy(path, folder / path.name)
    for path in extra:
        shutil.copy(path, folder / path.name)
    return folder


def _markers(path: Path) -> dict[str, int]:
    """Marker tag -> 1-based line of ``# MISTAKE: tag``."""
    found = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.search(r"# MISTAKE: ([a-z-]+)", line)
        if match:
            found[match.group(1)] = number
    return found


def _located(output: str) -> list[re.Match]:
    return [m for m in map(MESSAGE.match, output.splitlines()) if m]


def _assert_every_mistake_located(output: str, path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    messages = [m for m in _located(output) if m["path"].endswith(path.name)]
    markers = _markers(path)
    assert set(markers) == set(EXPECTED)
    for tag, (rule_id, fragment, token) in EXPECTED.items():
        hits = [m for m in messages if m["rule"] == rule_id and fragment in m["message"]]
        assert len(hits) == 1, (tag, output)
        hit = hits[0]
        assert int(hit["line"]) == markers[tag], (tag, hit.group(0))
        col = int(hit["col"]) - 1
        assert lines[markers[tag] - 1][col:col + len(token)] == token, (tag, hit.group(0))


def test_check_reports_every_mistake_in_one_run(tmp_path, capsys) -> None:
    rules = _rules_dir(tmp_path / "rules", BROKEN)
    assert _cli("rules", "check", "--rules", rules) == 1
    out = capsys.readouterr().out
    located = _located(out)
    assert len({(m["line"], m["message"]) for m in located}) >= 6
    _assert_every_mistake_located(out, BROKEN)
    assert out.strip().splitlines()[-1].endswith(f"{len(located)} problem(s)")


def test_check_messages_read_top_to_bottom(tmp_path, capsys) -> None:
    rules = _rules_dir(tmp_path / "rules", BROKEN)
    _cli("rules", "check", "--rules", rules)
    lines = [int(m["line"]) for m in _located(capsys.readouterr().out)]
    assert lines == sorted(lines)


def test_check_takes_an_extra_file_beside_the_rule_set(capsys) -> None:
    assert _cli("rules", "check", BROKEN) == 1
    out = capsys.readouterr().out
    assert all(m["path"].endswith("rules_broken/broken.yaml") for m in _located(out)), out
    _assert_every_mistake_located(out, BROKEN)


def test_shipped_rule_set_checks_clean(capsys) -> None:
    assert _cli("rules", "check") == 0, capsys.readouterr().out


def test_extract_refuses_an_invalid_rule_set(tmp_path, capsys) -> None:
    rules = _rules_dir(tmp_path / "rules", BROKEN)
    out = tmp_path / "out"
    code = _cli("extract", FIXTURES / "cli" / "corpus", "--rules", rules, "--out", out, "--no-classify")
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert len(_located(err)) >= 6 and "nothing was run" in err


def test_segment_and_rules_test_refuse_an_invalid_rule_set(tmp_path, capsys) -> None:
    rules = _rules_dir(tmp_path / "rules", BROKEN)
    assert _cli("segment", FIXTURES / "cli" / "corpus", "--rules", rules) == 2
    assert _cli("rules", "test", "--rules", rules) == 2
    captured = capsys.readouterr()
    assert captured.out == ""


def test_yaml_syntax_error_is_located(tmp_path, capsys) -> None:
    bad = tmp_path / "syntax.yaml"
    bad.write_text("schema_version: 1\nruleset: syntax\nrules:\n  - id: a.b\n    version: [1\n", encoding="utf-8")
    rules = _rules_dir(tmp_path / "rules", bad)
    assert _cli("rules", "check", "--rules", rules) == 1
    located = _located(capsys.readouterr().out)
    assert located and located[0]["path"].endswith("syntax.yaml") and "YAML" in located[0]["message"]
    assert int(located[0]["line"]) >= 5


def test_duplicate_of_an_invalid_rule_is_reported(tmp_path, capsys) -> None:
    text = BROKEN.read_text(encoding="utf-8").replace("  - id: broken.np  # MISTAKE: duplicate-id",
                                                      "  - id: broken.wrong-type")
    dup = tmp_path / "dup.yaml"
    dup.write_text(text, encoding="utf-8")
    rules = _rules_dir(tmp_path / "rules", dup)
    _cli("rules", "check", "--rules", rules)
    messages = [m for m in _located(capsys.readouterr().out) if "duplicate rule id" in m["message"]]
    assert [m["rule"] for m in messages] == ["broken.wrong-type"]


# --- regex safety --------------------------------------------------------------------------

def test_catastrophic_regex_is_reported_and_the_run_completes(tmp_path, capsys) -> None:
    rules = _rules_dir(tmp_path / "rules", CATASTROPHIC, shipped_rules=True)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # 200 "a"s: (a|aa)+$ would try about 10^41 splits without the regex timeout.
    (corpus / "long.txt").write_text("The mayor said the bridge would reopen.\n\nshouted " + "a" * 200 + "b\n\n"
                                     "Police said the road was clear.\n", encoding="utf-8")
    (corpus / "other.txt").write_text("The union said talks had resumed.\n", encoding="utf-8")
    out = tmp_path / "out"
    code = _cli("extract", corpus, "--rules", rules, "--out", out, "--no-classify")
    err = capsys.readouterr().err
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "test.catastrophic@1" in line]
    assert len(warnings) == 1 and "long.txt" in warnings[0] and "timeout" in warnings[0], err
    claims = [json.loads(line) for line in (out / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    cues = {(c["doc_id"], c["cue"]["text"]) for c in claims if c["kind"] == "attribution"}
    assert {("long", "said"), ("other", "said")} <= cues
    assert sum(c["doc_id"] == "long" for c in claims) >= 2  # sentences after the bad one still matched
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert any("test.catastrophic@1" in w for w in manifest["extra"]["warnings"])


def test_catastrophic_rule_still_passes_its_own_tests(tmp_path, capsys) -> None:
    rules = _rules_dir(tmp_path / "rules", CATASTROPHIC)
    assert _cli("rules", "test", "--rules", rules) == 0
    assert SUMMARY.match(capsys.readouterr().out.strip().splitlines()[-1]).groups() == ("2", "0", "0")


# --- rules test ------------------------------------------------------------------------------

RULE_TESTS = """\
schema_version: 1
ruleset: runner
version: "0.0.1"
description: Examples that pass and fail on purpose.
rules:
  - id: runner.said
    version: 1
    status: experimental
    description: NAME said CONTENT.
    kind: attribution
    stage: 2
    priority: 10
    pattern:
      - {IS_CAPITALISED: true, CAPTURE: source}
      - {LOWER: said, CAPTURE: cue}
      - {REST: sentence, CAPTURE: content}
    examples:
      - text: "Smith said it rained."
        expect: {source: Smith, cue: said, content: it rained}
      - text: "Smith shouted it rained."  # FAIL: example
        expect: {source: Smith, cue: shouted}
    counterexamples:
      - "nobody said a word."
      - "Jones said so."  # FAIL: counterexample
    todo:
      - text: "Brown said yes."  # FAIL: todo
        expect: {source: Brown, cue: said, content: "yes"}
      - text: "Brown declared yes."
        expect: {source: Brown, cue: declared}
"""


def test_rules_test_reports_each_failure_with_its_line(tmp_path, capsys) -> None:
    path = tmp_path / "runner.yaml"
    path.write_text(RULE_TESTS, encoding="utf-8")
    rules = _rules_dir(tmp_path / "rules", path)
    assert _cli("rules", "test", "--rules", rules) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert SUMMARY.match(lines[-1]).groups() == ("2", "3", "1"), lines[-1]
    failures = _located("\n".join(lines[:-1]))
    assert len(failures) == 3 == len(lines) - 1, lines
    expected_lines = {n: tag for n, line in enumerate(RULE_TESTS.splitlines(), start=1)
                      for tag in re.findall(r"# FAIL: (\w+)", line)}
    assert {int(m["line"]): m["rule"] for m in failures} == {n: "runner.said" for n in expected_lines}
    assert all(m["path"].endswith("runner.yaml") for m in failures)
    by_tag = {expected_lines[int(m["line"])]: m["message"] for m in failures}
    assert "does not fire" in by_tag["example"]
    assert "counterexample fires" in by_tag["counterexample"]
    assert "todo now passes" in by_tag["todo"]
