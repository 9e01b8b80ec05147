"""Request budgets: 429 with Retry-After once spent; per address on the token endpoint, per user
elsewhere, integrations on their own budget; counted in Redis when REDIS_URL is set."""

import uuid

import pytest
import redis
from django.contrib.auth.models import Group

from api.permissions import INTEGRATION_GROUP
from tests.support.factories import FinanceUserFactory

pytestmark = pytest.mark.django_db


def assert_throttled(response, *, within: int) -> None:
    assert response.status_code == 429, response.content
    assert 1 <= int(response["Retry-After"]) <= within
    assert "throttled" in response.json()["detail"].lower()


def test_the_token_endpoint_allows_twenty_requests_a_minute_per_address(anon_client):
    def attempt(address: str, n: int):
        # A new username each time, so the lockout (10 failures per username and address) stays out of it.
        return anon_client.post("/api/auth/token/", {"username": f"u{n}", "password": "y"}, REMOTE_ADDR=address)

    assert [attempt("203.0.113.7", n).status_code for n in range(20)] == [400] * 20
    assert_throttled(attempt("203.0.113.7", 20), within=60)
    assert attempt("198.51.100.20", 21).status_code == 400  # another address has its own budget


def test_each_user_has_a_budget_and_integrations_their_own(settings, make_client):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "3/min", "integration": "5/hour"}
    person, other = make_client(FinanceUserFactory()), make_client(FinanceUserFactory())
    robot_user = FinanceUserFactory()
    robot_user.groups.add(Group.objects.get(name=INTEGRATION_GROUP))
    robot = make_client(robot_user)

    assert [person.get("/api/workers/").status_code for _ in range(3)] == [200] * 3
    assert_throttled(person.get("/api/workers/"), within=60)
    assert other.get("/api/workers/").status_code == 200
    assert [robot.get("/api/workers/").status_code for _ in range(5)] == [200] * 5
    assert_throttled(robot.get("/api/workers/"), within=3600)


def test_with_redis_the_counters_live_in_redis(settings, redis_url, make_client):
    prefix = f"wls-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "user": "3/min"}
    user = FinanceUserFactory()
    client = make_client(user)
    server = redis.Redis.from_url(redis_url)
    try:
        assert [client.get("/api/workers/").status_code for _ in range(3)] == [200] * 3
        assert_throttled(client.get("/api/workers/"), within=60)

        keys = server.keys(f"{prefix}:*:throttle:user:{user.pk}:*")
        assert len(keys) == 1
        assert int(server.get(keys[0])) == 4
        assert 0 < server.ttl(keys[0]) <= 61
        # The count is Redis's, not this process's (so every worker and host shares it): removing it
        # there gives the budget back.
        server.delete(keys[0])
        assert client.get("/api/workers/").status_code == 200
    finally:
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)
