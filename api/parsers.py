"""Strict JSON for every request body: what Python's `json` lets through is a 400 here, never a 500.

Python's `json` reads `NaN` and `Infinity` (not JSON), turns `1e400` into an infinite float, recurses
once per nesting level (a body of 100,000 `[` is a RecursionError), keeps lone surrogates
(`"\\ud800"`, which no UTF-8 column can store) and NUL characters (which PostgreSQL text cannot
hold). DRF also reads a body of any size from the stream, and decodes it with whatever charset the
Content-Type names. Here:

- a body is UTF-8 (RFC 8259); another charset is 415;
- at most `settings.DATA_UPLOAD_MAX_MEMORY_SIZE` bytes (the import endpoint sets its own limit); more is 413;
- `NaN`, `Infinity`, `-Infinity` are refused; a number beyond a float's range is refused, or with
  `exact_numbers` read as an exact `Decimal` (the import, which reports a huge rate per record);
- at most `MAX_DEPTH` levels of arrays and objects;
- no lone surrogate and no NUL in any string or key (the import lets them through to report them per record).
"""

from django.conf import settings
from django.utils.http import parse_header_parameters
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import underscoreize
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType
from rest_framework.parsers import BaseParser

from core.strict_json import JSONRefused, strict_json_loads

DEFAULT_MAX_BYTES = 2_621_440  # Django's default DATA_UPLOAD_MAX_MEMORY_SIZE, when the setting is None
UTF8_NAMES = {"utf-8", "utf8"}


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def read_body(stream, *, limit: int) -> bytes:
    """At most `limit` bytes of the body; 413 beyond (the whole body is never held when too large)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(65536, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")


def check_charset(media_type: str | None) -> None:
    """A JSON body is UTF-8: any other charset named in the Content-Type is 415."""
    _, params = parse_header_parameters(media_type or "")
    charset = params.get("charset")
    if charset is not None and charset.strip().lower() not in UTF8_NAMES:
        raise UnsupportedMediaType(
            media_type or "", detail=f"Unsupported charset {charset[:40]!r}: JSON bodies are UTF-8."
        )


class StrictJSONParser(BaseParser):
    """`strict_json_loads` behind DRF's parser interface."""

    media_type = "application/json"
    exact_numbers = False
    allow_unstorable = False

    def max_bytes(self) -> int:
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or DEFAULT_MAX_BYTES

    def loads(self, raw: bytes):
        return strict_json_loads(raw, exact_numbers=self.exact_numbers, allow_unstorable=self.allow_unstorable)

    def parse(self, stream, media_type=None, parser_context=None):
        check_charset(media_type)
        raw = read_body(stream, limit=self.max_bytes()) if stream is not None else b""
        try:
            return self.loads(raw)
        except JSONRefused as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


class CamelCaseStrictJSONParser(StrictJSONParser):
    """The API's parser: strict JSON, camelCase keys turned into snake_case."""

    def loads(self, raw: bytes):
        return underscoreize(super().loads(raw), **camel_settings.JSON_UNDERSCOREIZE)
