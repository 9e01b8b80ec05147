"""`POST /api/payout-events/`: the payout provider's signed events (`settlements.payouts.events`)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from settlements.payouts.events import OUTCOMES, processor_event_receive
from settlements.payouts.signatures import SIGNATURE_HEADER


class PayoutEventSerializer(serializers.Serializer):
    """The event body, for the schema only: the view verifies and parses the raw bytes itself."""

    id = serializers.CharField(max_length=200, help_text="The provider's unique event id.")
    type = serializers.ChoiceField(choices=["payout.paid", "payout.failed"])
    remittance_id = serializers.IntegerField(required=False, help_text="Ours; or give providerReference.")
    provider_reference = serializers.CharField(required=False, max_length=200)
    occurred_at = serializers.DateTimeField(required=False)
    # The serializer's metaclass takes declared fields out of the class, so `Serializer.data` is not
    # shadowed at run time; mypy sees only the class attribute.
    data = serializers.DictField(required=False, help_text='payout.failed: {"reason": "..."}')  # type: ignore[assignment]


class PayoutEventResultSerializer(serializers.Serializer):
    event_id = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=list(OUTCOMES),
        help_text="What the event did when it was first received.",
    )
    detail = serializers.CharField()
    duplicate = serializers.BooleanField(help_text="True when this event id was already received: nothing changed.")
    remittance_id = serializers.IntegerField(allow_null=True)
    remittance_status = serializers.CharField(allow_null=True)


class PayoutEventView(APIView):
    """No user token: the HMAC signature is the authentication, and it is mandatory."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]  # for the schema: the view reads the raw bytes, never request.data

    @extend_schema(
        operation_id="payout_events_receive",
        summary="Receive a signed payout-provider event",
        description=(
            f"`{SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex>` where v1 = HMAC-SHA256 of `<t>.<raw body>` with "
            "one of the secrets of `PAYOUT_WEBHOOK_SECRETS` (all are accepted, for rotation), and t within "
            "300 s of now; otherwise 401 and nothing is written. A malformed body is 400, nothing written.\n\n"
            "The configured gateway's adapter verifies the signature (`PayoutGateway.parse_event`). Every "
            "accepted event is stored raw under its id and answered 200 with its `outcome`. An event changes only "
            "a remittance that was submitted to that gateway and accepted under the event's `providerReference`: "
            "`applied` (PROCESSING -> PAID / FAILED, or PAID -> RETURNED for a payout.failed that occurred after "
            "the payout.paid, by `occurredAt`, through the same services as finance's actions). Otherwise it is "
            "stored and changes nothing: `not_submitted` (never given to this gateway under that reference, e.g. "
            "a PENDING remittance of the manual gateway), `awaiting_submission` (the submission's answer is not "
            "recorded yet; the event is applied when it is), `unknown_remittance`, or `ignored` (it would move a "
            "remittance backwards, a payout.failed that occurred before the payout.paid, or an unsupported "
            "type). A replayed id answers 200 with `duplicate: true` and the original outcome, and changes "
            "nothing."
        ),
        auth=[],
        request=PayoutEventSerializer,
        parameters=[
            OpenApiParameter(SIGNATURE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=True),
        ],
        responses={
            200: PayoutEventResultSerializer,
            400: OpenApiResponse(description="Malformed body (after a valid signature); nothing written."),
            401: OpenApiResponse(description="Missing, malformed, wrong or stale signature; nothing written."),
        },
        examples=[
            OpenApiExample(
                "payout.failed",
                request_only=True,
                value={
                    "id": "evt_123",
                    "type": "payout.failed",
                    "remittanceId": 42,
                    "providerReference": "po_abc",
                    "occurredAt": "2026-11-02T10:00:00+00:00",
                    "data": {"reason": "Account closed"},
                },
            )
        ],
    )
    def post(self, request):
        receipt = processor_event_receive(raw_body=request.body, headers=request.headers)
        event = receipt.event
        body = {
            "event_id": event.event_id,
            "outcome": event.outcome,
            "detail": event.detail,
            "duplicate": receipt.duplicate,
            "remittance_id": event.remittance_id,
            "remittance_status": receipt.remittance_status,
        }
        return Response(PayoutEventResultSerializer(body).data, status=200)
