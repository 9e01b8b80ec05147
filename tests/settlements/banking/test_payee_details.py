"""A worker's payout destination: validated with schwifty, entered by one user, confirmed by another."""

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from settlements.models import PayoutDestination
from settlements.services.payees import payout_destination_confirm, payout_destination_set
from tests.settlements.banking.helpers import DE_BIC, DE_IBAN, FR_IBAN, confirm, destination
from tests.support.api_helpers import create_worker
from tests.support.factories import FinanceUserFactory, UserFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def test_lowercase_and_spaces_are_normalised(api):
    worker = create_worker(api, currency="EUR")
    response = destination(api, worker["id"], iban="de89 3704 0044 0532 0130 00", bic="cobadeff", holder="  Ada   L ")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["iban"], body["bic"], body["accountHolder"]) == (DE_IBAN, "COBADEFF", "Ada L")
    assert body["confirmed"] is False
    assert body["enteredBy"] == api.user.username
    assert body["confirmedBy"] is None and body["confirmedAt"] is None
    assert api.get(f"/api/workers/{worker['id']}/payout-destination/").json() == body


@pytest.mark.parametrize(
    ("iban", "bic", "field", "reason"),
    [
        ("DE88370400440532013000", DE_BIC, "iban", "Invalid checksum digits"),
        ("DE8937040044053201300", DE_BIC, "iban", "Invalid IBAN length"),  # 21 characters, Germany has 22
        ("XX89370400440532013000", DE_BIC, "iban", "Unknown country-code"),
        ("", DE_BIC, "iban", "may not be blank"),
        (DE_IBAN, "COBADE", "bic", "Invalid length"),
        (DE_IBAN, "12345678", "bic", "Invalid structure"),
        (DE_IBAN, "COBAXXFF", "bic", "Invalid country code"),
    ],
)
def test_bad_bank_details_are_400_with_the_reason_and_write_nothing(api, iban, bic, field, reason):
    worker = create_worker(api, currency="EUR")
    response = destination(api, worker["id"], iban=iban, bic=bic)
    assert response.status_code == 400, response.content
    assert reason in " ".join(response.json()[field])
    assert not PayoutDestination.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="worker.payout_destination").exists()


def test_the_user_who_entered_it_cannot_confirm_and_another_finance_user_can(api, make_client):
    worker = create_worker(api, currency="EUR")
    destination(api, worker["id"])
    same = confirm(api, worker["id"])
    assert same.status_code == 403
    assert same.json()["code"] == "same_user"
    second = make_client(FinanceUserFactory(username="second"))
    response = confirm(second, worker["id"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["confirmed"], body["enteredBy"], body["confirmedBy"]) == (True, api.user.username, "second")
    assert body["confirmedAt"] is not None
    again = confirm(second, worker["id"])
    assert (again.status_code, again.json()["code"]) == (409, "nothing_to_confirm")


def test_confirm_with_nothing_entered_is_409(api, make_client):
    worker = create_worker(api, currency="EUR")
    assert confirm(make_client(FinanceUserFactory()), worker["id"]).status_code == 409
    assert api.get(f"/api/workers/{worker['id']}/payout-destination/").status_code == 404


def test_a_change_is_a_new_unconfirmed_row_and_history_is_kept(api, make_client):
    worker = create_worker(api, currency="EUR")
    destination(api, worker["id"])
    confirm(make_client(FinanceUserFactory()), worker["id"])
    # The same values again change nothing (no row, the confirmation stays).
    assert destination(api, worker["id"]).json()["confirmed"] is True
    changed = destination(api, worker["id"], iban=FR_IBAN, bic="")
    assert changed.json()["confirmed"] is False
    rows = list(PayoutDestination.objects.filter(worker_id=worker["id"]).order_by("pk"))
    assert [(r.iban, r.confirmed) for r in rows] == [(DE_IBAN, True), (FR_IBAN, False)]


def test_a_worker_user_may_propose_their_own_but_not_anothers_nor_confirm(api, make_client):
    own = WorkerFactory(user=UserFactory(), currency="EUR")
    other = WorkerFactory(currency="EUR")
    client = make_client(own.user)
    assert destination(client, own.pk).status_code == 200
    assert destination(client, other.pk).status_code == 404
    assert client.get(f"/api/workers/{other.pk}/payout-destination/").status_code == 404
    assert client.get(f"/api/workers/{own.pk}/payout-destination/").json()["enteredBy"] == own.user.username
    assert confirm(client, own.pk).status_code == 403
    # Finance sees the proposal and any finance user may confirm it (none of them entered it).
    assert confirm(api, own.pk).json()["confirmedBy"] == api.user.username


def test_plain_user_and_anonymous_are_refused(make_client, plain_user, anon_client):
    worker = WorkerFactory(currency="EUR")
    assert destination(make_client(plain_user), worker.pk).status_code == 403
    assert anon_client.get(f"/api/workers/{worker.pk}/payout-destination/").status_code == 401


def test_audit_events_name_the_actor_and_mask_the_iban(api, make_client):
    worker = create_worker(api, currency="EUR")
    destination(api, worker["id"])
    second = FinanceUserFactory(username="checker")
    confirm(make_client(second), worker["id"])
    destination(api, worker["id"], iban=FR_IBAN)
    events = list(
        AuditEvent.objects.filter(object_type="worker", object_id=str(worker["id"]), action__startswith="worker.payout")
        .order_by("pk")
        .values_list("action", "actor_username", "changes")
    )
    assert events == [
        (
            "worker.payout_destination_entered",
            api.user.username,
            {
                "account_holder": [None, "Ada Lovelace"],
                "iban": [None, "DE89**************3000"],
                "bic": [None, DE_BIC],
                "confirmed": [False, False],
            },
        ),
        (
            "worker.payout_destination_confirmed",
            "checker",
            {
                "confirmed": [False, True],
                "destination_id": [None, PayoutDestination.objects.filter(worker_id=worker["id"]).first().pk],
                "iban": [None, "DE89**************3000"],
                "entered_by": [None, api.user.username],
            },
        ),
        (
            "worker.payout_destination_entered",
            api.user.username,
            {"iban": ["DE89**************3000", "FR14*******************2606"], "confirmed": [True, False]},
        ),
    ]


def test_the_database_refuses_a_confirmer_equal_to_the_enterer():
    user = FinanceUserFactory()
    worker = WorkerFactory(currency="EUR")
    row = payout_destination_set(worker=worker, account_holder="Ada", iban=DE_IBAN, bic="", actor=user)
    row.confirmed_by = user
    row.confirmed_at = row.entered_at
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save(update_fields=["confirmed_by", "confirmed_at"])


def test_the_service_refuses_the_system_as_confirmer():
    worker = WorkerFactory(currency="EUR")
    payout_destination_set(worker=worker, account_holder="Ada", iban=DE_IBAN, bic="", actor=FinanceUserFactory())
    with pytest.raises(Exception, match="signed-in finance user"):
        payout_destination_confirm(worker=worker, actor=None)
