"""What needs finance's attention: each item is a count on the dashboard and a filter ("needs
attention") on its model's admin list, both from the same selector queryset, so the number shown and
the list it links to always agree."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import admin
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.http import urlencode

from settlements.selectors import dashboard
from settlements.selectors.operations import payout_submissions_in_doubt

PARAMETER = "attention"


@dataclass(frozen=True)
class Attention:
    slug: str
    label: str
    changelist: str  # the admin URL name of the model's list
    rows: Callable[[], QuerySet]

    def count(self) -> int:
        return self.rows().count()

    def url(self) -> str:
        return f"{reverse(self.changelist)}?{urlencode({PARAMETER: self.slug})}"


def _disputed_segments() -> QuerySet:
    days = settings.DASHBOARD_DISPUTE_AGE_DAYS
    return dashboard.segments_disputed_before(cutoff=dashboard.dispute_cutoff(days=days))


ATTENTION: list[Attention] = [
    Attention(
        "awaiting-approval",
        "Settlement runs awaiting approval (by someone other than their creator)",
        "admin:settlements_settlementrun_changelist",
        dashboard.runs_awaiting_approval,
    ),
    Attention(
        "payee-unconfirmed",
        "Payee bank details awaiting confirmation (by a second finance user)",
        "admin:settlements_payoutdestination_changelist",
        dashboard.payee_changes_awaiting_confirmation,
    ),
    Attention(
        "failed-not-repaid",
        "Failed and returned payouts not yet paid again",
        "admin:settlements_remittance_changelist",
        dashboard.remittances_failed_not_repaid,
    ),
    Attention(
        "in-doubt",
        "Payout submissions in doubt (reconcile with the provider)",
        "admin:settlements_payoutsubmission_changelist",
        payout_submissions_in_doubt,
    ),
    Attention(
        "stalled-or-failed",
        "Settlement runs stalled or failed (resume them)",
        "admin:settlements_settlementrun_changelist",
        dashboard.runs_stalled_or_failed,
    ),
    Attention(
        "disputed-old",
        f"Segments disputed for more than {settings.DASHBOARD_DISPUTE_AGE_DAYS} days",
        "admin:worklogs_segment_changelist",
        _disputed_segments,
    ),
    Attention(
        "advice-skipped",
        "Advice e-mails skipped (worker without an e-mail address)",
        "admin:settlements_adviceemail_changelist",
        dashboard.advice_emails_skipped,
    ),
    Attention(
        "advice-failing",
        "Advice e-mails failing (the mail server refused or was down)",
        "admin:settlements_adviceemail_changelist",
        dashboard.advice_emails_failing,
    ),
]


def attention_filter(model: type[Model]) -> type[admin.SimpleListFilter]:
    """The "needs attention" list filter of `model`'s admin: the items whose list is that model's."""
    items = [item for item in ATTENTION if item.changelist.endswith(f"_{model._meta.model_name}_changelist")]

    class AttentionFilter(admin.SimpleListFilter):
        title = "needs attention"
        parameter_name = PARAMETER

        def lookups(self, request, model_admin):
            return [(item.slug, item.label) for item in items]

        def queryset(self, request, queryset):
            for item in items:
                if self.value() == item.slug:
                    return queryset.filter(pk__in=item.rows().values("pk"))
            return queryset

    return AttentionFilter
