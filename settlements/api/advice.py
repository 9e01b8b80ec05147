"""`GET /api/remittances/{id}/advice.pdf`: the remittance advice as a PDF (settlements/advice/pdf.py).

Finance staff may read any advice, a worker user their own (another worker's is 404), anyone else
is 403. Errors are JSON whatever the client accepts.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from settlements import selectors
from settlements.advice.pdf import advice_filename, advice_pdf
from settlements.selectors.advice import remittance_advice
from worklogs.api.permissions import IsFinanceOrWorkerReading, viewer_scope


class PDFRenderer(BaseRenderer):
    """Lets content negotiation accept `Accept: application/pdf`; the view writes the body itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else b""


class RemittanceAdvicePDFView(APIView):
    permission_classes = [IsFinanceOrWorkerReading]
    # JSON first, so an error is JSON for any client that accepts it; a PDF client gets JSON errors too.
    renderer_classes = [CamelCaseJSONRenderer, PDFRenderer]

    def handle_exception(self, exc):
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "pdf":
            self.request.accepted_renderer = CamelCaseJSONRenderer()
            self.request.accepted_media_type = CamelCaseJSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="remittances_advice_pdf",
        summary="A remittance's advice as a PDF",
        description=(
            "The remittance's period, each worklog's hours and amount, adjustments and clawbacks with "
            "their reasons, the amount, the destination account's last four characters and the status. "
            "Finance staff: any remittance; a worker user: their own (another worker's is 404)."
        ),
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The advice, one PDF file."),
            403: OpenApiResponse(description="Neither finance staff nor a worker user."),
            404: OpenApiResponse(description="No such remittance, or not yours."),
        },
    )
    def get(self, request, pk: int):
        remittances = selectors.remittance_list(viewer_worker=viewer_scope(request)).select_related("worker")
        advice = remittance_advice(remittance=get_object_or_404(remittances, pk=pk))
        response = HttpResponse(advice_pdf(advice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{advice_filename(advice)}"'
        return response
