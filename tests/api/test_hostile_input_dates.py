"""Hostile input, dates and timestamps: every date in a body or a query runs from 1900-01-01 to
2999-12-31 in ASCII digits, every timestamp stays within years 1-9999 in UTC, so no bound overflows
(in the API or in the admin's statement form). The shared world and endpoint table:
tests/support/hostile_input.py.
"""

import pytest
from django.urls import reverse

from tests.support.factories import FinanceUserFactory
from tests.support.hostile_input import all_counts, check_status, endpoints, hostile_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(api):
    """A worker with a worklog, an ACTIVE and a DISPUTED segment, a PENDING remittance; a free task."""
    return hostile_world(api)


DATE_VALUES = [
    "9999-12-31",
    "0001-01-01",
    "1899-12-31",
    "3000-01-01",
    "2024-02-30",
    "\uff12\uff10\uff12\uff14-10-31",
    "\u0662\u0660\u0662\u0664-10-31",
]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("generate", "periodEnd"),
        ("adjustments-create", "effectiveDate"),
        ("segments-remove", "effectiveDate"),
        ("segments-resolve", "effectiveDate"),
        ("segments-adjust", "effectiveDate"),
    ],
)
def test_every_date_in_a_body_is_in_range_and_ascii(api, world, endpoint, field):
    method, path, body = endpoints(world)[endpoint]
    before, failures = all_counts(), []
    for value in DATE_VALUES:
        check_status(failures, value, getattr(api, method)(path, {**body, field: value}, format="json"), 400)
    assert not failures, "\n".join(failures)
    assert all_counts() == before
    response = getattr(api, method)(path, {**body, field: "2999-12-31"}, format="json")  # the bound is a date
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize(
    ("path", "param"), [("statement", "from"), ("statement", "to"), ("/api/remittances/", "periodEnd")]
)
def test_every_date_in_a_query_is_in_range_and_ascii(api, world, path, param):
    url = f"/api/workers/{world['worker_id']}/statement/" if path == "statement" else path
    failures = []
    for value in DATE_VALUES:
        check_status(failures, value, api.get(url, {param: value}), 400)
    assert not failures, "\n".join(failures)
    for value in ("1900-01-01", "2999-12-31"):
        assert api.get(url, {param: value}).status_code == 200


TIMESTAMP_VALUES = [
    "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
    "1899-12-31T23:00:00Z",
    "\uff12\uff10\uff12\uff14-10-05T09:00:00Z",
    "2024-10-05T09:00:00+99:00",
]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [("segments-create", "startedAt"), ("segments-create", "endedAt"), ("segments-adjust", "startedAt")],
)
def test_every_timestamp_is_in_range_and_ascii(api, world, endpoint, field):
    method, path, body = endpoints(world)[endpoint]
    before, failures = all_counts(), []
    for value in TIMESTAMP_VALUES:
        check_status(failures, value, getattr(api, method)(path, {**body, field: value}, format="json"), 400)
    assert not failures, "\n".join(failures)
    assert all_counts() == before


def test_the_admin_statement_refuses_a_bound_out_of_range_instead_of_overflowing(client, world):
    client.force_login(FinanceUserFactory(username="admin-hostile", is_superuser=True))
    url = reverse("admin:worklogs_worker_statement", args=[world["worker_id"]])
    for query in ({"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}):
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert response.context["form"].errors, query
