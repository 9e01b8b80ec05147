"""What the property test (test_property.py) checks: the database and the API say what the reference model says.

Kept apart from the state machine that drives the services, so each reads on its own. Assertions here are
rewritten by pytest (registered in tests/conftest.py), so a failure shows both sides.
"""

from fractions import Fraction

from rest_framework.test import APIClient

from ledger.selectors import party_ledger_view, trial_balance
from settlements.models import Remittance
from settlements.selectors import worker_balance
from tests.scenarios.reference_model import ZERO, Model
from tests.support.factories import FinanceUserFactory
from worklogs.models import Item, Segment, Worker, WorkLog


def assert_new_items_match(model: Model, worklogs: list[WorkLog], last_item_pk: int) -> int:
    """The items the services created since `last_item_pk` are exactly the model's new items, cents included.

    Gives each model item its database id; returns the id of the last item.
    """
    new = list(
        Item.objects.filter(pk__gt=last_item_pk)
        .order_by("pk")
        .values_list("pk", "worklog_id", "kind", "exact_units", "amount")
    )
    pending = [it for it in model.items if it.pk is None]
    assert len(new) == len(pending), (new, pending)
    for (pk, worklog_id, kind, exact_units, amount), item in zip(new, pending, strict=True):
        assert (worklog_id, kind) == (worklogs[item.worklog].pk, item.kind)
        assert Fraction(exact_units, 360000) == item.exact
        assert amount == item.cents, (kind, item.exact, amount, item.cents)
        item.pk = pk
    return new[-1][0] if new else last_item_pk


def assert_state_matches(model: Model, worklogs: list[WorkLog], workers: list[Worker]) -> None:
    """Worklogs, balances, each worker's ledger, the trial balance, segment and remittance statuses."""
    for w, worklog in enumerate(WorkLog.objects.filter(pk__in=[wl.pk for wl in worklogs]).order_by("pk")):
        expected = model.worklog_figures(w)
        actual = {
            "amount": worklog.amount,
            "remitted_amount": worklog.remitted_amount,
            "remittance_status": worklog.remittance_status,
        }
        assert actual == expected, f"worklog {w}"
        assert worklog.unremitted_amount == expected["amount"] - expected["remitted_amount"]
    for i, worker in enumerate(Worker.objects.filter(pk__in=[w.pk for w in workers]).order_by("pk")):
        expected = model.balance(i)
        balance = worker_balance(worker=worker)
        assert {k: balance[k] for k in expected} == expected, f"worker {i}"
        ledger = party_ledger_view(party=worker.pk)
        assert {k: ledger[k] for k in expected} == expected, f"ledger of worker {i}"
        assert ledger["earned"] == sum(expected.values(), ZERO)  # conservation (money rule 8)
    assert all(total == 0 for total in trial_balance().values())
    statuses = dict(Segment.objects.filter(worker__in=workers).values_list("pk", "status"))
    assert statuses == {s.pk: s.status for s in model.segments}
    remittances = dict(Remittance.objects.filter(worker__in=workers).values_list("pk", "status"))
    assert remittances == {r.pk: r.status for r in model.remittances}


def assert_list_endpoint_matches(model: Model, worklogs: list[WorkLog]) -> None:
    """Once per example, the seed's list endpoint answers the model's figures as money strings."""
    client = APIClient()
    client.force_authenticate(FinanceUserFactory())
    for status in ("REMITTED", "UNREMITTED"):
        response = client.get("/list-all-worklogs", {"remittanceStatus": status, "pageSize": 500})
        assert response.status_code == 200
        rows = {row["id"]: row for row in response.json()["results"]}
        expected = {}
        for w, wl in enumerate(worklogs):
            figures = model.worklog_figures(w)
            if figures["remittance_status"] == status:
                expected[wl.pk] = {
                    "amount": str(figures["amount"]),
                    "remittedAmount": str(figures["remitted_amount"]),
                    "unremittedAmount": str(figures["amount"] - figures["remitted_amount"]),
                    "remittanceStatus": status,
                }
        assert {pk: {k: row[k] for k in expected[pk]} for pk, row in rows.items() if pk in expected} == expected
        assert set(rows) & {wl.pk for wl in worklogs} == set(expected)
