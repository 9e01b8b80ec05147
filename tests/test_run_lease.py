"""One execution of a run at a time (the run's lease), exact progress, and resuming from the API,
the command and the admin. In-process tests on both databases; the same with real processes and
real kills is tests/test_run_crash.py."""

import runpy
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection, connections
from django.urls import reverse
from django.utils import timezone

from settlements.management.commands import run_settlement
from settlements.models import Remittance, RunStatus, SettlementRun, SettlementRunChunk
from settlements.services import RunCompleted, RunInProgress, runs, settlement_generate, settlement_run_execute
from settlements.services.run_lease import RunLeaseLost, on_a_live_connection, run_lease_claim, run_plan
from tests.runs_helpers import OCT, assert_paid_exactly_once, expire_lease, workers_owed

pytestmark = pytest.mark.django_db

RESUME = "/api/settlement-runs/{}/resume/"


class Killed(BaseException):
    """What `kill -9` does to a process, in-process (with `run_finish` disabled: see `_killed_run`)."""


def _dying_at_chunk(monkeypatch, number: int, error: BaseException):
    """Make the `number`-th chunk (1-based) raise `error` before it writes anything."""
    real, calls = runs._settle_chunk, []

    def dying(**kwargs):
        calls.append(kwargs["worker_ids"])
        if len(calls) == number:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", dying)
    return lambda: monkeypatch.setattr(runs, "_settle_chunk", real)


@pytest.fixture
def owed(settings):
    settings.SETTLEMENT_CHUNK_SIZE = 2
    return workers_owed(6)


def _killed_run(monkeypatch, at_chunk: int = 2) -> SettlementRun:
    """A run whose process died at its `at_chunk`-th chunk: nothing after that ran, not even the
    final status write (an interrupted process would have written FAILED)."""
    revive = _dying_at_chunk(monkeypatch, at_chunk, Killed())
    real_finish = runs.run_finish
    monkeypatch.setattr(runs, "run_finish", lambda **kwargs: False)  # a killed process writes nothing
    with pytest.raises(Killed):
        settlement_generate(period_end=OCT)
    revive()
    monkeypatch.setattr(runs, "run_finish", real_finish)
    return SettlementRun.objects.get()


# --- The lease ---------------------------------------------------------------------------------


def test_a_killed_run_stays_running_under_its_lease_then_shows_stalled_and_resumes_exactly(api, owed, monkeypatch):
    run = _killed_run(monkeypatch)
    shown = api.get(f"/api/settlement-runs/{run.pk}/").json()
    assert (shown["status"], shown["workersDone"], shown["workersTotal"]) == ("RUNNING", 2, 6)
    assert shown["leaseExpiresAt"] is not None
    refused = api.post(RESUME.format(run.pk))
    assert refused.status_code == 409
    assert refused.json()["code"] == "run_in_progress"
    assert Remittance.objects.count() == 2

    expire_lease(run)
    shown = api.get(f"/api/settlement-runs/{run.pk}/").json()
    assert (shown["status"], shown["workersDone"]) == ("STALLED", 2)
    listed = api.get("/api/settlement-runs/").json()["results"]
    assert [r["status"] for r in listed] == ["STALLED"]

    resumed = api.post(RESUME.format(run.pk))
    assert resumed.status_code == 200, resumed.content
    body = resumed.json()
    assert (body["status"], body["workersDone"], body["workersTotal"], body["leaseExpiresAt"]) == (
        "COMPLETED",
        6,
        6,
        None,
    )
    assert {r["workerId"]: r["amount"] for r in body["remittances"]} == {w: f"{a:.2f}" for w, a in owed.items()}
    assert_paid_exactly_once(run, owed)


def test_a_second_execution_is_refused_while_the_first_holds_the_lease(api, owed, monkeypatch):
    real, seen = runs._settle_chunk, []

    def meanwhile(**kwargs):
        if not seen:  # while the first chunk is being settled, everyone else tries to run it too
            run = SettlementRun.objects.get()
            with pytest.raises(RunInProgress):
                settlement_run_execute(run=run)
            seen.append(api.post(RESUME.format(run.pk)).json()["code"])
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", meanwhile)
    run = settlement_generate(period_end=OCT)
    assert seen == ["run_in_progress"]
    assert_paid_exactly_once(run, owed)


def test_the_lease_is_claimed_once_and_taken_over_only_after_it_expired(owed):
    run = SettlementRun.objects.create(period_end=OCT)
    first, second = uuid.uuid4(), uuid.uuid4()
    run_lease_claim(run_id=run.pk, owner=first)
    with pytest.raises(RunInProgress):
        run_lease_claim(run_id=run.pk, owner=second)
    run.refresh_from_db()
    assert run.lease_owner == first and run.lease_expires_at > timezone.now() + timedelta(seconds=50)

    expire_lease(run)
    run_lease_claim(run_id=run.pk, owner=second)
    assert SettlementRun.objects.get(pk=run.pk).lease_owner == second


