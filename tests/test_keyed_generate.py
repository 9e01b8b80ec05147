"""`Idempotency-Key` on generate: the key is kept with its run (unique per user), so a keyed run is
chunked, parallel and short-locked like any other, and a repeat replays the same run and answer."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from api.models import IdempotencyKey
from settlements.models import Remittance, RunStatus, SettlementRun
from settlements.services import runs
from tests.api_helpers import GENERATE
from tests.factories import FinanceUserFactory
from tests.runs_helpers import OCT, assert_paid_exactly_once, expire_lease, workers_owed
from tests.threads import POSTGRES_THREADS, in_threads, token_client
from worklogs.models import Worker

BODY = {"periodEnd": str(OCT)}


def _post(client, key: str, body=BODY, **headers):
    return client.post(GENERATE, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **headers)


@pytest.fixture
def owed(settings):
    settings.SETTLEMENT_CHUNK_SIZE = 2
    return workers_owed(6)


# --- Both databases ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_key_is_kept_with_its_run_and_a_repeat_replays_the_same_answer(api, owed, finance_user):
    first = _post(api, "october")
    assert first.status_code == 201, first.content
    run = SettlementRun.objects.get()
    assert (run.idempotency_key, run.created_by) == ("october", finance_user)
    assert IdempotencyKey.objects.get(key="october").response_status == 201

    again = _post(api, "october")
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (201, first.json(), "true")
    assert SettlementRun.objects.count() == 1
    assert _post(api, "october", {"periodEnd": "2024-11-30"}).json()["code"] == "idempotency_key_reused"
    assert SettlementRun.objects.count() == 1
    assert_paid_exactly_once(run, owed)


@pytest.mark.django_db
def test_a_repeat_of_a_keyed_generate_that_failed_half_way_finishes_the_same_run(api, owed, monkeypatch):
    real, calls = runs._settle_chunk, []

    def dying(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", dying)
    with pytest.raises(RuntimeError):
        _post(api, "october")
    monkeypatch.setattr(runs, "_settle_chunk", real)
    run = SettlementRun.objects.get()
    assert (run.status, run.workers_done) == (RunStatus.FAILED, 2)
    assert IdempotencyKey.objects.get(key="october").response_status == 0  # no answer stored for a failure

    again = _post(api, "october")

    assert again.status_code == 201, again.content
    assert (again.json()["id"], again.json()["status"], again.json()["workersDone"]) == (run.pk, "COMPLETED", 6)
    assert SettlementRun.objects.count() == 1
    assert _post(api, "october").json() == again.json()
    assert_paid_exactly_once(run, owed)


class Killed(BaseException):
    """`kill -9` in-process, with the final status write disabled: nothing after it runs."""


@pytest.mark.django_db
def test_a_keyed_repeat_while_its_run_is_held_is_409_then_finishes_it_once_the_run_stalled(api, owed, monkeypatch):
    real, calls = runs._settle_chunk, []

    def killed(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Killed
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", killed)
    monkeypatch.setattr(runs, "run_finish", lambda **kwargs: False)  # a killed process writes nothing
    with pytest.raises(Killed):
        _post(api, "october")
    monkeypatch.undo()
    run = SettlementRun.objects.get()
    assert (run.status, run.workers_done) == (RunStatus.RUNNING, 2)  # its lease still live

    held = _post(api, "october")

    assert (held.status_code, held.json()["code"]) == (409, "run_in_progress")
    assert Remittance.objects.count() == 2
    expire_lease(run)
    again = _post(api, "october")
    assert (again.status_code, again.json()["id"], again.json()["workersDone"]) == (201, run.pk, 6)
    assert _post(api, "october").json() == again.json()
    assert_paid_exactly_once(run, owed)


@pytest.mark.django_db
def test_a_key_taken_by_a_generate_is_not_reused_by_another_endpoint(api, owed):
    assert _post(api, "shared-key").status_code == 201
    worklog_id = Worker.objects.first().worklogs.get().pk
    response = api.post(
        "/api/adjustments/",
        {"worklogId": worklog_id, "amount": "-1.00", "reason": "late"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_reused")


@pytest.mark.django_db
def test_the_database_allows_one_run_per_user_and_key(finance_user):
    SettlementRun.objects.create(period_end=OCT, created_by=finance_user, idempotency_key="k")
    SettlementRun.objects.create(period_end=OCT, created_by=FinanceUserFactory(), idempotency_key="k")
    SettlementRun.objects.create(period_end=OCT, created_by=finance_user)  # no key: any number
    SettlementRun.objects.create(period_end=OCT, created_by=finance_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementRun.objects.create(period_end=OCT, created_by=finance_user, idempotency_key="k")
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementRun.objects.create(period_end=OCT, idempotency_key="nobody's")


# --- PostgreSQL: real threads ----------------------------------------------------------------------


def _postgres_threads(test):
    for mark in reversed(POSTGRES_THREADS):
        test = mark(test)
    return test


@_postgres_threads
def test_a_keyed_generate_settles_chunks_in_parallel_each_committed_on_its_own(api, owed, monkeypatch, settings):
    settings.SETTLEMENT_PARALLELISM = 2
    real, threads, free_after_commit = runs._settle_chunk, set(), []

    def spy(**kwargs):
        threads.add(threading.current_thread().name)
        settled = real(**kwargs)  # committed when it returns

        def lock_them_elsewhere():  # another connection can lock the chunk's workers at once
            with transaction.atomic():
                return len(Worker.objects.select_for_update(nowait=True).filter(pk__in=kwargs["worker_ids"]))

        ((outcome, locked),) = in_threads(lock_them_elsewhere)
        free_after_commit.append((outcome, locked))
        return settled

    monkeypatch.setattr(runs, "_settle_chunk", spy)
    response = _post(api, "october")

    assert response.status_code == 201, response.content
    assert all(name.startswith("settle") for name in threads), threads  # the pool's threads, not the request's
    assert free_after_commit == [("ok", 2)] * 3
    assert connection.get_autocommit()
    assert_paid_exactly_once(SettlementRun.objects.get(), owed)


@_postgres_threads
def test_eight_concurrent_requests_with_one_key_make_one_run(owed, finance_user):
    clients = [token_client(finance_user) for _ in range(8)]

    answers = in_threads(*[(lambda c=c: _post(c, "october")) for c in clients])

    assert [outcome for outcome, _ in answers] == ["ok"] * 8, answers
    responses = [response for _, response in answers]
    assert {r.status_code for r in responses} <= {201, 409}
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"run_in_progress"}
    run = SettlementRun.objects.get()  # one run, whatever the interleaving
    bodies = [r.json() for r in responses if r.status_code == 201]
    assert bodies and all(body == bodies[0] for body in bodies)
    assert (bodies[0]["id"], bodies[0]["status"], bodies[0]["remittanceCount"]) == (run.pk, "COMPLETED", 6)
    assert _post(clients[0], "october").json() == bodies[0]
    assert_paid_exactly_once(run, owed)
