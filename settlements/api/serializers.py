from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import DayField, MoneyDigits
from settlements.models import APPROVAL_STATES, RUN_STALLED, Remittance, RunStatus, SettlementRun
from worklogs.api.serializers import ReasonSerializer

MONEY: MoneyDigits = {"max_digits": 14, "decimal_places": 2}

__all__ = ["ReasonSerializer"]


class RemittanceWorklogSerializer(serializers.Serializer):
    worklog_id = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class RemittanceSerializer(serializers.ModelSerializer):
    """`worklogs` comes from the context (`worklog_amounts`: {remittance id: [...]}), one query a page."""

    run_id = serializers.IntegerField(read_only=True)
    worker_id = serializers.IntegerField(read_only=True)
    worklogs = serializers.SerializerMethodField()

    class Meta:
        model = Remittance
        fields = [
            "id",
            "run_id",
            "worker_id",
            "period_end",
            "amount",
            "currency",
            "status",
            "created_at",
            "status_changed_at",
            "status_reason",
            "provider_reference",
            "worklogs",
        ]

    @extend_schema_field(RemittanceWorklogSerializer(many=True))
    def get_worklogs(self, remittance) -> list[dict]:
        rows = self.context["worklog_amounts"].get(remittance.pk, [])
        return RemittanceWorklogSerializer(rows, many=True).data  # type: ignore[return-value]  # stubs: many=True builds a ListSerializer (data is a list)


class SettlementRunListSerializer(serializers.ModelSerializer):
    """A run in a list: its count and totals, without its remittances (`/api/remittances/?runId=`).

    A payroll run holds one remittance per worker (10,000 of them): embedding them in every row of
    a list would make a page cost as much as its runs' remittances. `summaries` in the context is
    `selectors.runs_summaries` for the runs serialized.
    """

    remittance_count = serializers.SerializerMethodField()
    totals = serializers.SerializerMethodField()
    status = serializers.ChoiceField(
        choices=[*RunStatus.values, RUN_STALLED],
        source="shown_status",
        read_only=True,
        help_text="QUEUED, RUNNING, COMPLETED or FAILED; STALLED is a RUNNING run whose execution died (its lease "
        "expired without renewal): resume it.",
    )
    lease_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="While RUNNING: until when its execution holds the run (renewed by every chunk); null otherwise.",
    )
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who started the run; null for the system (`manage.py run_settlement`, a schedule).",
    )
    approval_required = serializers.BooleanField(
        read_only=True,
        help_text="Four-eyes approval (SETTLEMENT_APPROVAL_REQUIRED when the run was created): its payouts are "
        "submitted and exported only once a finance user other than its creator approves it.",
    )
    approval_state = serializers.ChoiceField(
        choices=list(APPROVAL_STATES),
        read_only=True,
        help_text="`pending` (awaiting approval: its remittances stay PENDING, nothing is sent), `approved`, "
        "`rejected` (its PENDING remittances were cancelled), or `not_required`.",
    )
    approved_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    approved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    rejected_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    rejected_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = SettlementRun
        fields = [
            "id",
            "period_end",
            "status",
            "created_at",
            "finished_at",
            "workers_total",
            "workers_done",
            "lease_expires_at",
            "remittance_count",
            "totals",
            "created_by",
            "approval_required",
            "approval_state",
            "approved_by",
            "approved_at",
            "rejected_by",
            "rejected_at",
            "rejection_reason",
        ]

    def get_remittance_count(self, run) -> int:
        return self.context["summaries"][run.pk][0]

    def get_totals(self, run) -> dict[str, str]:
        return {currency: f"{total:.2f}" for currency, total in self.context["summaries"][run.pk][1].items()}


class SettlementRunSerializer(SettlementRunListSerializer):
    """A run with its totals per currency and the remittances it created (from the context)."""

    remittances = serializers.SerializerMethodField()

    class Meta(SettlementRunListSerializer.Meta):
        fields = [*SettlementRunListSerializer.Meta.fields, "remittances"]

    @extend_schema_field(RemittanceSerializer(many=True))
    def get_remittances(self, run) -> list[dict]:
        return RemittanceSerializer(self.context["remittances"], many=True, context=self.context).data  # type: ignore[return-value]  # stubs: many=True builds a ListSerializer (data is a list)


class GenerateSerializer(serializers.Serializer):
    period_end = DayField(required=False, allow_null=True, default=None)


class MarkPaidSerializer(serializers.Serializer):
    provider_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class BalanceSerializer(serializers.Serializer):
    worker_id = serializers.IntegerField()
    currency = serializers.CharField()
    unremitted = serializers.DecimalField(**MONEY)
    pending = serializers.DecimalField(**MONEY)
    remitted = serializers.DecimalField(**MONEY)