def test_an_execution_that_lost_its_lease_stops_and_its_chunk_commits_nothing(owed, monkeypatch):
    real, calls, thief = runs._settle_chunk, [], uuid.uuid4()

    def stolen_before_the_second_chunk_commits(**kwargs):
        calls.append(kwargs["worker_ids"])
        if len(calls) == 2:  # this execution stalled long enough for another to take the run over
            SettlementRun.objects.update(lease_owner=thief, lease_expires_at=timezone.now() + timedelta(minutes=1))
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", stolen_before_the_second_chunk_commits)
    with pytest.raises(RunLeaseLost):
        settlement_generate(period_end=OCT)
    run = SettlementRun.objects.get()
    # The loser wrote no status (the run is the thief's now) and its second chunk rolled back.
    assert (run.status, run.lease_owner, run.workers_done) == (RunStatus.RUNNING, thief, 2)
    assert set(Remittance.objects.values_list("worker_id", flat=True)) == set(calls[0])

    monkeypatch.setattr(runs, "_settle_chunk", real)
    expire_lease(run)  # the thief died too
    settlement_run_execute(run=run)
    assert_paid_exactly_once(run, owed)


def test_an_interrupted_run_is_failed_and_resumable_at_once(owed, monkeypatch):
    revive = _dying_at_chunk(monkeypatch, 2, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        settlement_generate(period_end=OCT)
    revive()
    run = SettlementRun.objects.get()
    assert (run.status, run.error, run.lease_owner) == (RunStatus.FAILED, "KeyboardInterrupt", None)
    assert run.workers_done == 2
    settlement_run_execute(run=run)
    assert_paid_exactly_once(run, owed)


def test_a_completed_run_is_not_executed_again(owed):
    run = settlement_generate(period_end=OCT)
    with pytest.raises(RunCompleted):
        settlement_run_execute(run=run)
    assert_paid_exactly_once(run, owed)


# --- Exact progress ------------------------------------------------------------------------------


def test_progress_counts_only_committed_chunks_and_a_resume_continues_it(owed, monkeypatch):
    revive = _dying_at_chunk(monkeypatch, 2, RuntimeError("connection lost"))
    with pytest.raises(RuntimeError):
        settlement_generate(period_end=OCT)
    run = SettlementRun.objects.get()
    assert (run.status, run.error, run.workers_done, run.workers_total) == (RunStatus.FAILED, "connection lost", 2, 6)
    revive()

    progress = []
    settlement_run_execute(run=run, progress=lambda done, total: progress.append((done, total)))

    assert progress == [(4, 6), (6, 6)]  # from where it stood, never from 0
    assert_paid_exactly_once(run, owed)
    run.refresh_from_db()
    assert run.error == ""


def test_a_chunk_settled_again_counts_nothing_and_pays_nothing(owed):
    run = SettlementRun.objects.create(period_end=OCT)
    owner = uuid.uuid4()
    run_lease_claim(run_id=run.pk, owner=owner)
    chunks, done, total = run_plan(run_id=run.pk, owner=owner, candidates=lambda: list(owed), chunk_size=2)
    assert (len(chunks), done, total) == (3, 0, 6)
    chunk_id, worker_ids = chunks[0]
    first = runs._settle_chunk(run=run, worker_ids=worker_ids, chunk_id=chunk_id, lease_owner=owner)
    # The same chunk again (an execution that never learnt its commit went through): nothing new.
    again = runs._settle_chunk(run=run, worker_ids=worker_ids, chunk_id=chunk_id, lease_owner=owner)
    assert (len(first), again) == (2, [])
    run.refresh_from_db()
    assert run.workers_done == 2
    assert SettlementRunChunk.objects.get(pk=chunk_id).done_by == owner

    expire_lease(run)  # as if that execution died here
    settlement_run_execute(run=run)
    assert_paid_exactly_once(run, owed)


def test_a_worker_run_resumes_with_its_own_workers_only(settings, monkeypatch):
    settings.SETTLEMENT_CHUNK_SIZE = 1
    owed = workers_owed(3)
    chosen = sorted(owed)[:2]
    revive = _dying_at_chunk(monkeypatch, 2, RuntimeError("connection lost"))
    with pytest.raises(RuntimeError):
        settlement_generate(period_end=OCT, worker_ids=chosen)
    revive()
    run = SettlementRun.objects.get()
    settlement_run_execute(run=run)  # no worker_ids: the run's plan holds them
    assert_paid_exactly_once(run, {w: owed[w] for w in chosen})
    assert not Remittance.objects.filter(worker_id=sorted(owed)[2]).exists()


@pytest.mark.django_db(transaction=True)
def test_a_write_that_lost_its_connection_is_retried_on_a_fresh_one(monkeypatch):
    attempts, closed = [], []
    real_close = connection.close
    monkeypatch.setattr(connection, "close", lambda: (closed.append(1), real_close()))

    def final_write():
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("terminating connection due to administrator command")
        return SettlementRun.objects.count()

    assert on_a_live_connection(final_write, what="a test") == 0
    assert (len(attempts), len(closed)) == (2, 1)


# --- Resuming: the command -------------------------------------------------------------------------


@pytest.fixture
def argv(monkeypatch, capsys):
    """`manage.py run_settlement ...` as a shell runs it: (exit code, stdout, stderr)."""
    monkeypatch.setattr(connections, "close_all", lambda: None)  # it would end the test's transaction

    def call(*args) -> tuple[int, str, str]:
        try:
            run_settlement.Command().run_from_argv(["manage.py", "run_settlement", *args])
            code = 0
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def test_command_resumes_a_stalled_run(owed, monkeypatch, argv):
    run = _killed_run(monkeypatch)
    code, out, err = argv("--resume", str(run.pk))
    assert (code, out) == (3, "")
    assert err == (
        f"CommandError: Run {run.pk} is being executed by another process (its lease runs until "
        f"{SettlementRun.objects.get().lease_expires_at.isoformat()}); try again later.\n"
    )

    expire_lease(run)
    code, out, err = argv("--resume", str(run.pk))
    assert (code, err) == (0, "")
    assert (
        out.splitlines()[0]
        == f"Run #{run.pk} resumed, period end {OCT}: COMPLETED, 6/6 workers, 6 remittance(s) in all."
    )
    assert_paid_exactly_once(run, owed)

    code, out, err = argv("--resume", str(run.pk))
    assert (code, out, err) == (3, "", f"CommandError: Run {run.pk} is already COMPLETED.\n")


ONLY_RESUME = "--resume takes no other option: a run resumes with its own period end and workers."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resume", "abc"], "--resume takes a run id (a number), got 'abc'."),
        (["--resume", "٣"], "--resume takes a run id (a number), got '٣'."),
        (["--resume", "999999"], "No settlement run with id 999999."),
        (
            ["--resume", "1", "--period-end", "2024-10-31"],
            "--resume takes no other option: a run resumes with its own period end and workers.",
        ),
        (
            ["--resume", "1", "--resume-stalled"],
            "--resume takes no other option: a run resumes with its own period end and workers.",
        ),
        (["--resume-stalled", "--dry-run"], "--resume-stalled takes no other option."),
    ],
)
def test_command_resume_with_bad_input_exits_2_with_one_line(argv, args, message):
    SettlementRun.objects.create(period_end=OCT)
    code, out, err = argv(*args)
    assert (code, out, err) == (2, "", f"CommandError: {message}\n")


