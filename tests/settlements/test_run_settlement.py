"""`manage.py run_settlement`: the API's generate from a terminal, with a dry run and a summary."""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections

from core.errors import Conflict
from ledger.models import JournalEntry, Posting
from settlements.management.commands import run_settlement
from settlements.models import Claim, Remittance, RemittanceStatus, SettlementRun
from settlements.selectors import default_period_end, worker_balance
from settlements.services import remittance_cancel
from tests.support.factories import WorkerFactory, WorkLogFactory
from worklogs import services

pytestmark = pytest.mark.django_db

PERIOD_END = date(2026, 10, 31)


def work(worklog, day: str, start: str, minutes: int):
    started = datetime.fromisoformat(f"{day}T{start}:00").replace(tzinfo=UTC)
    segment, _ = services.segment_record(
        worklog=worklog, started_at=started, ended_at=started + timedelta(minutes=minutes)
    )
    return segment


@pytest.fixture
def three_workers():
    """Alice is owed 150.00 USD, Bob -22.43 USD (a deduction beyond his 7.57), Chloé 10.00 EUR."""
    alice = WorkLogFactory(worker=WorkerFactory(name="Alice"), hourly_rate=Decimal("60.00"))
    work(alice, "2026-10-05", "09:00", 150)
    bob = WorkLogFactory(worker=WorkerFactory(name="Bob"), hourly_rate=Decimal("45.39"))
    work(bob, "2026-10-06", "09:00", 10)  # 7.57
    services.adjustment_record(worklog=bob, amount=Decimal("-30.00"), reason="equipment")
    chloe = WorkLogFactory(worker=WorkerFactory(name="Chloé", currency="EUR"), hourly_rate=Decimal("10.00"))
    for start in ("09:00", "09:20", "09:40"):  # 3.33 + 3.34 + 3.33
        work(chloe, "2026-10-07", start, 20)
    return alice.worker, bob.worker, chloe.worker


def run(*args, tty: bool = False) -> tuple[str, str]:
    out, err = io.StringIO(), _Tty() if tty else io.StringIO()
    call_command("run_settlement", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def money_row_count() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (SettlementRun, Remittance, Claim, JournalEntry, Posting))


def test_dry_run_prints_what_would_be_paid_and_writes_nothing(three_workers):
    alice, bob, chloe = three_workers
    before = money_row_count()
    out, _ = run("--period-end", "2026-10-31", "--dry-run")
    assert money_row_count() == before
    assert "Dry run, nothing written. Period end 2026-10-31: would create 2 remittance(s)." in out
    lines = out.splitlines()
    assert any(f"worker {alice.pk:>6}" in line and "150.00 USD" in line for line in lines)
    assert any(f"worker {chloe.pk:>6}" in line and "10.00 EUR" in line for line in lines)
    assert "  EUR 10.00" in lines and "  USD 150.00" in lines
    skipped = lines.index("Skipped, total ≤ 0 (carried forward):")
    assert f"worker {bob.pk:>6}" in lines[skipped + 1] and "-22.43 USD" in lines[skipped + 1]


def test_run_pays_positive_totals_prints_summary_and_carries_the_rest(three_workers):
    alice, bob, chloe = three_workers
    out, err = run("--period-end", "2026-10-31")
    run_row = SettlementRun.objects.get()
    paid = {r.worker_id: r.amount for r in Remittance.objects.filter(run=run_row)}
    assert paid == {alice.pk: Decimal("150.00"), chloe.pk: Decimal("10.00")}
    assert err == ""  # not a terminal: no progress bar
    assert out.splitlines()[0] == f"Run #{run_row.pk}, period end 2026-10-31: 2 remittance(s) created."
    remittance = Remittance.objects.get(worker=alice)
    assert any("150.00 USD" in line and f"(remittance #{remittance.pk})" in line for line in out.splitlines())
    assert "  USD 150.00" in out.splitlines() and "  EUR 10.00" in out.splitlines()
    assert any(f"worker {bob.pk:>6}" in line and "-22.43 USD" in line for line in out.splitlines())
    assert worker_balance(worker=bob)["unremitted"] == Decimal("-22.43")
    assert worker_balance(worker=alice)["pending"] == Decimal("150.00")


