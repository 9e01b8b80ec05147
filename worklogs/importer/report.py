"""What an import did: created and unchanged per kind, and every skipped record with its reason."""

from collections import Counter
from dataclasses import dataclass, field

from core.strict_json import UNSTORABLE
from worklogs.importer.reading import KINDS


def _printable(text: str | None) -> str | None:
    """A report is JSON in UTF-8: a lone surrogate or NUL from the file is shown as its escape."""
    return None if text is None else UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass
class SkippedRecord:
    kind: str
    id: str | None
    reason: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "reason": self.reason}


@dataclass
class ImportReport:
    dry_run: bool = False
    created: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    skipped: list[SkippedRecord] = field(default_factory=list)

    def skip(self, kind: str, source_id, reason: str) -> None:
        self.skipped.append(SkippedRecord(kind=kind, id=_printable(source_id), reason=_printable(reason) or ""))

    def as_dict(self) -> dict:
        return {
            "created": {kind: self.created[kind] for kind in KINDS},
            "unchanged": {kind: self.unchanged[kind] for kind in KINDS},
            "skipped": [s.as_dict() for s in self.skipped],
        }
