"""Hostile input, query parameters: a filter or paging parameter given empty or twice is 400 (an empty
`?remittanceStatus=` is not the unfiltered list), on every list and on the endpoint-specific
parameters (the bank CSV's status, a statement's bounds, an import's dryRun). The shared world:
tests/support/hostile_input.py.
"""

import pytest

from tests.support.api_helpers import LIST_ALL
from tests.support.hostile_input import LIST_PATHS, all_counts, hostile_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(api):
    """A worker with a worklog, an ACTIVE and a DISPUTED segment, a PENDING remittance; a free task."""
    return hostile_world(api)


QUERY_PARAMS = [
    ("/api/workers/", "externalId", "w-1"),
    ("/api/worklogs/", "remittanceStatus", "REMITTED"),
    ("/api/worklogs/", "workerId", "1"),
    ("/api/worklogs/", "taskId", "1"),
    ("/api/worklogs/", "externalId", "x"),
    (LIST_ALL, "remittanceStatus", "UNREMITTED"),
    (LIST_ALL, "workerId", "1"),
    (LIST_ALL, "taskId", "1"),
    (LIST_ALL, "externalId", "x"),
    ("/api/segments/", "status", "ACTIVE"),
    ("/api/segments/", "worklogId", "1"),
    ("/api/remittances/", "workerId", "1"),
    ("/api/remittances/", "status", "PAID"),
    ("/api/remittances/", "periodEnd", "2024-10-31"),
    ("/api/remittances/", "runId", "1"),
    *[
        (path, param, value)
        for path in LIST_PATHS
        for param, value in (("page", "1"), ("pageSize", "5"), ("after", "1"), ("before", "9"))
    ],
]


@pytest.mark.parametrize(("path", "param", "value"), QUERY_PARAMS)
def test_a_query_parameter_given_empty_or_twice_is_400(api, world, path, param, value):
    assert api.get(path, {param: value}).status_code == 200
    empty = api.get(f"{path}?{param}=")
    twice = api.get(f"{path}?{param}={value}&{param}={value}")
    assert (empty.status_code, twice.status_code) == (400, 400), (empty.content, twice.content)
    assert param in empty.json() and param in twice.json()


def test_endpoint_specific_query_parameters_given_twice_or_wrong_are_400(api, world):
    run, worker = world["run"]["id"], world["worker_id"]
    cases = [
        (f"/api/settlement-runs/{run}/remittances.csv?status=", "status"),
        (f"/api/settlement-runs/{run}/remittances.csv?status=PAID&status=PENDING", "status"),
        (f"/api/workers/{worker}/statement/?from=2024-10-01&from=2024-10-02", "from"),
        (f"/api/workers/{worker}/statement/?to=2024-10-01&to=2024-10-31", "to"),
    ]
    for url, param in cases:
        response = api.get(url)
        assert response.status_code == 400, (url, response.content)
        assert param in response.json()
    before = all_counts()
    for query in ("dryRun=", "dryRun=maybe", "dryRun=true&dryRun=false", "dryRun=tru"):
        response = api.post(f"/api/imports/?{query}", data="[]", content_type="application/json")
        assert response.status_code == 400, (query, response.content)
    assert all_counts() == before
