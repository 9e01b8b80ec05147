"""`Idempotency-Key` for the POSTs that create money (API.md "Idempotency").

The key row and the money it answers for commit in one transaction, so a crash can leave neither
half. A repeat with the same key and body replays the stored status and body; another body is 409.
A request that fails (any 4xx) stores nothing and may be retried.

Generate cannot be one transaction (a run commits chunk by chunk): it keeps its key with its run
and uses the pieces below (`settlements.keyed_generate`). Its key row is written with the run and
no answer yet (`response_status` 0), then answered when the run has answered.
"""

import hashlib
import json
from collections.abc import Callable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework.response import Response

from api.models import IdempotencyKey
from core.errors import Conflict, InvalidInput

HEADER = "Idempotency-Key"


def request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    raw = f"{request.method}\n{request.path.rstrip('/')}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def replay(stored: IdempotencyKey, request_hash: str) -> Response:
    if stored.request_hash != request_hash:
        raise Conflict(
            f"{HEADER} {stored.key!r} was already used with a different request.", code="idempotency_key_reused"
        )
    if not stored.response_status:  # a keyed generate still executing: only generate writes such rows
        raise Conflict(f"The request with {HEADER} {stored.key!r} is still in progress.", code="request_in_progress")
    response = Response(stored.response_body, status=stored.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def request_key(request) -> str | None:
    """The request's key, or None without one; a key too long for the table is 400."""
    key = request.headers.get(HEADER)
    if key and len(key) > 255:
        raise InvalidInput(f"{HEADER} is at most 255 characters.")
    return key or None


def stored_body(response: Response):
    return json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))


def idempotent(request, handler: Callable[[], Response]) -> Response:
    key = request_key(request)
    if not key:
        return handler()
    fingerprint = request_hash(request)
    try:
        with transaction.atomic():
            stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if stored is not None:
                return replay(stored, fingerprint)
            # Claim the key before doing anything: a concurrent request with the same key blocks on
            # the unique index until we commit, then fails with IntegrityError and replays ours.
            record = IdempotencyKey.objects.create(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path[:255],
                request_hash=fingerprint,
                response_status=0,
                response_body={},
            )
            response = handler()
            if 200 <= response.status_code < 300:
                record.response_status = response.status_code
                record.response_body = stored_body(response)
                record.save(update_fields=["response_status", "response_body"])
            else:
                record.delete()
            return response
    except IntegrityError:
        # A concurrent request with the same key committed first: everything of ours rolled back.
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is None:
            raise
        return replay(stored, fingerprint)
