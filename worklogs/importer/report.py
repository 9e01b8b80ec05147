"""What an import did: created and unchanged per kind, and every skipped record with its reason."""

from collections import Counter
from dataclasses import dataclass, field

from worklogs.importer.reading import KINDS


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
        self.skipped.append(SkippedRecord(kind=kind, id=source_id, reason=reason))

    def as_dict(self) -> dict:
        return {
            "created": {kind: self.created[kind] for kind in KINDS},
            "unchanged": {kind: self.unchanged[kind] for kind in KINDS},
            "skipped": [s.as_dict() for s in self.skipped],
        }
