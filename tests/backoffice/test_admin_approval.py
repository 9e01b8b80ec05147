"""The admin's four-eyes actions and returned payouts (issue 15): the same services as the API."""

from decimal import Decimal

import pytest
from django.urls import reverse

from settlements import services as settlement_services
from settlements.models import RemittanceStatus, SettlementRun
from tests.backoffice.admin_helpers import PERIOD_END, changelist_action, login, messages_of
from tests.support.factories import FinanceUserFactory

pytestmark = pytest.mark.django_db

RUN = "settlements_settlementrun"


@pytest.fixture
def own_run(finance_user, worklog) -> SettlementRun:
    """The finance user's own run: one PENDING remittance of 10.00, awaiting approval."""
    return settlement_services.settlement_generate(period_end=PERIOD_END, created_by=finance_user)


def test_the_admin_refuses_the_creators_approval_with_a_message(finance, own_run):
    response = changelist_action(finance, RUN, "approve_runs", [own_run.pk])
    assert f"{own_run}: Run {own_run.pk} was created by" in " ".join(messages_of(response))
    own_run.refresh_from_db()
    assert own_run.approved_at is None


def test_another_finance_user_approves_in_the_admin(own_run):
    approver = FinanceUserFactory()
    response = changelist_action(login(approver), RUN, "approve_runs", [own_run.pk])
    assert "1 run(s) approved, their payouts sent." in messages_of(response)
    own_run.refresh_from_db()
    assert (own_run.approved_by, own_run.approval_state) == (approver, "approved")
    page = login(approver).get(reverse(f"admin:{RUN}_changelist"), {"approval": "approved"}).content.decode()
    assert f"approved by {approver.username}" in page


def test_the_creator_rejects_in_the_admin_with_a_reason_and_the_items_are_released(finance, own_run, worklog):
    page = changelist_action(finance, RUN, "reject_runs", [own_run.pk])
    assert page.status_code == 200 and "rejected: its PENDING remittances are cancelled" in page.content.decode()
    response = changelist_action(finance, RUN, "reject_runs", [own_run.pk], apply="1", reason="rates were wrong")
    assert "1 run(s) rejected, their PENDING remittances cancelled." in messages_of(response)
    own_run.refresh_from_db()
    assert (own_run.approval_state, own_run.rejection_reason) == ("rejected", "rates were wrong")
    assert list(own_run.remittances.values_list("status", flat=True)) == [RemittanceStatus.CANCELLED]
    again = settlement_services.settlement_generate(period_end=PERIOD_END)
    assert [r.amount for r in again.remittances.all()] == [Decimal("10.00")]


def test_the_bank_csv_of_an_unapproved_run_is_refused_in_the_admin(finance, own_run):
    response = changelist_action(finance, RUN, "export_remittances_csv", [own_run.pk])
    assert response.status_code == 302
    assert f"Run {own_run.pk} awaits approval by a second finance user" in " ".join(messages_of(response))


def test_a_returned_payout_is_marked_in_the_admin_and_listed_as_needing_attention(finance, own_run, worklog):
    remittance = settlement_services.remittance_mark_paid(remittance=own_run.remittances.get())
    url = reverse("admin:settlements_remittance_transition", args=[remittance.pk, "mark-returned"])
    response = finance.post(url, {"apply": "1", "reason": "AC04 account closed"})
    assert response.status_code == 302
    remittance.refresh_from_db()
    worklog.refresh_from_db()
    assert (remittance.status, remittance.status_reason) == ("RETURNED", "AC04 account closed")
    assert (worklog.remitted_amount, worklog.remittance_status) == (Decimal("0.00"), "UNREMITTED")
    listing = finance.get(reverse("admin:settlements_remittance_changelist"), {"attention": "returned"})
    assert [r.pk for r in listing.context["cl"].result_list] == [remittance.pk]
