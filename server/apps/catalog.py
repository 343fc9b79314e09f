"""The services users connect (seed 002 "Supported Integrations"): what each is, the OAuth
scopes it grants and the data types a sync reads. The one place that knows them: validation,
the catalog route and the Mappr provider list read it."""

from __future__ import annotations

from dataclasses import dataclass

from server.platform.errors import FieldViolation, InvalidInput
from server.providers.apps import DATA_TYPES

ICON_BASE = "https://api.financbase.com/icons"


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    id: str
    name: str
    description: str
    category: str
    features: tuple[str, ...]
    scopes: tuple[str, ...]
    data_types: tuple[str, ...]

    @property
    def icon(self) -> str:
        return f"{ICON_BASE}/{self.id}.svg"


SERVICES: dict[str, ServiceInfo] = {
    s.id: s
    for s in (
        ServiceInfo(
            "stripe",
            "Stripe",
            "Payment processing and subscription management",
            "Payments",
            ("payments", "subscriptions", "invoicing"),
            ("read:payments", "write:invoices", "read:customers", "write:subscriptions"),
            DATA_TYPES["stripe"],
        ),
        ServiceInfo(
            "slack",
            "Slack",
            "Team communication and notifications",
            "Communication",
            ("notifications", "messaging", "alerts"),
            ("chat:write", "channels:read", "users:read"),
            DATA_TYPES["slack"],
        ),
        ServiceInfo(
            "quickbooks",
            "QuickBooks",
            "Accounting sync, invoices, expenses and financial reporting",
            "Accounting",
            ("accounting", "invoicing", "expenses", "reporting"),
            ("accounting", "payments", "invoicing"),
            DATA_TYPES["quickbooks"],
        ),
        ServiceInfo(
            "xero",
            "Xero",
            "Accounting sync, invoices, expenses and financial reporting",
            "Accounting",
            ("accounting", "invoicing", "expenses", "reporting"),
            ("accounting.transactions", "accounting.contacts", "accounting.settings"),
            DATA_TYPES["xero"],
        ),
    )
}
SYNC_FREQUENCIES = ("hourly", "daily", "weekly", "manual")
DEFAULT_SYNC_FREQUENCY = "daily"
STATUSES = ("pending", "connected", "expired", "error")  # revoked ones are never listed


def service(name: str, field: str = "service") -> ServiceInfo:
    """The service called `name` (any case); InvalidInput on `field` otherwise, in the words
    of seed 002's 400 example."""
    found = SERVICES.get(name.strip().lower())
    if found is None:
        raise InvalidInput(
            [FieldViolation(field, "Service not supported")], "Invalid integration configuration"
        )
    return found


def scopes(info: ServiceInfo, requested: list[str], field: str = "permissions") -> list[str]:
    """The requested scopes, each one of the service's, without repeats; all by default."""
    chosen = [s.strip() for s in requested if s.strip()] or list(info.scopes)
    unknown = [s for s in chosen if s not in info.scopes]
    if unknown:
        raise InvalidInput(
            [
                FieldViolation(
                    field,
                    f"{unknown[0]!r} is not a {info.name} scope; one of {', '.join(info.scopes)}",
                )
            ],
            "Invalid integration configuration",
        )
    return list(dict.fromkeys(chosen))


def data_types(info: ServiceInfo, requested: list[str]) -> list[str]:
    """The requested data types, each one the service syncs; all by default."""
    chosen = [d.strip().lower() for d in requested if d.strip()] or list(info.data_types)
    unknown = [d for d in chosen if d not in info.data_types]
    if unknown:
        raise InvalidInput(
            [
                FieldViolation(
                    "dataTypes",
                    f"{unknown[0]!r} is not synced from {info.name};"
                    f" one of {', '.join(info.data_types)}",
                )
            ],
            "Invalid sync request",
        )
    return list(dict.fromkeys(chosen))
