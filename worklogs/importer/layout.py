"""Hours-only rows (the v2 seed, Harvest) laid end to end, so one worker's entries of a day never overlap.

Each worker's day starts at 00:00 of that date in `TIME_ZONE`; its new entries follow one another
in file order. A day already imported from by this format (segments whose externalId starts with
the format's prefix) continues after the last of them, so an overlapping later file appends its new
entries instead of laying them over the old ones. An entry that would end after the day's last
instant (24 hours; 23 or 25 on a clock-change day) is rejected, and the next one is tried in its place.
"""

from datetime import date, datetime, timedelta

from django.db.models import Max

from core.instants import local_day_end, local_day_start
from worklogs.importer.formats.rows import RowError
from worklogs.models import Segment


class DayLayout:
    def __init__(self, prefix: str):
        self.prefix = f"{prefix}:"
        self.cursor: dict[tuple[int, date], datetime] = {}

    def _start(self, worker_id: int, day: date) -> datetime:
        start = self.cursor.get((worker_id, day))
        if start is not None:
            return start
        start = local_day_start(day)
        latest = Segment.objects.filter(
            worker_id=worker_id, work_date=day, external_id__startswith=self.prefix
        ).aggregate(latest=Max("ended_at"))["latest"]
        return max(start, latest) if latest is not None else start

    def place(self, *, worker_id: int, day: date, seconds: int) -> tuple[datetime, datetime]:
        """Where the next entry of this worker's day goes; RowError when the day is full."""
        start = self._start(worker_id, day)
        end = start + timedelta(seconds=seconds)
        day_end = local_day_end(day)
        if end > day_end:
            used = (start - local_day_start(day)).total_seconds() / 3600
            length = (day_end - local_day_start(day)).total_seconds() / 3600
            raise RowError(
                f"The worker's entries of {day.isoformat()} pass 24 hours: {used:g} h are laid out already "
                f"and this entry adds {seconds / 3600:g} h (that day has {length:g} h)."
            )
        return start, end

    def placed(self, *, worker_id: int, day: date, end: datetime) -> None:
        """Called once the entry is written (a rejected entry leaves its place to the next one)."""
        self.cursor[(worker_id, day)] = end
