"""The files `import_worklogs` and `POST /api/imports/` read, one module per format, and how each is recognised.

- tracker: the time-tracker export, a JSON array of worklogs (`worklogs.importer.reading`);
- v2: the JSON seed, an object with `users` / `time_entries` (`formats.v2`);
- toggl, clockify: the detailed time-entry CSVs with start and end times (`formats.timed`);
- harvest: the detailed time report CSV, hours on a date (`formats.harvest`).

CSVs are recognised by their header's columns (exact names, as the trackers write them).
"""

from core.errors import InvalidInput
from worklogs.importer.formats.csvfiles import csv_header
from worklogs.importer.formats.harvest import REQUIRED as HARVEST_COLUMNS
from worklogs.importer.formats.harvest import read_harvest
from worklogs.importer.formats.rows import BadRow, ParsedRow, RowError, TimeRow
from worklogs.importer.formats.timed import CLOCKIFY, TOGGL, read_timed

FORMATS = ("tracker", "v2", "toggl", "clockify", "harvest")
CSV_FORMATS = ("toggl", "clockify", "harvest")
UNRECOGNISED = (
    "Unrecognised file: expected a tracker export (a JSON array of worklogs), a v2 seed (a JSON object "
    "with users and time_entries), or a Toggl Track, Clockify or Harvest detailed time-entry CSV. "
    "Name the format with --format (?format=): tracker, v2, toggl, clockify or harvest."
)

__all__ = ["CSV_FORMATS", "FORMATS", "BadRow", "ParsedRow", "RowError", "TimeRow", "decode", "detect", "read_csv"]


def decode(raw: bytes) -> str:
    """The file's text: UTF-8, with or without a byte order mark."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text.") from None


def _required(name: str) -> set[str]:
    return {"toggl": TOGGL.required, "clockify": CLOCKIFY.required, "harvest": HARVEST_COLUMNS}[name]


def detect(text: str) -> str:
    """The format of a file's text, from its first character (JSON) or its CSV header."""
    start = text.lstrip()[:1]
    if start == "[":
        return "tracker"
    if start == "{":
        return "v2"  # anything but a v2 object is refused by `read_v2` with the formats named
    header = set(csv_header(text))
    for name in CSV_FORMATS:
        if _required(name) <= header:
            return name
    raise InvalidInput(UNRECOGNISED)


def read_csv(name: str, text: str) -> list[ParsedRow]:
    header = csv_header(text)
    missing = sorted(_required(name) - set(header))
    if missing:
        raise InvalidInput(f"Not a {name} export: the header lacks {', '.join(missing)}. {UNRECOGNISED}")
    if name == "harvest":
        return read_harvest(text, header)
    return read_timed(TOGGL if name == "toggl" else CLOCKIFY, text, header)
