"""Hostile input, lengths: a column derived from another fits what its source accepts (a ledger
account's name is cut to fit a 200-character worker name), and a name longer than allowed is 400.
"""

import pytest

from tests.support.api_helpers import generate, new_worklog, record, remittance_of, ts
from tests.support.hostile_input import all_counts, assert_every_text_fits_its_column
from worklogs.models import Worker

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("length", [180, 190, 199, 200])
def test_a_worker_name_of_any_allowed_length_fits_every_column_derived_from_it(api, length):
    name = "N" * (length - 1) + "é"
    response = api.post("/api/workers/", {"name": name, "email": "long@example.com"}, format="json")
    assert response.status_code == 201, response.content
    worklog = new_worklog(api, worker_id=response.json()["id"])
    record(api, worklog["id"], ts("2024-10-01"), 60)
    assert remittance_of(generate(api, "2024-10-31"), worklog["workerId"])["amount"] == "10.00"
    assert_every_text_fits_its_column()
    assert Worker.objects.get(pk=worklog["workerId"]).name == name


def test_a_worker_name_longer_than_allowed_is_400(api):
    before = all_counts()
    response = api.post("/api/workers/", {"name": "N" * 201, "email": "long@example.com"}, format="json")
    assert response.status_code == 400
    assert all_counts() == before
