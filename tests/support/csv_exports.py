"""What the CSV export tests share (tests/settlements/test_bank_csv.py, tests/worklogs/test_worklogs_csv.py).

`october_run()` builds their data: three workers (two USD, one EUR) with October work, and the October run.
"""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.http import StreamingHttpResponse

from settlements import services as settlement_services
from tests.support.factories import FinanceUserFactory, WorkerFactory, WorkLogFactory
from worklogs import services


def _work(worklog, *, day: int, minutes: int) -> None:
    start = datetime(2025, 10, day, 9, 0, tzinfo=UTC)
    services.segment_record(worklog=worklog, started_at=start, ended_at=start + timedelta(minutes=minutes))


def csv_rows(response) -> list[list[str]]:
    """The rows of a streamed CSV answer."""
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def october_run() -> dict:
    """Three workers (two USD, one EUR) with October work, and the October run, approved by a finance
    user (four eyes: only an approved run is exported for the bank)."""
    ada = WorkerFactory(name="Ada", email="ada@example.com", external_id="A-1")
    sly = WorkerFactory(name='=HYPERLINK("http://evil")', email="sly@example.com")
    eve = WorkerFactory(name="Eve", email="eve@example.com", currency="EUR", external_id="E-3")
    wl_ada = WorkLogFactory(worker=ada, hourly_rate=Decimal("60.00"), external_id="WL-A")
    wl_sly = WorkLogFactory(worker=sly, hourly_rate=Decimal("45.39"))
    wl_eve = WorkLogFactory(worker=eve, hourly_rate=Decimal("30.00"))
    _work(wl_ada, day=1, minutes=60)  # 60.00
    _work(wl_sly, day=1, minutes=10)  # 7.565 -> 7.57
    _work(wl_eve, day=2, minutes=120)  # 60.00
    run = settlement_services.settlement_generate(period_end=date(2025, 10, 31))
    run = settlement_services.settlement_run_approve(run=run, actor=FinanceUserFactory())
    by_worker = {r.worker_id: r for r in run.remittances.all()}
    return {
        "run": run,
        "workers": (ada, sly, eve),
        "worklogs": (wl_ada, wl_sly, wl_eve),
        "remittances": (by_worker[ada.pk], by_worker[sly.pk], by_worker[eve.pk]),
    }
