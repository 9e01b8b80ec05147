"""After every test that touched the database, every cached total must match its recomputation.

`settlements.selectors.audit.audit_all` recomputes worklog totals, item cents, remittances and the ledger from
the facts; a test that leaves any difference behind fails, whatever it asserted itself. Tests that
never asked for the database skip it (no query, no cost).

Here too: the `postgres` tests are deselected on another database, and the asserts of the test helper
modules are rewritten like those of the tests.
"""

import pytest
from django.core.cache import cache
from django.db import connection

from settlements.selectors.audit import audit_all
from tests.support.redis_server import redis_server
from tests.support.roles import MIGRATED_ROLES, read_roles, restore_roles
from worklogs.models import Worker

# Helper modules that assert without being test modules: pytest rewrites their asserts as well, so that a
# failure there shows both sides too. (Registered here, before any test module imports them.)
pytest.register_assert_rewrite(
    "tests.scenarios.reference_model",
    "tests.scenarios.model_checks",
    "tests.support.csv_exports",
    "tests.support.hostile_input",
    "tests.worklogs.timetracker",
)

# The set-based checks cost a handful of queries whatever the size; comparing the API's per-worker
# selectors costs three queries a worker, so a test that made a crowd (a benchmark) skips that part.
SELECTOR_CHECK_MAX_WORKERS = 50
DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, and the groups its data migrations created, read once."""
    with django_db_blocker.unblock():
        MIGRATED_ROLES.update(read_roles())


@pytest.fixture
def migrated_roles(django_db_setup):
    """The finance and integration groups with their permissions, as migrations leave them, in this
    test's database (a transactional test's database may have been flushed by an earlier one)."""
    assert MIGRATED_ROLES, "the test database's groups were not read"
    restore_roles(MIGRATED_ROLES)


@pytest.fixture
def redis_url(tmp_path):
    """A real Redis's URL: the machine's (.ci/run starts it), else a private redis-server for this test."""
    yield from redis_server(tmp_path)


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    """Request budgets (api.throttling) count in the cache: each test starts with none spent, as
    the test database starts empty, so no test is throttled by what earlier tests sent."""
    cache.clear()


def _uses_database(request) -> bool:
    return request.node.get_closest_marker("django_db") is not None or bool(DB_FIXTURES & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _audit_totals_after_test(request):
    if not _uses_database(request):
        yield
        return
    # Set the database up before this fixture, so that it is torn down (rolled back or flushed) after
    # the audit below has read what the test left.
    request.getfixturevalue("_django_db_helper")
    yield
    differences = audit_all(check_selectors=Worker.objects.count() <= SELECTOR_CHECK_MAX_WORKERS)
    if differences:
        lines = "\n".join(f"  {difference}" for difference in differences)
        pytest.fail(f"audit_totals found {len(differences)} difference(s) after this test:\n{lines}", pytrace=False)


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (marked `postgres`) are deselected, not skipped, on another database.

    They prove what only PostgreSQL has (row locks under real concurrency, triggers, exclusion
    constraints); CI's PostgreSQL leg runs every one of them.
    """
    if connection.vendor == "postgresql":
        return
    selected = [item for item in items if item.get_closest_marker("postgres") is None]
    deselected = [item for item in items if item.get_closest_marker("postgres") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
