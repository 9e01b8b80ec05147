"""The OpenAPI schema tells every status a path can answer, with its body (issue 12, section 3).

drf-spectacular documents the success answers a view declares. `ApiAutoSchema` adds, for every
operation, the errors the API's plumbing gives it, read from the view itself:

- 400 `ValidationError` when the operation reads a body or query parameters (a field, a filter, a
  page, or malformed JSON);
- 401 and 403 `Error` when its permissions need a signed-in user (anonymous or a bad token is 401,
  a role that may not is 403);
- 404 `Error` when the path names an object (unknown, or not yours), or when the list is paged
  (a page past the last one);
- 409 `Error` when the view declares a conflict (`conflict(...)` below) or takes an `Idempotency-Key`;
- 413 and 415 `Error` when the body goes through `api.parsers` (too large; a charset other than UTF-8);
- 414 (gunicorn's own HTML page) when the operation takes query parameters: a request line too long;
- 429 `Error` when the view is throttled.

A status the view documents itself keeps its description; the body shape is added when missing.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.permissions import AllowAny

from api.fields import ID_IN_PATH, MAX_ID
from api.parsers import StrictJSONParser
from api.xml import RawXMLParser

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Replays the original answer for a repeat with the same body; another body is 409.",
)

ERROR_SCHEMA = {
    "type": "object",
    "description": "A refusal: a sentence, and for domain errors a stable code (e.g. `illegal_transition`).",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": 'Bad input: `{"field": ["message", ...]}` per field, or `{"detail": "...", "code": "..."}`.',
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}],
    },
}

# Paging parameters (config/pagination.py) and their lowest value.
PAGE_NUMBERS = {"page": 1, "pageSize": 1, "after": 0, "before": 0}

DESCRIPTIONS = {
    400: "Bad input (a field, a query parameter or the JSON itself); nothing written.",
    401: "No credentials, or a wrong token.",
    403: "Signed in, but this role may not do this.",
    404: "No such object, or not yours (or a page past the last one).",
    409: "Conflicts with the current state; nothing written.",
    413: "The body is larger than the API accepts; nothing written.",
    414: "The request line is longer than the HTTP server accepts (gunicorn's limit); nothing read.",
    415: "The body is not UTF-8 JSON; nothing written.",
    429: "Too many requests; retry later.",
}


def conflict(description: str) -> OpenApiResponse:
    """A view's `409` in `extend_schema(responses=...)`; its body shape is added by `ApiAutoSchema`."""
    return OpenApiResponse(description=description)


class ApiAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            self._tighten(parameter)
        responses = operation.setdefault("responses", {})
        bodies = {
            "Error": self._component("Error", ERROR_SCHEMA),
            "ValidationError": self._component("ValidationError", VALIDATION_ERROR_SCHEMA),
        }
        for status in sorted(self._error_statuses(operation, responses)):
            entry = responses.setdefault(str(status), {})
            if not entry.get("description"):
                entry["description"] = DESCRIPTIONS[status]
            if not entry.get("content") and status == 414:  # answered by gunicorn, before Django
                entry["content"] = {"text/html": {"schema": {"type": "string"}}}
            elif not entry.get("content"):
                body = bodies["ValidationError" if status == 400 else "Error"]
                entry["content"] = {"application/json": {"schema": body}}
        self._csv_as_text(responses)
        return operation

    @staticmethod
    def _tighten(parameter: dict) -> None:
        """Parameter schemas as strict as the API: what it refuses with a 400, the schema refuses too."""
        schema = parameter.get("schema", {})
        if parameter.get("in") == "path" and schema.get("pattern") == f"^{ID_IN_PATH}$":
            # The routers' `[0-9]+` id segment (api/fields.py): an id, not any string of digits.
            parameter["schema"] = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}
        if parameter.get("in") != "query":
            return
        if parameter["name"] in PAGE_NUMBERS:
            schema.update(minimum=PAGE_NUMBERS[parameter["name"]], maximum=MAX_ID)
        elif schema.get("type") == "string" and not (schema.keys() & {"enum", "format"}):
            schema.setdefault("minLength", 1)  # api/filtersets.py: an empty filter is a 400

    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref

    def _error_statuses(self, operation: dict, responses: dict) -> set[int]:
        statuses = {int(code) for code in responses if code.isdigit() and int(code) >= 400}
        parameters = operation.get("parameters", [])
        query = [p for p in parameters if p.get("in") == "query" and p.get("name") != "format"]
        has_body = "requestBody" in operation
        if has_body or query:
            statuses.add(400)
        if query:  # a query string can outgrow the HTTP server's request line
            statuses.add(414)
        permissions = self.view.get_permissions()
        if permissions and not all(isinstance(p, AllowAny) for p in permissions):
            statuses.update((401, 403))
        if "{" in self.path or any(p.get("name") == "page" for p in query):
            statuses.add(404)
        if any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
            statuses.add(409)
        if has_body and any(issubclass(parser, StrictJSONParser | RawXMLParser) for parser in self.view.parser_classes):
            statuses.update((413, 415))
        if self.view.get_throttles():
            statuses.add(429)
        return statuses

    @staticmethod
    def _csv_as_text(responses: dict) -> None:
        """A CSV download is text, not the JSON shape spectacular copies onto every renderer."""
        for entry in responses.values():
            content = entry.get("content", {})
            if "text/csv" in content:
                content["text/csv"] = {"schema": {"type": "string", "description": "CSV, one row per object."}}
