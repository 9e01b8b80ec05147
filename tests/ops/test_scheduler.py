"""The scheduler (ops/scheduler): slots from cron schedules in TIME_ZONE, one lease row per job and slot
(claimed once; taken over only when its scheduler died), and what each job does."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from api.models import IdempotencyKey
from ops.models import JobRun, JobRunStatus
from ops.scheduler import jobs
from ops.scheduler.leases import job_slot_claim, job_slot_finish, job_slot_renew
from ops.scheduler.registry import Job, scheduled_jobs
from ops.scheduler.runner import Scheduler, run_slot
from settlements.models import PayoutSubmission, ProcessorEvent, Remittance, RunStatus, SettlementRun
from settlements.services import runs
from tests.settlements.crowd import crowd_owed
from tests.support.factories import FinanceUserFactory
from tests.support.metrics import scrape
from worklogs.models import WorkLog

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def job(schedule: str, function=lambda slot: {"ok": True}, name: str = "test_job") -> Job:
    return Job(name=name, schedule=schedule, function=function)


# --- slots --------------------------------------------------------------------------------------


def test_the_slot_is_the_latest_scheduled_minute_at_or_before_now():
    every_five = job("*/5 * * * *")
    assert every_five.latest_slot(at("2026-11-02 10:07:30")) == at("2026-11-02 10:05:00")
    assert every_five.latest_slot(at("2026-11-02 10:05:00")) == at("2026-11-02 10:05:00")
    assert every_five.latest_slot(at("2026-11-02 10:04:59.9")) == at("2026-11-02 10:00:00")


def test_schedules_are_read_in_the_time_zone_that_names_dates(settings):
    settings.TIME_ZONE = "Europe/Paris"
    monthly = job("0 2 1 * *")
    # 02:00 in Paris on 1 November is 01:00 UTC (CET); on 1 July it is 00:00 UTC (CEST).
    assert monthly.latest_slot(at("2026-11-01 01:30:00")) == at("2026-11-01 01:00:00")
    assert monthly.latest_slot(at("2026-07-01 00:10:00")) == at("2026-07-01 00:00:00")
    assert monthly.latest_slot(at("2026-10-31 23:59:00")) == at("2026-10-01 00:00:00")


def test_a_slot_older_than_the_misfire_grace_is_skipped(settings):
    settings.SCHEDULER_MISFIRE_GRACE_SECONDS = 3600
    monthly = job("0 2 1 * *")
    assert monthly.due_slot(at("2026-11-01 02:59:00")) == at("2026-11-01 02:00:00")
    assert monthly.due_slot(at("2026-11-01 03:01:00")) is None


def test_the_registry_comes_from_settings_and_off_disables_a_job(settings):
    settings.SCHEDULED_JOBS = {
        **settings.SCHEDULED_JOBS,
        "prune": {**settings.SCHEDULED_JOBS["prune"], "schedule": "off"},
        "extra_sweeper": {"callable": "ops.scheduler.jobs.payout_sweep", "schedule": "*/3 * * * *"},
    }
    names = [j.name for j in scheduled_jobs()]
    assert names == [
        "settlement_run",
        "payout_sweep",
        "advice_emails",
        "resume_stalled_runs",
        "ledger_close",
        "audit_totals",
        "extra_sweeper",
    ]
    assert scheduled_jobs(["extra_sweeper"])[0].function is jobs.payout_sweep


# --- the lease row ----------------------------------------------------------------------------


def test_a_slot_is_claimed_once(settings):
    slot = at("2026-11-02 10:05:00")
    first = job_slot_claim(job="j", slot=slot, owner="a")
    assert first is not None and first.attempts == 1
    assert job_slot_claim(job="j", slot=slot, owner="b") is None
    job_slot_finish(run_id=first.pk, owner="a", result={"n": 1})
    assert job_slot_claim(job="j", slot=slot, owner="b") is None  # done is done
    assert JobRun.objects.get().status == JobRunStatus.SUCCEEDED
    assert job_slot_claim(job="j", slot=slot + timedelta(minutes=5), owner="b") is not None  # the next slot


def test_a_slot_whose_scheduler_died_is_taken_over_once_its_lease_expired():
    slot = at("2026-11-02 10:05:00")
    first = job_slot_claim(job="j", slot=slot, owner="dead")
    assert job_slot_renew(run_id=first.pk, owner="dead")
    assert job_slot_claim(job="j", slot=slot, owner="b") is None  # lease still running
    JobRun.objects.filter(pk=first.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    second = job_slot_claim(job="j", slot=slot, owner="b")
    assert (second.claimed_by, second.attempts) == ("b", 2)
    assert job_slot_claim(job="j", slot=slot, owner="c") is None
    assert not job_slot_renew(run_id=first.pk, owner="dead")  # the dead one lost it
    job_slot_finish(run_id=first.pk, owner="dead", result={"late": True})  # writes nothing
    assert JobRun.objects.get().status == JobRunStatus.RUNNING


def test_a_failing_job_is_recorded_failed_and_logged(caplog):
    def broken(slot):
        raise RuntimeError("provider down")

    with caplog.at_level(logging.ERROR, logger="ops.scheduler.runner"):
        assert run_slot(job("* * * * *", broken), at("2026-11-02 10:05:00"), "me")
    run = JobRun.objects.get()
    assert run.status == JobRunStatus.FAILED and "RuntimeError: provider down" in run.error
    assert "Job test_job: slot 2026-11-02T10:05:00+00:00 failed." in caplog.messages


@pytest.mark.django_db(transaction=True)  # the job runs in a thread of the scheduler's pool
def test_a_tick_starts_each_due_job_and_not_one_still_running_here():
    calls = []
    scheduler = Scheduler(
        [job("*/5 * * * *", lambda slot: calls.append(slot) or {})], now=lambda: at("2026-11-02 10:06:00")
    )
    for future in scheduler.tick():
        future.result()
    for future in scheduler.tick():  # the same slot again: already done
        future.result()
    assert calls == [at("2026-11-02 10:05:00")]
    assert JobRun.objects.get().result == {}


# --- the jobs -----------------------------------------------------------------------------------


def test_the_monthly_run_is_created_like_the_apis_and_pays_the_month_before_the_slot(after_commit):
    owed = crowd_owed(3)
    with after_commit(execute=True):  # the scheduler runs in autocommit: the task starts at once
        result = jobs.monthly_settlement_run(at("2024-11-01 02:00:00"))
    run = SettlementRun.objects.get()
    assert (result["run_id"], result["period_end"], run.status) == (run.pk, "2024-10-31", RunStatus.COMPLETED)
    assert dict(run.remittances.values_list("worker_id", "amount")) == owed
    assert run.created_by is None  # the system, not a person


def test_with_the_database_backend_the_monthly_run_is_queued_for_the_workers(settings, after_commit):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with after_commit(execute=True):
        result = jobs.monthly_settlement_run(at("2024-11-01 02:00:00"))
    assert result["status"] == RunStatus.QUEUED
    (task,) = DBTaskResult.objects.all()
    assert (task.task_path, task.args_kwargs["kwargs"]) == (
        "settlements.tasks.settlement_run_task",
        {"run_id": result["run_id"]},
    )


def test_the_payout_sweep_submits_what_waits_in_the_outbox(simulated_gateway, monkeypatch, after_commit, settings):
    settings.PAYOUT_SUBMISSION_RETRY_SECONDS = 0  # no backoff before the retry
    crowd_owed(2)

    def outage(self, **kwargs):
        raise ConnectionError("provider unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(simulated_gateway, "submit", outage)
        with after_commit(execute=True):
            jobs.monthly_settlement_run(at("2024-11-01 02:00:00"))  # the run's payouts fail to go out
    assert set(PayoutSubmission.objects.values_list("status", "attempts")) == {("PENDING", 1)}

    assert jobs.payout_sweep(at("2026-11-02 10:05:00")) == {"submitted": 2, "pending": 0, "in_doubt": 0}
    assert set(PayoutSubmission.objects.values_list("status", flat=True)) == {"SUBMITTED"}
    assert set(Remittance.objects.values_list("status", flat=True)) == {"PROCESSING"}


def test_the_payout_sweep_does_nothing_with_the_manual_gateway():
    assert jobs.payout_sweep(at("2026-11-02 10:05:00")) == {"submitted": 0, "pending": 0, "in_doubt": 0}


def test_stalled_runs_are_resumed(after_commit):
    owed = crowd_owed(3)
    run = SettlementRun.objects.create(period_end="2024-10-31")
    runs._settle_chunk(run=run, worker_ids=[min(owed)])
    SettlementRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, lease_owner="3f0c1f4e-0000-4000-8000-000000000002",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    with after_commit(execute=True):
        assert jobs.resume_stalled_runs(at("2026-11-02 10:05:00")) == {"resumed": [run.pk], "skipped": []}
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert dict(run.remittances.values_list("worker_id", "amount")) == owed
    assert jobs.resume_stalled_runs(at("2026-11-02 10:10:00")) == {"resumed": [], "skipped": []}


def test_the_nightly_audit_logs_each_difference_as_an_error_and_the_metric_shows_the_count(caplog):
    crowd_owed(2)
    clean = run_slot(Job("audit_totals", "30 3 * * *", jobs.nightly_audit), at("2026-11-01 03:30:00"), "me")
    assert clean and scrape()["wls_audit_last_differences"] == {(): 0}

    worklog = WorkLog.objects.order_by("pk").first()
    WorkLog.objects.filter(pk=worklog.pk).update(amount=F("amount") + 1)  # a cache gone wrong
    try:
        with caplog.at_level(logging.ERROR, logger="ops.scheduler.jobs"):
            run_slot(Job("audit_totals", "30 3 * * *", jobs.nightly_audit), at("2026-11-02 03:30:00"), "me")
    finally:
        WorkLog.objects.filter(pk=worklog.pk).update(amount=F("amount") - 1)
    latest = JobRun.objects.filter(job="audit_totals").order_by("-slot").first()
    assert latest.result["differences"] >= 1
    assert any(m.startswith(f"audit_totals: worklog {worklog.pk} amount") for m in caplog.messages)
    assert any(m.startswith("audit_totals found ") for m in caplog.messages)
    assert scrape()["wls_audit_last_differences"] == {(): latest.result["differences"]}


def test_prune_deletes_what_outlived_its_retention_and_keeps_events_and_money(settings):
    user = FinanceUserFactory()
    old = timezone.now() - timedelta(days=400)
    for key in ("old", "recent"):
        IdempotencyKey.objects.create(user=user, key=key, method="POST", path="/x", request_hash="h",
                                      response_status=201, response_body={})  # fmt: skip
    IdempotencyKey.objects.filter(key="old").update(created_at=old)
    for status in ("SUCCESSFUL", "FAILED", "READY"):
        DBTaskResult.objects.create(args_kwargs={"args": [], "kwargs": {}}, task_path="x.y", backend_name="default",
                                    run_after=get_date_max(), status=status, finished_at=old)  # fmt: skip
    DBTaskResult.objects.create(args_kwargs={"args": [], "kwargs": {}}, task_path="x.y", backend_name="default",
                                run_after=get_date_max(), status="SUCCESSFUL", finished_at=timezone.now())  # fmt: skip
    for days in (300, 200):
        slot = (timezone.now() - timedelta(days=days)).replace(second=0, microsecond=0)
        JobRun.objects.create(job="audit_totals", slot=slot, status="SUCCEEDED", claimed_by="x",
                              lease_expires_at=slot, started_at=slot, result={"differences": 0})  # fmt: skip
    ProcessorEvent.objects.create(event_id="evt-old", type="payout.paid", raw_body="{}", signature_header="t=1,v1=x",
                                  outcome="unknown_remittance")  # fmt: skip

    result = jobs.prune(at("2026-11-02 04:00:00"))

    assert result == {"idempotency_keys": 1, "task_results": 2, "job_runs": 1}
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
    assert JobRun.objects.count() == 1  # the latest audit is kept: /metrics reads it
    assert ProcessorEvent.objects.count() == 1


# --- the command --------------------------------------------------------------------------------


def test_run_scheduler_runs_a_job_now_once_per_minute(capsys):
    call_command("run_scheduler", "--run", "payout_sweep")
    assert "payout_sweep" in capsys.readouterr().out
    assert JobRun.objects.get().job == "payout_sweep"


def test_run_scheduler_refuses_an_unknown_job():
    with pytest.raises(CommandError, match="Unknown job nightly"):
        call_command("run_scheduler", "--job", "nightly", "--once")