def test_rerun_for_the_same_period_creates_nothing_and_succeeds(three_workers, api):
    run("--period-end", "2026-10-31")
    out, _ = run("--period-end", "2026-10-31")
    assert "0 remittance(s) created." in out.splitlines()[0]
    assert "Paid: none." in out and "Total: none." in out
    assert Remittance.objects.count() == 2
    # The same guarantee as the API's generate, whichever runs second.
    response = api.post("/generate-remittances-for-all-users", {"periodEnd": "2026-10-31"}, format="json")
    assert response.status_code == 201 and response.json()["remittanceCount"] == 0


def test_worker_option_is_repeatable_and_limits_the_run(three_workers):
    alice, bob, chloe = three_workers
    out, _ = run("--period-end", "2026-10-31", "--worker", str(bob.pk), "--worker", str(chloe.pk))
    assert set(Remittance.objects.values_list("worker_id", "amount")) == {(chloe.pk, Decimal("10.00"))}
    assert f"worker {alice.pk:>6}" not in out
    assert worker_balance(worker=alice)["unremitted"] == Decimal("150.00")


def test_items_not_due_by_the_period_end_wait(three_workers):
    alice, _, _ = three_workers
    work(alice.worklogs.get(), "2026-11-03", "09:00", 60)  # 60.00, due in November
    run("--period-end", "2026-10-31")
    assert Remittance.objects.get(worker=alice).amount == Decimal("150.00")
    out, _ = run("--period-end", "2026-11-30", "--dry-run")
    assert any(f"worker {alice.pk:>6}" in line and "60.00 USD" in line for line in out.splitlines())


def test_progress_bar_on_a_terminal_only(three_workers):
    _, err = run("--period-end", "2026-10-31", tty=True)
    assert "[" + "#" * 30 + "] 3/3 workers" in err
    _, err = run("--period-end", "2026-11-30")
    assert err == ""


def test_default_period_end_is_the_end_of_last_month(three_workers):
    run()
    assert SettlementRun.objects.get().period_end == default_period_end()


# --- Exit codes and errors, as a shell sees them ------------------------------------------------


@pytest.fixture
def argv(monkeypatch, capsys):
    """Run the command as `manage.py run_settlement ...` does: (exit code, stdout, stderr)."""
    # run_from_argv closes the connections at the end, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def call(*args) -> tuple[int, str, str]:
        try:
            run_settlement.Command().run_from_argv(["manage.py", "run_settlement", *args])
            code = 0
        except SystemExit as exc:
            code = exc.code
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def test_success_exits_zero(three_workers, argv):
    code, out, err = argv("--period-end", "2026-10-31")
    assert (code, err) == (0, "")
    assert "2 remittance(s) created" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period-end", "2026-13-01"], "--period-end must be a date YYYY-MM-DD, not '2026-13-01'."),
        (["--period-end", "31/10/2026"], "--period-end must be a date YYYY-MM-DD, not '31/10/2026'."),
        (["--worker", "abc"], "--worker takes a worker id (a number), got ['abc']."),
        (["--worker", "999999"], "No worker with id 999999."),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(three_workers, argv, args, message):
    before = money_row_count()
    code, out, err = argv(*args)
    assert code == 2
    assert err == f"CommandError: {message}\n"
    assert out == ""
    assert money_row_count() == before


def test_a_failed_run_exits_1_with_one_line(three_workers, argv, monkeypatch):
    def refuse(**kwargs):
        raise Conflict("Another settlement run claimed these workers' items\nat the same time; run it again.")

    monkeypatch.setattr(run_settlement, "settlement_generate", refuse)
    code, out, err = argv("--period-end", "2026-10-31")
    assert (code, out) == (1, "")
    assert err == (
        "CommandError: Settlement failed: Another settlement run claimed these workers' items at the same time; "
        "run it again.\n"
    )
    assert "Traceback" not in err


def test_an_unexpected_error_is_one_line_too(three_workers, argv, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("Remittance 7: claims sum to 10.00, not 12.00.")

    monkeypatch.setattr(run_settlement, "settlement_generate", crash)
    code, _, err = argv("--period-end", "2026-10-31")
    assert code == 1
    assert err == "CommandError: Settlement failed: RuntimeError: Remittance 7: claims sum to 10.00, not 12.00.\n"


def test_a_released_remittance_is_paid_again_by_the_next_run(three_workers):
    alice, _, _ = three_workers
    run("--period-end", "2026-10-31")
    remittance_cancel(remittance=Remittance.objects.get(worker=alice), reason="wrong bank account")
    out, _ = run("--period-end", "2026-10-31")
    live = Remittance.objects.get(worker=alice, status=RemittanceStatus.PENDING)
    assert live.amount == Decimal("150.00")
    assert "1 remittance(s) created" in out.splitlines()[0]
