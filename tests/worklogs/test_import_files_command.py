"""`manage.py import_worklogs FILE --format --rate --dry-run` with the v2 seed and the CSV exports."""

import pytest
from django.core.management import CommandError, call_command

from tests.worklogs.import_files import SAMPLES
from tests.worklogs.timetracker import row_counts
from worklogs.models import Segment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "segments"), [("toggl.csv", 3), ("clockify.csv", 2), ("harvest.csv", 3), ("v2.json", 5)]
)
def test_each_sample_imports_with_its_readme_command(name, segments, capsys):
    call_command("import_worklogs", str(SAMPLES / name), "--rate", "45.00")
    out = capsys.readouterr().out
    assert f"format: {name.split('.')[0]}" in out
    assert Segment.objects.count() == segments
    call_command("import_worklogs", str(SAMPLES / name), "--format", name.split(".")[0])
    again = capsys.readouterr().out
    assert "created: 0 workers, 0 tasks, 0 worklogs, 0 segments, 0 adjustments" in again
    assert f"worklogs, {segments} segments" in again.split("skipped (already imported): ")[1]


def test_rejected_rows_are_printed_with_their_lines_and_the_command_exits_1(tmp_path, capsys):
    path = tmp_path / "toggl.csv"
    path.write_text((SAMPLES / "toggl.csv").read_text())  # no --rate: every new worklog lacks one
    with pytest.raises(CommandError) as excinfo:
        call_command("import_worklogs", str(path), "--dry-run")
    assert excinfo.value.returncode == 1
    out = capsys.readouterr().out
    assert "Dry run (nothing written): rejected: 0 workers, 0 tasks, 0 worklogs, 3 segments" in out
    assert "  line 2 segment toggl:" in out and "give one with --rate" in out
    assert sum(row_counts().values()) == 0


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        ("Name,Amount\n", [], "Unrecognised file"),
        ("Name,Amount\n", ["--format", "toggl"], "Not a toggl export"),
        (b"\xff\xfe", [], "not UTF-8"),
        ("{}", [], "Unrecognised JSON"),
        ("User,Email\n", ["--rate", "1.234"], "at most two decimals"),
    ],
)
def test_an_unreadable_file_or_bad_option_exits_2_in_one_line(tmp_path, content, options, message):
    path = tmp_path / "file"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(CommandError) as excinfo:
        call_command("import_worklogs", str(path), *options)
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value) and "\n" not in str(excinfo.value)
