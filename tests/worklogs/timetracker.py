"""The time-tracker export the import tests read (fixtures/timetracker_export.json) and what importing it reports.

Shared by the import's tests: the service (test_import.py), the command (test_import_command.py) and the
endpoint (test_import_api.py).
"""

from pathlib import Path

from ledger.models import Posting
from worklogs.importer import records_from_json
from worklogs.models import Adjustment, Item, Segment, Task, Worker, WorkLog

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


def export_records() -> list:
    """The export, read as the import reads it (numbers as Decimal, never float)."""
    return records_from_json(FIXTURE.read_bytes())


def row_counts() -> dict:
    """Rows of every model an import writes, by model name."""
    return {model.__name__: model.objects.count() for model in MODELS}


def assert_skipped(report: dict) -> None:
    """The report skipped exactly EXPECTED_SKIPPED, in order, each for its reason."""
    assert [(s["kind"], s["id"]) for s in report["skipped"]] == [(k, i) for k, i, _ in EXPECTED_SKIPPED]
    for skipped, (_, _, reason) in zip(report["skipped"], EXPECTED_SKIPPED, strict=True):
        assert reason in skipped["reason"], skipped


def raw_record(n: int) -> dict:
    """A clean one-segment worklog record numbered n."""
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
