"""A code as the user's authenticator app computes it from the device's secret."""

import time
from base64 import b32decode

from django_otp.oath import TOTP


def code_from_secret(secret_base32: str, *, steps_ahead: int = 0) -> str:
    """The TOTP code of the base32 secret (what the QR code carries). `steps_ahead=1` gives the next
    30-second step's code, which the device still accepts (tolerance 1) when this step's code was
    just used: a code is good only once."""
    totp = TOTP(b32decode(secret_base32 + "=" * (-len(secret_base32) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"
