"""Keyset pages (the default without `?page=`): every row once, in id order, constant cost; page numbers still work."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.pagination import PageNumberPagination
from tests.support.factories import WorkLogFactory

pytestmark = pytest.mark.django_db

LIST_ALL = "/list-all-worklogs"


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def worklogs():
    return sorted(WorkLogFactory().pk for _ in range(5))


def test_following_next_visits_every_worklog_once_in_id_order(api, worklogs):
    seen, params = [], {"pageSize": 2}
    while True:
        body = api.get(LIST_ALL, params).json()
        assert body["count"] == 5  # the filtered list's length on every page, not the page's
        seen += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        params = _query(body["next"])
        assert set(params) == {"pageSize", "after"}
    assert seen == worklogs


def test_previous_goes_back_to_the_page_before(api, worklogs):
    second = api.get(LIST_ALL, {"pageSize": 2, "after": worklogs[1]}).json()
    assert [row["id"] for row in second["results"]] == worklogs[2:4]
    back = api.get(LIST_ALL, _query(second["previous"])).json()
    assert [row["id"] for row in back["results"]] == worklogs[:2]
    assert back["previous"] is None
    assert _query(back["next"])["after"] == str(worklogs[1])


def test_keyset_pages_keep_the_filters(api, worklogs):
    body = api.get(LIST_ALL, {"pageSize": 1, "remittanceStatus": "UNREMITTED", "after": worklogs[0]}).json()
    assert [row["id"] for row in body["results"]] == [worklogs[1]]
    assert _query(body["next"]) == {"pageSize": "1", "remittanceStatus": "UNREMITTED", "after": str(worklogs[1])}


def test_page_numbers_still_answer_with_count(api, worklogs):
    body = api.get(LIST_ALL, {"pageSize": 2, "page": 3}).json()
    assert body["count"] == 5
    assert [row["id"] for row in body["results"]] == worklogs[4:]
    assert "page=2" in body["previous"]


@pytest.mark.parametrize("value", ["abc", "-1", str(2**63), "1.5"])
def test_a_bad_cursor_is_400(api, worklogs, value):
    response = api.get(LIST_ALL, {"after": value})
    assert response.status_code == 400
    assert "after" in response.json()


def test_a_list_that_fits_on_one_page_is_counted(api, worklogs):
    body = api.get(LIST_ALL, {"pageSize": 5}).json()
    assert body["count"] == 5
    assert (body["next"], body["previous"]) == (None, None)
    assert api.get(LIST_ALL, {"pageSize": 4}).json()["count"] == 5


def test_a_list_longer_than_the_count_cap_is_not_counted_on_keyset_pages(api, worklogs, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "COUNT_CAP", 4)
    assert "count" not in api.get(LIST_ALL, {"pageSize": 2}).json()
    assert "count" not in api.get(LIST_ALL, {"pageSize": 2, "after": worklogs[1]}).json()
    assert api.get(LIST_ALL, {"pageSize": 2, "remittanceStatus": "UNREMITTED", "workerId": 1}).json()["count"] <= 1
    assert api.get(LIST_ALL, {"pageSize": 2, "page": 1}).json()["count"] == 5  # page numbers always count
    monkeypatch.setattr(PageNumberPagination, "COUNT_CAP", 5)
    assert api.get(LIST_ALL, {"pageSize": 2, "after": worklogs[3]}).json()["count"] == 5


def test_a_keyset_page_is_two_queries_the_token_and_the_page_carrying_its_count(api, worklogs):
    """The capped count rides in the page's own statement (a scalar subquery); the token, its user
    and both roles are one statement of their own."""
    with CaptureQueriesContext(connection) as captured:
        body = api.get(LIST_ALL, {"pageSize": 2, "after": worklogs[0]}).json()
    assert [row["id"] for row in body["results"]] == worklogs[1:3]
    assert body["count"] == 5
    assert len(captured) == 2, [q["sql"][:120] for q in captured]
    assert "knox_authtoken" in captured[0]["sql"]
    assert "COUNT(*)" in captured[1]["sql"]


def test_a_page_past_the_end_still_counts_the_list(api, worklogs):
    body = api.get(LIST_ALL, {"pageSize": 2, "after": worklogs[-1]}).json()
    assert (body["results"], body["count"], body["next"]) == ([], 5, None)
    before = api.get(LIST_ALL, {"pageSize": 2, "before": worklogs[0]}).json()
    assert (before["results"], before["count"]) == ([], 5)
    going_back = api.get(LIST_ALL, {"pageSize": 2, "before": worklogs[-1]}).json()
    assert ([row["id"] for row in going_back["results"]], going_back["count"]) == (worklogs[2:4], 5)
