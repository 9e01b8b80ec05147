"""OpenAPI pieces shared by every app's views (drf-spectacular)."""

from drf_spectacular.utils import OpenApiParameter

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Replays the original answer for a repeat with the same body; another body is 409.",
)
