"""Adjustments (retroactive deductions and bonuses) through the HTTP API."""

import pytest

from tests.support.api_helpers import (
    adjustment,
    generate,
    get_worklog,
    new_worklog,
    post_adjustment,
    record,
    remittance_of,
    ts,
)
from worklogs.models import Adjustment, Item

pytestmark = pytest.mark.django_db


def test_adjustment_answers_201_with_the_contract_fields(api):
    wl = new_worklog(api)
    response = post_adjustment(api, wl["id"], "-12.34", reason="equipment damage", effectiveDate="2024-11-15")
    assert response.status_code == 201
    body = response.json()
    assert {"id", "worklogId", "amount", "reason", "effectiveDate", "createdAt"} <= body.keys()
    assert (body["worklogId"], body["amount"], body["reason"], body["effectiveDate"]) == (
        wl["id"],
        "-12.34",
        "equipment damage",
        "2024-11-15",
    )


def test_adjustment_without_effective_date_answers_null(api):
    wl = new_worklog(api)
    assert adjustment(api, wl["id"], "5.00")["effectiveDate"] is None


def test_adjustment_is_readable_after_creation(api):
    wl = new_worklog(api)
    created = adjustment(api, wl["id"], "7.25")
    response = api.get(f"/api/adjustments/{created['id']}/")
    assert response.status_code == 200
    assert response.json()["amount"] == "7.25"


@pytest.mark.parametrize("amount", ["1000000.00", "-1000000.00", "0.01", "-0.01"])
def test_amount_at_the_limits_is_accepted_to_the_cent(api, amount):
    wl = new_worklog(api)
    assert adjustment(api, wl["id"], amount)["amount"] == amount
    assert get_worklog(api, wl["id"])["amount"] == amount


@pytest.mark.parametrize("amount", ["0", "0.00", "1000000.01", "-1000000.01", "1.234", "abc", "", None, "NaN"])
def test_bad_amount_is_400_and_writes_nothing(api, amount):
    wl = new_worklog(api)
    before = (Adjustment.objects.count(), Item.objects.count())
    response = post_adjustment(api, wl["id"], amount)
    assert response.status_code == 400, response.content
    assert (Adjustment.objects.count(), Item.objects.count()) == before
    assert get_worklog(api, wl["id"])["amount"] == "0.00"


def test_blank_reason_is_400(api):
    wl = new_worklog(api)
    assert post_adjustment(api, wl["id"], "5.00", reason="  ").status_code == 400
    assert Adjustment.objects.count() == 0


def test_unknown_worklog_in_body_is_400(api):
    assert post_adjustment(api, 987654, "5.00").status_code == 400


def test_bonus_is_paid_with_the_next_run(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    adjustment(api, wl["id"], "2.50")
    assert remittance_of(generate(api, "2024-10-31"), wl["workerId"])["amount"] == "12.50"


def test_deduction_exceeding_earnings_is_accepted_and_makes_the_worklog_negative(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-03"), 60)
    adjustment(api, wl["id"], "-50.00")
    w = get_worklog(api, wl["id"])
    assert (w["amount"], w["unremittedAmount"], w["remittanceStatus"]) == ("-40.00", "-40.00", "UNREMITTED")


def test_reposting_an_adjustments_external_id_with_the_same_fields_answers_200_and_creates_nothing(api):
    wl = new_worklog(api, rate="10.00")
    record(api, wl["id"], ts("2024-10-02"), 60)
    first = post_adjustment(api, wl["id"], "-2.50", reason="late delivery", externalId="fin-77")
    assert first.status_code == 201
    assert first.json()["externalId"] == "fin-77"
    counts = Adjustment.objects.count(), Item.objects.count()

    again = post_adjustment(api, wl["id"], "-2.50", reason="late delivery", externalId="fin-77")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert (Adjustment.objects.count(), Item.objects.count()) == counts
    assert get_worklog(api, wl["id"])["amount"] == "7.50"


@pytest.mark.parametrize(
    "changed", [{"amount": "-2.51"}, {"reason": "other"}, {"effectiveDate": "2024-10-31"}, {"other_worklog": True}]
)
def test_reposting_an_adjustments_external_id_with_other_fields_is_409_and_writes_nothing(api, changed):
    wl, other = new_worklog(api), new_worklog(api)
    post_adjustment(api, wl["id"], "-2.50", reason="late delivery", externalId="fin-78")
    counts = Adjustment.objects.count(), Item.objects.count()
    fields = {"amount": "-2.50", "reason": "late delivery", **changed}
    target = other["id"] if fields.pop("other_worklog", False) else wl["id"]
    amount = fields.pop("amount")

    response = post_adjustment(api, target, amount, externalId="fin-78", **fields)

    assert response.status_code == 409, response.content
    assert (Adjustment.objects.count(), Item.objects.count()) == counts
    assert get_worklog(api, wl["id"])["amount"] == "-2.50"


def test_a_reused_external_id_with_a_bad_amount_is_409_not_400(api):
    """Issue 12: a reused externalId is a conflict whatever the validity of the other fields."""
    wl = new_worklog(api)
    post_adjustment(api, wl["id"], "-2.50", reason="late delivery", externalId="fin-79")
    response = post_adjustment(api, wl["id"], "0.00", reason="late delivery", externalId="fin-79")
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "external_id_reused"


def test_a_new_external_id_with_a_bad_amount_is_400(api):
    wl = new_worklog(api)
    response = post_adjustment(api, wl["id"], "0.00", reason="late delivery", externalId="fin-80")
    assert response.status_code == 400, response.content
    assert "amount" in response.json()
