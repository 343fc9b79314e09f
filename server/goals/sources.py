"""The amounts goals follow, read from the tables of the domains that own them (by name, as
the plan catalog and the balance sheet read them, so goals import no other domain's code).

ACCOUNT: a bank account's balance (financial_accounts) or an asset account's value
(asset_accounts), as stored in the account's own currency. WALLET: the sum of the wallet's
token positions in USD (crypto_positions.value_usd, as the last sync priced them). The session
is bound to the organization, so row-level security hides every other organization's sources
as well as the explicit filters do.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import column, func, select, table, union_all
from sqlalchemy.ext.asyncio import AsyncSession

_bank = table("financial_accounts", column("id"), column("organization_id"), column("balance"))
_assets = table("asset_accounts", column("id"), column("organization_id"), column("balance"))
_wallets = table("crypto_wallets", column("id"), column("organization_id"))
_positions = table(
    "crypto_positions", column("wallet_id"), column("organization_id"), column("value_usd")
)


async def account_balances(
    s: AsyncSession, organization_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, Decimal]:
    """The balance of each of `ids` that is a bank or asset account of the organization."""
    if not ids:
        return {}
    parts = [
        select(t.c.id, t.c.balance).where(t.c.organization_id == organization_id, t.c.id.in_(ids))
        for t in (_bank, _assets)
    ]
    rows = await s.execute(union_all(*parts))
    return {row_id: Decimal(balance) for row_id, balance in rows.all()}


async def wallet_values(
    s: AsyncSession, organization_id: uuid.UUID, ids: set[uuid.UUID]
) -> dict[uuid.UUID, Decimal]:
    """The USD value of each of `ids` that is a crypto wallet of the organization."""
    if not ids:
        return {}
    value = (
        select(func.coalesce(func.sum(_positions.c.value_usd), 0))
        .where(_positions.c.wallet_id == _wallets.c.id)
        .scalar_subquery()
    )
    rows = await s.execute(
        select(_wallets.c.id, value).where(
            _wallets.c.organization_id == organization_id, _wallets.c.id.in_(ids)
        )
    )
    return {row_id: Decimal(total) for row_id, total in rows.all()}
