"""The finance dashboard: the admin's home page for finance staff (`backoffice.sites`), above the
stock list of models. Every figure is one selector (settlements.selectors.dashboard, the run
preview's `settlement_preview_totals`, ops' last audit), each one query or a fixed few; nothing here
sums money itself."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from backoffice.attention import ATTENTION
from backoffice.charts import Chart, build_chart
from core.money import CENT
from ops.figures import AUDIT_JOB, last_audit
from settlements.selectors import default_period_end, settlement_preview_totals
from settlements.selectors.dashboard import (
    CurrencyMoney,
    owed_by_currency,
    owed_by_month,
    paid_by_month,
    paid_this_and_last_month,
)

MONTHS = 12


@dataclass(frozen=True)
class AttentionRow:
    slug: str
    label: str
    count: int | None  # None: not known yet (no audit has finished)
    url: str
    note: str = ""


def attention_rows() -> list[AttentionRow]:
    rows = [AttentionRow(item.slug, item.label, item.count(), item.url()) for item in ATTENTION]
    audit = last_audit()
    audit_url = f"{reverse('admin:ops_jobrun_changelist')}?{urlencode({'job__exact': AUDIT_JOB})}"
    note = f"finished {audit.finished_at:%Y-%m-%d %H:%M}" if audit and audit.finished_at else "no audit has run yet"
    rows.append(
        AttentionRow(
            "audit-differences",
            "Differences found by the last nightly audit",
            audit.differences if audit else None,
            audit_url,
            note,
        )
    )
    return rows


def dashboard_context(*, today: date | None = None) -> dict[str, Any]:
    owed = owed_by_currency()
    paid = paid_by_month(months=MONTHS, today=today)
    owed_history = owed_by_month(
        months=MONTHS, today=today, owed_now={currency: money.owed for currency, money in owed.items()}
    )
    for currency, (this_month, last_month) in paid_this_and_last_month(paid).items():
        figure = owed.setdefault(currency, CurrencyMoney(currency))
        figure.paid_this_month, figure.paid_last_month = this_month, last_month
    money = [owed[currency] for currency in sorted(owed)]
    charts: list[Chart] = []
    for currency in sorted(paid.values):
        charts.append(
            build_chart(
                slug=f"paid-{currency.lower()}",
                title=f"Paid per month, {currency}",
                what="paid",
                currency=currency,
                months=paid.months,
                values=paid.values[currency],
                kind="bar",
            )
        )
    for currency in sorted(owed_history.values):
        charts.append(
            build_chart(
                slug=f"owed-{currency.lower()}",
                title=f"Owed to workers at each month's end, {currency}",
                what="owed",
                currency=currency,
                months=owed_history.months,
                values=owed_history.values[currency],
                kind="line",
            )
        )
    return {
        "attention": attention_rows(),
        "money": money,
        "next_period_end": default_period_end(today),
        "charts": charts,
        "months": MONTHS,
    }


def next_run_context(*, today: date | None = None) -> dict[str, Any]:
    """The next run's preview (`settlement_preview_totals`, what a dry run would pay now) per
    currency. Its own page, framed by the dashboard: it reads the unsettled items, which grow with
    the month's work, so the dashboard answers without waiting for it."""
    period_end = default_period_end(today)
    preview = settlement_preview_totals(period_end=period_end)
    return {
        "period_end": period_end,
        "rows": [(currency, figure.workers, figure.total.quantize(CENT)) for currency, figure in preview.items()],
    }
