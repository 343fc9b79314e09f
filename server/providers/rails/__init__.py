"""The Flowlet gateway's banking integrations (seed 001): PLAID, TELLER, ACH and SWIFT, their
authentication, the ACH and SWIFT rails' accounts, transactions and payments."""

from server.providers.rails.client import Rails
from server.providers.rails.types import (
    API_BASE_KEY,
    CONFIG_KEYS,
    PAYMENT_STATUSES,
    PAYMENT_TYPES,
    RAIL_TYPES,
    SECRET_KEYS,
    Ambiguous,
    NotExecuted,
    PaymentOrder,
    RailAccount,
    RailAuthFailed,
    RailError,
    RailPayment,
    RailTransaction,
    RailUnavailable,
    UnknownAccount,
)

__all__ = [
    "API_BASE_KEY",
    "CONFIG_KEYS",
    "PAYMENT_STATUSES",
    "PAYMENT_TYPES",
    "RAIL_TYPES",
    "SECRET_KEYS",
    "Ambiguous",
    "NotExecuted",
    "PaymentOrder",
    "RailAccount",
    "RailAuthFailed",
    "RailError",
    "RailPayment",
    "RailTransaction",
    "RailUnavailable",
    "Rails",
    "UnknownAccount",
]
