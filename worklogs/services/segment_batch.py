"""Recording many segments in one call (`POST /api/segments/batch/`), each with the outcome that
`segment_record` would have had for it, in the order given.

Segments of different workers never meet (overlap is per worker, an `externalId` is per worklog and a
worklog has one worker), so the entries are taken worker by worker, in ascending worker id (the lock
order between workers, so two batches never deadlock), each worker's in the order given. One worker's
entries share one transaction and one worker lock, then:

- one query locks their worklogs, one reads the `externalId`s they repeat, one the live segments of
  the worker in the span they cover;
- each entry is decided in order against those and the entries accepted before it (a repeat, a
  conflict, or accepted), exactly as `segment_record` decides, so an entry is all-or-nothing on its
  own: a refused one writes nothing;
- the accepted ones are written together: one insert of segments, of items, of ledger entries and
  postings, of audit events, one update per worklog (`items.earnings_add`).

Should the database refuse that write (a guard the decisions above did not foresee), the worker's
entries are recorded again one by one with `segment_record`, each in its own savepoint.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from audit.models import Action, ObjectType
from audit.services import Actor, audit_changes, audit_record_many, audit_snapshot
from core.errors import Conflict, DomainError, InvalidInput
from core.instants import local_date
from worklogs.locks import lock_worker, lock_worker_worklogs
from worklogs.models import LIVE_SEGMENT_STATUSES, Segment, WorkLog
from worklogs.services.items import earnings_add
from worklogs.services.segment_spans import span_instants, span_seconds
from worklogs.services.segments import SEGMENT_AUDITED, segment_record

MAX_BATCH = 500


@dataclass(frozen=True)
class BatchEntry:
    worklog: WorkLog
    started_at: datetime
    ended_at: datetime
    external_id: str | None = None
    note: str = ""


@dataclass
class BatchOutcome:
    """A segment recorded (`created`) or repeated, or the domain error that refused the entry."""

    segment: Segment | None = None
    created: bool = False
    error: DomainError | None = None


@dataclass
class _Pending:
    index: int
    entry: BatchEntry
    started_at: datetime
    ended_at: datetime
    seconds: int


def segments_record_batch(*, entries: Sequence[BatchEntry], actor: Actor = None) -> list[BatchOutcome]:
    """Record each entry as `segment_record` would, in order; returns one outcome per entry."""
    if len(entries) > MAX_BATCH:
        raise InvalidInput(f"A batch holds at most {MAX_BATCH} segments.", field="segments")
    outcomes: list[BatchOutcome] = [BatchOutcome() for _ in entries]
    by_worker: dict[int, list[_Pending]] = defaultdict(list)
    for index, entry in enumerate(entries):
        try:
            started_at, ended_at = span_instants(entry.started_at, entry.ended_at)
            seconds = span_seconds(started_at, ended_at)
        except InvalidInput as error:  # refused before any lock, as `segment_record` does
            outcomes[index].error = error
            continue
        by_worker[entry.worklog.worker_id].append(_Pending(index, entry, started_at, ended_at, seconds))
    for worker_id in sorted(by_worker):
        pending = by_worker[worker_id]
        try:
            with transaction.atomic():
                decided = _record_for_worker(worker_id=worker_id, pending=pending, actor=actor)
        except IntegrityError:
            decided = _record_one_by_one(pending=pending, actor=actor)
        for item, outcome in zip(pending, decided, strict=True):
            outcomes[item.index] = outcome
    return outcomes


def _overlap_conflict(other: Segment) -> Conflict:
    """`span_check_no_overlap`'s answer, naming the overlapped segment."""
    return Conflict(
        f"This segment overlaps segment {other.pk} ({other.started_at.isoformat()} to "
        f"{other.ended_at.isoformat()}) of the same worker.",
        code="segment_overlap",
    )


def _external_id_conflict(external_id: str) -> Conflict:
    return Conflict(
        f"externalId {external_id!r} was already recorded on this worklog with other fields.",
        code="external_id_reused",
    )


