"""`manage.py run_settlement`: the API's generate, from a terminal or a scheduler.

Same service (`settlement_generate`), same guarantees: safe to re-run (a worker already paid for the
period is not paid again), and safe beside a concurrent run (the database refuses a second payout).
`--resume RUN_ID` finishes a FAILED, QUEUED or STALLED run (its own workers; the API's resume), and
`--resume-stalled` every STALLED one (RUNNING, but its lease expired: the process executing it died).
`--as USERNAME` names the run's creator (kept on the run and in the audit trail); without it the
system creates it. With four-eyes approval on (`SETTLEMENT_APPROVAL_REQUIRED`) the run's payouts
wait for a finance user other than its creator to approve it (any finance user when it has none).
Exit status: 0 when the run succeeds (also when it creates nothing), 2 for bad input, 1 when the
run fails, 3 when the run may not be resumed (another process is executing it, or it is COMPLETED);
errors are one line on stderr, never a traceback.
"""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from core.errors import DomainError
from core.money import format_money
from settlements.models import SettlementRun
from settlements.selectors import default_period_end, run_totals, runs_stalled, settlement_preview
from settlements.services import RunCompleted, RunInProgress, settlement_generate, settlement_run_execute
from settlements.tasks import payouts_submit_after_commit
from worklogs.models import Worker

BAD_INPUT = 2
FAILURE = 1
REFUSED = 3


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


