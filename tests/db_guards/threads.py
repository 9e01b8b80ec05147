"""Shared by the tests that race real threads on PostgreSQL (tests/db_guards/test_concurrency*.py).

Each thread gets its own database connection (Django opens one per thread) and closes it at the end.
SQLite serialises every writer, so these tests only prove something on PostgreSQL: the PostgreSQL CI
leg runs them, and on SQLite they are deselected by the `postgres` marker.
"""

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections
from rest_framework.test import APIClient

from api.tokens import token_issue
from settlements.models import LIVE_REMITTANCE_STATUSES, Claim

# `postgres`: SQLite serialises all writers, so there is no concurrency to prove there (tests/conftest.py
# deselects these on SQLite; the PostgreSQL CI leg runs them).
POSTGRES_THREADS = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TIMEOUT = 60


def in_threads(*functions: Callable[[], object]) -> list[tuple[str, object]]:
    """Run each function in its own thread, released together; [("ok", value) | ("error", exc)] in order."""
    barrier = threading.Barrier(len(functions))
    results: list[tuple[str, object]] = [("missing", None)] * len(functions)

    def worker(index: int, function: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            results[index] = ("ok", function())
        except Exception as exc:
            results[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user)[1]}")
    return client


def live_claims_per_item() -> Counter:
    return Counter(
        Claim.objects.filter(remittance__status__in=LIVE_REMITTANCE_STATUSES).values_list("item_id", flat=True)
    )
