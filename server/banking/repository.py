"""SQL of the banking reads and of storing a provider link, in SQLAlchemy Core.

Every function runs in a tenant transaction, where RLS shows only the current organization's
rows; the explicit organization filters are the first line (and what lets the planner use the
`(organization_id, …)` indexes), RLS the second. Reads return Core rows, never ORM objects:
the transaction list is the hot path.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.banking.account_columns import provider_columns
from server.banking.filters import AccountFilter
from server.banking.models import (
    BankConnection,
    BankTransaction,
    FinancialAccount,
)
from server.providers.base import Link, ProviderAccount

T = BankTransaction.__table__.c
A = FinancialAccount.__table__.c
C = BankConnection.__table__.c

# A user's own category wins over the provider's, for filtering, display and analytics alike
# (a generated column, migration 0008).
EFFECTIVE_CATEGORY = T.effective_category
UNCATEGORIZED = "Uncategorized"


# ---- accounts ------------------------------------------------------------------------------

_ACCOUNT_COLUMNS = (
    A.id,
    A.name,
    A.type,
    A.balance,
    A.currency,
    A.last_four,
    A.sync_status,
    A.last_sync_at,
    A.is_active,
    A.created_at,
    A.updated_at,
    A.connection_id,
    C.institution_name,
    C.institution_id,
    C.status.label("connection_status"),
)


def _accounts() -> Any:
    return select(*_ACCOUNT_COLUMNS).join_from(
        FinancialAccount.__table__, BankConnection.__table__, C.id == A.connection_id
    )


async def list_accounts(
    s: AsyncSession, organization_id: uuid.UUID, f: AccountFilter
) -> tuple[Sequence[Row[Any]], int]:
    where = [A.organization_id == organization_id, A.is_active.is_(f.is_active)]
    if f.type:
        where.append(A.type == f.type)
    stmt = (
        _accounts()
        .add_columns(func.count().over().label("total"))
        .where(*where)
        .order_by(A.created_at, A.id)
        .limit(f.page.limit)
        .offset(f.page.offset)
    )
    rows = (await s.execute(stmt)).all()
    if rows:
        return rows, int(rows[0].total)
    # Past the last page the window has no row to carry the total.
    total = await s.scalar(select(func.count()).select_from(FinancialAccount).where(*where))
    return rows, int(total or 0)


async def get_account(
    s: AsyncSession, organization_id: uuid.UUID, account_id: uuid.UUID
) -> Row[Any] | None:
    stmt = _accounts().where(A.organization_id == organization_id, A.id == account_id)
    return (await s.execute(stmt)).first()


async def account_exists(
    s: AsyncSession, organization_id: uuid.UUID, account_id: uuid.UUID
) -> bool:
    stmt = select(A.id).where(A.organization_id == organization_id, A.id == account_id)
    return (await s.scalar(stmt)) is not None


async def recent_transactions(
    s: AsyncSession, account_id: uuid.UUID, *, limit: int = 10
) -> Sequence[Any]:
    stmt = (
        select(T.id, T.amount, T.description, T.date, T.pending)
        .where(T.account_id == account_id)
        .order_by(T.date.desc(), T.id.desc())
        .limit(limit)
    )
    return (await s.execute(stmt)).all()


# ---- spending analytics --------------------------------------------------------------------


async def spending_by_category(
    s: AsyncSession,
    organization_id: uuid.UUID,
    *,
    previous_start: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    account_id: uuid.UUID | None,
) -> Sequence[Any]:
    """Per category: spent and count in [start, end), spent in [previous_start, start).

    One scan of both periods; spending is money out (negative amounts), summed positive."""
    category = func.coalesce(EFFECTIVE_CATEGORY, UNCATEGORIZED).label("category")
    current = T.date >= start
    where = [
        T.organization_id == organization_id,
        T.amount < 0,
        T.date >= previous_start,
        T.date < end,
    ]
    if account_id is not None:
        where.append(T.account_id == account_id)
    stmt = (
        select(
            category,
            func.coalesce(func.sum(-T.amount).filter(current), 0).label("spent"),
            func.count().filter(current).label("n"),
            func.coalesce(func.sum(-T.amount).filter(~current), 0).label("previous"),
        )
        .where(*where)
        .group_by(category)
    )
    return (await s.execute(stmt)).all()


async def top_merchants(
    s: AsyncSession,
    organization_id: uuid.UUID,
    *,
    categories: list[str],
    start: dt.datetime,
    end: dt.datetime,
    account_id: uuid.UUID | None,
    per_category: int = 3,
) -> Sequence[Any]:
    """The merchants spent at most in each of `categories` within [start, end)."""
    category = func.coalesce(EFFECTIVE_CATEGORY, UNCATEGORIZED)
    where = [
        T.organization_id == organization_id,
        T.amount < 0,
        T.date >= start,
        T.date < end,
        T.merchant_name.is_not(None),
        category.in_(categories),
    ]
    if account_id is not None:
        where.append(T.account_id == account_id)
    spent = func.sum(-T.amount)
    grouped = (
        select(
            category.label("category"),
            T.merchant_name.label("name"),
            spent.label("amount"),
            func.count().label("n"),
            func.row_number()
            .over(partition_by=category, order_by=(spent.desc(), T.merchant_name))
            .label("rank"),
        )
        .where(*where)
        .group_by(category, T.merchant_name)
        .subquery()
    )
    stmt = (
        select(grouped.c.category, grouped.c.name, grouped.c.amount, grouped.c.n)
        .where(grouped.c.rank <= per_category)
        .order_by(grouped.c.category, grouped.c.rank)
    )
    return (await s.execute(stmt)).all()


# ---- storing a link ------------------------------------------------------------------------


async def upsert_connection(
    s: AsyncSession,
    *,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    provider: str,
    link: Link,
    access_token_sealed: str,
    connection_id: uuid.UUID,
) -> tuple[uuid.UUID, dt.datetime, bool]:
    """The organization's ACTIVE connection of this provider item, made or refreshed with the
    newest grant: (id, created_at, whether it was made now). The partial unique index makes
    two concurrent links of one item meet in one row."""
    inst = link.institution
    values = {
        "access_token_sealed": access_token_sealed,
        "institution_id": inst.id,
        "institution_name": inst.name,
        "institution_logo": inst.logo,
        "institution_url": inst.url,
        "updated_at": func.now(),
    }
    stmt = (
        insert(BankConnection)
        .values(
            id=connection_id,
            organization_id=organization_id,
            user_id=user_id,
            provider=provider,
            provider_item_id=link.item_id,
            **values,
        )
        .on_conflict_do_update(
            index_elements=[C.organization_id, C.provider, C.provider_item_id],
            # A literal, as the partial index has it: PostgreSQL infers the arbiter index from
            # the predicate's text, which a bound parameter does not match.
            index_where=text("status = 'ACTIVE'"),
            set_=values,
        )
        .returning(C.id, C.created_at, (C.id == connection_id).label("created"))
    )
    row = (await s.execute(stmt)).one()
    return row.id, row.created_at, bool(row.created)


async def existing_provider_accounts(s: AsyncSession, connection_id: uuid.UUID) -> set[str]:
    stmt = select(A.provider_account_id).where(A.connection_id == connection_id)
    return set((await s.execute(stmt)).scalars())


async def upsert_account(
    s: AsyncSession,
    *,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    account: ProviderAccount,
    account_number_sealed: str | None,
    account_id: uuid.UUID,
) -> None:
    """An account of the link: added, or its provider facts refreshed (a relink)."""
    values: dict[str, Any] = {**provider_columns(account), "updated_at": func.now()}
    if account_number_sealed is not None:
        values["account_number_sealed"] = account_number_sealed
    stmt = (
        insert(FinancialAccount)
        .values(
            id=account_id,
            organization_id=organization_id,
            connection_id=connection_id,
            provider_account_id=account.provider_account_id,
            **values,
        )
        .on_conflict_do_update(index_elements=[A.connection_id, A.provider_account_id], set_=values)
    )
    await s.execute(stmt)


async def linked_accounts(
    s: AsyncSession, connection_id: uuid.UUID, provider_account_ids: list[str]
) -> Sequence[Any]:
    """The connection's accounts with these provider ids, in that order."""
    stmt = (
        _accounts()
        .add_columns(A.provider_account_id)
        .where(
            A.connection_id == connection_id,
            A.provider_account_id.in_(provider_account_ids),
        )
    )
    rows = {r.provider_account_id: r for r in (await s.execute(stmt)).all()}
    return [rows[p] for p in provider_account_ids if p in rows]
