"""SEPA credit-transfer files out (`POST /api/settlement-runs/{id}/sepa-files/`, `GET
/api/sepa-files/{id}.xml`) and the bank's payment-status reports in (`POST /api/bank-reports/`).

The file's answer is the XML itself. What the run left out is in `X-Excluded-Remittances`:
`remittanceId=reason` items joined by ", " (reasons `no_destination`, `unconfirmed`, `currency`,
`gateway`), at most `EXCLUDED_HEADER_MAX` of them; `X-Excluded-Remittances-Count` gives how many
there are in all (the file's admin page lists every one).
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import body_of
from api.openapi import conflict
from api.permissions import IsFinanceStaff
from api.xml import XML_MEDIA_TYPE, RawXMLParser, TextXMLParser, XMLRenderer
from settlements.models import SepaFile
from settlements.selectors import run_list
from settlements.services.bank_reports import bank_report_receive
from settlements.services.sepa_files import NothingPayable, sepa_file_create

EXCLUDED_HEADER = "X-Excluded-Remittances"
EXCLUDED_HEADER_MAX = 200


def excluded_headers(excluded: list[dict[str, object]]) -> dict[str, str]:
    items = ", ".join(f"{e['remittanceId']}={e['reason']}" for e in excluded[:EXCLUDED_HEADER_MAX])
    return {EXCLUDED_HEADER: items, f"{EXCLUDED_HEADER}-Count": str(len(excluded))}


def sepa_file_location(file_id: int) -> str:
    return reverse("sepa-file-xml", args=[file_id])


def xml_response(content: bytes, *, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(bytes(content), status=status, content_type=f"{XML_MEDIA_TYPE}; charset=utf-8")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class XMLAnswerView(APIView):
    """Errors are JSON even when the client asked for XML."""

    renderer_classes = [CamelCaseJSONRenderer, XMLRenderer]

    def handle_exception(self, exc):
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "xml":
            self.request.accepted_renderer = CamelCaseJSONRenderer()
            self.request.accepted_media_type = CamelCaseJSONRenderer.media_type
        return super().handle_exception(exc)


XML_FILE = OpenApiResponse(
    OpenApiTypes.BINARY,
    description="The ISO 20022 `pain.001.001.03` file. `Location: /api/sepa-files/{fileId}.xml`; "
    "`X-Excluded-Remittances: 17=unconfirmed, 18=currency` lists what was left out and why "
    "(`no_destination`, `unconfirmed`, `currency`, `gateway`; at most 200, `X-Excluded-Remittances-Count` "
    "is the number in all).",
)


class RunSepaFileView(XMLAnswerView):
    """`POST /api/settlement-runs/{id}/sepa-files/`: the run's next SEPA credit-transfer file."""

    permission_classes = [IsFinanceStaff]

    @extend_schema(
        operation_id="settlement_runs_sepa_files_create",
        request=None,
        responses={
            (201, XML_MEDIA_TYPE): XML_FILE,
            409: conflict(
                "`run_not_approved` (four-eyes approval first), `run_not_completed`, `nothing_payable` (nothing "
                "became payable since the last file; `X-Excluded-Remittances` says why), or `debtor_not_configured` "
                "(PAYOUT_DEBTOR_NAME, _IBAN, _BIC unset)."
            ),
        },
    )
    def post(self, request, pk: int):
        run = get_object_or_404(run_list(), pk=pk)
        try:
            result = sepa_file_create(run=run, actor=request.user)
        except NothingPayable as exc:
            return Response(body_of(exc), status=409, headers=excluded_headers(exc.excluded))
        headers = {"Location": sepa_file_location(result.file.pk), **excluded_headers(result.excluded)}
        return xml_response(result.file.content, status=201, headers=headers)


class SepaFileXMLView(XMLAnswerView):
    """`GET /api/sepa-files/{id}.xml`: the stored bytes of a file, as first answered."""

    permission_classes = [IsFinanceStaff]

    @extend_schema(operation_id="sepa_files_xml", responses={(200, XML_MEDIA_TYPE): XML_FILE})
    def get(self, request, pk: int):
        sepa_file = get_object_or_404(SepaFile.objects.all(), pk=pk)
        return xml_response(sepa_file.content)


class BankReportOutcomeSerializer(serializers.Serializer):
    end_to_end_id = serializers.CharField()
    status = serializers.CharField(help_text="The bank's TxSts: ACSC, ACCC, RJCT, ACTC, ACCP, ACSP, PDNG, ...")
    reason_code = serializers.CharField(help_text="StsRsnInf/Rsn/Cd (for a RJCT), else empty.")
    remittance_id = serializers.IntegerField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=[
            "paid",
            "failed",
            "returned",
            "still_processing",
            "unchanged",
            "unknown_end_to_end_id",
            "unsupported_status",
        ]
    )


class BankReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    message_id = serializers.CharField()
    replayed = serializers.BooleanField(help_text="True when this message id was received before: nothing changed.")
    received_at = serializers.DateTimeField()
    transactions = BankReportOutcomeSerializer(many=True)


class BankReportView(APIView):
    """`POST /api/bank-reports/`: a pain.002.001.03 payment-status report, applied once per message id."""

    permission_classes = [IsFinanceStaff]
    parser_classes = [RawXMLParser, TextXMLParser]

    @extend_schema(
        operation_id="bank_reports_create",
        request={XML_MEDIA_TYPE: OpenApiTypes.BINARY},
        responses={
            201: OpenApiResponse(BankReportSerializer, description="Applied; each transaction's outcome."),
            200: OpenApiResponse(BankReportSerializer, description="A replay: the stored outcomes, nothing changed."),
            400: OpenApiResponse(description="Malformed XML, a DTD or entities, or not a pain.002; nothing written."),
        },
    )
    def post(self, request):
        raw = request.data if isinstance(request.data, bytes) else b""
        result = bank_report_receive(raw_body=raw, actor=request.user)
        report = result.report
        body = {
            "id": report.pk,
            "message_id": report.message_id,
            "replayed": result.replayed,
            "received_at": report.received_at,
            "transactions": report.outcomes,
        }
        return Response(BankReportSerializer(body).data, status=200 if result.replayed else 201)
