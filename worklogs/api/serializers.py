"""Input and output shapes of the worklogs API. Keys are snake_case here and camelCase on the wire."""

from django.utils import timezone
from rest_framework import serializers

from api.fields import DayField, ExternalIdField, MoneyDigits, MoneyInputField, OffsetDateTimeField, RelatedIdField
from core.money import format_money
from worklogs.models import Adjustment, Segment, Task, Worker, WorkLog, WorkLogRemittanceStatus, remittance_status_of

MONEY: MoneyDigits = {"max_digits": 14, "decimal_places": 2}


# --- Output ---------------------------------------------------------------------------------


class WorkerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Worker
        fields = ["id", "name", "email", "currency", "external_id", "created_at"]


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "external_id"]


class WorkLogSerializer(serializers.ModelSerializer):
    worker_id = serializers.IntegerField(read_only=True)
    task_id = serializers.IntegerField(read_only=True)
    amount = serializers.DecimalField(read_only=True, **MONEY)
    remitted_amount = serializers.DecimalField(read_only=True, **MONEY)
    unremitted_amount = serializers.DecimalField(read_only=True, **MONEY)
    remittance_status = serializers.ChoiceField(choices=WorkLogRemittanceStatus.choices, read_only=True)

    class Meta:
        model = WorkLog
        fields = [
            "id",
            "worker_id",
            "task_id",
            "hourly_rate",
            "currency",
            "amount",
            "remitted_amount",
            "unremitted_amount",
            "remittance_status",
            "external_id",
            "created_at",
        ]


# The columns a list page reads, in `worklog_rows`' order: plain tuples, no model instances.
WORKLOG_ROW_COLUMNS = (
    "id",
    "worker_id",
    "task_id",
    "hourly_rate",
    "currency",
    "amount",
    "remitted_amount",
    "item_count",
    "paid_item_count",
    "external_id",
    "created_at",
)


def _iso(value, zone) -> str:
    """DRF's DateTimeField output: in the current time zone (`TIME_ZONE`, looked up once a page), `Z` for UTC."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def worklog_rows(rows) -> list[dict]:
    """The list pages' WorkLog representation from `WORKLOG_ROW_COLUMNS` tuples, camelCase, built directly.

    A page of 100 worklogs through model instances, DRF's per-field machinery and the camelCase
    renderer's recursive walk cost most of a list request (docs/PERFORMANCE.md); this builds the
    same JSON in a fraction of that. `tests/worklogs/test_list_worklogs.py` checks it equals the
    serializer's output.
    """
    zone = timezone.get_current_timezone()
    return [
        {
            "id": pk,
            "workerId": worker_id,
            "taskId": task_id,
            "hourlyRate": format_money(rate),
            "currency": currency,
            "amount": format_money(amount),
            "remittedAmount": format_money(remitted),
            "unremittedAmount": format_money(amount - remitted),
            "remittanceStatus": remittance_status_of(item_count=item_count, paid_item_count=paid_count),
            "externalId": external_id,
            "createdAt": _iso(created_at, zone),
        }
        for (
            pk,
            worker_id,
            task_id,
            rate,
            currency,
            amount,
            remitted,
            item_count,
            paid_count,
            external_id,
            created_at,
        ) in rows
    ]


class SegmentSerializer(serializers.ModelSerializer):
    worklog_id = serializers.IntegerField(read_only=True)
    amount = serializers.DecimalField(source="earning_amount", read_only=True, **MONEY)
    replaces_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Segment
        fields = [
            "id",
            "worklog_id",
            "started_at",
            "ended_at",
            "hourly_rate",
            "amount",
            "status",
            "work_date",
            "external_id",
            "note",
            "dispute_reason",
            "replaces_id",
            "created_at",
        ]


class AdjustmentSerializer(serializers.ModelSerializer):
    worklog_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Adjustment
        fields = ["id", "worklog_id", "amount", "reason", "effective_date", "external_id", "created_at"]


# --- Input ----------------------------------------------------------------------------------


def external_id_field(model) -> ExternalIdField:
    """The source's own id of a row (unique per kind, as long as the column): optional, never blank."""
    max_length = model._meta.get_field("external_id").max_length
    return ExternalIdField(max_length=max_length, required=False, allow_null=True, default=None)


class WorkerCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    currency = serializers.CharField(max_length=3, required=False, default="USD")
    external_id = external_id_field(Worker)


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    external_id = external_id_field(Task)


class WorkLogCreateSerializer(serializers.Serializer):
    worker_id = RelatedIdField(Worker.objects.all(), source="worker")
    task_id = RelatedIdField(Task.objects.all(), source="task")
    hourly_rate = MoneyInputField()
    external_id = external_id_field(WorkLog)


class WorkLogRateSerializer(serializers.Serializer):
    hourly_rate = MoneyInputField()


class SegmentCreateSerializer(serializers.Serializer):
    started_at = OffsetDateTimeField()
    ended_at = OffsetDateTimeField()
    external_id = serializers.CharField(max_length=200, required=False, allow_null=True, allow_blank=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    """A reason: required, non-blank. The views check the object's state (409) before they validate a body."""

    reason = serializers.CharField()


class EffectiveDateSerializer(serializers.Serializer):
    effective_date = DayField(required=False, allow_null=True, default=None)


class SegmentRemoveSerializer(ReasonSerializer, EffectiveDateSerializer):
    pass


class SegmentResolveSerializer(EffectiveDateSerializer):
    resolution = serializers.ChoiceField(choices=["ACCEPT", "REMOVE"])


class SegmentAdjustSerializer(ReasonSerializer, EffectiveDateSerializer):
    started_at = OffsetDateTimeField()
    ended_at = OffsetDateTimeField()


class AdjustmentCreateSerializer(ReasonSerializer, EffectiveDateSerializer):
    worklog_id = RelatedIdField(WorkLog.objects.all(), source="worklog")
    amount = MoneyInputField()
    external_id = serializers.CharField(required=False, allow_null=True, default=None, max_length=200)