class Command(BaseCommand):
    help = (
        "Settle every worker (or those given with --worker) for a period end: one remittance per worker with a "
        "positive eligible total. --dry-run prints what would be paid and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--period-end", metavar="YYYY-MM-DD", help="Pay items due by this date (default: end of last month)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Compute and print; write nothing.")
        parser.add_argument(
            "--worker", action="append", default=None, metavar="ID", help="Only this worker (repeatable)."
        )
        parser.add_argument(
            "--resume",
            metavar="RUN_ID",
            help="Finish this FAILED, QUEUED or STALLED run instead of starting one (exit 3 if another process is "
            "executing it or it is COMPLETED).",
        )
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="The run's creator (an active user): with four-eyes approval, another finance user must approve "
            "it. Without it the run is the system's, and any finance user may approve it.",
        )
        parser.add_argument(
            "--resume-stalled",
            action="store_true",
            help="Finish every STALLED run (RUNNING, but its lease expired: the process executing it died).",
        )

    # --- input ----------------------------------------------------------------------------------

    def _period_end(self, value: str | None) -> date:
        if value is None:
            return default_period_end()
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            raise CommandError(
                f"--period-end must be a date YYYY-MM-DD, not {value!r}.", returncode=BAD_INPUT
            ) from None

    def _creator(self, username: str | None) -> User | None:
        if username is None:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--as names no active user {username!r}.", returncode=BAD_INPUT)
        return user

    def _worker_ids(self, values: list[str] | None) -> list[int] | None:
        if values is None:
            return None
        try:
            ids = sorted({int(v) for v in values})
        except ValueError:
            raise CommandError(f"--worker takes a worker id (a number), got {values}.", returncode=BAD_INPUT) from None
        missing = sorted(set(ids) - set(Worker.objects.filter(pk__in=ids).values_list("pk", flat=True)))
        if missing:
            raise CommandError(f"No worker with id {', '.join(map(str, missing))}.", returncode=BAD_INPUT)
        return ids

    # --- output ---------------------------------------------------------------------------------

    def _progress(self):
        """A progress bar on stderr when it is a terminal; nothing otherwise (cron, pipes, logs)."""
        if not self.stderr.isatty():
            return None

        def draw(done: int, total: int) -> None:
            width = 30
            filled = width * done // total if total else width
            bar = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} workers"
            self.stderr.write(bar, style_func=str, ending="")
            self.stderr.flush()

        return draw

    def _section(self, title: str, rows: Sequence[tuple[Worker, Decimal | None, str]]) -> None:
        if not rows:
            return
        self.stdout.write(f"{title}:")
        for worker, amount, note in rows:
            shown = f"{format_money(amount)} {worker.currency}" if amount is not None else ""
            self.stdout.write(f"  worker {worker.pk:>6}  {worker.name[:30]:<30}  {shown:>18}{note}")

    def _summary(self, *, paid, totals, preview, verb: str) -> None:
        self._section(verb, paid)
        if not paid:
            self.stdout.write(f"{verb}: none.")
        self.stdout.write("Total:" if totals else "Total: none.")
        for currency, total in totals.items():
            self.stdout.write(f"  {currency} {format_money(total)}")
        skipped = [(w, t, "") for w, t in preview.skipped]
        self._section("Skipped, total ≤ 0 (carried forward)", skipped)
        settled = [(w, None, "new items wait for a later period") for w in preview.already_settled]
        self._section("Already paid for this period", settled)

    def _resume_target(self, options) -> SettlementRun | None:
        """The run `--resume` names (bad input: exit 2), or None without `--resume`."""
        if options["resume"] is None:
            if options["resume_stalled"] and (
                options["period_end"] or options["worker"] or options["dry_run"] or options["as_user"]
            ):
                raise CommandError("--resume-stalled takes no other option.", returncode=BAD_INPUT)
            return None
        if (
            options["period_end"]
            or options["worker"]
            or options["dry_run"]
            or options["resume_stalled"]
            or options["as_user"]
        ):
            raise CommandError(
                "--resume takes no other option: a run resumes with its own period end and workers.",
                returncode=BAD_INPUT,
            )
        value = options["resume"]
        if not (value.isascii() and value.isdigit()):
            raise CommandError(f"--resume takes a run id (a number), got {value!r}.", returncode=BAD_INPUT)
        run = SettlementRun.objects.filter(pk=int(value)).first()
        if run is None:
            raise CommandError(f"No settlement run with id {int(value)}.", returncode=BAD_INPUT)
        return run

    def _resume(self, run: SettlementRun) -> None:
        progress = self._progress()
        run = settlement_run_execute(run=run, progress=progress)
        payouts_submit_after_commit(run=run)
        if progress:
            self.stderr.write("", style_func=str)
        remittances = list(run.remittances.select_related("worker").order_by("worker_id"))
        self.stdout.write(
            f"Run #{run.pk} resumed, period end {run.period_end}: {run.status}, "
            f"{run.workers_done}/{run.workers_total} workers, {len(remittances)} remittance(s) in all."
        )
        paid = [(r.worker, r.amount, f"  (remittance #{r.pk})") for r in remittances]
        self._section("Paid", paid)
        totals = run_totals(run)
        self.stdout.write("Total:" if totals else "Total: none.")
        for currency, total in totals.items():
            self.stdout.write(f"  {currency} {format_money(total)}")

    def _approval_note(self, run: SettlementRun) -> None:
        if not run.awaiting_approval or not run.remittances.exists():
            return
        who = f"a finance user other than {run.created_by}" if run.created_by else "any finance user"
        self.stdout.write(
            f"Awaiting approval: nothing is sent until {who} approves run #{run.pk} "
            f"(POST /api/settlement-runs/{run.pk}/approve/ or the admin)."
        )

    def _resume_stalled(self) -> None:
        stalled = list(runs_stalled())
        if not stalled:
            self.stdout.write("No stalled run.")
            return
        failed = []
        for run in stalled:
            try:
                self._resume(run)
            except (RunCompleted, RunInProgress) as exc:  # another process resumed it first
                self.stdout.write(f"Run #{run.pk} skipped: {_one_line(exc.message)}")
            except Exception as exc:  # the next stalled run still gets its chance
                failed.append(run.pk)
                self.stderr.write(f"Run #{run.pk} failed: {type(exc).__name__}: {_one_line(exc)}")
        if failed:
            raise CommandError(
                f"Settlement failed: {len(failed)} run(s) did not complete: {', '.join(map(str, failed))}.",
                returncode=FAILURE,
            )

    # --- the command ----------------------------------------------------------------------------

    def handle(self, *args, **options):
        resume = self._resume_target(options)
        if resume is not None or options["resume_stalled"]:
            try:
                return self._resume(resume) if resume is not None else self._resume_stalled()
            except (RunCompleted, RunInProgress) as exc:
                raise CommandError(_one_line(exc.message), returncode=REFUSED) from exc
            except CommandError:
                raise
            except DomainError as exc:
                raise CommandError(f"Settlement failed: {_one_line(exc.message)}", returncode=FAILURE) from exc
            except Exception as exc:
                raise CommandError(
                    f"Settlement failed: {type(exc).__name__}: {_one_line(exc)}", returncode=FAILURE
                ) from exc
        period_end = self._period_end(options["period_end"])
        worker_ids = self._worker_ids(options["worker"])
        creator = self._creator(options["as_user"])
        try:
            if options["dry_run"]:
                preview = settlement_preview(period_end=period_end, worker_ids=worker_ids)
                self.stdout.write(
                    f"Dry run, nothing written. Period end {period_end}: "
                    f"would create {len(preview.paid)} remittance(s)."
                )
                paid = [(w, t, "") for w, t in preview.paid]
                self._summary(paid=paid, totals=preview.totals, preview=preview, verb="Would pay")
                return
            progress = self._progress()
            run = settlement_generate(
                period_end=period_end, worker_ids=worker_ids, progress=progress, created_by=creator
            )
            payouts_submit_after_commit(run=run)
            if progress:
                self.stderr.write("", style_func=str)
            remittances = list(run.remittances.select_related("worker").order_by("worker_id"))
            self.stdout.write(f"Run #{run.pk}, period end {period_end}: {len(remittances)} remittance(s) created.")
            paid = [(r.worker, r.amount, f"  (remittance #{r.pk})") for r in remittances]
            preview = settlement_preview(period_end=period_end, worker_ids=worker_ids)
            preview.already_settled = [
                w for w in preview.already_settled if w.pk not in {r.worker_id for r in remittances}
            ]
            self._summary(paid=paid, totals=run_totals(run), preview=preview, verb="Paid")
            self._approval_note(run)
        except DomainError as exc:
            raise CommandError(f"Settlement failed: {_one_line(exc.message)}", returncode=FAILURE) from exc
        except DatabaseError as exc:
            raise CommandError(f"Settlement failed (database): {_one_line(exc)}", returncode=FAILURE) from exc
        except Exception as exc:  # an operator's tool: any failure is one line (the run row keeps the detail)
            raise CommandError(
                f"Settlement failed: {type(exc).__name__}: {_one_line(exc)}", returncode=FAILURE
            ) from exc
