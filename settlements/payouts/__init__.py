"""Payouts that leave the building: the outbox of submissions (`outbox`), the provider's signed
events (`signatures`, `events`) and the gateways (`gateways`, one chosen by `PAYOUT_GATEWAY`, loaded
from a dotted path so the domain imports no provider)."""
