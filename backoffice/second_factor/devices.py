"""Enrolment: a pending TOTP device, its confirmation by a first code, and the recovery codes."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def has_second_factor(*, user: AbstractBaseUser) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def pending_device(*, user: AbstractBaseUser) -> TOTPDevice:
    """The user's unconfirmed app device, made on first use: its secret is what the QR code shows."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms the pending device with a first code; returns the new recovery codes, or None for a
    wrong code. Any other app device and any previous recovery codes are replaced."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed or not device.verify_token(token):
        return None
    TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_renew(user=device.user)


@transaction.atomic
def recovery_codes_renew(*, user: AbstractBaseUser) -> list[str]:
    """Ten new single-use recovery codes; the previous ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
