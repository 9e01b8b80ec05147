"""Bank account values as the domain accepts them: checked and normalised with schwifty.

An IBAN is accepted in any case and with spaces (as people type it) and stored compact and upper
case; its country, length, national structure and ISO 7064 checksum are verified. A BIC is
optional (SEPA needs none since 2016) and, when given, must have a BIC's shape and a known
country. Every refusal is an `InvalidInput` naming the field and schwifty's reason.
"""

from dataclasses import dataclass

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from core.errors import InvalidInput

ACCOUNT_HOLDER_MAX = 70  # pain.001's Max70Text for a creditor's name


@dataclass(frozen=True)
class BankAccount:
    account_holder: str
    iban: str
    bic: str


def _compact(kind: type[IBAN] | type[BIC], value: str, name: str, field: str) -> str:
    try:
        return str(kind(value).compact)
    except SchwiftyException as exc:
        raise InvalidInput(f"Not a valid {name}: {exc}.", field=field) from None


def iban_normalise(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("An IBAN is required.", field="iban")
    return _compact(IBAN, value, "IBAN", "iban")


def bic_normalise(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if not isinstance(value, str):
        raise InvalidInput("A BIC is a string.", field="bic")
    return _compact(BIC, value, "BIC", "bic")


def account_holder_normalise(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("An account holder is required.", field="account_holder")
    holder = " ".join(value.split())
    if len(holder) > ACCOUNT_HOLDER_MAX:
        raise InvalidInput(f"At most {ACCOUNT_HOLDER_MAX} characters.", field="account_holder")
    return holder


def bank_account_parse(*, account_holder: object, iban: object, bic: object) -> BankAccount:
    """The three values checked and normalised, or `InvalidInput` for the first bad one."""
    return BankAccount(
        account_holder=account_holder_normalise(account_holder), iban=iban_normalise(iban), bic=bic_normalise(bic)
    )


def iban_masked(iban: str) -> str:
    """What the audit trail records: country, check digits and the last four characters."""
    if not iban:
        return ""
    return f"{iban[:4]}{'*' * max(len(iban) - 8, 0)}{iban[-4:]}"
