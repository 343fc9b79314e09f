"""Seed 004's integration providers ("Get Available Providers") and which of them connect.

PLAID is a bank link: the public token from Plaid Link is exchanged for the item's access
token, and the item becomes the same bank connection (with all its accounts) that the banking
routes read. The document's other providers are refused for now, plainly.
"""

from __future__ import annotations

from server.platform.errors import FieldViolation, InvalidInput

# Only PLAID connects in this version.
DOCUMENTED = ("QUICKBOOKS", "PLAID")
NAMES = {"PLAID": "Plaid", "QUICKBOOKS": "QuickBooks"}


def ensure_connectable(provider: str) -> None:
    """InvalidInput on `provider`, saying why, unless it names PLAID."""
    name = provider.strip().upper()
    if name == "MX":
        raise _refuse("MX is coming soon and cannot be connected yet")
    if name == "TELLER":
        raise _refuse("Teller accounts are connected through POST /api/v1/banking/connect")
    if name not in DOCUMENTED:
        raise _refuse(f"must be one of {', '.join(DOCUMENTED)}")
    if name != "PLAID":
        raise _refuse(f"The {NAMES[name]} integration is not available yet")


def _refuse(message: str) -> InvalidInput:
    return InvalidInput([FieldViolation("provider", message)], message)
