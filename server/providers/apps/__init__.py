"""The integrations hub's providers (seed 002): OAuth 2 with Stripe Connect, Slack, QuickBooks
and Xero, and their data mapped to fingate's shapes."""

from server.providers.apps.data import AppDataClient
from server.providers.apps.oauth import OAuthClient
from server.providers.apps.types import (
    DATA_TYPES,
    DEFAULT_SCOPES,
    SERVICES,
    AppProviderError,
    AppUnavailable,
    GrantRefused,
    MappedRecord,
    TokenRejected,
    TokenSet,
)

__all__ = [
    "DATA_TYPES",
    "DEFAULT_SCOPES",
    "SERVICES",
    "AppDataClient",
    "AppProviderError",
    "AppUnavailable",
    "GrantRefused",
    "MappedRecord",
    "OAuthClient",
    "TokenRejected",
    "TokenSet",
]
