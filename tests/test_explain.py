"""--explain names the rule file and line of every rule-made claim."""
from __future__ import annotations

import json

from claimminer.cli import main


def test_every_claim_explains_its_rule(tmp_path) -> None:
    # A regression: after role spans were trimmed, claims whose content lost a trailing comma
    # were explained as built-in instead of by their rule.
    doc = tmp_path / "a.txt"
    doc.write_text("The plan will fail, two officials said on Monday. "
                   "\u201cWe will win,\u201d the mayor said. The council agreed to cut fees.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["extract", str(doc), "--out", str(out), "--explain", "--no-classify", "--progress", "off"]) == 0
    claims = [json.loads(line) for line in (out / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    assert claims
    for claim in claims:
        assert claim["explain"]["rule_file"].startswith("rules/"), claim
        assert claim["explain"]["description"]
