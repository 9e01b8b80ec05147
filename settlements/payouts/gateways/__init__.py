"""Payout gateways. `PAYOUT_GATEWAY` names one (`manual`, `simulated`, or a dotted path to a
`PayoutGateway` subclass); `PAYOUT_GATEWAYS` maps the short names to dotted paths. The gateway is
imported by name at run time, so the domain imports no provider."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from settlements.payouts.gateways.base import PayoutGateway

__all__ = ["PayoutGateway", "get_gateway"]


def get_gateway() -> PayoutGateway:
    path = settings.PAYOUT_GATEWAYS.get(settings.PAYOUT_GATEWAY, settings.PAYOUT_GATEWAY)
    try:
        gateway_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"Unknown PAYOUT_GATEWAY {settings.PAYOUT_GATEWAY!r}.") from exc
    if not (isinstance(gateway_class, type) and issubclass(gateway_class, PayoutGateway)):
        raise ImproperlyConfigured(f"PAYOUT_GATEWAY {settings.PAYOUT_GATEWAY!r} is not a PayoutGateway.")
    return gateway_class()
