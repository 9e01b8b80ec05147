"""On PostgreSQL, with real threads: racing file requests pay each remittance once; the database
keeps bank details, files and reports as history."""

from collections import Counter

import pytest
from django.db import IntegrityError, InternalError, transaction

from settlements.models import PayoutDestination, SepaFile, SepaFileEntry
from tests.db_guards.threads import POSTGRES_THREADS, in_threads, token_client
from tests.settlements.banking.helpers import FR_IBAN
from tests.settlements.banking.sepa_support import approve, mixed_run, parse_pain001

pytestmark = POSTGRES_THREADS


def test_two_racing_file_requests_put_no_remittance_in_two_files(api, make_client, debtor, finance_user):
    data = mixed_run(api, make_client)
    approve(data["run"]["id"])
    url = f"/api/settlement-runs/{data['run']['id']}/sepa-files/"

    answers = in_threads(*[lambda: token_client(finance_user).post(url)] * 4)

    statuses = Counter(value.status_code for kind, value in answers if kind == "ok")
    assert statuses == Counter({201: 1, 409: 3}), answers
    assert Counter(SepaFileEntry.objects.values_list("remittance_id", flat=True)) == Counter(
        {data["remittances"]["a"]["id"]: 1, data["remittances"]["b"]["id"]: 1}
    )
    created = next(value for _, value in answers if value.status_code == 201)
    assert parse_pain001(created.content)["count"] == 2
    assert SepaFile.objects.count() == 1


def test_the_database_keeps_bank_details_and_files_as_history(api, make_client, debtor):
    data = mixed_run(api, make_client)
    approve(data["run"]["id"])
    token_client(api.user).post(f"/api/settlement-runs/{data['run']['id']}/sepa-files/")
    confirmed = PayoutDestination.objects.filter(confirmed_at__isnull=False).first()
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        PayoutDestination.objects.filter(pk=confirmed.pk).update(iban=FR_IBAN)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        PayoutDestination.objects.filter(pk=confirmed.pk).update(confirmed_by=None, confirmed_at=None)
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        PayoutDestination.objects.filter(pk=confirmed.pk).delete()
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        SepaFile.objects.update(content=b"<forged/>")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        SepaFileEntry.objects.all().delete()
