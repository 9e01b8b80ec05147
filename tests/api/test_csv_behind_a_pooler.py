"""Behind a transaction-pooling PgBouncer (DATABASE_POOLER=pgbouncer) Django's server-side cursors are
off, and the CSV exports page by primary key instead (`api.csv.stream_by_key`): the same rows, in the
same order, never all in memory, one query per page."""

import csv
import io

import pytest
from django.db import connection

from api.csv import stream_by_key
from tests.support.api_helpers import new_worklog
from worklogs.models import WorkLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def pooled(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)


def test_pages_by_key_give_every_row_once_in_order(api, pooled, django_assert_num_queries):
    ids = [new_worklog(api)["id"] for _ in range(5)]
    with django_assert_num_queries(3):  # pages of 2, 2 and 1 row
        rows = list(stream_by_key(WorkLog.objects.order_by("pk"), chunk_size=2))
    assert [row.pk for row in rows] == ids
    with django_assert_num_queries(3):  # 2, 2, then an empty page tells it is over
        assert len(list(stream_by_key(WorkLog.objects.order_by("pk").filter(pk__lte=ids[3]), chunk_size=2))) == 4


def test_a_queryset_not_ordered_by_key_is_refused(pooled):
    with pytest.raises(ValueError, match="ordered by primary key"):
        list(stream_by_key(WorkLog.objects.order_by("-pk")))


def test_the_worklog_export_is_the_same_behind_the_pooler(api, monkeypatch):
    for _ in range(3):
        new_worklog(api)
    direct = api.get("/api/worklogs/?format=csv")
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    pooled = api.get("/api/worklogs/?format=csv")
    read = [list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode()))) for r in (direct, pooled)]
    assert read[0] == read[1]
    assert len(read[1]) == 4  # the header and three worklogs
