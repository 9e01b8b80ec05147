"""A worker's payout destination (bank details) and its confirmation by a second finance user.

`GET` and `PUT /api/workers/{id}/payout-destination/` (finance, or the worker user for their own:
another worker's is 404); `POST .../confirm/` (finance, not the user who entered it).
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api.openapi import conflict
from api.permissions import IsFinanceStaff
from settlements.models import PayoutDestination
from settlements.selectors.payees import payee_hold_reason, payout_destination_current
from settlements.services.payees import payout_destination_confirm, payout_destination_set
from settlements.tasks import payouts_submit_for_worker_after_commit
from worklogs.api.permissions import IsFinanceOrWorker, viewer_scope
from worklogs.selectors import worker_list


class PayoutDestinationInputSerializer(serializers.Serializer):
    """Checked by the service (schwifty): here only their presence and type."""

    account_holder = serializers.CharField(max_length=200, trim_whitespace=False)
    iban = serializers.CharField(max_length=100, trim_whitespace=False)
    bic = serializers.CharField(max_length=100, required=False, allow_blank=True, default="", trim_whitespace=False)


class PayoutDestinationSerializer(serializers.ModelSerializer):
    worker_id = serializers.IntegerField(read_only=True)
    confirmed = serializers.BooleanField(read_only=True)
    entered_by = serializers.SerializerMethodField()
    confirmed_by = serializers.SerializerMethodField()

    class Meta:
        model = PayoutDestination
        fields = [
            "id",
            "worker_id",
            "account_holder",
            "iban",
            "bic",
            "confirmed",
            "entered_by",
            "entered_at",
            "confirmed_by",
            "confirmed_at",
        ]

    def get_entered_by(self, obj: PayoutDestination) -> str | None:
        """The username of who entered it (null: the system)."""
        return obj.entered_by.get_username() if obj.entered_by else None

    def get_confirmed_by(self, obj: PayoutDestination) -> str | None:
        """The username of the finance user who confirmed it (null: not confirmed)."""
        return obj.confirmed_by.get_username() if obj.confirmed_by else None


def _worker(request, pk: int):
    return get_object_or_404(worker_list(viewer_worker=viewer_scope(request)), pk=pk)


def _answer(destination: PayoutDestination) -> Response:
    destination = payout_destination_current(worker_id=destination.worker_id) or destination
    return Response(PayoutDestinationSerializer(destination).data)


class PayoutDestinationView(APIView):
    permission_classes = [IsFinanceOrWorker]

    @extend_schema(responses={200: PayoutDestinationSerializer})
    def get(self, request, pk: int):
        """The worker's current payout destination; 404 when it has none."""
        worker = _worker(request, pk)
        destination = payout_destination_current(worker_id=worker.pk)
        if destination is None:
            raise NotFound("This worker has no payout destination.", code="no_destination")
        return Response(PayoutDestinationSerializer(destination).data)

    @extend_schema(request=PayoutDestinationInputSerializer, responses={200: PayoutDestinationSerializer})
    def put(self, request, pk: int):
        """Enter or change the bank details: unconfirmed (payouts held) until a second finance user confirms."""
        worker = _worker(request, pk)
        data = PayoutDestinationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _answer(payout_destination_set(worker=worker, actor=request.user, **data.validated_data))


class PayoutDestinationConfirmView(APIView):
    permission_classes = [IsFinanceStaff]

    @extend_schema(
        request=None,
        responses={
            200: PayoutDestinationSerializer,
            409: conflict("No unconfirmed destination to confirm (`nothing_to_confirm`)."),
        },
    )
    def post(self, request, pk: int):
        """Confirm the current bank details (403 `same_user` for whoever entered them); held payouts go out."""
        worker = _worker(request, pk)
        destination = payout_destination_confirm(worker=worker, actor=request.user)
        if payee_hold_reason(worker_id=worker.pk) is None:
            payouts_submit_for_worker_after_commit(worker_id=worker.pk)
        return _answer(destination)
