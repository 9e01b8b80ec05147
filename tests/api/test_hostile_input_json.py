"""Hostile input, JSON itself: values Python's parser reads but JSON does not allow (NaN, overflow, lone
surrogates, deep nesting), bodies that are not JSON, other charsets and oversized bodies are refused on
every endpoint that reads a body, and by the payout webhook even with a valid signature; a well-formed
body still works. The shared world and endpoint table: tests/support/hostile_input.py.
"""

import json

import pytest

from settlements.payouts.signatures import sign
from tests.support.hostile_input import (
    ENDPOINT_NAMES,
    all_counts,
    check_status,
    endpoints,
    hostile_world,
    raw_json,
)

pytestmark = pytest.mark.django_db

WEBHOOK_SECRET = "hostile-input-secret"


@pytest.fixture
def world(api):
    """A worker with a worklog, an ACTIVE and a DISPUTED segment, a PENDING remittance; a free task."""
    return hostile_world(api)


# (name, raw JSON value for a field): refused by the parser wherever it appears.
JSON_VALUES = [
    ("NaN", "NaN"),
    ("Infinity", "Infinity"),
    ("-Infinity", "-Infinity"),
    ("overflow", "1e400"),
    ("negative overflow", "-1e400"),
    ("lone high surrogate", '"\\ud800"'),
    ("lone low surrogate", '"a\\udfffb"'),
    ("NUL", '"a\\u0000b"'),
    ("surrogate in a nested key", '{"\\ud800": 1}'),
    ("4,301-digit integer", "9" * 4301),
    ("nested 33 deep", "[" * 33 + "]" * 33),
    ("nested 100,000 deep", "[" * 100_000 + "]" * 100_000),
]
# (name, raw body bytes) that are not JSON at all.
RAW_BODIES = [
    ("truncated", b'{"a": '),
    ("latin-1 bytes", b'{"title": "caf\xe9"}'),
    ("UTF-8 BOM", b'\xef\xbb\xbf{"title": "x"}'),
    ("trailing garbage", b'{"title": "x"} x'),
]
CHARSETS = ["rot13", "latin-1", "utf-16", "bz2_codec", "no-such-charset"]


@pytest.mark.parametrize("endpoint", ENDPOINT_NAMES)
def test_json_that_python_reads_but_json_does_not_allow_is_400_everywhere(api, world, endpoint, settings):
    method, path, body = endpoints(world)[endpoint]
    api.raise_request_exception = False
    before, failures = all_counts(), []
    for name, literal in JSON_VALUES:
        response = getattr(api, method)(path, data=raw_json(body, literal), content_type="application/json")
        check_status(failures, name, response, 400)
    for name, raw in RAW_BODIES:
        response = getattr(api, method)(path, data=raw, content_type="application/json")
        check_status(failures, name, response, 400)
    for charset in CHARSETS:
        response = getattr(api, method)(
            path, data=json.dumps(body), content_type=f"application/json; charset={charset}"
        )
        check_status(failures, f"charset={charset}", response, 415)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = getattr(api, method)(path, data=raw_json(body, json.dumps("x" * 2000)), content_type="application/json")
    check_status(failures, "body over the size limit", response, 413)
    assert not failures, "\n".join(failures)
    assert all_counts() == before


def test_a_well_formed_body_still_works_on_every_endpoint(api, world):
    """The other side of the table above: the same endpoints accept their valid body (UTF-8 named or not)."""
    for name, (method, path, body) in endpoints(world).items():
        content_type = "application/json; charset=UTF-8" if name.endswith("create") else "application/json"
        response = getattr(api, method)(path, data=json.dumps(body), content_type=content_type)
        # 2xx, or 409 where an earlier call of this loop moved the same segment or remittance on.
        assert response.status_code in (200, 201, 409), (name, response.status_code, response.content)


@pytest.fixture
def signed(settings):
    settings.PAYOUT_WEBHOOK_SECRETS = [WEBHOOK_SECRET]

    def deliver(client, raw: bytes):
        header = sign(raw_body=raw, secret=WEBHOOK_SECRET)
        return client.post(
            "/api/payout-events/", data=raw, content_type="application/json", HTTP_X_PAYOUT_SIGNATURE=header
        )

    return deliver


def test_the_webhook_refuses_the_same_json_with_a_valid_signature(anon_client, world, signed):
    body = {"id": "evt-hostile", "type": "payout.paid", "remittanceId": world["remittance"]["id"]}
    before, failures = all_counts(), []
    for name, literal in JSON_VALUES:
        check_status(failures, name, signed(anon_client, raw_json(body, literal).encode()), 400)
    for name, literal in [("fractional id", "1.5"), ("boolean id", "true"), ("Arabic-Indic id", '"\\u0661"')]:
        raw = json.dumps({"remittanceId": 0, "id": "evt-x", "type": "payout.paid"}).replace("0", literal, 1)
        check_status(failures, name, signed(anon_client, raw.encode()), 400)
    for name, raw in RAW_BODIES:
        check_status(failures, name, signed(anon_client, raw), 400)
    assert not failures, "\n".join(failures)
    assert all_counts() == before
