"""The time-tracker import: a realistic export with every trap of issue 6, then Oct/Nov/Dec runs.

Expected money, from API.md's rounding rule (exact totals rounded once per worklog, half up):
- Ada (USD), WL-1001 at 45.39/h: seg-1 10 min = 7.565 -> 7.57; seg-2 20 min -> total 22.695 -> 22.70,
  so 15.13; seg-3 (disputed, held) 45.39; seg-4 (cancelled) 45.39 and its reversal -45.39; seg-5
  45.39 (it overlaps only the cancelled seg-4, which does not block); seg-11 (Nov) 2 h = 90.78;
  seg-12 (Dec) 10 min -> total 211.82, so 7.56; adj-1 -20.50 (Nov); adj-4 +100.00 (Dec).
  WL-1004 at 60/h: cr-1 (Nov) 30 min = 30.00.
  Oct run 68.09, Nov run 90.78 - 20.50 + 30.00 = 100.28, Dec run 7.56 + 100.00 = 107.56; the
  disputed 45.39 stays unremitted.
- Grace (EUR), WL-2002 at "10.00": three 20-minute segments 3.33 + 3.34 + 3.33 = 10.00 (Oct);
  adj-5 -15.00 (Nov) leaves a negative total, so no Nov payout; adj-6 +25.50 (Dec): 10.50.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ledger.models import Posting
from settlements import services as settlement_services
from settlements.models import Remittance
from worklogs.importer import records_from_json, worklogs_import
from worklogs.models import Adjustment, Item, Segment, Task, Worker, WorkLog

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "fixtures" / "timetracker_export.json"
MODELS = (Worker, Task, WorkLog, Segment, Adjustment, Item, Posting)

EXPECTED_CREATED = {"worker": 2, "task": 3, "worklog": 3, "segment": 11, "adjustment": 4}
NOTHING = {"worker": 0, "task": 0, "worklog": 0, "segment": 0, "adjustment": 0}
EXPECTED_SKIPPED = [
    ("segment", "seg-6", "overlaps segment seg-5 of worklog WL-1001"),
    ("segment", "seg-7", "endedAt must be after startedAt"),
    ("segment", "seg-8", "endedAt must be after startedAt"),
    ("segment", "seg-9", "at most 24 hours"),
    ("segment", "seg-10", "Unknown status 'rejected'"),
    ("segment", "seg-13", "may not end in the future"),
    ("adjustment", "adj-2", "at most two decimals"),
    ("adjustment", "adj-3", "decimal amount"),
    ("worklog", "WL-3003", "hourly_rate may have at most two decimals"),
    ("segment", "r-1", "its worklog WL-3003 was skipped"),
    ("segment", "cr-2", "overlaps segment seg-11 of worklog WL-1001"),
]


def _records() -> list:
    return records_from_json(FIXTURE.read_bytes())


def _counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS}


def _assert_skipped(report: dict) -> None:
    assert [(s["kind"], s["id"]) for s in report["skipped"]] == [(k, i) for k, i, _ in EXPECTED_SKIPPED]
    for skipped, (_, _, reason) in zip(report["skipped"], EXPECTED_SKIPPED, strict=True):
        assert reason in skipped["reason"], skipped


def _run_and_pay(period_end: date) -> dict:
    run = settlement_services.settlement_generate(period_end=period_end)
    paid = {}
    for remittance in run.remittances.select_related("worker").order_by("pk"):
        settlement_services.remittance_mark_paid(remittance=remittance)
        paid[remittance.worker.external_id] = (remittance.amount, remittance.currency)
    return paid


def test_numbers_are_read_exactly_never_through_float():
    records = records_from_json(b'[{"hourly_rate": 45.39, "n": 100, "amount": 0.1}]')
    assert records[0]["hourly_rate"] == Decimal("45.39")
    assert records[0]["n"] == 100 and isinstance(records[0]["n"], int)
    assert records[0]["amount"] == Decimal("0.1")


def test_float_amounts_are_refused_as_malformed():
    # A caller that parsed with floats has already lost digits: the record is reported, not guessed.
    records = json.loads(FIXTURE.read_text())
    report = worklogs_import(records=[records[1]]).as_dict()
    assert report["created"]["adjustment"] == 1
    assert report["skipped"] == [
        {"kind": "adjustment", "id": "adj-6", "reason": report["skipped"][0]["reason"]},
    ]
    assert "parse_float=Decimal" in report["skipped"][0]["reason"]


def test_realistic_export_imports_every_valid_record_and_reports_every_bad_one():
    report = worklogs_import(records=_records()).as_dict()

    assert report["created"] == EXPECTED_CREATED
    assert report["unchanged"] == NOTHING
    _assert_skipped(report)
    assert not Worker.objects.filter(external_id="300").exists()  # the skipped worklog wrote nothing

    ada = Worker.objects.get(external_id="100")
    assert (ada.name, ada.email, ada.currency) == ("Ada Lovelace", "", "USD")
    assert Worker.objects.get(external_id="200").currency == "EUR"
    wl1 = WorkLog.objects.get(external_id="WL-1001")
    assert wl1.hourly_rate == Decimal("45.39") and wl1.task.external_id == "Backend API"
    statuses = dict(Segment.objects.filter(worklog=wl1).values_list("external_id", "status"))
    assert statuses == {
        "seg-1": "ACTIVE",
        "seg-2": "ACTIVE",
        "seg-3": "DISPUTED",
        "seg-4": "REMOVED",
        "seg-5": "ACTIVE",
        "seg-11": "ACTIVE",
        "seg-12": "ACTIVE",
    }
    assert Segment.objects.get(external_id="seg-3").dispute_reason == "Client says this meeting never happened"
    assert Segment.objects.get(external_id="seg-4").status_reason
    earnings = dict(Item.objects.filter(worklog=wl1, kind="EARNING").values_list("segment__external_id", "amount"))
    assert earnings["seg-1"] == Decimal("7.57") and earnings["seg-2"] == Decimal("15.13")
    assert earnings["seg-12"] == Decimal("7.56")
    adjustments = {a.external_id: (a.amount, a.effective_date) for a in Adjustment.objects.all()}
    assert adjustments == {
        "adj-1": (Decimal("-20.50"), date(2025, 11, 15)),
        "adj-4": (Decimal("100.00"), date(2025, 12, 10)),
        "adj-5": (Decimal("-15.00"), date(2025, 11, 1)),
        "adj-6": (Decimal("25.50"), date(2025, 12, 15)),
    }
    assert WorkLog.objects.get(pk=wl1.pk).amount == Decimal("291.32")
    assert WorkLog.objects.get(external_id="WL-1004").amount == Decimal("30.00")
    assert WorkLog.objects.get(external_id="WL-2002").amount == Decimal("20.50")


def test_oct_nov_dec_runs_pay_exactly_what_the_export_earned():
    worklogs_import(records=_records())

    assert _run_and_pay(date(2025, 10, 31)) == {
        "100": (Decimal("68.09"), "USD"),
        "200": (Decimal("10.00"), "EUR"),
    }
    assert _run_and_pay(date(2025, 11, 30)) == {"100": (Decimal("100.28"), "USD")}
    assert _run_and_pay(date(2025, 12, 31)) == {
        "100": (Decimal("107.56"), "USD"),
        "200": (Decimal("10.50"), "EUR"),
    }
    wl1 = WorkLog.objects.get(external_id="WL-1001")
    # Only the disputed seg-3 is still owed; everything else was paid.
    assert (wl1.amount, wl1.remitted_amount, wl1.unremitted_amount) == (
        Decimal("291.32"),
        Decimal("245.93"),
        Decimal("45.39"),
    )
    assert WorkLog.objects.get(external_id="WL-2002").remittance_status == "REMITTED"


def test_reimport_changes_nothing_and_reports_everything_unchanged():
    first = worklogs_import(records=_records()).as_dict()
    _run_and_pay(date(2025, 10, 31))
    before = _counts()

    second = worklogs_import(records=_records()).as_dict()

    assert second["created"] == NOTHING
    assert second["unchanged"] == first["created"]
    _assert_skipped(second)
    assert _counts() == before
    assert Remittance.objects.count() == 2


def test_later_export_adds_only_what_is_new_and_keeps_first_results():
    worklogs_import(records=_records())
    records = _records()
    wl = records[0]
    wl["hourly_rate"] = "50.00"  # the source's rate changed before the new work
    seg1 = wl["segments"][0]
    seg1["status"] = "cancelled"  # a later status for an imported segment: the first import is kept
    wl["segments"].append(
        {"segment_id": "seg-14", "start": "2025-12-02T09:00:00Z", "end": "2025-12-02T09:30:00Z", "status": "approved"}
    )
    wl["adjustments"].append({"adjustment_id": "adj-7", "amount": "-1.00", "reason": "Fee", "applied_at": None})

    report = worklogs_import(records=[wl]).as_dict()

    assert report["created"] == {**NOTHING, "segment": 1, "adjustment": 1}
    assert report["unchanged"] == {"worker": 1, "task": 1, "worklog": 1, "segment": 7, "adjustment": 2}
    assert Segment.objects.get(external_id="seg-1").status == "ACTIVE"
    new = Segment.objects.get(external_id="seg-14")
    assert (new.hourly_rate, new.items.get().amount) == (Decimal("50.00"), Decimal("25.00"))
    assert Segment.objects.get(external_id="seg-2").hourly_rate == Decimal("45.39")
    assert WorkLog.objects.get(external_id="WL-1001").amount == Decimal("291.32") + Decimal("25.00") - Decimal("1.00")


def test_reimported_segment_with_other_times_or_adjustment_with_other_amount_is_skipped():
    worklogs_import(records=_records())
    wl = _records()[0]
    wl["segments"] = [{**wl["segments"][0], "end": "2025-10-06T09:15:00Z"}]
    wl["adjustments"] = [{**wl["adjustments"][0], "amount": "-21.00"}]
    before = _counts()

    report = worklogs_import(records=[wl]).as_dict()

    assert [(s["kind"], s["id"]) for s in report["skipped"]] == [("segment", "seg-1"), ("adjustment", "adj-1")]
    assert _counts() == before


def test_dry_run_reports_like_a_real_import_and_writes_nothing():
    before = _counts()

    dry = worklogs_import(records=_records(), dry_run=True).as_dict()

    assert _counts() == before
    assert dry["created"] == EXPECTED_CREATED
    _assert_skipped(dry)
    assert worklogs_import(records=_records()).as_dict() == dry


def test_worklog_id_of_another_user_or_currency_is_skipped():
    worklogs_import(records=_records()[1:2])
    moved = {**_records()[1], "user_id": "999"}
    other_currency = {**_records()[1], "worklog_id": "WL-2003", "task_name": "Other", "currency": "USD"}

    report = worklogs_import(records=[moved, other_currency]).as_dict()

    assert [(s["kind"], s["id"]) for s in report["skipped"][:1]] == [("worklog", "WL-2002")]
    assert ("worklog", "WL-2003") in [(s["kind"], s["id"]) for s in report["skipped"]]
    assert not Worker.objects.filter(external_id="999").exists()
    assert not WorkLog.objects.filter(external_id="WL-2003").exists()


# --- The management command -----------------------------------------------------------------


def test_command_prints_summary_and_exits_non_zero_when_records_were_skipped(capsys):
    with pytest.raises(CommandError) as excinfo:
        call_command("import_worklogs", str(FIXTURE))
    assert excinfo.value.returncode == 1
    out = capsys.readouterr().out
    assert "created: 2 workers, 3 tasks, 3 worklogs, 11 segments, 4 adjustments" in out
    assert "skipped: 0 workers, 0 tasks, 1 worklog, 8 segments, 2 adjustments" in out
    assert "skipped segment seg-10: Unknown status 'rejected'" in out
    assert WorkLog.objects.count() == 3


def test_command_dry_run_writes_nothing(capsys):
    with pytest.raises(CommandError):
        call_command("import_worklogs", str(FIXTURE), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert sum(_counts().values()) == 0


def test_command_exits_zero_for_a_clean_file(tmp_path, capsys):
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps([_raw_record(1)]))
    call_command("import_worklogs", str(clean))
    assert "created: 1 worker, 1 task, 1 worklog, 1 segment, 0 adjustments" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "Cannot read"), ("[{]", "Not valid JSON"), ('{"a": 1}', "JSON array"), ("[NaN]", "Not valid JSON")],
)
def test_command_reports_unreadable_or_invalid_file_in_one_line(tmp_path, content, message):
    path = tmp_path / "export.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_worklogs", str(path))
    assert message in str(excinfo.value) and "\n" not in str(excinfo.value)
    assert excinfo.value.returncode == 2


# --- The endpoint ---------------------------------------------------------------------------


def _raw_record(n: int) -> dict:
    return {
        "worklog_id": f"W{n}",
        "user_id": f"U{n}",
        "user_name": f"User {n}",
        "task_name": f"Task {n}",
        "hourly_rate": "30.00",
        "segments": [
            {"segment_id": "s1", "start": "2025-10-01T09:00:00Z", "end": "2025-10-01T10:00:00Z", "status": "approved"}
        ],
    }


def test_endpoint_answers_200_with_the_report_in_snake_case_and_imports(api):
    response = api.post("/api/imports/", data=FIXTURE.read_bytes(), content_type="application/json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"created", "unchanged", "skipped"}
    assert body["created"] == EXPECTED_CREATED
    _assert_skipped(body)
    assert WorkLog.objects.get(external_id="WL-1001").hourly_rate == Decimal("45.39")
    assert Adjustment.objects.get(external_id="adj-6").amount == Decimal("25.50")

    again = api.post("/api/imports/", data=FIXTURE.read_bytes(), content_type="application/json").json()
    assert again["created"] == NOTHING and again["unchanged"] == EXPECTED_CREATED


def test_endpoint_dry_run_writes_nothing(api):
    response = api.post("/api/imports/?dryRun=true", data=FIXTURE.read_bytes(), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["created"] == EXPECTED_CREATED
    assert sum(_counts().values()) == 0


@pytest.mark.parametrize("body", ['{"worklog_id": "W1"}', "[{", "", '"text"'])
def test_endpoint_refuses_a_body_that_is_not_a_json_array(api, body):
    response = api.post("/api/imports/", data=body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert sum(_counts().values()) == 0


def test_endpoint_is_for_finance_staff_only(make_client, plain_user, anon_client):
    body = json.dumps([_raw_record(1)])
    assert make_client(plain_user).post("/api/imports/", data=body, content_type="application/json").status_code == 403
    assert anon_client.post("/api/imports/", data=body, content_type="application/json").status_code == 401
    assert WorkLog.objects.count() == 0


def test_imported_source_ids_are_visible_and_searchable(api):
    api.post("/api/imports/", data=json.dumps([_raw_record(1), _raw_record(2)]), content_type="application/json")

    workers = api.get("/api/workers/", {"externalId": "U2"}).json()["results"]
    assert [(w["name"], w["externalId"]) for w in workers] == [("User 2", "U2")]
    worklogs = api.get("/api/worklogs/", {"externalId": "W1"}).json()["results"]
    assert [(w["externalId"], w["amount"]) for w in worklogs] == [("W1", "30.00")]
    segments = api.get(f"/api/worklogs/{worklogs[0]['id']}/segments/").json()["results"]
    assert [s["externalId"] for s in segments] == ["s1"]
    assert api.get("/api/worklogs/", {"externalId": "nope"}).json()["results"] == []


def test_worker_and_task_of_a_worklog_rejected_by_the_service_are_neither_written_nor_counted():
    # "0" parses as money but the service refuses the rate, after the worker and task were created.
    zero_rate = {**_raw_record(1), "hourly_rate": "0"}

    alone = worklogs_import(records=[zero_rate]).as_dict()
    assert alone["created"] == NOTHING and alone["unchanged"] == NOTHING
    # On SQLite the rolled-back worker's id is reused by the next one, which must still be counted.
    report = worklogs_import(records=[zero_rate, _raw_record(2)]).as_dict()

    assert report["created"] == {"worker": 1, "task": 1, "worklog": 1, "segment": 1, "adjustment": 0}
    assert [(s["kind"], s["id"]) for s in report["skipped"]] == [("worklog", "W1"), ("segment", "s1")]
    assert list(Worker.objects.values_list("external_id", flat=True)) == ["U2"]
    assert list(Task.objects.values_list("external_id", flat=True)) == ["Task 2"]
