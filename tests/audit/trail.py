"""Reading the audit trail the way finance does: through `GET /api/audit-events/`."""

from audit.models import AuditEvent

EVENTS = "/api/audit-events/"


def trail(api, object_type: str, object_id) -> list[tuple]:
    """(actor, action, changes) of every event of one object, oldest first, as the API answers them."""
    response = api.get(EVENTS, {"objectType": object_type, "objectId": str(object_id), "pageSize": 500})
    assert response.status_code == 200, response.content
    return [(e["actor"], e["action"], e["changes"]) for e in response.json()["results"]]


def last(api, object_type: str, object_id) -> tuple:
    events = trail(api, object_type, object_id)
    assert events, f"no event for {object_type} {object_id}"
    return events[-1]


def actions_recorded() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
