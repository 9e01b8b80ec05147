"""The v2 JSON seed: `users`, `tasks`, `worklogs`, `time_entries` and `adjustments`, with line numbers.

The document is parsed strictly (core/strict_json.py, numbers exactly as `Decimal`); a second pass
over the same text finds the line on which each element of the five arrays starts, so a rejected
row is reported where a reader of the file finds it.
"""

import bisect
import json
from dataclasses import dataclass, field

from core.errors import InvalidInput
from core.strict_json import JSONRefused, strict_json_loads

SECTIONS = ("users", "tasks", "worklogs", "time_entries", "adjustments")
_WS = " \t\r\n"
UNRECOGNISED_JSON = (
    "Unrecognised JSON: a v2 seed is an object with users and time_entries (and tasks, worklogs, adjustments); "
    "a tracker export is a JSON array of worklogs."
)


@dataclass
class V2File:
    sections: dict[str, list[tuple[int | None, object]]] = field(default_factory=dict)

    def rows(self, name: str) -> list[tuple[int | None, object]]:
        return self.sections.get(name, [])


def is_v2(data: object) -> bool:
    return isinstance(data, dict) and ("users" in data or "time_entries" in data)


class _Lines:
    def __init__(self, text: str):
        self.text = text
        self.newlines = [i for i, char in enumerate(text) if char == "\n"]

    def of(self, index: int) -> int:
        return bisect.bisect_left(self.newlines, index) + 1


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _array_lines(text: str) -> dict[str, list[int]]:
    """The line of each element of each top-level array (the text is already known to be valid JSON)."""
    decoder, lines = json.JSONDecoder(), _Lines(text)
    found: dict[str, list[int]] = {}
    i = _skip(text, 0) + 1  # past "{"
    while True:
        i = _skip(text, i)
        if text[i] == "}":
            return found
        key, i = decoder.raw_decode(text, i)
        i = _skip(text, _skip(text, i) + 1)  # past ":"
        if text[i] == "[":
            starts: list[int] = []
            i = _skip(text, i + 1)
            while text[i] != "]":
                starts.append(lines.of(i))
                _, i = decoder.raw_decode(text, i)
                i = _skip(text, i)
                if text[i] == ",":
                    i = _skip(text, i + 1)
            found[key] = starts
            i += 1
        else:
            _, i = decoder.raw_decode(text, i)
        i = _skip(text, i)
        if text[i] == ",":
            i += 1


def read_v2(text: str) -> V2File:
    try:
        data = strict_json_loads(text, exact_numbers=True, allow_unstorable=True)
    except JSONRefused as exc:
        raise InvalidInput(f"Not valid JSON: {exc}") from None
    if not is_v2(data):
        raise InvalidInput(UNRECOGNISED_JSON)
    try:
        lines = _array_lines(text)
    except (ValueError, IndexError):  # pragma: no cover - the text parsed above
        lines = {}
    parsed = V2File()
    for name in SECTIONS:
        value = data.get(name, [])
        if value is None:
            value = []
        if not isinstance(value, list):
            raise InvalidInput(f"{name} must be an array.")
        starts = lines.get(name, [])
        parsed.sections[name] = [(starts[i] if i < len(starts) else None, item) for i, item in enumerate(value)]
    return parsed
