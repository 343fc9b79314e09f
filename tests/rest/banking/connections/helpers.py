"""Shared by the connection tests: the documented data shape and row counts."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

import server.schema  # noqa: F401  (every table, so foreign keys resolve)
from server.banking.models import (
    BankConnection,
    BankSyncLog,
    BankSyncState,
    BankTransaction,
    FinancialAccount,
)
from server.platform.db.database import Database
from tests.rest.client import RFC3339_Z, UUID

# Seed 000's `data`, key for key.
DATA_KEYS = {
    "id",
    "userId",
    "organizationId",
    "provider",
    "status",
    "plaidItemId",
    "plaidInstitutionId",
    "institutionName",
    "institutionLogo",
    "institutionUrl",
    "lastSyncAt",
    "lastSyncStatus",
    "autoSync",
    "syncFrequency",
    "lastError",
    "errorCount",
    "createdAt",
    "updatedAt",
}
TABLES = (BankConnection, FinancialAccount, BankTransaction, BankSyncState, BankSyncLog)


def assert_connection_shape(data: dict[str, Any]) -> None:
    assert set(data) == DATA_KEYS, set(data) ^ DATA_KEYS
    assert UUID.match(data["id"]) and UUID.match(data["organizationId"])
    assert data["userId"] is None or UUID.match(data["userId"])
    assert data["provider"] in {"PLAID", "TELLER", "MX"}
    assert data["status"] in {"ACTIVE", "DISCONNECTED", "FAILED"}
    for key in ("plaidItemId", "plaidInstitutionId", "institutionName"):
        assert data[key] is None or isinstance(data[key], str)
    for key in ("institutionLogo", "institutionUrl", "lastError"):
        assert data[key] is None or isinstance(data[key], str)
    assert data["lastSyncAt"] is None or RFC3339_Z.match(data["lastSyncAt"])
    assert data["lastSyncStatus"] in {"PENDING", "IN_PROGRESS", "SUCCESS", "FAILED", "PAUSED"}
    assert isinstance(data["autoSync"], bool)
    assert data["syncFrequency"] in {"1h", "6h", "12h", "24h"}
    assert isinstance(data["errorCount"], int)
    assert RFC3339_Z.match(data["createdAt"]) and RFC3339_Z.match(data["updatedAt"])


async def count_rows(db: Database, connection_id: uuid.UUID) -> dict[str, int]:
    """Rows that belong to one connection in each of the five tables the delete cascades to."""
    async with db.transaction() as s:
        accounts = select(FinancialAccount.id).where(
            FinancialAccount.connection_id == connection_id
        )
        counts = {
            "bank_connections": select(func.count()).where(BankConnection.id == connection_id),
            "financial_accounts": select(func.count()).where(
                FinancialAccount.connection_id == connection_id
            ),
            "bank_transactions": select(func.count()).where(
                BankTransaction.account_id.in_(accounts)
            ),
            "bank_sync_states": select(func.count()).where(
                BankSyncState.connection_id == connection_id
            ),
            "bank_sync_logs": select(func.count()).where(
                BankSyncLog.connection_id == connection_id
            ),
        }
        return {name: int(await s.scalar(q) or 0) for name, q in counts.items()}
