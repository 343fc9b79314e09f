"""Bank data written straight into PostgreSQL (as the schema owner, past RLS) for read tests.

Routes that create this data through a provider (connect, sync) are tested through the sandbox;
these rows are for tests about reading, filtering, tenancy and cascades, where the provider is
beside the point. Access tokens and account numbers are sealed with the development key, as
the server seals them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, text

import server.schema as _every_table  # noqa: F401  (foreign keys resolve by name)
from server.banking.models import BankConnection, BankTransaction, FinancialAccount
from server.platform.common.ids import new_id
from server.platform.config import DEV_ENCRYPTION_KEY
from server.platform.db.database import Database
from server.platform.encryption import Vault

VAULT = Vault((DEV_ENCRYPTION_KEY,))


@dataclass(frozen=True, slots=True)
class Txn:
    amount: str
    date: dt.datetime
    description: str = "STARBUCKS COFFEE"
    merchant_name: str | None = "Starbucks"
    merchant_category: str | None = "Coffee Shops"
    category: str | None = "Food & Dining"
    subcategory: str | None = "Coffee Shops"
    pending: bool = False


async def insert_connection(
    db: Database,
    organization_id: str | uuid.UUID,
    user_id: str | uuid.UUID | None,
    *,
    provider: str = "PLAID",
    status: str = "ACTIVE",
    item_id: str | None = None,
    access_token: str = "access-sandbox-factory",
    institution_name: str = "Chase Bank",
    **extra: Any,
) -> uuid.UUID:
    connection_id = new_id()
    # Out of the five-minute auto-sync (banking.auto_sync) unless asked: its fake token would
    # make a sync that ran mid-test mark the connection FAILED.
    extra.setdefault("auto_sync", False)
    async with db.transaction() as s:
        await s.execute(
            insert(BankConnection).values(
                id=connection_id,
                organization_id=uuid.UUID(str(organization_id)),
                user_id=uuid.UUID(str(user_id)) if user_id else None,
                provider=provider,
                status=status,
                provider_item_id=item_id or f"item-{connection_id.hex[:12]}",
                institution_id="ins_3",
                institution_name=institution_name,
                access_token_sealed=VAULT.seal(access_token),
                **extra,
            )
        )
    return connection_id


async def insert_account(
    db: Database,
    organization_id: str | uuid.UUID,
    connection_id: uuid.UUID,
    *,
    name: str = "Chase Checking Account",
    type: str = "CHECKING",
    subtype: str = "checking",
    balance: str = "5432.10",
    available_balance: str | None = "5400.00",
    last_four: str = "1234",
    is_active: bool = True,
    **extra: Any,
) -> uuid.UUID:
    account_id = new_id()
    async with db.transaction() as s:
        await s.execute(
            insert(FinancialAccount).values(
                id=account_id,
                organization_id=uuid.UUID(str(organization_id)),
                connection_id=connection_id,
                provider_account_id=f"acc-{account_id.hex[:12]}",
                name=name,
                type=type,
                subtype=subtype,
                balance=Decimal(balance),
                available_balance=Decimal(available_balance) if available_balance else None,
                last_four=last_four,
                account_number_sealed=VAULT.seal(f"00000000{last_four}"),
                is_active=is_active,
                **extra,
            )
        )
    return account_id


async def insert_transactions(
    db: Database, organization_id: str | uuid.UUID, account_id: uuid.UUID, txns: list[Txn]
) -> list[uuid.UUID]:
    ids = [new_id() for _ in txns]
    rows = [
        {
            "id": tid,
            "organization_id": uuid.UUID(str(organization_id)),
            "account_id": account_id,
            "provider_transaction_id": f"txn-{tid.hex}",
            "amount": Decimal(t.amount),
            "description": t.description,
            "merchant_name": t.merchant_name,
            "merchant_category": t.merchant_category,
            "category": t.category,
            "subcategory": t.subcategory,
            "date": t.date,
            "timestamp": t.date,
            "pending": t.pending,
        }
        for tid, t in zip(ids, txns, strict=True)
    ]
    if rows:
        async with db.transaction() as s:
            await s.execute(insert(BankTransaction), rows)
    return ids


async def insert_org(db: Database, *, plan: str = "PRO") -> tuple[uuid.UUID, uuid.UUID]:
    """A user and an organization they own, for tests below the API: (user id, org id).

    PRO by default: its 10 bank accounts hold any sandbox item; FREE allows 2."""
    user, org = new_id(), new_id()
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO users (id, email, password_hash, first_name, last_name, current_plan)"
                " VALUES (:id, :email, 'x', 'Bank', 'Tester', :plan)"
            ),
            {"id": user, "email": f"bank-{user.hex}@example.com", "plan": plan},
        )
        await s.execute(
            text(
                "INSERT INTO organizations (id, name, slug, owner_id)"
                " VALUES (:id, 'Bank test', :slug, :owner)"
            ),
            {"id": org, "slug": f"bank-{org.hex}", "owner": user},
        )
    return user, org


async def set_plan(db: Database, user_id: uuid.UUID | str, plan: str) -> None:
    """The user's plan, as a paid subscription would set it (limits apply at once)."""
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE users SET current_plan = :plan WHERE id = :id"),
            {"plan": plan, "id": uuid.UUID(str(user_id))},
        )


async def plaid_connection(
    db: Database, plaid_provider: Any, *, plan: str = "PRO", **options: Any
) -> tuple[uuid.UUID, uuid.UUID, str]:
    """An organization with a Plaid connection whose accounts the first sync brings."""
    public = await plaid_provider.sandbox_public_token("ins_3", options or None)
    link = await plaid_provider.exchange(public)
    user, org = await insert_org(db, plan=plan)
    connection = new_id()
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO bank_connections (id, organization_id, user_id, provider,"
                " provider_item_id, institution_id, institution_name, access_token_sealed)"
                " VALUES (:id, :org, :user, 'PLAID', :item, 'ins_3', 'Chase', :token)"
            ),
            {
                "id": connection,
                "org": org,
                "user": user,
                "item": link.item_id,
                "token": VAULT.seal(link.access_token),
            },
        )
    return org, connection, link.access_token
