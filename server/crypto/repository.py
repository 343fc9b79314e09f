"""SQL of the crypto tables. Every statement runs in a tenant transaction (row-level
security) and still names the organization, so an index serves it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.crypto.models import DefiPosition, Nft, NftCollection, Position, Transaction, Wallet
from server.platform.common.pagination import PageRequest


async def wallet(
    s: AsyncSession, organization_id: uuid.UUID, wallet_id: uuid.UUID, *, lock: bool = False
) -> Wallet | None:
    stmt = select(Wallet).where(Wallet.organization_id == organization_id, Wallet.id == wallet_id)
    if lock:
        # A key-share lock conflicts only with deletes and key changes: the sync job's status
        # updates wait for this transaction, reads do not.
        stmt = stmt.with_for_update(key_share=True)
    return (await s.execute(stmt)).scalar_one_or_none()


async def wallets(
    s: AsyncSession,
    organization_id: uuid.UUID,
    *,
    network: str | None,
    is_active: bool,
    page: PageRequest,
) -> tuple[Sequence[Wallet], int]:
    where = [Wallet.organization_id == organization_id, Wallet.is_active == is_active]
    if network:
        where.append(Wallet.network == network)
    total = (await s.execute(select(func.count()).select_from(Wallet).where(*where))).scalar_one()
    rows = (
        await s.execute(
            select(Wallet)
            .where(*where)
            .order_by(Wallet.created_at, Wallet.id)
            .limit(page.limit)
            .offset(page.offset)
        )
    ).scalars()
    return list(rows), int(total)


async def address_taken(
    s: AsyncSession, organization_id: uuid.UUID, network: str, address: str
) -> bool:
    stmt = select(literal(True)).where(
        Wallet.organization_id == organization_id,
        Wallet.network == network,
        Wallet.address == address,
    )
    return (await s.execute(stmt)).scalar_one_or_none() is not None


async def positions(s: AsyncSession, wallet_id: uuid.UUID) -> Sequence[Position]:
    stmt = (
        select(Position)
        .where(Position.wallet_id == wallet_id)
        .order_by(Position.value_usd.desc(), Position.symbol)
    )
    return list((await s.execute(stmt)).scalars())


async def delete_wallet(s: AsyncSession, organization_id: uuid.UUID, wallet_id: uuid.UUID) -> bool:
    stmt = (
        delete(Wallet)
        .where(Wallet.organization_id == organization_id, Wallet.id == wallet_id)
        .returning(Wallet.id)
    )
    return (await s.execute(stmt)).scalar_one_or_none() is not None


async def update_wallet(s: AsyncSession, wallet: Wallet, **values: Any) -> None:
    if values:
        await s.execute(update(Wallet).where(Wallet.id == wallet.id).values(**values))
        await s.refresh(wallet)


async def transactions(
    s: AsyncSession,
    wallet_id: uuid.UUID,
    *,
    type: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    page: PageRequest,
) -> tuple[Sequence[Transaction], int]:
    where = [Transaction.wallet_id == wallet_id]
    if type:
        where.append(Transaction.type == type)
    if start is not None:
        where.append(Transaction.occurred_at >= start)
    if end is not None:
        where.append(Transaction.occurred_at < end)
    total = (
        await s.execute(select(func.count()).select_from(Transaction).where(*where))
    ).scalar_one()
    rows = (
        await s.execute(
            select(Transaction)
            .where(*where)
            .order_by(Transaction.occurred_at.desc(), Transaction.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
    ).scalars()
    return list(rows), int(total)


def _collection_filter(collection: str) -> Any:
    parsed: uuid.UUID | None
    try:
        parsed = uuid.UUID(collection)
    except ValueError:
        parsed = None
    match = [
        func.lower(NftCollection.address) == collection.lower(),
        func.lower(NftCollection.name) == collection.lower(),
    ]
    if parsed is not None:
        match.append(NftCollection.id == parsed)
    return or_(*match)


async def nfts(
    s: AsyncSession, wallet_id: uuid.UUID, *, collection: str | None, page: PageRequest
) -> tuple[Sequence[Any], Sequence[Any]]:
    """The page's NFTs with their collection, and per matched collection its NFT count."""
    where = [NftCollection.wallet_id == wallet_id]
    if collection:
        where.append(_collection_filter(collection))
    counts = (
        await s.execute(
            select(NftCollection, func.count(Nft.id).label("nft_count"))
            .join(Nft, Nft.collection_id == NftCollection.id)
            .where(*where)
            .group_by(NftCollection.id)
            .order_by(NftCollection.name, NftCollection.id)
        )
    ).all()
    items = (
        await s.execute(
            select(Nft, NftCollection)
            .join(NftCollection, Nft.collection_id == NftCollection.id)
            .where(*where)
            .order_by(NftCollection.name, NftCollection.id, Nft.token_id)
            .limit(page.limit)
            .offset(page.offset)
        )
    ).all()
    return items, counts


