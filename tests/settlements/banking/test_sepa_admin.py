"""The admin creates a run's SEPA file with the API's service: approved runs only, a message either way."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from settlements.models import SepaFile
from settlements.services import settlement_generate
from tests.backoffice.admin_helpers import changelist_action, login, messages_of
from tests.settlements.banking.sepa_support import approve, mixed_run, parse_pain001
from tests.support.api_helpers import get_remittance

pytestmark = pytest.mark.django_db

RUN = "settlements_settlementrun"


def test_finance_creates_the_file_of_an_approved_run_in_the_admin(api, make_client, debtor):
    data = mixed_run(api, make_client)
    run, r = data["run"], data["remittances"]
    approve(run["id"])
    admin = login(api.user)

    response = changelist_action(admin, RUN, "create_sepa_file", [run["id"]])

    assert response.status_code == 302
    sepa_file = SepaFile.objects.get()
    message = messages_of(response)[-1]
    assert f'SEPA file <a href="{reverse("admin:settlements_sepafile_change", args=[sepa_file.pk])}">' in message
    assert "2 transfer(s), 22.35 EUR; 3 remittance(s) left out." in message
    parsed = parse_pain001(bytes(sepa_file.content))
    assert (parsed["count"], parsed["controlSum"]) == (2, Decimal("22.35"))
    assert (sepa_file.created_by, sepa_file.run_id) == (api.user, run["id"])
    assert [get_remittance(api, r[k]["id"])["status"] for k in "ab"] == ["PROCESSING", "PROCESSING"]
    assert LogEntry.objects.get(object_id=str(run["id"])).get_change_message() == (
        f"SEPA file {sepa_file.message_id} created."
    )
    # Nothing became payable since: the second file is refused with the reason and the count left out.
    again = changelist_action(admin, RUN, "create_sepa_file", [run["id"]])
    assert messages_of(again)[-1] == f"Run {run['id']} has no remittance a new SEPA file could pay. Left out: 3."
    assert SepaFile.objects.count() == 1


def test_the_admin_refuses_the_file_of_an_unapproved_run_and_writes_nothing(api, make_client, debtor):
    run = mixed_run(api, make_client)["run"]

    response = changelist_action(login(api.user), RUN, "create_sepa_file", [run["id"]])

    assert messages_of(response) == [f"Run {run['id']} is not approved: its payouts go into no bank file yet."]
    assert not SepaFile.objects.exists()
    assert {get_remittance(api, x["id"])["status"] for x in run["remittances"]} == {"PENDING"}


def test_one_run_at_a_time(api, make_client, debtor):
    run = mixed_run(api, make_client)["run"]
    approve(run["id"])
    other = settlement_generate(period_end=date(2030, 1, 31))

    response = changelist_action(login(api.user), RUN, "create_sepa_file", [run["id"], other.pk])

    assert messages_of(response) == ["Select exactly one run to create its SEPA file."]
    assert not SepaFile.objects.exists()
