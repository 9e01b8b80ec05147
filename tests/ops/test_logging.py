"""Log lines are JSON objects carrying the request's id (taken from a sane `X-Request-ID` or
generated, and echoed), the user's id and the run's id where they apply (config/logging.py,
core/log_context.py, ops/middleware.py). Here the formatter and filter of the production
configuration write into a buffer; test_logs_gunicorn.py reads a real gunicorn's output."""

import io
import json
import logging
import re

import pytest

from config.logging import JsonFormatter, ReadableFormatter
from core.log_context import LogContextFilter, log_context
from settlements.services import runs
from tests.support.api_helpers import GENERATE, new_worklog, record, ts

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Every record of the root logger, formatted as production formats it; returns the parsed lines."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(LogContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_a_request_echoes_a_sane_request_id_and_its_log_lines_carry_it(anon_client, json_lines):
    response = anon_client.get("/api/no-such-thing/", HTTP_X_REQUEST_ID="lb-7f3a9c2e-42")

    assert response.status_code == 404
    assert response["X-Request-ID"] == "lb-7f3a9c2e-42"
    (line,) = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /api/no-such-thing/"
    assert line["request_id"] == "lb-7f3a9c2e-42"
    assert list(line)[:4] == ["time", "level", "logger", "message"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", line["time"])


@pytest.mark.parametrize("sent", [None, "", "short", "x" * 129, "has spaces in it", 'quote"injection', "bell\x07bell"])
def test_a_missing_or_insane_request_id_is_replaced_by_a_generated_one(anon_client, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    response = anon_client.get("/healthz", **headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_each_request_gets_its_own_id(anon_client):
    assert anon_client.get("/healthz")["X-Request-ID"] != anon_client.get("/healthz")["X-Request-ID"]


def test_a_line_logged_for_an_authenticated_request_carries_the_user_id(api, json_lines):
    response = api.get("/api/worklogs/99999/", HTTP_X_REQUEST_ID="req-user-0001")
    assert response.status_code == 404
    (line,) = [line for line in json_lines() if line["logger"] == "django.request"]
    assert (line["request_id"], line["user_id"]) == ("req-user-0001", api.user.pk)


def test_a_runs_lines_carry_the_run_id_and_the_request_id(api, json_lines, monkeypatch):
    worklog = new_worklog(api)
    record(api, worklog["id"], ts("2024-10-03"), 60)
    logger = logging.getLogger("settlements.services.runs")

    real = runs._settle_chunk

    def chatty(**kwargs):
        logger.info("settling a chunk")
        return real(**kwargs)

    monkeypatch.setattr(runs, "_settle_chunk", chatty)
    response = api.post(GENERATE, {"periodEnd": "2024-10-31"}, format="json", HTTP_X_REQUEST_ID="req-run-0001")
    assert response.status_code == 201
    (line,) = [line for line in json_lines() if line["message"] == "settling a chunk"]
    assert (line["run_id"], line["request_id"], line["user_id"]) == (response.json()["id"], "req-run-0001", api.user.pk)


def test_no_context_leaks_into_the_next_line_after_a_request(anon_client, json_lines):
    anon_client.get("/healthz", HTTP_X_REQUEST_ID="req-finished-01")
    logging.getLogger("after").warning("outside any request")
    (line,) = [line for line in json_lines() if line["logger"] == "after"]
    assert "request_id" not in line


def test_extras_and_tracebacks_are_fields_of_the_one_line(json_lines):
    with log_context(run_id=7, remittance_id=None):
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("x").exception("it failed", extra={"chunk_id": 3})
    (line,) = json_lines()
    assert (line["message"], line["run_id"], line["chunk_id"]) == ("it failed", 7, 3)
    assert "remittance_id" not in line
    assert line["exc_info"].startswith("Traceback") and "ValueError: boom" in line["exc_info"]


def test_with_debug_on_lines_are_readable_with_the_context_at_the_end():
    record = logging.LogRecord("settlements", logging.INFO, __file__, 1, "run %s done", (5,), None)
    record.run_id = 5
    assert ReadableFormatter().format(record).endswith("INFO settlements: run 5 done run_id=5")
