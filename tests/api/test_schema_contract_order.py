"""The contract's order (issue 12, section 3): a transition the remittance's state forbids is 409 before
its body is read, whatever the body, while an allowed one still validates it; an adjustment externalId
reused with other fields is 409 whatever else is wrong with the body, and the same adjustment reposted
is 200.
"""

import json

import pytest

from settlements.models import Remittance
from settlements.services import remittance_mark_processing
from tests.support.api_helpers import generate, new_worklog, post_adjustment, record, remittance_of, ts
from tests.support.hostile_input import all_counts

pytestmark = pytest.mark.django_db

MALFORMED_BODIES = [
    '{"reason": ""}',
    '{"reason": "   "}',
    '{"reason": null}',
    '{"reason": ["a"]}',
    '{"providerReference": "' + "x" * 201 + '"}',
    "[]",
    '"text"',
    "{",
    '{"reason": NaN}',
    '{"reason": "\\ud800"}',
]


@pytest.fixture
def remittances(api):
    """One remittance of each status a transition can start from: PENDING, PROCESSING, PAID, FAILED, CANCELLED."""
    found = {}
    for status in ("PENDING", "PROCESSING", "PAID", "FAILED", "CANCELLED"):
        worklog = new_worklog(api, rate="10.00")
        record(api, worklog["id"], ts("2024-10-01"), 60)
        remittance = remittance_of(generate(api, "2024-10-31"), worklog["workerId"])
        action = {"PAID": "mark-paid", "FAILED": "mark-failed", "CANCELLED": "cancel"}.get(status)
        if action:
            response = api.post(f"/api/remittances/{remittance['id']}/{action}/", {"reason": "r"}, format="json")
            assert response.status_code == 200, response.content
        if status == "PROCESSING":
            remittance_mark_processing(remittance=Remittance.objects.get(pk=remittance["id"]), provider_reference="p")
        found[status] = remittance["id"]
    return found


FORBIDDEN = [
    ("PAID", "mark-paid"),
    ("PAID", "mark-failed"),
    ("PAID", "cancel"),
    ("FAILED", "mark-paid"),
    ("FAILED", "mark-failed"),
    ("FAILED", "cancel"),
    ("CANCELLED", "mark-paid"),
    ("CANCELLED", "mark-failed"),
    ("CANCELLED", "cancel"),
    ("PROCESSING", "cancel"),
]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_a_forbidden_remittance_transition_is_409_whatever_the_body(api, remittances, status, action):
    url = f"/api/remittances/{remittances[status]}/{action}/"
    before, wrong = all_counts(), []
    for body in MALFORMED_BODIES:
        response = api.post(url, data=body, content_type="application/json")
        if response.status_code != 409 or response.json().get("code") != "illegal_transition":
            wrong.append((body[:30], response.status_code, response.content[:120]))
    assert not wrong, wrong
    assert all_counts() == before
    assert Remittance.objects.get(pk=remittances[status]).status == status


@pytest.mark.parametrize(
    ("status", "action"), [("PENDING", "mark-failed"), ("PENDING", "cancel"), ("PROCESSING", "mark-paid")]
)
def test_an_allowed_transition_still_validates_its_body(api, remittances, status, action):
    before = all_counts()
    for body in ('{"reason": ""}', "{", "[]"):
        if action == "mark-paid" and body == '{"reason": ""}':
            body = '{"providerReference": "' + "x" * 201 + '"}'
        response = api.post(
            f"/api/remittances/{remittances[status]}/{action}/", data=body, content_type="application/json"
        )
        assert response.status_code == 400, (body, response.content)
    assert all_counts() == before


# (what is wrong with the body besides reusing the externalId)
REUSED_WITH = [
    {"reason": ""},
    {"reason": "   "},
    {"reason": None},
    {"amount": "0.00"},
    {"amount": "abc"},
    {"amount": "1.234"},
    {"amount": "5000000.00"},
    {"effectiveDate": "2024-02-30"},
    {"effectiveDate": "9999-12-31"},
    {"worklogId": 987654},
    {"worklogId": 1.5},
    {"amount": "-2.50", "reason": "another reason"},
]


@pytest.mark.parametrize("changed", REUSED_WITH, ids=[json.dumps(c) for c in REUSED_WITH])
def test_a_reused_adjustment_external_id_is_409_whatever_else_is_wrong(api, changed):
    worklog = new_worklog(api, rate="10.00")
    first = post_adjustment(api, worklog["id"], "-2.50", reason="late delivery", externalId="fin-1")
    assert first.status_code == 201, first.content
    before = all_counts()
    body = {"worklogId": worklog["id"], "amount": "-2.50", "reason": "late delivery", "externalId": "fin-1", **changed}

    response = api.post("/api/adjustments/", body, format="json")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "external_id_reused"
    assert all_counts() == before


def test_the_same_adjustment_reposted_is_200(api):
    worklog = new_worklog(api, rate="10.00")
    first = post_adjustment(api, worklog["id"], "-2.50", reason="late delivery", externalId="fin-2")
    again = post_adjustment(api, worklog["id"], "-2.50", reason="  late delivery ", externalId="fin-2")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
