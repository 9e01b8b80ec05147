"""`/healthz` and `/readyz`: anonymous, never cached; 503 only when this node cannot serve; the
business alarms answer 200 "degraded" (ops/health). The process-level proof that readiness goes 503
with the database unreachable, under gunicorn, is in test_logs_gunicorn.py."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db.migrations.recorder import MigrationRecorder

from ops.health import checks
from tests.ops import known_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _migrations_checked_afresh(monkeypatch):
    monkeypatch.setattr(checks, "_migrations_ok_until", 0.0)


def ready(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


def test_healthz_answers_without_touching_the_database(anon_client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = anon_client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_and_anonymous_on_a_healthy_node(anon_client):
    status, body = ready(anon_client)
    assert (status, body["status"]) == (200, "ok")
    assert {name: check["status"] for name, check in body["checks"].items()} == {"database": "ok", "migrations": "ok"}
    assert {alarm["status"] for alarm in body["alarms"].values()} == {"ok"}


def test_business_alarms_make_it_degraded_but_still_200(api, anon_client, settings):
    data = known_data.build(api)
    known_data.payout_in_doubt(data["alice"]["id"])
    known_data.stalled_run()
    known_data.queued_task(waited_seconds=settings.READY_MAX_QUEUED_TASK_AGE_SECONDS + 60)
    known_data.audit_found(differences=2)

    status, body = ready(anon_client)

    assert (status, body["status"]) == (200, "degraded")
    assert {name: check["status"] for name, check in body["checks"].items()} == {"database": "ok", "migrations": "ok"}
    details = {name: (alarm["status"], alarm.get("detail")) for name, alarm in body["alarms"].items()}
    assert details == {
        "queued_tasks": (
            "degraded",
            f"the oldest queued task has waited {settings.READY_MAX_QUEUED_TASK_AGE_SECONDS + 60} s",
        ),
        "payouts_in_doubt": ("degraded", "1 payout submission(s) in doubt"),
        "stalled_runs": ("degraded", "1 settlement run(s) stalled"),
        "audit_differences": ("degraded", "the last audit found 2 difference(s)"),
    }


def test_a_task_waiting_less_than_the_limit_or_scheduled_for_later_is_no_alarm(anon_client, settings):
    known_data.queued_task(waited_seconds=settings.READY_MAX_QUEUED_TASK_AGE_SECONDS - 30)
    assert ready(anon_client)[1]["alarms"]["queued_tasks"]["status"] == "ok"


def test_a_migration_not_applied_makes_the_node_unavailable(anon_client):
    MigrationRecorder.Migration.objects.filter(app="ops", name="0001_initial").delete()
    status, body = ready(anon_client)
    assert (status, body["status"]) == (503, "unavailable")
    assert body["checks"]["migrations"] == {"status": "unavailable", "ms": body["checks"]["migrations"]["ms"],
                                            "detail": "1 migration(s) not applied"}  # fmt: skip
    assert "alarms" not in body


def test_an_unreachable_configured_cache_makes_the_node_unavailable(anon_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    status, body = ready(anon_client)
    assert (status, body["checks"]["cache"]["status"]) == (503, "unavailable")
    assert body["checks"]["database"]["status"] == "ok"


def test_a_reachable_redis_cache_is_checked_and_ok(anon_client, settings, redis_url):
    settings.REDIS_URL = redis_url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    status, body = ready(anon_client)
    assert (status, body["checks"]["cache"]["status"]) == (200, "ok")


def test_only_get_and_head(anon_client):
    assert anon_client.post("/readyz").status_code == 405
    assert anon_client.head("/healthz").status_code == 200


def test_the_readiness_command_is_the_workers_healthcheck(capsys, monkeypatch):
    call_command("readiness")
    assert json.loads(capsys.readouterr().out)["status"] == "ok"
    monkeypatch.setattr(checks, "_migrations_ok_until", 0.0)  # a new process would look again
    MigrationRecorder.Migration.objects.filter(app="ops", name="0001_initial").delete()
    with pytest.raises(CommandError) as refused:
        call_command("readiness")
    assert refused.value.returncode == 1
    assert json.loads(capsys.readouterr().out)["checks"]["migrations"]["status"] == "unavailable"
