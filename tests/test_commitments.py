"""Behaviour of the commitment rules and of ``claimminer.commitments.refine`` (issue 5)."""
from __future__ import annotations

import pytest

from claimminer.normalize import normalize
from claimminer.pipeline import Resources, default_rules_dir, extract_document
from claimminer.rulebook import load_rulebook
from claimminer.spans import Document


@pytest.fixture(scope="module")
def res() -> Resources:
    book, problems = load_rulebook(default_rules_dir())
    assert not problems, problems
    return Resources.from_rulebook(book)


def commitments(text: str, res: Resources) -> list[dict]:
    """Commitments of ``text`` as role -> string, plus status and attribution id."""
    result = extract_document(Document("t", text, normalize(text)), res)
    out = []
    for claim, link, claim_id in zip(result.claims, result.links, result.claim_ids):
        if claim.kind != "commitment":
            continue
        item = {role: (text[s.start:s.end] if s else None) for role, s in claim.roles}
        item.update(status=claim.attr("status"), attribution=link)
        out.append(item)
    return out


def only(text: str, res: Resources) -> dict:
    found = commitments(text, res)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("text, trigger, status", [
    ("The union agreed to suspend the strike.", "agreed to", "made"),
    ("The mayor promised free school meals for every pupil.", "promised", "made"),
    ("The carmaker will cut 3,000 jobs.", "will", "intended"),
    ("The brewer plans to close two breweries.", "plans to", "intended"),
    ("The government is set to appeal the ruling.", "is set to", "intended"),
    ("The lender must pay a penalty.", "must", "required"),
    ("The agency is required to publish its figures.", "is required to", "required"),
    ("The bank still has to repay customers.", "still has to", "pending"),
    ("Junior doctors have yet to decide.", "have yet to", "pending"),
    ("The witness refused to answer questions.", "refused to", "refused"),
    ("The league ruled out replaying the match.", "ruled out", "refused"),
    ("The landlord won't pay the fine.", "won't", "refused"),
])
def test_status_mapping(res, text, trigger, status):
    found = only(text, res)
    assert (found["trigger"], found["status"]) == (trigger, status)


@pytest.mark.parametrize("text", [
    "Parliament did not agree to the proposed increase.",
    "The president never promised to pardon the activists.",
    "Teachers have not agreed to any changes.",
    "Should parliament agree to extend the deadline, ministers would gain time.",
    "If the union were to call a strike, the government would act.",
    "Will the senate agree to the budget?",
    "Oil prices will rise further, analysts said.",
    "Fans who believe the club will spend big may be disappointed.",
    "The club was initially set to tour Asia in July but switched to a camp.",
    "Directors agreed that the figures had been poor.",
    "The Kremlin has ruled out any deployment of troops.",
    "The chief executive declined to comment on the guidance.",
    "It must have cost a fortune.",
    "Talks will resume on Tuesday.",
])
def test_not_commitments(res, text):
    assert commitments(text, res) == []


def test_condition_carved_from_action(res):
    found = only("The brewer plans to close two breweries once the new plant is running.", res)
    assert found["action"] == "close two breweries"
    assert found["condition"] == "once the new plant is running"
    assert found["time"] is None


def test_time_carved_and_amount_kept(res):
    found = only("The European Union agreed to cut emissions by 90 percent by 2040.", res)
    assert found["action"] == "cut emissions by 90 percent"
    assert found["time"] == "by 2040"


def test_condition_and_time_both(res):
    found = only("The union will strike next week unless the company improves its offer.", res)
    assert found["action"] == "strike"
    assert found["time"] == "next week"
    assert found["condition"] == "unless the company improves its offer"


def test_marker_inside_embedded_clause_stays_in_action(res):
    found = only("The allies still must finalise plans setting out what they will do in case of an attack.", res)
    assert found["action"].endswith("in case of an attack")
    assert found["condition"] is None


def test_fronted_condition(res):
    found = only("If the court rules against it, the club will appeal.", res)
    assert found["condition"] == "If the court rules against it"
    assert found["action"] == "appeal"


def test_saying_tail_and_contrast_trimmed(res):
    assert only("The carmaker will cut 500 jobs, the company said on Tuesday.", res)["action"] == "cut 500 jobs"
    assert only("The carmaker vowed to stop selling diesel cars but later changed course.",
                res)["action"] == "stop selling diesel cars"


def test_agent_after_trigger_in_signed_instrument(res):
    found = only("The leaders signed a declaration of intent that foresees Britain, France and other "
                 "European allies deploying troops after a ceasefire.", res)
    assert found["agent"] == "Britain, France and other European allies"
    assert found["trigger"] == "signed a declaration of intent that foresees"
    assert found["action"] == "deploying troops"
    assert found["time"] == "after a ceasefire"
    assert found["status"] == "intended"


def test_two_triggers_share_subject(res):
    found = commitments("The firm decided to move its headquarters and promised to keep all staff.", res)
    assert [(c["agent"], c["trigger"], c["action"]) for c in found] == [
        ("The firm", "decided to", "move its headquarters"), ("The firm", "promised to", "keep all staff")]


def test_link_to_attribution(res):
    found = only("A joint statement said the allies also agreed to continue military assistance.", res)
    assert found["agent"] == "the allies"
    assert found["attribution"] is not None


def test_no_link_outside_reported_speech(res):
    assert only("The allies agreed to establish a coordination cell.", res)["attribution"] is None


def test_backshifted_would_needs_a_speaker(res):
    assert only("Lawyers said he would appeal the conviction.", res)["status"] == "intended"
    assert commitments("The association rejected the plan, saying it would hurt growers.", res) == []
