"""`Idempotency-Key` for the POSTs that create money (API.md "Idempotency").

The key row and the money it answers for commit in one transaction, so a crash can leave neither
half. A repeat with the same key and body replays the stored status and body; another body is 409.
A request that fails (any 4xx) stores nothing and may be retried.
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


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    raw = f"{request.method}\n{request.path.rstrip('/')}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(stored: IdempotencyKey, request_hash: str) -> Response:
    if stored.request_hash != request_hash:
        raise Conflict(
            f"{HEADER} {stored.key!r} was already used with a different request.", code="idempotency_key_reused"
        )
    response = Response(stored.response_body, status=stored.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(request, handler: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER)
    if not key:
        return handler()
    if len(key) > 255:
        raise InvalidInput(f"{HEADER} is at most 255 characters.")
    request_hash = _request_hash(request)
    try:
        with transaction.atomic():
            stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
            if stored is not None:
                return _replay(stored, request_hash)
            # Claim the key before doing anything: a concurrent request with the same key blocks on
            # the unique index until we commit, then fails with IntegrityError and replays ours.
            record = IdempotencyKey.objects.create(
                user=request.user,
                key=key,
                method=request.method,
                path=request.path[:255],
                request_hash=request_hash,
                response_status=0,
                response_body={},
            )
            response = handler()
            if 200 <= response.status_code < 300:
                record.response_status = response.status_code
                record.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
                record.save(update_fields=["response_status", "response_body"])
            else:
                record.delete()
            return response
    except IntegrityError:
        # A concurrent request with the same key committed first: everything of ours rolled back.
        stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if stored is None:
            raise
        return _replay(stored, request_hash)
