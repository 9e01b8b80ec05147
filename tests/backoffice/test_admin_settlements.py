"""The admin's remittances, runs and payouts: transitions through the services with reasons and messages,
list totals, a run previewed then generated, the bank CSV, a read-only outbox.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from settlements import services as settlement_services
from settlements.models import RemittanceStatus, SettlementRun
from settlements.selectors import worker_balance
from tests.backoffice.admin_helpers import PERIOD_END, changelist_action, messages_of, work
from tests.support.factories import FinanceUserFactory, WorkLogFactory
from worklogs import services

pytestmark = pytest.mark.django_db


# --- Remittances -----------------------------------------------------------------------------------


def test_cancel_asks_for_a_reason_shows_what_is_released_then_releases_it(finance, finance_user, remittance, worklog):
    confirm = changelist_action(finance, "settlements_remittance", "cancel", [remittance.pk])
    page = confirm.content.decode()
    assert f"worklog #{worklog.pk}: 10.00" in page
    assert "released: back to unremitted, paid by the next run" in page
    assert '<th class="money">10.00 USD</th>' in page  # the total released
    refused = changelist_action(finance, "settlements_remittance", "cancel", [remittance.pk], apply="1", reason="")
    assert refused.context["form"].errors["reason"] == ["This field is required."]
    remittance.refresh_from_db()
    assert remittance.status == RemittanceStatus.PENDING
    done = changelist_action(
        finance, "settlements_remittance", "cancel", [remittance.pk], apply="1", reason="wrong bank account"
    )
    assert done.status_code == 302 and "1 remittance(s) cancelled." in messages_of(done)
    remittance.refresh_from_db()
    assert (remittance.status, remittance.status_reason) == ("CANCELLED", "wrong bank account")
    assert remittance.events.last().actor == finance_user
    assert worker_balance(worker=worklog.worker) == {
        "worker_id": worklog.worker_id,
        "currency": "USD",
        "unremitted": Decimal("10.00"),
        "pending": Decimal("0.00"),
        "remitted": Decimal("0.00"),
    }


def test_an_illegal_remittance_transition_is_refused_with_a_message(finance, remittance):
    remittance = settlement_services.remittance_mark_paid(remittance=remittance)
    confirm = changelist_action(finance, "settlements_remittance", "cancel", [remittance.pk])
    assert "refused: a PAID remittance cannot become that" in confirm.content.decode()
    response = changelist_action(finance, "settlements_remittance", "cancel", [remittance.pk], apply="1", reason="x")
    assert response.status_code == 302
    assert f"{remittance}: A PAID remittance cannot become CANCELLED." in messages_of(response)
    url = reverse("admin:settlements_remittance_transition", args=[remittance.pk, "mark-failed"])
    response = finance.post(url, {"apply": "1", "reason": "bounced"})
    assert "A PAID remittance cannot become FAILED." in " ".join(messages_of(response))
    remittance.refresh_from_db()
    assert remittance.status == RemittanceStatus.PAID


def test_remittance_page_buttons_mark_paid_and_mark_failed(finance, remittance, worklog):
    page = finance.get(reverse("admin:settlements_remittance_change", args=[remittance.pk])).content.decode()
    for slug in ("cancel", "mark-failed", "mark-paid"):
        assert reverse("admin:settlements_remittance_transition", args=[remittance.pk, slug]) in page
    url = reverse("admin:settlements_remittance_transition", args=[remittance.pk, "mark-paid"])
    response = finance.post(url, {"apply": "1", "provider_reference": "SEPA-42"})
    assert response["Location"] == reverse("admin:settlements_remittance_change", args=[remittance.pk])
    remittance.refresh_from_db()
    worklog.refresh_from_db()
    assert (remittance.status, remittance.provider_reference) == ("PAID", "SEPA-42")
    assert (worklog.remitted_amount, worklog.remittance_status) == (Decimal("10.00"), "REMITTED")
    page = finance.get(reverse("admin:settlements_remittance_change", args=[remittance.pk])).content.decode()
    # PAID: the one move left is RETURNED (the transfer came back).
    assert page.count("transition-link") == 1
    assert reverse("admin:settlements_remittance_transition", args=[remittance.pk, "mark-returned"]) in page


def test_remittance_list_filters_and_totals(finance, remittance):
    eur = WorkLogFactory(worker__currency="EUR", hourly_rate=Decimal("45.39"))
    work(eur, "2026-10-06", "09:00", 10)
    settlement_services.settlement_generate(period_end=PERIOD_END)
    response = finance.get(reverse("admin:settlements_remittance_changelist"))
    assert response.context["remittance_totals"] == [
        {"currency": "EUR", "status": "PENDING", "n": 1, "total": "7.57"},
        {"currency": "USD", "status": "PENDING", "n": 1, "total": "10.00"},
    ]
    only_usd = finance.get(reverse("admin:settlements_remittance_changelist"), {"currency": "USD"})
    assert [r.pk for r in only_usd.context["cl"].result_list] == [remittance.pk]
    assert only_usd.context["remittance_totals"] == [{"currency": "USD", "status": "PENDING", "n": 1, "total": "10.00"}]
    by_run = finance.get(reverse("admin:settlements_remittance_changelist"), {"run__id__exact": remittance.run_id})
    assert by_run.status_code == 200 and [r.pk for r in by_run.context["cl"].result_list] == [remittance.pk]


# --- Settlement runs ---------------------------------------------------------------------------------


def test_starting_a_run_previews_then_generates(finance, finance_user, worklog):
    debtor = WorkLogFactory(hourly_rate=Decimal("60.00"))
    services.adjustment_record(worklog=debtor, amount=Decimal("-12.00"), reason="advance")
    url = reverse("admin:settlements_settlementrun_add")
    assert finance.get(url).context["form"].initial["period_end"] is not None
    preview = finance.post(url, {"period_end": "2026-10-31"})
    assert not SettlementRun.objects.exists()
    rows = preview.context["table"]["rows"]
    assert [(r[0], r[2]["value"], r[3]) for r in rows] == [
        (worklog.worker_id, "10.00 USD", "would be paid"),
        (debtor.worker_id, "-12.00 USD", "skipped: total ≤ 0, carried forward"),
    ]
    response = finance.post(url, {"period_end": "2026-10-31", "apply": "1"})
    run = SettlementRun.objects.get()
    assert response["Location"] == reverse("admin:settlements_settlementrun_change", args=[run.pk])
    assert (run.created_by, run.period_end) == (finance_user, PERIOD_END)
    assert f"Run #{run.pk} created 1 remittance(s): 10.00 USD." in messages_of(response)
    assert list(run.remittances.values_list("worker_id", "amount")) == [(worklog.worker_id, Decimal("10.00"))]
    page = finance.get(reverse("admin:settlements_settlementrun_changelist")).content.decode()
    assert '<td class="field-totals">10.00 USD</td>' in page
    again = finance.post(url, {"period_end": "2026-10-31"})
    assert [r[3] for r in again.context["table"]["rows"]] == ["skipped: total ≤ 0, carried forward"]


def test_run_remittances_download_as_a_bank_csv_from_the_admin(finance, remittance):
    settlement_services.settlement_run_approve(run=remittance.run, actor=FinanceUserFactory())  # four eyes
    response = finance.post(
        reverse("admin:settlements_settlementrun_changelist"),
        {"action": "export_remittances_csv", "_selected_action": [remittance.run_id]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert f",{remittance.amount},{remittance.currency},PENDING,{remittance.pk}," in body
    assert f"TOTAL,,,{remittance.amount},{remittance.currency}" in body


# --- Payouts --------------------------------------------------------------------------------------


def test_outbox_and_provider_events_are_read_only_in_the_admin(finance):
    for name in ("payoutsubmission", "processorevent"):
        assert finance.get(reverse(f"admin:settlements_{name}_changelist")).status_code == 200
        assert finance.get(reverse(f"admin:settlements_{name}_add")).status_code == 403
