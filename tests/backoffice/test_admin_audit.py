"""Who did what through the admin: every page and action that calls a service records an audit event with
the logged-in user and old/new values, and writes the admin's History (LogEntry) naming what happened;
the trail is read in the admin, linked from the objects' pages."""

from html import escape

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audit.models import AuditEvent
from settlements.models import SettlementRun
from settlements.services import settlement_run_create
from tests.backoffice.admin_helpers import PERIOD_END, changelist_action, events, login, messages_of
from tests.support.factories import TaskFactory, UserFactory, WorkerFactory
from worklogs.models import Adjustment, Segment, Worker, WorkLog

pytestmark = pytest.mark.django_db


def history(obj) -> list[tuple]:
    """(action flag, message, username) of an object's admin History, oldest first."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).order_by("pk")
    return [(e.action_flag, e.get_change_message(), e.user.username) for e in entries]


def _management(client, url: str) -> dict:
    """The inline formsets' management fields a change form posts back."""
    return {
        f"{inline.formset.prefix}-{key}": value
        for inline in client.get(url).context["inline_admin_formsets"]
        for key, value in inline.formset.management_form.initial.items()
    }


# --- Workers and worklogs ------------------------------------------------------------------------


def test_a_workers_creation_and_its_name_email_and_login_changes_are_recorded(finance, finance_user):
    me = finance_user.username
    response = finance.post(
        reverse("admin:worklogs_worker_add"), {"name": "Dana", "email": "d@x.test", "currency": "EUR"}
    )
    assert response.status_code == 302
    dana = Worker.objects.get(name="Dana")
    login_of_dana = UserFactory(username="dana")
    change = reverse("admin:worklogs_worker_change", args=[dana.pk])
    finance.post(change, {"name": "Dana Scully", "email": "dana@x.test", "user": login_of_dana.pk})
    finance.post(change, {"name": "Dana Scully", "email": "dana@x.test", "user": ""})  # unlinked again
    finance.post(change, {"name": "Dana Scully", "email": "dana@x.test", "user": ""})  # no change: no event
    assert events(dana, "worker") == [
        (me, "worker.created", {"name": [None, "Dana"], "email": [None, "d@x.test"], "currency": [None, "EUR"]}),
        (
            me,
            "worker.updated",
            {"name": ["Dana", "Dana Scully"], "email": ["d@x.test", "dana@x.test"], "user": [None, "dana"]},
        ),
        (me, "worker.updated", {"user": ["dana", None]}),
    ]
    assert [(flag, user) for flag, _, user in history(dana)] == [
        (ADDITION, me),
        (CHANGE, me),
        (CHANGE, me),
        (CHANGE, me),
    ]
    assert history(dana)[1][1] == "Changed Name, Email and User."


def test_a_login_linked_to_another_worker_is_refused_and_records_nothing(finance):
    taken = UserFactory()
    WorkerFactory(user=taken)
    other = WorkerFactory(name="Other")
    before = AuditEvent.objects.count()
    response = finance.post(
        reverse("admin:worklogs_worker_change", args=[other.pk]), {"name": "Other", "email": "", "user": taken.pk}
    )
    assert response.status_code == 200  # the form again: the login is taken
    assert AuditEvent.objects.count() == before
    other.refresh_from_db()
    assert other.user is None


def test_a_worklogs_creation_and_rate_change_are_recorded(finance, finance_user):
    me = finance_user.username
    worker, task = WorkerFactory(), TaskFactory()
    finance.post(reverse("admin:worklogs_worklog_add"), {"worker": worker.pk, "task": task.pk, "hourly_rate": "40.00"})
    worklog = WorkLog.objects.get(worker=worker)
    change = reverse("admin:worklogs_worklog_change", args=[worklog.pk])
    response = finance.post(change, {"hourly_rate": "42.50", **_management(finance, change)})
    assert response.status_code == 302
    assert events(worklog, "worklog")[1:] == [(me, "worklog.rate_changed", {"hourly_rate": ["40.00", "42.50"]})]
    assert events(worklog, "worklog")[0][:2] == (me, "worklog.created")
    assert [(flag, message) for flag, message, _ in history(worklog)] == [
        (ADDITION, "Added."),
        (CHANGE, "Changed Hourly rate."),
    ]


# --- Segments -------------------------------------------------------------------------------------


