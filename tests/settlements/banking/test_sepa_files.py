"""SEPA credit-transfer files: approved runs only, confirmed EUR payees only, each remittance once."""

from decimal import Decimal

import pytest

from audit.models import AuditEvent
from settlements.models import PayoutSubmission, Remittance, SepaFile, SepaFileEntry
from tests.settlements.banking.helpers import confirm
from tests.settlements.banking.sepa_support import approve, mixed_run, parse_pain001, sepa_post
from tests.support.api_helpers import get_remittance
from tests.support.factories import FinanceUserFactory

pytestmark = pytest.mark.django_db


def test_file_holds_confirmed_eur_payees_valid_against_the_xsd_with_the_runs_totals(api, make_client, debtor):
    data = mixed_run(api, make_client)
    run, r = data["run"], data["remittances"]
    approve(run["id"])

    response = sepa_post(api, run["id"])

    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    excluded = f"{r['c']['id']}=unconfirmed, {r['d']['id']}=no_destination, {r['u']['id']}=currency"
    assert response["X-Excluded-Remittances"] == excluded
    assert response["X-Excluded-Remittances-Count"] == "3"
    parsed = parse_pain001(response.content)
    included = [r["a"], r["b"]]
    assert parsed["count"] == 2
    assert parsed["controlSum"] == Decimal("22.35") == sum(Decimal(x["amount"]) for x in included)
    assert parsed["debtorIban"] == "DE02120300000000202051"
    submissions = {s.remittance_id: s for s in PayoutSubmission.objects.filter(gateway="sepa_file")}
    assert parsed["transfers"] == [
        {
            "endToEndId": str(submissions[r["a"]["id"]].pk),
            "amount": Decimal("10.00"),
            "currency": "EUR",
            "name": "Ada Lovelace",
            "iban": "DE89370400440532013000",
        },
        {
            "endToEndId": str(submissions[r["b"]["id"]].pk),
            "amount": Decimal("12.35"),
            "currency": "EUR",
            "name": "Bob Muller",  # sepaxml transliterates to the SEPA character set
            "iban": "FR1420041010050500013M02606",
        },
    ]
    # Its remittances went to PROCESSING through their submissions; the others stay PENDING.
    assert [get_remittance(api, x["id"])["status"] for x in included] == ["PROCESSING", "PROCESSING"]
    assert {get_remittance(api, r[k]["id"])["status"] for k in "cdu"} == {"PENDING"}
    # The same bytes again at its Location.
    sepa_file = SepaFile.objects.get()
    assert response["Location"] == f"/api/sepa-files/{sepa_file.pk}.xml"
    again = api.get(response["Location"])
    assert (again.status_code, again["Content-Type"], again.content) == (
        200,
        "application/xml; charset=utf-8",
        response.content,
    )
    assert (sepa_file.message_id, sepa_file.control_sum, sepa_file.transaction_count) == (
        parsed["messageId"],
        Decimal("22.35"),
        2,
    )
    event = AuditEvent.objects.get(action="sepa_file.created")
    assert (event.actor_username, event.object_id) == (api.user.username, str(sepa_file.pk))
    assert event.changes["control_sum"] == [None, "22.35"]


def test_a_later_file_holds_only_what_became_payable_since(api, make_client, debtor):
    data = mixed_run(api, make_client)
    run, r = data["run"], data["remittances"]
    approve(run["id"])
    first = parse_pain001(sepa_post(api, run["id"]).content)

    nothing = sepa_post(api, run["id"])
    assert (nothing.status_code, nothing.json()["code"]) == (409, "nothing_payable")
    assert nothing["X-Excluded-Remittances"].startswith(f"{r['c']['id']}=unconfirmed")

    assert confirm(make_client(FinanceUserFactory()), data["workers"]["cyd"]).status_code == 200
    second = sepa_post(api, run["id"])
    assert second.status_code == 201, second.content
    parsed = parse_pain001(second.content)
    assert (parsed["count"], parsed["controlSum"]) == (1, Decimal("7.50"))
    assert parsed["transfers"][0]["iban"] == "NL91ABNA0417164300"
    assert parsed["messageId"] != first["messageId"]
    assert second["X-Excluded-Remittances"] == f"{r['d']['id']}=no_destination, {r['u']['id']}=currency"
    # Every remittance is in one file at most.
    assert SepaFileEntry.objects.count() == 3 == len(set(SepaFileEntry.objects.values_list("remittance_id", flat=True)))


def test_before_approval_409_and_nothing_written(api, make_client, debtor):
    data = mixed_run(api, make_client)
    response = sepa_post(api, data["run"]["id"])
    assert (response.status_code, response.json()["code"]) == (409, "run_not_approved")
    assert not SepaFile.objects.exists() and not PayoutSubmission.objects.exists()
    assert set(Remittance.objects.values_list("status", flat=True)) == {"PENDING"}


def test_without_a_debtor_account_409_debtor_not_configured(api, make_client, settings):
    settings.PAYOUT_DEBTOR_IBAN = ""
    data = mixed_run(api, make_client)
    approve(data["run"]["id"])
    response = sepa_post(api, data["run"]["id"])
    assert (response.status_code, response.json()["code"]) == (409, "debtor_not_configured")
    assert not SepaFile.objects.exists()


def test_finance_only(make_client, plain_user, anon_client, api):
    assert sepa_post(make_client(plain_user), 1).status_code == 403
    assert anon_client.get("/api/sepa-files/1.xml").status_code == 401
    assert sepa_post(api, 999).status_code == 404
    assert api.get("/api/sepa-files/999.xml").status_code == 404