def _record_for_worker(*, worker_id: int, pending: list[_Pending], actor: Actor) -> list[BatchOutcome]:
    lock_worker(worker_id)
    worklogs = lock_worker_worklogs(sorted({p.entry.worklog.pk for p in pending}))
    external_ids = {p.entry.external_id for p in pending if p.entry.external_id}
    known: dict[tuple[int, str], Segment] = {}
    if external_ids:
        for segment in Segment.objects.filter(worklog_id__in=list(worklogs), external_id__in=external_ids):
            assert segment.external_id is not None  # filtered on it
            known[(segment.worklog_id, segment.external_id)] = segment
    live = list(
        Segment.objects.filter(
            worker_id=worker_id,
            status__in=LIVE_SEGMENT_STATUSES,
            started_at__lt=max(p.ended_at for p in pending),
            ended_at__gt=min(p.started_at for p in pending),
        )
        .order_by("pk")
        .only("pk", "started_at", "ended_at")
    )
    outcomes: list[BatchOutcome] = []
    accepted: list[Segment] = []
    # An entry refused for overlapping one accepted before it: its message names that segment's id,
    # known once the accepted ones are inserted.
    overlapping_new: list[tuple[BatchOutcome, Segment]] = []
    for p in pending:
        outcome = BatchOutcome()
        outcomes.append(outcome)
        worklog, external_id, note = worklogs[p.entry.worklog.pk], p.entry.external_id, p.entry.note or ""
        if external_id:
            prior = known.get((worklog.pk, external_id))
            if prior is not None:
                if prior.started_at == p.started_at and prior.ended_at == p.ended_at and prior.note == note:
                    outcome.segment = prior
                else:
                    outcome.error = _external_id_conflict(external_id)
                continue
        old = next((s for s in live if s.started_at < p.ended_at and s.ended_at > p.started_at), None)
        if old is not None:
            outcome.error = _overlap_conflict(old)
            continue
        new = next((s for s in accepted if s.started_at < p.ended_at and s.ended_at > p.started_at), None)
        if new is not None:
            overlapping_new.append((outcome, new))
            continue
        segment = Segment(
            worklog=worklog,
            worker_id=worker_id,
            started_at=p.started_at,
            ended_at=p.ended_at,
            seconds=p.seconds,
            work_date=local_date(p.started_at),
            hourly_rate=worklog.hourly_rate,
            external_id=external_id,
            note=note,
        )
        accepted.append(segment)
        if external_id:
            known[(worklog.pk, external_id)] = segment
        outcome.segment, outcome.created = segment, True
    if accepted:
        Segment.objects.bulk_create(accepted)
        earnings_add(worklogs=worklogs, segments=accepted)
        audit_record_many(
            actor=actor,
            action=Action.SEGMENT_RECORDED,
            object_type=ObjectType.SEGMENT,
            changes_by_id=[
                (
                    segment.pk,
                    audit_changes(
                        {},
                        {**audit_snapshot(segment, SEGMENT_AUDITED), "amount": segment.earning_amount},  # type: ignore[attr-defined]
                    ),
                )
                for segment in accepted
            ],
        )
    for outcome, other in overlapping_new:
        outcome.error = _overlap_conflict(other)
    return outcomes


def _record_one_by_one(*, pending: list[_Pending], actor: Actor) -> list[BatchOutcome]:
    outcomes = []
    for p in pending:
        try:
            with transaction.atomic():
                segment, created = segment_record(
                    worklog=p.entry.worklog,
                    started_at=p.started_at,
                    ended_at=p.ended_at,
                    external_id=p.entry.external_id,
                    note=p.entry.note,
                    actor=actor,
                )
            outcomes.append(BatchOutcome(segment=segment, created=created))
        except DomainError as error:
            outcomes.append(BatchOutcome(error=error))
    return outcomes