def test_segment_actions_record_who_did_them_and_write_the_history(finance, finance_user, worklog):
    me = finance_user.username
    first, second, third = worklog.segments.order_by("pk")
    changelist_action(finance, "worklogs_segment", "dispute", [first.pk, second.pk], apply="1", reason="client query")
    changelist_action(finance, "worklogs_segment", "resolve_accept", [first.pk], apply="1")
    changelist_action(
        finance, "worklogs_segment", "resolve_remove", [second.pk], apply="1", effective_date="2026-11-30"
    )
    changelist_action(finance, "worklogs_segment", "remove", [third.pk], apply="1", reason="duplicate")
    assert events(first, "segment")[1:] == [
        (me, "segment.disputed", {"status": ["ACTIVE", "DISPUTED"], "dispute_reason": ["", "client query"]}),
        (me, "segment.resolved", {"status": ["DISPUTED", "ACTIVE"]}),
    ]
    assert events(second, "segment")[-1] == (
        me,
        "segment.resolved",
        {
            "status": ["DISPUTED", "REMOVED"],
            "status_reason": ["", "Dispute resolved: removed. client query"],
            "effective_date": [None, "2026-11-30"],
        },
    )
    assert events(third, "segment")[-1] == (
        me,
        "segment.removed",
        {"status": ["ACTIVE", "REMOVED"], "status_reason": ["", "duplicate"]},
    )
    assert history(first) == [(CHANGE, "Disputed: client query", me), (CHANGE, "Dispute resolved: accepted.", me)]
    assert history(second)[-1] == (CHANGE, "Dispute resolved: removed (effective 2026-11-30).", me)
    assert history(third) == [(CHANGE, "Removed. duplicate", me)]
    page = finance.get(reverse("admin:worklogs_segment_history", args=[first.pk])).content.decode()
    assert "Dispute resolved: accepted." in page and "None available" not in page


def test_a_correction_records_the_old_and_new_times_and_both_histories(finance, finance_user, worklog):
    me = finance_user.username
    segment = worklog.segments.order_by("pk").first()
    data = {"started_at": "2026-10-05 10:00:00", "ended_at": "2026-10-05 11:00:00", "reason": "forgot to stop"}
    changelist_action(finance, "worklogs_segment", "correct", [segment.pk], apply="1", **data)
    replacement = Segment.objects.get(replaces=segment)
    assert events(segment, "segment")[-1] == (
        me,
        "segment.corrected",
        {
            "status": ["ACTIVE", "SUPERSEDED"],
            "status_reason": ["", "forgot to stop"],
            "started_at": ["2026-10-05T09:00:00Z", "2026-10-05T10:00:00Z"],
            "ended_at": ["2026-10-05T09:20:00Z", "2026-10-05T11:00:00Z"],
            "replaced_by_id": [None, replacement.pk],
        },
    )
    assert events(replacement, "segment")[0][:2] == (me, "segment.recorded")
    assert history(segment) == [(CHANGE, f"Corrected: superseded by segment #{replacement.pk}. forgot to stop", me)]
    assert history(replacement) == [(ADDITION, f"Recorded as the correction of segment #{segment.pk}.", me)]


# --- Adjustments ----------------------------------------------------------------------------------


def test_an_adjustment_recorded_in_the_admin_is_in_the_trail_and_both_histories(finance, finance_user, worklog):
    me = finance_user.username
    url = reverse("admin:worklogs_adjustment_add")
    finance.post(url, {"worklog": worklog.pk, "amount": "-30.00", "reason": "damaged laptop"})
    adjustment = Adjustment.objects.get()
    assert events(adjustment, "adjustment") == [
        (
            me,
            "adjustment.recorded",
            {"worklog_id": [None, worklog.pk], "amount": [None, "-30.00"], "reason": [None, "damaged laptop"]},
        )
    ]
    message = f"Recorded adjustment #{adjustment.pk} of -30.00 USD on worklog #{worklog.pk}. Reason: damaged laptop"
    assert history(adjustment) == [(ADDITION, message, me)]
    assert history(worklog) == [(CHANGE, message, me)]


# --- Remittances and runs -------------------------------------------------------------------------


def test_remittance_transitions_record_who_made_them_and_write_the_history(finance, finance_user, remittance):
    me = finance_user.username
    changelist_action(finance, "settlements_remittance", "cancel", [remittance.pk], apply="1", reason="wrong IBAN")
    assert events(remittance, "remittance") == [
        (me, "remittance.cancelled", {"status": ["PENDING", "CANCELLED"], "status_reason": ["", "wrong IBAN"]})
    ]
    assert history(remittance) == [(CHANGE, "CANCELLED: wrong IBAN", me)]


def test_mark_paid_and_mark_failed_pages_record_the_reference_and_the_reason(finance, finance_user, remittance):
    me = finance_user.username
    paid_url = reverse("admin:settlements_remittance_transition", args=[remittance.pk, "mark-paid"])
    finance.post(paid_url, {"apply": "1", "provider_reference": "SEPA-42"})
    assert events(remittance, "remittance") == [
        (me, "remittance.marked_paid", {"status": ["PENDING", "PAID"], "provider_reference": ["", "SEPA-42"]})
    ]
    assert history(remittance) == [(CHANGE, "PAID: SEPA-42", me)]


