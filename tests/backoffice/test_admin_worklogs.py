"""The admin's worker and worklog pages: amounts as the API shows them; adjustments, segment actions and new
workers or worklogs go through the services; the worker statement reconciles with the balance.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from ledger.models import Account
from settlements import services as settlement_services
from settlements.selectors import worker_balance
from tests.backoffice.admin_helpers import changelist_action, messages_of, work
from tests.support.factories import WorkLogFactory
from worklogs import services
from worklogs.models import Adjustment, Segment, SegmentStatus, Worker, WorkLog

pytestmark = pytest.mark.django_db


def test_worklog_list_shows_the_apis_amounts_and_filters_by_remittance_status(finance, remittance, worklog):
    other = WorkLogFactory(worker__name="Zelda", hourly_rate=Decimal("45.39"))
    work(other, "2026-10-06", "09:00", 10)  # 7.57
    settlement_services.remittance_mark_paid(remittance=remittance)
    page = finance.get(reverse("admin:worklogs_worklog_changelist")).content.decode()
    assert '<td class="field-amount">10.00</td><td class="field-remitted_amount">10.00</td>' in page
    assert '<td class="field-unremitted">0.00</td><td class="field-remittance_status">REMITTED</td>' in page
    assert '<td class="field-amount">7.57</td><td class="field-remitted_amount">0.00</td>' in page
    remitted = finance.get(reverse("admin:worklogs_worklog_changelist"), {"remittance_status": "REMITTED"})
    assert [w.pk for w in remitted.context["cl"].result_list] == [worklog.pk]
    unremitted = finance.get(reverse("admin:worklogs_worklog_changelist"), {"remittance_status": "UNREMITTED"})
    assert [w.pk for w in unremitted.context["cl"].result_list] == [other.pk]
    found = finance.get(reverse("admin:worklogs_worklog_changelist"), {"q": "zeld"})
    assert [w.pk for w in found.context["cl"].result_list] == [other.pk]


def test_worker_list_sums_the_worklogs(finance, remittance, worklog):
    services.adjustment_record(worklog=worklog, amount=Decimal("-2.50"), reason="late")
    page = finance.get(reverse("admin:worklogs_worker_changelist")).content.decode()
    assert '<td class="field-amount">7.50</td><td class="field-remitted">0.00</td>' in page
    assert '<td class="field-unremitted">7.50</td>' in page


def test_worklog_page_shows_segments_items_adjustments_and_remittance_history(finance, remittance, worklog):
    services.adjustment_record(worklog=worklog, amount=Decimal("-1.25"), reason="coffee machine")
    response = finance.get(reverse("admin:worklogs_worklog_change", args=[worklog.pk]))
    assertContains(response, '<td class="field-earning"><p>3.33</p></td>', count=2, html=True)
    assertContains(response, '<td class="field-earning"><p>3.34</p></td>', count=1, html=True)
    assertContains(response, '<td class="field-amount"><p>-1.25</p></td>', count=2, html=True)  # item and adjustment
    assertContains(response, '<td class="field-reason"><p>coffee machine</p></td>', html=True)
    remittance_url = reverse("admin:settlements_remittance_change", args=[remittance.pk])
    history_row = (
        f'<tr><td><a href="{remittance_url}">#{remittance.pk}</a></td><td>{remittance.run_id}</td>'
        "<td>2026-10-31</td><td>PENDING</td><td>3</td><td>10.00</td></tr>"
    )
    assertContains(response, history_row, html=True)
    assertContains(response, '<div class="readonly">8.75</div>', html=True)  # amount after the deduction
    assertContains(response, reverse("admin:worklogs_adjustment_add") + f"?worklog={worklog.pk}")


# --- Adjustments ---------------------------------------------------------------------------------


def test_recording_a_deduction_calls_the_service_and_moves_the_amounts_to_the_cent(finance, finance_user, worklog):
    url = reverse("admin:worklogs_adjustment_add")
    response = finance.post(url, {"worklog": worklog.pk, "amount": "-30.00", "reason": "damaged laptop"})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:worklogs_worklog_change", args=[worklog.pk])
    adjustment = Adjustment.objects.get()
    assert (adjustment.amount, adjustment.created_by, adjustment.item.amount) == (
        Decimal("-30.00"),
        finance_user,
        Decimal("-30.00"),
    )
    worklog.refresh_from_db()
    assert (worklog.amount, worklog.unremitted_amount) == (Decimal("-20.00"), Decimal("-20.00"))
    assert worker_balance(worker=worklog.worker)["unremitted"] == Decimal("-20.00")
    assert f"Recorded adjustment #{adjustment.pk} of -30.00 USD on worklog #{worklog.pk}." in messages_of(response)


@pytest.mark.parametrize(
    ("amount", "reason", "field", "message"),
    [
        ("0", "nothing", "amount", "amount must be non-zero and at most 1000000.00 either way."),
        ("1000000.01", "too much", "amount", "amount must be non-zero and at most 1000000.00 either way."),
        ("1.234", "cents", "amount", "Ensure that there are no more than 2 decimal places."),
        ("abc", "x", "amount", "Enter a number."),
        ("-5.00", "  ", "reason", "A reason is required."),
    ],
)
def test_a_bad_adjustment_is_refused_on_the_form_and_writes_nothing(finance, worklog, amount, reason, field, message):
    response = finance.post(
        reverse("admin:worklogs_adjustment_add"), {"worklog": worklog.pk, "amount": amount, "reason": reason}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert not Adjustment.objects.exists()
    worklog.refresh_from_db()
    assert worklog.amount == Decimal("10.00")


# --- Segments -------------------------------------------------------------------------------------


def test_segment_actions_dispute_resolve_and_remove_through_the_services(finance, worklog):
    first, second, third = worklog.segments.order_by("pk")
    confirm = changelist_action(finance, "worklogs_segment", "dispute", [first.pk])
    assert confirm.status_code == 200 and "Dispute segments" in confirm.content.decode()
    first.refresh_from_db()
    assert first.status == SegmentStatus.ACTIVE  # the confirmation page changes nothing
    changelist_action(finance, "worklogs_segment", "dispute", [first.pk, second.pk], apply="1", reason="client query")
    changelist_action(finance, "worklogs_segment", "resolve_accept", [first.pk], apply="1")
    changelist_action(finance, "worklogs_segment", "resolve_remove", [second.pk], apply="1", effective_date="")
    changelist_action(finance, "worklogs_segment", "remove", [third.pk], apply="1", reason="duplicate")
    statuses = dict(Segment.objects.filter(replaces__isnull=True).values_list("pk", "status"))
    assert statuses == {first.pk: "ACTIVE", second.pk: "REMOVED", third.pk: "REMOVED"}
    worklog.refresh_from_db()
    # 10.00 - reversal of 3.34 (-3.33, keeping the total rounded once) - reversal of 3.33 (-3.34) = 3.33
    assert worklog.amount == Decimal("3.33")


def test_an_illegal_segment_transition_is_a_message_not_a_traceback(finance, worklog):
    segment = worklog.segments.order_by("pk").first()
    response = changelist_action(finance, "worklogs_segment", "resolve_accept", [segment.pk], apply="1")
    assert response.status_code == 302
    assert f"{segment}: Cannot resolve a ACTIVE segment (only DISPUTED)." in messages_of(response)
    segment.refresh_from_db()
    assert segment.status == SegmentStatus.ACTIVE


def test_correcting_a_segment_supersedes_it_at_its_rate(finance, worklog):
    segment = worklog.segments.order_by("pk").first()
    data = {"started_at": "2026-10-05 10:00:00", "ended_at": "2026-10-05 11:00:00", "reason": "forgot to stop"}
    response = changelist_action(finance, "worklogs_segment", "correct", [segment.pk], apply="1", **data)
    assert response.status_code == 302
    replacement = Segment.objects.get(replaces=segment)
    assert (replacement.seconds, replacement.hourly_rate) == (3600, Decimal("10.00"))
    worklog.refresh_from_db()
    assert worklog.amount == Decimal("16.67")  # 20/60*10 + 20/60*10 + 10.00 = 16.666... rounded once
    overlapping = {"started_at": "2026-10-05 09:50:00", "ended_at": "2026-10-05 10:10:00", "reason": "x"}
    second = worklog.segments.filter(status="ACTIVE").exclude(pk=replacement.pk).order_by("pk").first()
    response = changelist_action(finance, "worklogs_segment", "correct", [second.pk], apply="1", **overlapping)
    assert response.status_code == 200  # the form again, with the service's refusal
    assert "overlaps segment" in str(response.context["form"].non_field_errors())


# --- Workers and worklogs are created by the services -----------------------------------------------


def test_adding_a_worker_and_a_worklog_goes_through_the_services(finance, worklog):
    response = finance.post(
        reverse("admin:worklogs_worker_add"), {"name": "Dana", "email": "dana@example.com", "currency": "EUR"}
    )
    dana = Worker.objects.get(name="Dana")
    assert response.status_code == 302
    assert set(Account.objects.filter(party=dana.pk).values_list("kind", "currency")) == {
        ("EXPENSE", "EUR"),
        ("PAYABLE", "EUR"),
        ("IN_TRANSIT", "EUR"),
        ("CASH", "EUR"),
    }
    finance.post(
        reverse("admin:worklogs_worklog_add"), {"worker": dana.pk, "task": worklog.task_id, "hourly_rate": "12.50"}
    )
    assert WorkLog.objects.get(worker=dana).currency == "EUR"
    change_url = reverse("admin:worklogs_worklog_change", args=[worklog.pk])
    management = {
        f"{inline.formset.prefix}-{key}": value
        for inline in finance.get(change_url).context["inline_admin_formsets"]
        for key, value in inline.formset.management_form.initial.items()
    }
    too_high = finance.post(change_url, {"hourly_rate": "10000.01", **management})
    assert too_high.status_code == 200  # the form again, refused by the rate's database constraint
    assert too_high.context["adminform"].form.non_field_errors() == ["Constraint “worklog_rate_range” is violated."]
    finance.post(change_url, {"hourly_rate": "12.00", **management})
    segment = work(worklog, "2026-10-06", "09:00", 30)
    assert segment.hourly_rate == Decimal("12.00")
    worklog.refresh_from_db()
    assert (worklog.hourly_rate, worklog.amount) == (Decimal("12.00"), Decimal("16.00"))  # old items keep 10.00/h


# --- Statement page ----------------------------------------------------------------------------------


def test_worker_statement_page_reconciles_with_the_balance(finance, remittance, worklog):
    services.adjustment_record(worklog=worklog, amount=Decimal("2.50"), reason="bonus")
    response = finance.get(reverse("admin:worklogs_worker_statement", args=[worklog.worker_id]))
    statement = response.context["statement"]
    assert [line["amount"] for line in statement["lines"]] == [Decimal(a) for a in ("3.33", "3.34", "3.33", "2.50")]
    assert statement["closing"] == response.context["owed"] == Decimal("12.50")
    assertContains(response, '<td class="money" id="statement-closing">12.50</td>', html=True)
    assert "reconciles with the balance endpoint" in response.content.decode()
    worker_page = finance.get(reverse("admin:worklogs_worker_change", args=[worklog.worker_id])).content.decode()
    assert reverse("admin:worklogs_worker_statement", args=[worklog.worker_id]) in worker_page
