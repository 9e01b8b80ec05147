"""Runs without a human creator (issue 15): `manage.py run_settlement` (`--as USERNAME` names one) and the
scheduler's monthly run. Any finance user may approve a run the system created; its payouts wait for it."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ops.scheduler import jobs
from settlements.models import PayoutSubmission, Remittance, SettlementRun
from tests.settlements.crowd import crowd_owed
from tests.support.factories import FinanceUserFactory

pytestmark = pytest.mark.django_db


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("run_settlement", "--period-end", "2024-10-31", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_names_the_creator_with_as_who_then_may_not_approve(api, make_client):
    crowd_owed(2)
    out = run_command("--as", api.user.username)
    run = SettlementRun.objects.get()
    assert (run.created_by, run.approval_state) == (api.user, "pending")
    assert f"a finance user other than {api.user.username} approves run #{run.pk}" in out
    assert api.post(f"/api/settlement-runs/{run.pk}/approve/").status_code == 403
    other = make_client(FinanceUserFactory())
    assert other.post(f"/api/settlement-runs/{run.pk}/approve/").status_code == 200


def test_without_as_the_run_is_the_systems_and_any_finance_user_approves_it(api):
    crowd_owed(1)
    out = run_command()
    run = SettlementRun.objects.get()
    assert run.created_by is None
    assert f"until any finance user approves run #{run.pk}" in out
    response = api.post(f"/api/settlement-runs/{run.pk}/approve/")
    assert (response.status_code, response.json()["approvedBy"]) == (200, api.user.username)


def test_as_an_unknown_or_inactive_user_is_bad_input_and_writes_nothing(django_user_model):
    crowd_owed(1)
    django_user_model.objects.create_user("gone", is_active=False)
    for name in ("nobody", "gone"):
        with pytest.raises(CommandError, match=f"--as names no active user '{name}'") as raised:
            run_command("--as", name)
        assert raised.value.returncode == 2
    assert not SettlementRun.objects.exists()


def test_the_monthly_run_of_the_scheduler_waits_for_approval(
    simulated, settings, api, django_capture_on_commit_callbacks
):
    settings.SETTLEMENT_APPROVAL_REQUIRED = True  # the `simulated` fixture turns it off for outbox tests
    owed = crowd_owed(2)
    with django_capture_on_commit_callbacks(execute=True):
        result = jobs.monthly_settlement_run(datetime(2024, 11, 1, 2, 0, tzinfo=UTC))
    assert result["approval"] == "pending"
    run = SettlementRun.objects.get(pk=result["run_id"])
    assert run.created_by is None
    assert set(run.remittances.values_list("status", flat=True)) == {"PENDING"}
    assert not PayoutSubmission.objects.exists()
    assert jobs.payout_sweep(datetime(2024, 11, 1, 2, 5, tzinfo=UTC)) == {
        "submitted": 0,
        "pending": 0,
    }  # nothing waits in the outbox

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/settlement-runs/{run.pk}/approve/").status_code == 200
    assert PayoutSubmission.objects.filter(status="SUBMITTED").count() == len(owed)
    assert set(Remittance.objects.values_list("status", flat=True)) <= {"PROCESSING", "PAID"}
