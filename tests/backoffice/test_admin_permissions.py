"""Roles in the back office: the finance group's exact permissions, money rows read-only for everyone (403 on
delete), staff outside finance refused, view-only staff offered no action.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from ledger.models import Account, JournalEntry, Posting
from settlements.models import RemittanceStatus, SettlementRun
from tests.backoffice.admin_helpers import changelist_action, login
from tests.support.factories import UserFactory
from worklogs import services
from worklogs.models import Adjustment

pytestmark = pytest.mark.django_db


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
    "audit.view_auditevent",  # the trail of who did what, read-only
    # Bank details (add = enter new ones; confirming is an action), SEPA files, bank reports (add = upload).
    "settlements.view_payoutdestination",
    "settlements.add_payoutdestination",
    "settlements.view_sepafile",
    "settlements.view_sepafileentry",
    "settlements.view_bankreport",
    "settlements.add_bankreport",
    # The dashboard's lists: advice e-mails, and the scheduler's slots (the last nightly audit).
    "settlements.view_adviceemail",
    "ops.view_jobrun",
}


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
