"""`manage.py seed_demo`: the demo finance login, and demo data on an empty database (`make run`).

Idempotent. Every run ensures the finance user (a superuser in the `finance` group, so the admin
and the whole API are open to it) and prints its credentials and a new API token. No password is
written in the repository: `DEMO_FINANCE_PASSWORD` / `DEMO_WORKER_PASSWORD` set them (`make run`
generates both once into .local/secrets.env), otherwise a random one is made when the user is
created and printed then, and an existing user's password is left alone. With debug off the
command refuses to run without `--force`: it makes a superuser, never wanted on a real database.

Demo data is built
only when there are no workers yet, entirely through the services (as the API would), in one
transaction, with every date relative to today so that no segment ends in the future:

- the month before last: segments on every worklog, a run created by finance, approved by a second
  finance user (`controller`, four eyes) and paid; the bank later returns Chloé's transfer (RETURNED,
  her items released);
- after that run: a late segment for that month, a deduction on paid work, a disputed segment;
- the previous month: more segments and a run started by the system (as the scheduler does) that
  awaits approval (the demo finance user may approve it), whose remittance to the first worker
  fails; Chloé's returned money is in it again.

So `/list-all-worklogs` shows REMITTED worklogs (all paid) and UNREMITTED ones (late, held,
pending or released money).
"""

import os
import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from api.permissions import FINANCE_GROUP
from api.tokens import token_issue
from settlements.models import APPROVAL_PENDING, Remittance, SettlementRun
from settlements.selectors import default_period_end, runs_by_approval, worker_balance
from settlements.services import (
    remittance_mark_failed,
    remittance_mark_paid,
    remittance_mark_returned,
    settlement_generate,
    settlement_run_approve,
)
from settlements.services.bank_reports import bank_report_receive
from settlements.services.payees import payout_destination_confirm, payout_destination_set
from settlements.services.sepa_files import sepa_file_create
from worklogs.models import Segment, Worker, WorkLog
from worklogs.selectors import worklogs_in_status
from worklogs.services import (
    adjustment_record,
    segment_dispute,
    segment_record,
    task_create,
    worker_create,
    worklog_create,
    worklog_rate_change,
)

FINANCE_USERNAME = "finance"
WORKER_USERNAME = "worker1"
# The second pair of eyes that approved the demo's first run (no usable password: a name in the trail).
CONTROLLER_USERNAME = "controller"


# The demo's paying account when PAYOUT_DEBTOR_* are unset (a valid test IBAN and BIC, no real account).
DEMO_DEBTOR = {
    "PAYOUT_DEBTOR_NAME": "WorkLog Demo Payroll",
    "PAYOUT_DEBTOR_IBAN": "DE02120300000000202051",
    "PAYOUT_DEBTOR_BIC": "BYLADEM1001",
}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_default_timezone())


def _record(worklog: WorkLog, day: date, start: tuple[int, int], end: tuple[int, int], note: str = "") -> Segment:
    segment, _ = segment_record(worklog=worklog, started_at=_at(day, *start), ended_at=_at(day, *end), note=note)
    return segment


def _demo_password(variable: str, *, user_exists: bool) -> str | None:
    """The password to set: the environment's, a new random one for a new user, else None (keep it)."""
    given = os.environ.get(variable, "").strip()
    if given:
        return given
    return None if user_exists else secrets.token_urlsafe(12)


