"""What every time-entry format reads a row into, before anything is written."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


class RowError(Exception):
    """A row the importer cannot read (a bad date, hours, a missing e-mail); reported with its line."""


@dataclass(frozen=True)
class TimeRow:
    """One time entry of an export.

    Either `started_at`/`ended_at` (aware, from formats with real times) or `day`/`seconds`
    (hours-only formats, laid end to end by `worklogs.importer.layout`).
    """

    line: int
    source_id: str  # the segment's externalId, e.g. "toggl:1234" or "harvest:<hash>"
    email: str  # lower-cased; "" when the format has none (Harvest without an Email column)
    name: str  # the worker's name as the export spells it
    project: str
    task: str  # "" when the export has no task
    note: str
    rate: Decimal | None = None  # the pay (cost) rate when the export has one
    currency: str | None = None  # the rate's currency when the export names it
    started_at: datetime | None = None
    ended_at: datetime | None = None
    day: date | None = None
    seconds: int | None = None

    @property
    def task_title(self) -> str:
        """A task is matched by project, and task when the export has one: "Project / Task"."""
        return f"{self.project} / {self.task}" if self.task else self.project


@dataclass(frozen=True)
class BadRow:
    line: int
    source_id: str | None
    reason: str


ParsedRow = TimeRow | BadRow
