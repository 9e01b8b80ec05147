"""The provider webhook's signature: `X-Payout-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

`v1` is the HMAC-SHA256 of `"{t}.{raw body}"` with any secret of `PAYOUT_WEBHOOK_SECRETS` (all are
accepted, for rotation), compared in constant time; `t` must be within the tolerance of now.
"""

import hashlib
import hmac
import time

from django.conf import settings

from core.errors import Unauthenticated

SIGNATURE_HEADER = "X-Payout-Signature"

# --- Signatures -----------------------------------------------------------------------------


class InvalidSignature(Unauthenticated):
    """A webhook call that is not provably from the provider, or not recent: 401, nothing written."""

    code = "invalid_signature"


def _digest(*, secret: str, timestamp: str, raw_body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()


def sign(*, raw_body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `X-Payout-Signature` value the provider sends: `t=<unix seconds>,v1=<hex>`."""
    t = str(int(time.time()) if timestamp is None else timestamp)
    return f"t={t},v1={_digest(secret=secret, timestamp=t, raw_body=raw_body)}"


def signature_verify(*, raw_body: bytes, header: str | None, now: float | None = None) -> None:
    secrets = settings.PAYOUT_WEBHOOK_SECRETS
    if not secrets:
        raise InvalidSignature("Payout webhooks are not configured (PAYOUT_WEBHOOK_SECRETS is empty).")
    if not header:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header is required.")
    timestamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header must be t=<unix seconds>,v1=<hex>.")
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > settings.PAYOUT_WEBHOOK_TOLERANCE_SECONDS:
        raise InvalidSignature("The signature's timestamp is too far from now.")
    expected = [_digest(secret=secret, timestamp=timestamp, raw_body=raw_body) for secret in secrets]
    # Every comparison is made (constant time each, no early exit on the first secret).
    matches = [hmac.compare_digest(e, s) for e in expected for s in signatures]
    if not any(matches):
        raise InvalidSignature("The signature does not match.")
