"""What an import of a v2 seed or a CSV export did: created, skipped (already imported), rejected rows."""

from collections import Counter
from dataclasses import dataclass, field

from core.strict_json import UNSTORABLE
from worklogs.importer.reading import KINDS


def _printable(text: str | None) -> str | None:
    return None if text is None else UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass
class RejectedRow:
    line: int | None
    kind: str
    id: str | None
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "kind": self.kind, "id": self.id, "reason": self.reason}


@dataclass
class FileImportReport:
    format: str
    dry_run: bool = False
    created: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)  # rows already imported: nothing new
    rejected_rows: list[RejectedRow] = field(default_factory=list)

    def reject(self, *, line: int | None, kind: str, source_id: str | None, reason: str) -> None:
        self.rejected_rows.append(
            RejectedRow(line=line, kind=kind, id=_printable(source_id), reason=_printable(reason) or "")
        )

    def add(self, counts: Counter[str]) -> None:
        self.created.update(counts)

    @property
    def rejected(self) -> Counter[str]:
        return Counter(row.kind for row in self.rejected_rows)

    def as_dict(self) -> dict[str, object]:
        rejected = self.rejected
        return {
            "format": self.format,
            "dry_run": self.dry_run,
            "created": {kind: self.created[kind] for kind in KINDS},
            "skipped": {kind: self.skipped[kind] for kind in KINDS},
            "rejected": {kind: rejected[kind] for kind in KINDS},
            "rejected_rows": [row.as_dict() for row in self.rejected_rows],
        }
