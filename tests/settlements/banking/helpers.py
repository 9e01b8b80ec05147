"""Shared by the banking tests: valid bank details, and a worker whose details are confirmed."""

from tests.support.factories import FinanceUserFactory

# Valid IBANs (checksums verified by schwifty) and BICs.
DE_IBAN = "DE89370400440532013000"
DE_BIC = "COBADEFFXXX"
FR_IBAN = "FR1420041010050500013M02606"
NL_IBAN = "NL91ABNA0417164300"


def destination(api, worker_id: int, *, iban: str = DE_IBAN, bic: str = DE_BIC, holder: str = "Ada Lovelace"):
    return api.put(
        f"/api/workers/{worker_id}/payout-destination/",
        {"accountHolder": holder, "iban": iban, "bic": bic},
        format="json",
    )


def confirm(client, worker_id: int):
    return client.post(f"/api/workers/{worker_id}/payout-destination/confirm/")


def confirmed_destination(api, make_client, worker_id: int, **kwargs) -> dict:
    """Bank details entered by `api`'s user and confirmed by a second finance user."""
    response = destination(api, worker_id, **kwargs)
    assert response.status_code == 200, response.content
    response = confirm(make_client(FinanceUserFactory()), worker_id)
    assert response.status_code == 200, response.content
    return response.json()
