"""The finance back office: every admin write calls a service; money rows are read-only; roles hold."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from ledger.models import Account, JournalEntry, Posting
from settlements import services as settlement_services
from settlements.models import Remittance, RemittanceStatus, SettlementRun
from settlements.selectors import worker_balance
from tests.support.factories import UserFactory, WorkLogFactory
from worklogs import services
from worklogs.models import Adjustment, Segment, SegmentStatus, Worker, WorkLog

pytestmark = pytest.mark.django_db

PERIOD_END = date(2026, 10, 31)
FINANCE_PERMISSIONS = {
    "auth.view_user",
    *(f"worklogs.{a}_{m}" for m in ("worker", "task", "worklog") for a in ("view", "add", "change")),
    "worklogs.view_segment",
    "worklogs.change_segment",
    "worklogs.view_adjustment",
    "worklogs.add_adjustment",
    "worklogs.view_item",
    "settlements.view_settlementrun",
    "settlements.add_settlementrun",
    "settlements.view_remittance",
    "settlements.change_remittance",
    "settlements.view_remittanceevent",
    "settlements.view_payoutsubmission",
    "settlements.view_processorevent",
    "ledger.view_account",
    "ledger.view_journalentry",
    "ledger.view_posting",
}


def work(worklog, day: str, start: str, minutes: int) -> Segment:
    started = datetime.fromisoformat(f"{day}T{start}:00").replace(tzinfo=UTC)
    segment, _ = services.segment_record(
        worklog=worklog, started_at=started, ended_at=started + timedelta(minutes=minutes)
    )
    return segment


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def finance(finance_user) -> Client:
    """A member of the `finance` group, with only the group's permissions (not a superuser)."""
    return login(finance_user)


@pytest.fixture
def worklog():
    """Three 20-minute segments at 10.00/h: 3.33 + 3.34 + 3.33 = 10.00."""
    worklog = WorkLogFactory(hourly_rate=Decimal("10.00"))
    for start in ("09:00", "09:20", "09:40"):
        work(worklog, "2026-10-05", start, 20)
    return worklog


@pytest.fixture
def remittance(worklog) -> Remittance:
    settlement_services.settlement_generate(period_end=PERIOD_END)
    return Remittance.objects.get(worker=worklog.worker)


def changelist_action(client, model: str, action: str, pks, **data):
    url = reverse(f"admin:{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": [str(pk) for pk in pks], **data})


# --- The finance group --------------------------------------------------------------------------


def test_the_finance_group_has_exactly_the_permissions_finance_staff_need():
    group = Group.objects.get(name="finance")
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
    assert granted == FINANCE_PERMISSIONS
    assert not any(".delete_" in p for p in granted)


def test_the_migration_reuses_the_permissions_django_creates():
    # No duplicate permission rows: the migration and Django's post_migrate signal agree on them.
    assert Permission.objects.filter(codename="change_remittance").count() == 1
    assert Permission.objects.get(codename="change_remittance").name == "Can change remittance"


# --- Amounts, filters and the worklog page -----------------------------------------------------


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
    assert "transition-link" not in page  # PAID is final: no buttons


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


# --- Read-only money, 403 on delete, and roles -----------------------------------------------------------


def _money_urls(remittance, worklog):
    adjustment = services.adjustment_record(worklog=worklog, amount=Decimal("1.00"), reason="r")
    entry = JournalEntry.objects.first()
    objects = {
        "settlements_remittance": remittance.pk,
        "settlements_settlementrun": remittance.run_id,
        "worklogs_segment": worklog.segments.first().pk,
        "worklogs_adjustment": adjustment.pk,
        "worklogs_worklog": worklog.pk,
        "worklogs_worker": worklog.worker_id,
        "ledger_journalentry": entry.pk,
        "ledger_posting": Posting.objects.first().pk,
        "ledger_account": Account.objects.first().pk,
    }
    return objects


