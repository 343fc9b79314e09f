"""A customer's accounts and transactions across the registered integrations, in seed 001's
shapes (plain dicts for the Struct fields the document's name-keyed lists need).

PLAID and TELLER integrations answer from the bank data fingate already holds (the connections
the customer linked through Mappr, server/banking/api.py); ACH and SWIFT rails answer from
their own APIs. One integration failing leaves the others' answers whole.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from server.banking.api import BankingApi, CustomerAccount, CustomerTransaction
from server.gateway import registry
from server.gateway.registry import Registered
from server.platform.common.time import rfc3339
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.providers.rails import (
    RailAccount,
    RailError,
    Rails,
    RailTransaction,
    UnknownAccount,
)

log = logging.getLogger("fingate.gateway")
STORED_TYPES = ("PLAID", "TELLER")
DEFAULT_LIMIT = 100


def masked(number: str | None) -> str:
    """`****1234`: an account number never leaves whole."""
    return f"****{number[-4:]}" if number else ""


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    # The document's optional keys are absent rather than null.
    return {k: v for k, v in values.items() if v is not None}


def _stored_account(a: CustomerAccount) -> dict[str, Any]:
    return _drop_none(
        {
            "account_id": str(a.id),
            "account_number": masked(a.last_four),
            "account_type": a.type,
            "bank_name": a.bank_name or "",
            "currency": a.currency,
            "balance": _money(a.balance),
            "available_balance": _money(
                a.available_balance if a.available_balance is not None else a.balance
            ),
            "account_holder_name": a.holder_name,
        }
    )


def _rail_account(a: RailAccount) -> dict[str, Any]:
    return _drop_none(
        {
            "account_id": a.account_id,
            "account_number": masked(a.account_number),
            "routing_number": a.routing_number,
            "account_type": a.account_type,
            "bank_name": a.bank_name,
            "currency": a.currency,
            "balance": _money(a.balance),
            "available_balance": _money(a.available_balance),
            "account_holder_name": a.account_holder_name,
            "iban": a.iban,
            "swift_code": a.swift_code,
        }
    )


def _stored_transaction(t: CustomerTransaction) -> dict[str, Any]:
    return _drop_none(
        {
            "transaction_id": str(t.id),
            "account_id": str(t.account_id),
            "amount": _money(abs(t.amount)),
            "currency": t.currency,
            "transaction_type": "DEBIT" if t.amount < 0 else "CREDIT",
            "status": "PENDING" if t.pending else "COMPLETED",
            "description": t.description,
            "timestamp": rfc3339(t.date),
            "counterparty_name": t.merchant_name,
        }
    )


def _rail_transaction(t: RailTransaction) -> dict[str, Any]:
    return _drop_none(
        {
            "transaction_id": t.transaction_id,
            "account_id": t.account_id,
            "amount": _money(t.amount),
            "currency": t.currency,
            "transaction_type": t.transaction_type,
            "status": t.status,
            "description": t.description,
            "timestamp": rfc3339(t.timestamp),
            "reference_id": t.reference_id,
            "counterparty_account": t.counterparty_account,
            "counterparty_name": t.counterparty_name,
            "fees": _money(t.fees),
            "exchange_rate": _money(t.exchange_rate),
            "metadata": t.metadata,
        }
    )


@dataclass(frozen=True, slots=True)
class TransactionsAnswer:
    transactions: dict[str, list[dict[str, Any]]]
    errors: dict[str, str]


class Reads:
    def __init__(self, db: Database, vault: Vault, rails: Rails, banking: BankingApi):
        self.db = db
        self.vault = vault
        self.rails = rails
        self.banking = banking

    async def _active(self) -> list[Registered]:
        async with self.db.read() as s:
            rows = await registry.all_integrations(s)
        return [registry.opened(self.vault, r) for r in rows if r.status == "ACTIVE"]

    async def customer_accounts(self, customer_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
        """Integration name → the customer's accounts there. Stored accounts go to the first
        active integration of their provider's type (by name)."""
        integrations = await self._active()
        stored = await self.banking.customer_accounts(customer_id)
        grouped: dict[str, list[dict[str, Any]]] = {}
        for kind in STORED_TYPES:
            holder = next((i for i in integrations if i.row.type == kind), None)
            if holder is not None:
                grouped[holder.row.name] = [
                    _stored_account(a) for a in stored if a.provider == kind
                ]
        rails = [i for i in integrations if i.row.type not in STORED_TYPES]
        found = await asyncio.gather(*(self._rail_accounts(i, str(customer_id)) for i in rails))
        for integration, accounts in zip(rails, found, strict=True):
            grouped[integration.row.name] = accounts
        return grouped

    async def _rail_accounts(self, integration: Registered, customer: str) -> list[dict[str, Any]]:
        try:
            accounts = await self.rails.accounts(integration.row.type, integration.config, customer)
        except RailError as error:
            log.warning("rail accounts failed", extra={"error_type": type(error).__name__})
            return []
        return [_rail_account(a) for a in accounts]

    async def transactions(
        self,
        mappings: Mapping[str, Sequence[str]],
        *,
        start: dt.datetime | None,
        end: dt.datetime | None,
        limit: int | None,
    ) -> TransactionsAnswer:
        integrations = {i.row.name: i for i in await self._active()}
        per_account = limit or DEFAULT_LIMIT
        answer: dict[str, list[dict[str, Any]]] = {}
        errors: dict[str, str] = {}
        for name, accounts in mappings.items():
            integration = integrations.get(name)
            if integration is None:
                errors[name] = "unknown or inactive integration"
                continue
            rows: list[dict[str, Any]] = []
            for account in dict.fromkeys(accounts):
                found = await self._account_transactions(
                    integration, account, start=start, end=end, limit=per_account
                )
                if isinstance(found, str):
                    # Every problem of the integration, in the order of its accounts.
                    errors[name] = f"{errors[name]}; {found}" if name in errors else found
                    continue
                rows.extend(found)
            rows.sort(key=lambda t: t["timestamp"], reverse=True)
            answer[name] = rows
        return TransactionsAnswer(answer, errors)

    async def _account_transactions(
        self,
        integration: Registered,
        account: str,
        *,
        start: dt.datetime | None,
        end: dt.datetime | None,
        limit: int,
    ) -> list[dict[str, Any]] | str:
        kind = integration.row.type
        if kind in STORED_TYPES:
            try:
                account_id = uuid.UUID(account)
            except ValueError:
                return f"unknown account {account}"
            found = await self.banking.customer_transactions(
                account_id, kind, start=start, end=end, limit=limit
            )
            if found is None:
                return f"unknown account {account}"
            return [_stored_transaction(t) for t in found]
        try:
            rail = await self.rails.transactions(
                kind, integration.config, account, start=start, end=end, limit=limit
            )
        except UnknownAccount:
            return f"unknown account {account}"
        except RailError as error:
            return f"the integration failed: {type(error).__name__}"
        return [_rail_transaction(t) for t in rail]
