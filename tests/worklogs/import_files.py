"""Helpers for the tests of the v2 seed and CSV imports: the repository's samples, and what was written."""

from decimal import Decimal
from pathlib import Path

from worklogs.importer import import_file
from worklogs.models import Segment

SAMPLES = Path(__file__).resolve().parents[2] / "worklogs" / "importer" / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def run(raw: bytes | str, **options) -> dict:
    """Import `raw` as the command would (no actor) and answer the report as a dict."""
    data = raw.encode() if isinstance(raw, str) else raw
    return import_file(raw=data, **options).as_dict()


def spans() -> list[tuple[str, str, str, str, Decimal]]:
    """Every segment: (worker e-mail, start, end, status, earning's cents), in creation order, times in UTC."""
    out = []
    for segment in Segment.objects.select_related("worker").prefetch_related("items").order_by("pk"):
        earning = next(item for item in segment.items.all() if item.kind == "EARNING")
        out.append(
            (
                segment.worker.email,
                segment.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                segment.ended_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                segment.status,
                earning.amount,
            )
        )
    return out


def counts(**values: int) -> dict:
    base = {"worker": 0, "task": 0, "worklog": 0, "segment": 0, "adjustment": 0}
    base.update(values)
    return base