def test_money_rows_cannot_be_deleted_or_edited_by_anyone(remittance, worklog):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = login(superuser)
    for model, pk in _money_urls(remittance, worklog).items():
        assert client.get(reverse(f"admin:{model}_delete", args=[pk])).status_code == 403, model
        assert client.post(reverse(f"admin:{model}_delete", args=[pk]), {"post": "yes"}).status_code == 403, model
    change = client.post(reverse("admin:settlements_remittance_change", args=[remittance.pk]), {"amount": "999.00"})
    assert change.status_code == 403
    page = client.get(reverse("admin:settlements_remittance_change", args=[remittance.pk])).content.decode()
    assert 'name="_save"' not in page
    remittance.refresh_from_db()
    assert remittance.amount == Decimal("10.00")
    actions = client.get(reverse("admin:settlements_remittance_changelist")).content.decode()
    assert "delete_selected" not in actions


def test_a_staff_user_outside_finance_cannot_act(remittance, worklog):
    staff = login(UserFactory(is_staff=True))
    for model in ("settlements_remittance", "worklogs_worklog", "worklogs_segment", "ledger_journalentry"):
        assert staff.get(reverse(f"admin:{model}_changelist")).status_code == 403, model
    cancel = changelist_action(staff, "settlements_remittance", "cancel", [remittance.pk], apply="1", reason="x")
    assert cancel.status_code == 403
    transition = reverse("admin:settlements_remittance_transition", args=[remittance.pk, "cancel"])
    assert staff.post(transition, {"apply": "1", "reason": "x"}).status_code == 403
    add_adjustment = reverse("admin:worklogs_adjustment_add")
    assert staff.post(add_adjustment, {"worklog": worklog.pk, "amount": "-1.00", "reason": "x"}).status_code == 403
    start_run = reverse("admin:settlements_settlementrun_add")
    assert staff.post(start_run, {"period_end": "2026-11-30", "apply": "1"}).status_code == 403
    statement = reverse("admin:worklogs_worker_statement", args=[worklog.worker_id])
    assert staff.get(statement).status_code == 403
    remittance.refresh_from_db()
    assert remittance.status == RemittanceStatus.PENDING
    assert not Adjustment.objects.exists() and SettlementRun.objects.count() == 1


def test_a_staff_user_who_may_only_view_sees_no_money_actions(remittance, worklog):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_remittance", "view_segment", "view_worklog", "view_adjustment"])
    )
    client = login(viewer)
    page = client.get(reverse("admin:settlements_remittance_changelist"))
    assert page.status_code == 200
    assert page.context["action_form"] is None  # no action offered at all
    assert (
        "transition-link"
        not in client.get(reverse("admin:settlements_remittance_change", args=[remittance.pk])).content.decode()
    )
    assert (
        "record-adjustment"
        not in client.get(reverse("admin:worklogs_worklog_change", args=[worklog.pk])).content.decode()
    )
    response = changelist_action(client, "settlements_remittance", "cancel", [remittance.pk], apply="1", reason="x")
    assert response.status_code == 200 and "cl" in response.context  # the list again, nothing done
    assert client.get(reverse("admin:worklogs_segment_changelist")).context["action_form"] is None
    remittance.refresh_from_db()
    assert remittance.status == RemittanceStatus.PENDING


def test_run_remittances_download_as_a_bank_csv_from_the_admin(finance, remittance):
    response = finance.post(
        reverse("admin:settlements_settlementrun_changelist"),
        {"action": "export_remittances_csv", "_selected_action": [remittance.run_id]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert f",{remittance.amount},{remittance.currency},PENDING,{remittance.pk}," in body
    assert f"TOTAL,,,{remittance.amount},{remittance.currency}" in body


def test_outbox_and_provider_events_are_read_only_in_the_admin(finance):
    for name in ("payoutsubmission", "processorevent"):
        assert finance.get(reverse(f"admin:settlements_{name}_changelist")).status_code == 200
        assert finance.get(reverse(f"admin:settlements_{name}_add")).status_code == 403