class Command(BaseCommand):
    help = "Ensure the demo finance user (prints a new token) and, on an empty database, demo data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DJANGO_DEBUG off (it makes a superuser)."
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo makes a demo superuser: refused with DJANGO_DEBUG off. "
                "Pass --force if this database really is a demo."
            )
        finance = self._ensure_finance_user()
        if Worker.objects.exists():
            self.stdout.write("Workers already exist: demo data left as it is.")
        else:
            self._build_demo_data(finance)
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        self._print_summary()

    def _ensure_finance_user(self) -> User:
        existing = User.objects.filter(username=FINANCE_USERNAME).first()
        password = _demo_password("DEMO_FINANCE_PASSWORD", user_exists=existing is not None)
        user = existing or User(username=FINANCE_USERNAME, email="finance@example.com")
        user.is_active = user.is_staff = user.is_superuser = True
        if password is not None and not user.check_password(password):
            user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=FINANCE_GROUP)[0])
        _, token = token_issue(user=user)
        shown = password if password is not None else "(unchanged: set DEMO_FINANCE_PASSWORD to reset it)"
        self.stdout.write(
            f"Finance user (superuser, group {FINANCE_GROUP!r}; admin at /admin/):\n"
            f"  username: {FINANCE_USERNAME}\n"
            f"  password: {shown}\n"
            f"  API token: {token}\n"
            f'  e.g. curl -H "Authorization: Token {token}" '
            f'"http://localhost:8000/list-all-worklogs?remittanceStatus=REMITTED"'
        )
        return user

    @transaction.atomic
    def _build_demo_data(self, finance: User) -> None:
        # e1: end of the month before last; e2: end of the previous month (both wholly in the past).
        e2 = default_period_end()
        e1 = e2.replace(day=1) - timedelta(days=1)
        m1, m2 = e1.replace(day=1), e2.replace(day=1)

        def d1(n: int) -> date:
            return m1 + timedelta(days=n - 1)

        def d2(n: int) -> date:
            return m2 + timedelta(days=n - 1)

        worker_user = User.objects.filter(username=WORKER_USERNAME).first()
        password = _demo_password("DEMO_WORKER_PASSWORD", user_exists=worker_user is not None)
        if worker_user is None:
            worker_user = User.objects.create_user(username=WORKER_USERNAME, email="alice@example.com")
        if password is not None:
            worker_user.set_password(password)
            worker_user.save(update_fields=["password"])
            self.stdout.write(f"Worker user {WORKER_USERNAME}: password {password}")
        # Finance's acts are recorded as finance's in the audit trail; time is recorded by the system.
        alice = worker_create(name="Alice Martin", email="alice@example.com", user=worker_user, actor=finance)
        bob = worker_create(name="Bob Okafor", email="bob@example.com", actor=finance)
        chloe = worker_create(name="Chloé Dubois", email="chloe@example.com", currency="EUR", actor=finance)

        payments = task_create(title="Payments API integration")
        review = task_create(title="Design review")
        migration = task_create(title="Data migration")
        support = task_create(title="Support rotation")

        alice_api = worklog_create(worker=alice, task=payments, hourly_rate=Decimal("45.00"), actor=finance)
        alice_review = worklog_create(worker=alice, task=review, hourly_rate=Decimal("60.00"), actor=finance)
        bob_migration = worklog_create(worker=bob, task=migration, hourly_rate=Decimal("38.50"), actor=finance)
        bob_support = worklog_create(worker=bob, task=support, hourly_rate=Decimal("30.00"), actor=finance)
        chloe_review = worklog_create(worker=chloe, task=review, hourly_rate=Decimal("52.00"), actor=finance)

        # The month before last.
        _record(alice_api, d1(3), (9, 0), (12, 30), "Webhook signatures")
        _record(alice_api, d1(4), (13, 0), (17, 20), "Refund flow")
        _record(alice_review, d1(5), (10, 0), (11, 45), "Checkout mock-ups")
        _record(bob_migration, d1(3), (8, 30), (12, 0), "Schema mapping")
        _record(bob_migration, d1(6), (9, 0), (13, 15), "Dry run")
        _record(chloe_review, d1(4), (9, 0), (11, 20), "Onboarding screens")
        _record(chloe_review, d1(10), (14, 0), (16, 40), "Accessibility pass")
        # Rates are snapshots: segments recorded from now on use 48.00, earlier ones keep 45.00.
        worklog_rate_change(worklog=alice_api, hourly_rate=Decimal("48.00"), actor=finance)
        # The previous month (not due in the first run: its period ends before these work dates).
        _record(alice_api, d2(2), (9, 0), (12, 0), "Payout reconciliation")
        _record(alice_api, d2(9), (13, 0), (15, 10), "Load test fixes")
        _record(bob_migration, d2(3), (9, 0), (13, 0), "Production cut-over")
        _record(bob_migration, d2(8), (9, 0), (11, 30), "Data checks")
        _record(bob_support, d2(12), (18, 0), (20, 0), "On-call evening")
        call = _record(bob_support, d2(13), (18, 0), (19, 20), "Customer escalation call")

        first_run = settlement_generate(period_end=e1, created_by=finance)
        first_run = settlement_run_approve(run=first_run, actor=self._controller())
        self._bank_details_and_sepa_file(finance, run=first_run, confirmed=chloe, unconfirmed=bob)
        for remittance in first_run.remittances.filter(status="PENDING").order_by("pk"):
            remittance_mark_paid(
                remittance=remittance, provider_reference=f"DEMO-{e1:%Y%m}-{remittance.worker_id}", actor=finance
            )
        remittance_mark_returned(
            remittance=first_run.remittances.get(worker=chloe),
            reason="SEPA return AC04: account closed. Ask Chloé for her new bank details.",
            source="bank",
            actor=finance,
        )

        # After the first run was paid: history keeps changing.
        _record(alice_api, d1(20), (14, 0), (15, 30), "Late entry: forgotten pairing session")
        adjustment_record(
            worklog=bob_migration,
            amount=Decimal("-25.00"),
            reason=f"Deduction: hours of {e1:%B %Y} paid twice (already paid work).",
            created_by=finance,
        )
        segment_dispute(segment=call, reason="The client says the call lasted 40 minutes.", actor=finance)

        second_run = settlement_generate(period_end=e2)  # the system's, as the scheduler's monthly run
        failed = second_run.remittances.get(worker=alice)
        remittance_mark_failed(remittance=failed, reason="Bank rejected the transfer: account closed.", actor=finance)

    def _bank_details_and_sepa_file(
        self, finance: User, *, run: SettlementRun, confirmed: Worker, unconfirmed: Worker
    ) -> None:
        """Chloé's IBAN entered by finance and confirmed by the controller (four eyes), Bob's entered and
        awaiting confirmation; the run's SEPA file pays Chloé, and the bank's pain.002 settles it."""
        chloe_iban = "FR14 2004 1010 0505 0001 3M02 606"
        payout_destination_set(worker=confirmed, account_holder="Chloé Dubois", iban=chloe_iban, bic="", actor=finance)
        payout_destination_confirm(worker=confirmed, actor=self._controller())
        bob_iban = "DE89 3704 0044 0532 0130 00"
        payout_destination_set(
            worker=unconfirmed, account_holder="Bob Okafor", iban=bob_iban, bic="COBADEFFXXX", actor=finance
        )
        debtor = {
            "PAYOUT_DEBTOR_NAME": settings.PAYOUT_DEBTOR_NAME or DEMO_DEBTOR["PAYOUT_DEBTOR_NAME"],
            "PAYOUT_DEBTOR_IBAN": settings.PAYOUT_DEBTOR_IBAN or DEMO_DEBTOR["PAYOUT_DEBTOR_IBAN"],
            "PAYOUT_DEBTOR_BIC": settings.PAYOUT_DEBTOR_BIC or DEMO_DEBTOR["PAYOUT_DEBTOR_BIC"],
        }
        with override_settings(**debtor):  # a demo debtor account when none is configured
            sepa = sepa_file_create(run=run, actor=finance).file
        entry = sepa.entries.get()
        report = (
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
            f"<GrpHdr><MsgId>DEMO-STS-{sepa.pk}</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>{sepa.message_id}"
            "</OrgnlMsgId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><TxInfAndSts>"
            f"<OrgnlEndToEndId>{entry.end_to_end_id}</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>"
            "</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"
        )
        bank_report_receive(raw_body=report.encode(), actor=finance)

    def _controller(self) -> User:
        user, _ = User.objects.get_or_create(
            username=CONTROLLER_USERNAME, defaults={"email": "controller@example.com", "is_staff": True}
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        user.groups.add(Group.objects.get_or_create(name=FINANCE_GROUP)[0])
        return user

    def _print_summary(self) -> None:
        worker_user = User.objects.filter(username=WORKER_USERNAME, worker__isnull=False).first()
        if worker_user is not None:
            self.stdout.write(f"Worker user (sees only {worker_user.worker.name}): username {WORKER_USERNAME}")
        worklogs = WorkLog.objects.all()
        remitted = worklogs_in_status(worklogs, remittance_status="REMITTED").count()
        by_status = dict(Remittance.objects.values_list("status").annotate(n=Count("pk")).order_by("status"))
        self.stdout.write(
            f"{Worker.objects.count()} workers, {worklogs.count()} worklogs ({remitted} REMITTED, "
            f"{worklogs.count() - remitted} UNREMITTED), {SettlementRun.objects.count()} settlement runs, "
            f"remittances: {', '.join(f'{n} {s}' for s, n in by_status.items()) or 'none'}"
        )
        pending = runs_by_approval(SettlementRun.objects.order_by("pk"), state=APPROVAL_PENDING)
        awaiting = list(pending.values_list("pk", flat=True))
        if awaiting:
            self.stdout.write(
                f"Awaiting four-eyes approval: run(s) {', '.join(f'#{pk}' for pk in awaiting)} "
                "(POST /api/settlement-runs/{id}/approve/ or the admin's action)."
            )
        for worker in Worker.objects.order_by("pk")[:10]:
            b = worker_balance(worker=worker)  # already quantized to the cent
            self.stdout.write(
                f"  {worker.name} ({worker.currency}): unremitted {b['unremitted']}, "
                f"pending {b['pending']}, remitted {b['remitted']}"
            )
