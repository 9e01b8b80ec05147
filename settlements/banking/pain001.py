"""ISO 20022 `pain.001.001.03` customer credit-transfer initiation, built by sepaxml.

Plain data in, bytes out: this module knows no model. sepaxml validates every file it builds
against the pain.001.001.03 XSD it ships (with xmlschema), so a file that leaves here is valid.
All transfers share one payment information block (batch booking), in EUR, executed on the given
date; the group header's control sum and count are the sum and count of the transfers.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sepaxml import SepaTransfer  # type: ignore[import-untyped]  # sepaxml ships no type hints

SCHEMA = "pain.001.001.03"
CURRENCY = "EUR"


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount: Decimal
    creditor_name: str
    creditor_iban: str
    creditor_bic: str
    remittance_information: str


@dataclass(frozen=True)
class BuiltFile:
    message_id: str
    content: bytes


def cents(amount: Decimal) -> int:
    """sepaxml counts in integer cents; an amount with a fraction of a cent is a bug upstream."""
    value = amount * 100
    if value != value.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents.")
    return int(value)


def pain001_build(*, debtor: Debtor, transfers: list[Transfer], execution_date: date) -> BuiltFile:
    config: dict[str, object] = {
        "name": debtor.name,
        "IBAN": debtor.iban,
        "batch": True,
        "currency": CURRENCY,
    }
    if debtor.bic:
        config["BIC"] = debtor.bic
    sepa = SepaTransfer(config, schema=SCHEMA, clean=True)
    for transfer in transfers:
        payment: dict[str, object] = {
            "name": transfer.creditor_name,
            "IBAN": transfer.creditor_iban,
            "amount": cents(transfer.amount),
            "execution_date": execution_date,
            "description": transfer.remittance_information,
            "endtoend_id": transfer.end_to_end_id,
        }
        if transfer.creditor_bic:
            payment["BIC"] = transfer.creditor_bic
        sepa.add_payment(payment)
    content = sepa.export(validate=True)
    return BuiltFile(message_id=str(sepa.msg_id), content=bytes(content))