async def defi_positions(s: AsyncSession, wallet_id: uuid.UUID) -> Sequence[DefiPosition]:
    stmt = (
        select(DefiPosition)
        .where(DefiPosition.wallet_id == wallet_id)
        .order_by(DefiPosition.net_value.desc(), DefiPosition.id)
    )
    return list((await s.execute(stmt)).scalars())


async def portfolio_wallets(s: AsyncSession, organization_id: uuid.UUID) -> Any:
    """Count, total and last sync of the organization's active wallets."""
    stmt = select(
        func.count(Wallet.id).label("wallets"),
        func.coalesce(func.sum(Wallet.total_balance_usd), 0).label("total"),
        func.max(Wallet.last_sync_at).label("last_sync_at"),
    ).where(Wallet.organization_id == organization_id, Wallet.is_active)
    return (await s.execute(stmt)).one()


def _active(organization_id: uuid.UUID) -> Any:
    return and_(Wallet.organization_id == organization_id, Wallet.is_active)


async def portfolio_assets(s: AsyncSession, organization_id: uuid.UUID) -> Sequence[Any]:
    """Positions of active wallets merged by symbol, largest value first: quantity, value,
    the value 24 hours ago (value / (1 + change)), a name and the highest price seen."""
    before = Position.value_usd / (1 + Position.change_24h / 100)
    stmt = (
        select(
            Position.symbol,
            func.min(Position.name).label("name"),
            func.sum(Position.quantity).label("quantity"),
            func.sum(Position.value_usd).label("value"),
            func.sum(before).label("value_before"),
            func.max(Position.price_usd).label("price"),
        )
        .join(Wallet, Wallet.id == Position.wallet_id)
        .where(_active(organization_id))
        .group_by(Position.symbol)
        .order_by(func.sum(Position.value_usd).desc(), Position.symbol)
    )
    return (await s.execute(stmt)).all()


async def portfolio_by_network(s: AsyncSession, organization_id: uuid.UUID) -> dict[str, Decimal]:
    stmt = (
        select(Wallet.network, func.sum(Wallet.total_balance_usd))
        .where(_active(organization_id))
        .group_by(Wallet.network)
    )
    return {network: Decimal(total) for network, total in (await s.execute(stmt)).all()}


async def portfolio_by_category(s: AsyncSession, organization_id: uuid.UUID) -> dict[str, Decimal]:
    """Token positions by their category, plus DeFi net value and NFT floor value."""
    tokens = (
        select(Position.category, func.sum(Position.value_usd))
        .join(Wallet, Wallet.id == Position.wallet_id)
        .where(_active(organization_id))
        .group_by(Position.category)
    )
    found = {category: Decimal(total) for category, total in (await s.execute(tokens)).all()}
    defi = (
        await s.execute(
            select(func.sum(DefiPosition.net_value))
            .join(Wallet, Wallet.id == DefiPosition.wallet_id)
            .where(_active(organization_id))
        )
    ).scalar_one()
    nft = (
        await s.execute(
            select(func.sum(NftCollection.floor_price_usd))
            .select_from(Nft)
            .join(NftCollection, NftCollection.id == Nft.collection_id)
            .join(Wallet, Wallet.id == Nft.wallet_id)
            .where(_active(organization_id))
        )
    ).scalar_one()
    if defi:
        found["defi"] = found.get("defi", Decimal(0)) + Decimal(defi)
    if nft:
        found["nft"] = found.get("nft", Decimal(0)) + Decimal(nft)
    return found