def test_mark_failed_records_the_reason(finance, finance_user, remittance):
    url = reverse("admin:settlements_remittance_transition", args=[remittance.pk, "mark-failed"])
    finance.post(url, {"apply": "1", "reason": "account closed"})
    assert events(remittance, "remittance")[-1] == (
        finance_user.username,
        "remittance.marked_failed",
        {"status": ["PENDING", "FAILED"], "status_reason": ["", "account closed"]},
    )
    assert history(remittance) == [(CHANGE, "FAILED: account closed", finance_user.username)]


def test_starting_and_resuming_runs_are_recorded(finance, finance_user, worklog):
    me = finance_user.username
    url = reverse("admin:settlements_settlementrun_add")
    finance.post(url, {"period_end": "2026-10-31", "apply": "1"})
    run = SettlementRun.objects.get()
    assert events(run, "settlement_run") == [
        (
            me,
            "settlement_run.created",
            {"period_end": [None, "2026-10-31"], "status": [None, "QUEUED"], "approval_required": [None, True]},
        )
    ]
    assert history(run) == [
        (ADDITION, f"Started for period end 2026-10-31. Run #{run.pk} created 1 remittance(s): 10.00 USD.", me)
    ]
    queued = settlement_run_create(period_end=PERIOD_END)  # by the system, never executed
    changelist = reverse("admin:settlements_settlementrun_changelist")
    response = finance.post(changelist, {"action": "resume_runs", "_selected_action": [queued.pk]})
    # The run's one worker was settled by the first run: it is counted done and paid nothing twice.
    assert f"Run #{queued.pk} to {PERIOD_END}: resumed, COMPLETED (1/1 workers)." in messages_of(response)
    assert events(queued, "settlement_run")[0][:2] == (None, "settlement_run.created")
    assert history(queued) == [(CHANGE, "Resumed, COMPLETED (1/1 workers).", me)]


# --- Logins: group membership and tokens ---------------------------------------------------------


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _user_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [g.pk for g in user.groups.all()],
        "_save": "Save",
    }
    return {**data, **changes}


def test_group_membership_changed_on_the_users_page_names_who_changed_it(superuser):
    client = login(superuser)
    clerk = UserFactory(username="clerk")
    finance_group, integration = Group.objects.get(name="finance"), Group.objects.get(name="integration")
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    response = client.post(url, _user_form(clerk, groups=[finance_group.pk, integration.pk]))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    client.post(url, _user_form(clerk, groups=[integration.pk]))
    assert events(clerk, "user") == [
        ("root", "user.group_added", {"group": [None, "finance"]}),
        ("root", "user.group_added", {"group": [None, "integration"]}),
        ("root", "user.group_removed", {"group": ["finance", None]}),
    ]
    # Django's own History of the change form (it also names the split date field it re-reads as changed).
    assert [(message.startswith("Changed Groups"), user) for _, message, user in history(clerk)] == [(True, "root")] * 2


def test_revoking_a_users_tokens_in_the_admin_is_recorded(superuser, make_client):
    clerk = UserFactory(username="clerk")
    make_client(clerk)
    response = changelist_action(login(superuser), "auth_user", "revoke_api_tokens", [clerk.pk])
    assert "1 API token(s) revoked for 1 user(s)." in messages_of(response)
    assert events(clerk, "user") == [("root", "user.tokens_revoked", {"tokens": [1, 0]})]
    assert history(clerk) == [(CHANGE, "Revoked all API tokens (1).", "root")]


# --- Reading the trail in the admin ---------------------------------------------------------------


def test_finance_reads_an_objects_trail_from_its_page(finance, finance_user, remittance, worklog):
    changelist_action(finance, "settlements_remittance", "cancel", [remittance.pk], apply="1", reason="wrong IBAN")
    for name, obj in (
        ("settlements_remittance", remittance),
        ("worklogs_worklog", worklog),
        ("worklogs_worker", worklog.worker),
        ("worklogs_segment", worklog.segments.first()),
    ):
        page = finance.get(reverse(f"admin:{name}_change", args=[obj.pk]))
        assert escape(page.context["audit_trail_url"]) in page.content.decode()
    trail_url = finance.get(reverse("admin:settlements_remittance_change", args=[remittance.pk])).context[
        "audit_trail_url"
    ]
    listing = finance.get(trail_url)
    assert [(e.action, e.actor_username) for e in listing.context["cl"].result_list] == [
        ("remittance.cancelled", finance_user.username)
    ]
    assert listing.status_code == 200


def test_the_trail_is_read_only_in_the_admin(finance, worklog):
    event = AuditEvent.objects.first()
    assert finance.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    assert finance.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    assert finance.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
