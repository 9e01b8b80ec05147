"""XML bodies, on the few endpoints that speak it (SEPA files out, bank reports in); JSON elsewhere.

`XMLRenderer` only lets content negotiation accept `Accept: application/xml`: the views answer
the stored bytes themselves, and errors stay JSON (`JSONErrorsMixin`). `RawXMLParser` hands the
view the body's bytes, at most `DATA_UPLOAD_MAX_MEMORY_SIZE` (413 beyond), for the domain to parse
with its hardened parser; only views that name it in `parser_classes` accept `application/xml`,
every other view answers 415 to it.
"""

import json

from django.conf import settings
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer

from api.parsers import DEFAULT_MAX_BYTES, read_body

XML_MEDIA_TYPE = "application/xml"


class XMLRenderer(BaseRenderer):
    media_type = XML_MEDIA_TYPE
    format = "xml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only reached for an answer a view did not write itself (errors are switched to JSON).
        return json.dumps(data, default=str).encode()


class RawXMLParser(BaseParser):
    media_type = XML_MEDIA_TYPE

    # `request.data` is the raw bytes here, not a mapping: the view hands them to the domain's parser.
    def parse(self, stream, media_type=None, parser_context=None) -> bytes:  # type: ignore[override]
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or DEFAULT_MAX_BYTES
        return read_body(stream, limit=limit) if stream is not None else b""


class TextXMLParser(RawXMLParser):
    """`text/xml`, the older name some banks' tools still send."""

    media_type = "text/xml"
