"""`Idempotency-Key` on generate, kept with the run so the run stays chunked, parallel and short-locked.

The generic `api.idempotency.idempotent` commits the key row and the money in one transaction;
for a run that would be one transaction for the whole run (every worker locked until the last chunk,
the chunks one after another). Instead:

1. a repeat whose answer is stored (the key row) gets that status and body again; another body is 409;
2. otherwise the body is validated (a 400 stores nothing), then one short transaction creates the
   run carrying the key (`SettlementRun.idempotency_key`, unique per user) and the key row with no
   answer yet. Of concurrent requests with one key, only one commits it: the others find that run;
3. the run executes like an unkeyed one (the answer is 201, or 202 with `Prefer: respond-async`),
   and the answer is stored in the key row;
4. a repeat that finds the key's run but no stored answer (the first request is still executing it,
   or died) answers as a resume would: 409 `run_in_progress` while another execution holds the run,
   otherwise it finishes the run itself and answers 201 with it.
"""

from collections.abc import Callable
from datetime import date

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from api import idempotency
from api.models import IdempotencyKey
from core.errors import Conflict
from settlements.models import SettlementRun
from settlements.services.runs import settlement_run_create


def generate_with_key(
    request,
    *,
    key: str,
    period_end: Callable[[], date | None],
    answer: Callable[[SettlementRun], Response],
    _retry: bool = True,
) -> Response:
    """`period_end()` validates the body (raising 400); `answer(run)` executes or enqueues the run
    and returns the response to store."""
    fingerprint = idempotency.request_hash(request)
    stored = IdempotencyKey.objects.filter(user=request.user, key=key).first()
    if stored is not None and (stored.request_hash != fingerprint or stored.response_status):
        return idempotency.replay(stored, fingerprint)
    run = SettlementRun.objects.filter(created_by=request.user, idempotency_key=key).first()
    if run is None:
        end = period_end()
        try:
            with transaction.atomic():
                run = settlement_run_create(
                    period_end=end, created_by=request.user, idempotency_key=key, request_hash=fingerprint
                )
                IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    method=request.method,
                    path=request.path[:255],
                    request_hash=fingerprint,
                    response_status=0,
                    response_body={},
                )
        except IntegrityError:
            if not _retry:
                raise
            # A concurrent request with this key committed its run first: answer as a repeat of it.
            return generate_with_key(request, key=key, period_end=period_end, answer=answer, _retry=False)
    elif run.request_hash != fingerprint:
        raise Conflict(
            f"{idempotency.HEADER} {key!r} was already used with a different request.", code="idempotency_key_reused"
        )
    response = answer(run)
    if 200 <= response.status_code < 300:
        IdempotencyKey.objects.filter(user=request.user, key=key, response_status=0).update(
            response_status=response.status_code, response_body=idempotency.stored_body(response)
        )
    return response
