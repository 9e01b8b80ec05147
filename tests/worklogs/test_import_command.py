"""`manage.py import_worklogs FILE`: a summary, exit 1 when records were skipped, 2 for an unreadable file."""

import json

import pytest
from django.core.management import CommandError, call_command

from tests.worklogs.timetracker import (
    FIXTURE,
    raw_record,
    row_counts,
)
from worklogs.models import WorkLog

pytestmark = pytest.mark.django_db


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
    assert sum(row_counts().values()) == 0


def test_command_exits_zero_for_a_clean_file(tmp_path, capsys):
    clean = tmp_path / "clean.json"
    clean.write_text(json.dumps([raw_record(1)]))
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
