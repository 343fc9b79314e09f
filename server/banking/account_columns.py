"""The columns of financial_accounts that a provider's account sets, in one place: linking, the
bank sync and the account sync all store the same facts the same way."""

from __future__ import annotations

from decimal import Decimal

from server.providers.base import ProviderAccount

_CENT = Decimal("0.01")


def provider_columns(a: ProviderAccount) -> dict[str, object]:
    """What a provider says of an account (the sealed number is the caller's: it needs the
    vault, and some callers compare it apart)."""
    return {
        "name": a.name[:200],
        "type": a.type,
        "subtype": a.subtype,
        "provider_subtype": (a.provider_subtype or None) and a.provider_subtype.lower()[:64],
        "currency": a.currency.upper(),
        "balance": a.balance.quantize(_CENT),
        "available_balance": (
            None if a.available_balance is None else a.available_balance.quantize(_CENT)
        ),
        "last_four": a.mask,
        "status": a.status,
        "is_active": a.status == "open",
    }
