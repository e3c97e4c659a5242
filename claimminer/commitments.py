"""Commitment refinement: carve condition and time out of an action span (stub, filled by issue 5)."""
from __future__ import annotations

from claimminer.spans import Claim


def refine(text: str, norm: str, claim: Claim, rulebook) -> Claim:
    """Return the claim with ``condition`` / ``time`` split off its action where the text states them."""
    return claim
