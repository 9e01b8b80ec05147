"""Hostile input, imports: a hostile record (overflowing or non-ASCII amounts, surrogates and NUL
characters, dates out of range) is a skipped line in the import's report, never a 500, and the rest
is imported; an import body that is not strict JSON is 400 (or 413, 415) and writes nothing.
"""

import json

import pytest

from tests.support.api_helpers import ts
from tests.support.hostile_input import all_counts, assert_every_text_fits_its_column
from worklogs.models import Worker

pytestmark = pytest.mark.django_db


def _good(n: int) -> dict:
    return {
        "worklog_id": f"WL-{n}",
        "user_id": f"U-{n}",
        "user_name": f"User {n}",
        "task_name": f"Task {n}",
        "hourly_rate": "10.00",
        "segments": [
            {"segment_id": f"S-{n}", "start": ts("2024-10-01"), "end": ts("2024-10-01", "10:00"), "status": "approved"}
        ],
        "adjustments": [{"adjustment_id": f"A-{n}", "amount": "-1.00", "reason": "r"}],
    }


SURROGATE = "\ud800"
# (name, kind skipped, path to the field, raw JSON of the value)
IMPORT_CASES = [
    ("rate 1e26", "worklog", ("hourly_rate",), '"1e26"'),
    ("rate 1e400 (number)", "worklog", ("hourly_rate",), "1e400"),
    ("rate 1e-400", "worklog", ("hourly_rate",), "1e-400"),
    ("rate 10^30", "worklog", ("hourly_rate",), str(10**30)),
    ("rate Arabic-Indic", "worklog", ("hourly_rate",), json.dumps("\u0661\u0660")),
    ("rate NaN string", "worklog", ("hourly_rate",), '"NaN"'),
    ("worklog_id surrogate", "worklog", ("worklog_id",), json.dumps(SURROGATE)),
    ("user_id surrogate", "worklog", ("user_id",), json.dumps("U" + SURROGATE)),
    ("user_name surrogate", "worklog", ("user_name",), json.dumps("Ada " + SURROGATE)),
    ("user_name NUL", "worklog", ("user_name",), json.dumps("Ada\u0000")),
    ("task_name surrogate", "worklog", ("task_name",), json.dumps(SURROGATE + "task")),
    ("task_name NUL", "worklog", ("task_name",), json.dumps("t\u0000")),
    ("currency surrogate", "worklog", ("currency",), json.dumps("U" + SURROGATE + "D")),
    ("segment_id surrogate", "segment", ("segments", 0, "segment_id"), json.dumps(SURROGATE)),
    ("segment status surrogate", "segment", ("segments", 0, "status"), json.dumps(SURROGATE)),
    ("segment start surrogate", "segment", ("segments", 0, "start"), json.dumps("2024" + SURROGATE)),
    ("segment start before year 1 in UTC", "segment", ("segments", 0, "start"), '"0001-01-01T00:00:00+05:00"'),
    ("dispute_reason surrogate", "segment", ("segments", 0, "dispute_reason"), json.dumps(SURROGATE)),
    ("adjustment_id surrogate", "adjustment", ("adjustments", 0, "adjustment_id"), json.dumps(SURROGATE)),
    ("adjustment reason surrogate", "adjustment", ("adjustments", 0, "reason"), json.dumps("why " + SURROGATE)),
    ("adjustment reason NUL", "adjustment", ("adjustments", 0, "reason"), json.dumps("why\u0000")),
    ("adjustment amount 1e26", "adjustment", ("adjustments", 0, "amount"), '"1e26"'),
    ("adjustment amount 1e400", "adjustment", ("adjustments", 0, "amount"), "1e400"),
    ("applied_at surrogate", "adjustment", ("adjustments", 0, "applied_at"), json.dumps(SURROGATE)),
    ("applied_at 0001-01-01", "adjustment", ("adjustments", 0, "applied_at"), '"0001-01-01"'),
    ("applied_at 9999-12-31", "adjustment", ("adjustments", 0, "applied_at"), '"9999-12-31T23:00:00-05:00"'),
]


def _import_body(case) -> str:
    _, _, path, literal = case
    hostile = _good(2)
    if path == ("segments", 0, "dispute_reason"):
        hostile["segments"][0]["status"] = "disputed"
    target = hostile
    for key in path[:-1]:
        target = target[key]
    marker = "__HOSTILE__"
    target[path[-1]] = marker
    return "[" + json.dumps(_good(1)) + ", " + json.dumps(hostile).replace(json.dumps(marker), literal) + "]"


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
@pytest.mark.parametrize("case", IMPORT_CASES, ids=[c[0] for c in IMPORT_CASES])
def test_a_hostile_record_is_skipped_with_a_reason_and_the_rest_is_imported(api, case, dry_run):
    _, kind, _, _ = case
    before = all_counts()
    url = "/api/imports/?dryRun=true" if dry_run else "/api/imports/"
    response = api.post(url, data=_import_body(case), content_type="application/json")

    assert response.status_code == 200, response.content
    report = response.json()
    skipped = [s for s in report["skipped"] if s["kind"] == kind]
    assert skipped and all(s["reason"] for s in skipped), report
    assert report["created"]["worklog"] == (1 if kind == "worklog" else 2), report
    assert report["created"][kind] == 1, report
    if dry_run:
        assert all_counts() == before
    else:
        assert Worker.objects.filter(external_id="U-1").exists()
        assert_every_text_fits_its_column()


def test_an_import_body_that_is_not_strict_json_is_400_and_writes_nothing(api, settings, monkeypatch):
    before = all_counts()
    bodies = [
        "[" + json.dumps(_good(1))[:-1] + ', "hourly_rate": NaN}]',
        "[" + json.dumps(_good(1))[:-1] + ', "x": Infinity}]',
        "[" * 100_000 + "]" * 100_000,
        "[" * 33 + "]" * 33,
        "[" + json.dumps(_good(1)) + "] x",
    ]
    for body in bodies:
        response = api.post("/api/imports/?dryRun=false", data=body, content_type="application/json")
        assert response.status_code == 400, (body[:60], response.content)
    response = api.post("/api/imports/", data="[]", content_type="application/json; charset=rot13")
    assert response.status_code == 415
    monkeypatch.setattr("worklogs.api.imports.IMPORT_MAX_BYTES", 100)
    response = api.post("/api/imports/", data=json.dumps([_good(1)]), content_type="application/json")
    assert response.status_code == 413
    assert all_counts() == before