def test_command_resumes_every_stalled_run_and_leaves_live_ones(settings, monkeypatch, argv):
    settings.SETTLEMENT_CHUNK_SIZE = 2
    owed = workers_owed(4)
    first = _killed_run(monkeypatch)
    live = SettlementRun.objects.create(period_end=OCT, status=RunStatus.RUNNING)
    run_lease_claim(run_id=live.pk, owner=uuid.uuid4())
    expire_lease(first)

    code, out, err = argv("--resume-stalled")

    assert (code, err) == (0, "")
    assert out.splitlines()[0].startswith(f"Run #{first.pk} resumed, period end {OCT}: COMPLETED, 4/4 workers")
    assert f"Run #{live.pk}" not in out
    assert_paid_exactly_once(first, owed)
    assert SettlementRun.objects.get(pk=live.pk).status == RunStatus.RUNNING
    SettlementRun.objects.filter(pk=live.pk).update(status=RunStatus.FAILED, lease_owner=None, lease_expires_at=None)

    assert argv("--resume-stalled") == (0, "No stalled run.\n", "")


# --- Resuming: the admin ---------------------------------------------------------------------------


def test_admin_shows_a_stalled_run_and_resumes_it(owed, monkeypatch, finance_user, client):
    client.force_login(finance_user)
    run = _killed_run(monkeypatch)
    changelist = reverse("admin:settlements_settlementrun_changelist")
    page = client.get(changelist).content.decode()
    assert "RUNNING (lease until" in page and "2/6" in page

    refused = client.post(changelist, {"action": "resume_runs", "_selected_action": [run.pk]}, follow=True)
    assert "is being executed by another process" in refused.content.decode()
    assert Remittance.objects.count() == 2

    expire_lease(run)
    stalled = client.get(changelist, {"stalled": "yes"})
    assert [r.pk for r in stalled.context["cl"].result_list] == [run.pk]
    assert "STALLED (its process died: resume it)" in stalled.content.decode()

    resumed = client.post(changelist, {"action": "resume_runs", "_selected_action": [run.pk]}, follow=True)
    assert f"Run #{run.pk} to {OCT}: resumed, COMPLETED (6/6 workers)." in resumed.content.decode()
    assert_paid_exactly_once(run, owed)


# --- The setting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5", "86401", "٦٠", ""])
def test_lease_seconds_setting_is_validated(monkeypatch, value):
    monkeypatch.setenv("SETTLEMENT_RUN_LEASE_SECONDS", value)
    settings_file = Path(__file__).resolve().parent.parent / "config" / "settings.py"
    if value == "":  # unset: the default
        assert runpy.run_path(str(settings_file))["SETTLEMENT_RUN_LEASE_SECONDS"] == 60
        return
    with pytest.raises(ImproperlyConfigured, match="SETTLEMENT_RUN_LEASE_SECONDS must be a whole number"):
        runpy.run_path(str(settings_file))
