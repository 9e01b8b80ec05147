"""The remittance transitions the system makes are in the audit trail too, with actor null: the payout
outbox submitting a payout (PENDING -> PROCESSING) and the provider's signed event settling it."""

import pytest

from tests.audit.trail import trail
from tests.support.api_helpers import generate, get_remittance, new_worklog, record, remittance_of, ts

pytestmark = pytest.mark.django_db


def test_the_outbox_and_the_providers_event_are_recorded_as_the_systems(
    api, simulated, django_capture_on_commit_callbacks
):
    worklog = new_worklog(api, rate="10.00")
    record(api, worklog["id"], ts("2024-10-03"), 90)
    with django_capture_on_commit_callbacks(execute=True):
        run = generate(api, "2024-10-31")
    remittance = get_remittance(api, remittance_of(run, worklog["workerId"])["id"])
    reference = remittance["providerReference"]
    assert (remittance["status"], reference[:3]) == ("PAID", "sim")
    assert trail(api, "remittance", remittance["id"]) == [
        (
            None,
            "remittance.marked_processing",
            {"status": ["PENDING", "PROCESSING"], "providerReference": ["", reference]},
        ),
        (None, "remittance.marked_paid", {"status": ["PROCESSING", "PAID"]}),
    ]
