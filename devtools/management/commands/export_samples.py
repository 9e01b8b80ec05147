"""`manage.py export_samples`: `sample-responses.json` (`make samples`), recorded from the real system.

It plays a small story through the services, on a frozen clock, in a throwaway database, and
records the real HTTP answers of the seed's two endpoints (through DRF's test client, with a
finance-staff token that is never written out). The same code always yields the same file:

- the database is a fresh test database made by Django's own machinery (`create_test_db`):
  in-memory for SQLite, `<name>_samples` on PostgreSQL (never the configured database, and not
  pytest's `test_<name>` either), destroyed at the end; so ids start at 1;
- `django.utils.timezone.now` is the story's clock, which also fixes `createdAt` (auto_now_add),
  the "segment may not end in the future" check and the default period end;
- the time zone is UTC and payouts are not submitted to any provider (the manual gateway).

tests/devtools/test_deliverables.py runs this command in a subprocess and compares its output with the
committed file.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import override_settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from settlements import services as settlement_services
from settlements.models import Remittance
from worklogs import services as worklog_services
from worklogs.models import Worker, WorkLog

GENERATE = "/generate-remittances-for-all-users"
LIST = "/list-all-worklogs"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Story:
    """The clock of the story, what happened, and the HTTP exchanges recorded."""

    now: datetime = field(default_factory=lambda: _utc("2025-12-01T08:00:00"))
    events: list[str] = field(default_factory=list)
    exchanges: list[dict] = field(default_factory=list)
    client: APIClient | None = None

    def clock(self) -> datetime:
        return self.now

    def at(self, when: str) -> None:
        moment = _utc(when)
        assert moment >= self.now, "the story's clock only moves forward"
        self.now = moment

    def tell(self, text: str) -> None:
        self.events.append(f"{self.now:%Y-%m-%d %H:%M}Z {text}")

    def call(self, name: str, method: str, path: str, body: dict | None = None) -> dict:
        assert self.client is not None  # set before the story is told
        response = self.client.post(path, body or {}, format="json") if method == "POST" else self.client.get(path)
        if response.status_code >= 400:
            raise CommandError(f"{method} {path} answered {response.status_code}: {response.content[:500]!r}")
        answer = response.json()
        self.exchanges.append(
            {
                "name": name,
                "at": self.now.isoformat().replace("+00:00", "Z"),
                "request": {"method": method, "path": path, "body": body},
                "response": {"status": response.status_code, "body": answer},
            }
        )
        return answer


def _segment(story: Story, worklog: WorkLog, day: str, start: str, end: str) -> Decimal:
    segment, _ = worklog_services.segment_record(
        worklog=worklog, started_at=_utc(f"{day}T{start}:00"), ended_at=_utc(f"{day}T{end}:00")
    )
    return segment.items.get(kind="EARNING").amount


def _remittance_of(run_body: dict, worker: Worker) -> Remittance:
    (rid,) = [r["id"] for r in run_body["remittances"] if r["workerId"] == worker.pk]
    return Remittance.objects.get(pk=rid)


def play(story: Story) -> None:
    """Three workers, two monthly runs, and the three realities: late work, retroactive
    corrections, failed or cancelled payouts."""
    story.at("2025-12-01T08:00:00")
    finance = User.objects.create_user(username="finance", email="finance@example.com")
    finance.groups.add(Group.objects.get_or_create(name="finance")[0])
    story.client = APIClient()
    # The story's clock spans months, past any person's token lifetime: a token without expiry.
    story.client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=finance, expiry=None)[1]}")

    amara = worklog_services.worker_create(name="Amara Okafor", email="amara@example.com")
    bruno = worklog_services.worker_create(name="Bruno Costa", email="bruno@example.com")
    chen = worklog_services.worker_create(name="Chen Wei", email="chen@example.com")
    api_design = worklog_services.task_create(title="API design")
    migration = worklog_services.task_create(title="Data migration")
    support = worklog_services.task_create(title="Support rota")
    wl_api = worklog_services.worklog_create(worker=amara, task=api_design, hourly_rate=Decimal("60.00"))
    wl_migration = worklog_services.worklog_create(worker=bruno, task=migration, hourly_rate=Decimal("45.39"))
    wl_support = worklog_services.worklog_create(worker=chen, task=support, hourly_rate=Decimal("10.00"))
    story.tell(
        f"Workers {amara.name} (#{amara.pk}), {bruno.name} (#{bruno.pk}) and {chen.name} (#{chen.pk}); "
        f"worklogs #{wl_api.pk} {amara.name} on {api_design.title} at 60.00/h, #{wl_migration.pk} "
        f"{bruno.name} on {migration.title} at 45.39/h, #{wl_support.pk} {chen.name} on {support.title} "
        "at 10.00/h (all USD)."
    )

    # December's work, recorded as it happens.
    story.at("2025-12-05T18:00:00")
    a1 = _segment(story, wl_api, "2025-12-01", "09:00", "12:00")
    a2 = _segment(story, wl_api, "2025-12-02", "13:00", "15:30")
    b1 = _segment(story, wl_migration, "2025-12-03", "09:00", "13:00")
    b2 = _segment(story, wl_migration, "2025-12-04", "10:00", "10:10")
    c = [
        _segment(story, wl_support, "2025-12-05", s, e)
        for s, e in (("09:00", "09:20"), ("09:20", "09:40"), ("09:40", "10:00"))
    ]
    story.tell(
        f"December work: {amara.name} 3 h on Dec 1 ({a1}) and 2.5 h on Dec 2 ({a2}); {bruno.name} 4 h on "
        f"Dec 3 ({b1}) and 10 min on Dec 4 ({b2}: 10 min at 45.39/h is 7.565, the worklog's exact total "
        f"189.125 rounds to {b1 + b2}); {chen.name} three 20-minute segments on Dec 5 "
        f"({' + '.join(map(str, c))} = {sum(c)}: each item's cents keep the worklog's total exact)."
    )

    story.at("2026-01-02T09:00:00")
    december = story.call("December run", "POST", GENERATE, {"periodEnd": "2025-12-31"})
    story.tell(f"December run #{december['id']} issues one PENDING remittance per worker (recorded below).")

    story.at("2026-01-05T10:00:00")
    paid = settlement_services.remittance_mark_paid(
        remittance=_remittance_of(december, amara), provider_reference="BANK-20260105-0001", actor=finance
    )
    failed = settlement_services.remittance_mark_failed(
        remittance=_remittance_of(december, bruno), reason="Bank rejected the transfer: account closed.", actor=finance
    )
    cancelled = settlement_services.remittance_cancel(
        remittance=_remittance_of(december, chen), reason="Wrong bank details on file.", actor=finance
    )
    story.tell(
        f"Remittance #{paid.pk} ({amara.name}, {paid.amount}) is PAID; #{failed.pk} ({bruno.name}, "
        f"{failed.amount}) FAILED; #{cancelled.pk} ({chen.name}, {cancelled.amount}) is CANCELLED. The items "
        "of the failed and the cancelled payouts are free again for the next run."
    )

    story.at("2026-01-06T18:00:00")
    late = _segment(story, wl_api, "2025-12-30", "14:00", "16:00")
    story.tell(
        f"Late work: {amara.name} records 2 h worked on Dec 30 ({late}) after December was paid; its work "
        f"date is in December, so the next run takes it. Worklog #{wl_api.pk} is UNREMITTED again."
    )

    story.at("2026-01-07T11:00:00")
    deduction = worklog_services.adjustment_record(
        worklog=wl_api, amount=Decimal("-30.00"), reason="Dec 2 session billed 30 minutes too long.", created_by=finance
    )
    story.tell(
        f"Retroactive deduction #{deduction.pk} of {deduction.amount} on paid worklog #{wl_api.pk}: a new item "
        "(nothing paid is edited), taken from the next payout."
    )

    story.at("2026-01-20T18:00:00")
    review = worklog_services.task_create(title="Code review")
    wl_review = worklog_services.worklog_create(worker=amara, task=review, hourly_rate=Decimal("75.00"))
    r1 = _segment(story, wl_review, "2026-01-12", "09:00", "10:30")
    b3 = _segment(story, wl_migration, "2026-01-13", "09:00", "10:00")
    c4 = _segment(story, wl_support, "2026-01-20", "09:00", "09:30")
    story.tell(
        f"January work: {amara.name} 1.5 h on a new worklog #{wl_review.pk} ({review.title}, 75.00/h: {r1}); "
        f"{bruno.name} 1 h ({b3}); {chen.name} 30 min ({c4})."
    )

    story.at("2026-02-01T18:00:00")
    c5 = _segment(story, wl_support, "2026-02-01", "09:00", "11:00")
    story.tell(f"{chen.name} works 2 h on Feb 1 ({c5}): not due for a run ending Jan 31.")

    story.at("2026-02-02T09:00:00")
    january = story.call("January run (default period end: last day of the previous month)", "POST", GENERATE, {})
    story.tell(
        f"January run #{january['id']}: each worker's remittance takes everything owed and due by "
        f"{january['periodEnd']}: late work, the deduction, released December items, January work."
    )

    story.at("2026-02-04T10:00:00")
    for worker in (amara, chen):
        remittance = settlement_services.remittance_mark_paid(
            remittance=_remittance_of(january, worker),
            provider_reference=f"BANK-20260204-{worker.pk:04d}",
            actor=finance,
        )
        story.tell(f"Remittance #{remittance.pk} ({worker.name}, {remittance.amount}) is PAID.")
    story.tell(f"{bruno.name}'s re-issued remittance is still PENDING.")

    story.at("2026-02-04T12:00:00")
    story.call("All worklogs", "GET", LIST)
    story.call("Worklogs fully paid", "GET", f"{LIST}?remittanceStatus=REMITTED")
    story.call("Worklogs with money not yet paid", "GET", f"{LIST}?remittanceStatus=UNREMITTED")
    story.tell(
        "Final state: "
        + "; ".join(
            f"worklog #{w.pk} amount {w.amount}, remitted {w.remitted_amount} ({w.remittance_status})"
            for w in WorkLog.objects.order_by("pk")
        )
        + "."
    )


def _document(story: Story) -> dict:
    return {
        "about": (
            "Real responses of the seed's two endpoints, recorded by `python manage.py export_samples` "
            "(make samples) from a story played through the services on a frozen clock in a fresh database. "
            "Every request is made as a finance-staff user (Authorization: Token ..., not shown). "
            "Money is a string with two decimals; JSON keys are camelCase."
        ),
        "story": story.events,
        "exchanges": story.exchanges,
    }


def _in_throwaway_database(work):
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        # Not the configured database, and not pytest's test_<name> either.
        connection.settings_dict.setdefault("TEST", {})
        connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_samples"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return work()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def render_samples() -> str:
    story = Story()
    with (
        override_settings(TIME_ZONE="UTC", PAYOUT_GATEWAY="manual"),
        mock.patch("django.utils.timezone.now", story.clock),
    ):
        _in_throwaway_database(lambda: play(story))
    return json.dumps(_document(story), indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Record sample-responses.json from a story played in a throwaway database (make samples)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Write to this file instead of standard output.")

    def handle(self, *args, **options):
        # The samples are API answers: no advice e-mail (in debug the console backend would print
        # each one into the output).
        with override_settings(ADVICE_EMAIL_ENABLED=False):
            text = render_samples()
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"export_samples: wrote {options['output']}")
        else:
            self.stdout.write(text, ending="")
