"""Crypto data written straight into PostgreSQL (as the schema owner, past RLS) for read
tests: portfolio arithmetic, list filters, tenancy. Syncs that fetch this data from the
provider are tested through the sandbox."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, update

import server.schema as _every_table  # noqa: F401  (foreign keys resolve by name)
from server.crypto.models import (
    DefiPosition,
    Nft,
    NftCollection,
    Position,
    Transaction,
    Wallet,
)
from server.platform.common.ids import new_id
from server.platform.db.database import Database


async def insert_wallet(
    db: Database,
    organization_id: str | uuid.UUID,
    *,
    name: str = "Main Ethereum Wallet",
    address: str | None = None,
    network: str = "ETHEREUM",
    is_active: bool = True,
    notes: str | None = "Main wallet for DeFi",
) -> uuid.UUID:
    """A wallet with no sync queued (one added through the route starts its first sync)."""
    wid = new_id()
    async with db.transaction() as s:
        await s.execute(
            insert(Wallet).values(
                id=wid,
                organization_id=organization_id,
                name=name,
                address=address or "0x" + wid.hex + "00000000",
                network=network,
                is_active=is_active,
                notes=notes,
            )
        )
    return wid


async def insert_position(
    db: Database,
    wallet_id: str | uuid.UUID,
    organization_id: str | uuid.UUID,
    *,
    symbol: str = "ETH",
    name: str = "Ethereum",
    quantity: str = "5.234",
    price: str = "2358.90",
    change_24h: str = "3.45",
    category: str = "ethereum",
    contract: str | None = None,
) -> uuid.UUID:
    pid = new_id()
    q, p = Decimal(quantity), Decimal(price)
    async with db.transaction() as s:
        await s.execute(
            insert(Position).values(
                id=pid,
                organization_id=organization_id,
                wallet_id=wallet_id,
                symbol=symbol,
                name=name,
                contract=contract,
                category=category,
                quantity=q,
                price_usd=p,
                value_usd=(q * p).quantize(Decimal("0.01")),
                change_24h=Decimal(change_24h),
            )
        )
    await refresh_totals(db, wallet_id)
    return pid


async def refresh_totals(db: Database, wallet_id: str | uuid.UUID) -> None:
    """The totals a sync would leave: the positions' value and count, synced now."""
    from server.crypto.sync import _totals

    async with db.transaction() as s:
        totals = await _totals(s, uuid.UUID(str(wallet_id)))
        await s.execute(
            update(Wallet)
            .where(Wallet.id == wallet_id)
            .values(
                total_balance_usd=totals["value"],
                asset_count=int(totals["totalAssets"]),
                sync_status="completed",
                sync_job_id=None,
                last_sync_at=dt.datetime.now(dt.UTC),
            )
        )


async def insert_transaction(
    db: Database,
    wallet_id: str | uuid.UUID,
    organization_id: str | uuid.UUID,
    *,
    type: str = "SWAP",
    at: dt.datetime | None = None,
    hash: str | None = None,
    **fields: Any,
) -> uuid.UUID:
    tid = new_id()
    values: dict[str, Any] = {
        "id": tid,
        "organization_id": organization_id,
        "wallet_id": wallet_id,
        "chain": "ETHEREUM",
        "hash": hash or f"0x{tid.hex}{tid.hex}",
        "log_index": 0,
        "type": type,
        "sent_symbol": "ETH",
        "sent_name": "Ethereum",
        "sent_amount": Decimal("1.5"),
        "received_symbol": "USDC",
        "received_name": "USD Coin",
        "received_amount": Decimal("2500.00"),
        "occurred_at": at or dt.datetime(2025, 1, 21, 8, 30, tzinfo=dt.UTC),
        "block_number": 19234567,
        "gas_used": Decimal(123456),
        "fee_amount": Decimal("0.015"),
        "fee_usd": Decimal("35.40"),
        "status": "completed",
        **fields,
    }
    async with db.transaction() as s:
        await s.execute(insert(Transaction).values(**values))
    return tid


async def insert_nfts(
    db: Database,
    wallet_id: str | uuid.UUID,
    organization_id: str | uuid.UUID,
    *,
    name: str = "Bored Ape Yacht Club",
    address: str = "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d",
    token_ids: tuple[str, ...] = ("123", "456"),
    floor: str = "34.5",
    floor_usd: str = "81750.50",
) -> uuid.UUID:
    cid = new_id()
    async with db.transaction() as s:
        await s.execute(
            insert(NftCollection).values(
                id=cid,
                organization_id=organization_id,
                wallet_id=wallet_id,
                name=name,
                address=address,
                floor_price=Decimal(floor),
                floor_price_usd=Decimal(floor_usd),
                change_24h=Decimal("2.34"),
            )
        )
        for token_id in token_ids:
            await s.execute(
                insert(Nft).values(
                    id=new_id(),
                    organization_id=organization_id,
                    wallet_id=wallet_id,
                    collection_id=cid,
                    token_id=token_id,
                    name=f"Bored Ape #{token_id}",
                    image=f"ipfs://QmApe/{token_id}",
                    rarity="legendary" if token_id == "123" else None,
                )
            )
    await refresh_totals(db, wallet_id)
    return cid


async def insert_defi(
    db: Database, wallet_id: str | uuid.UUID, organization_id: str | uuid.UUID
) -> uuid.UUID:
    did = new_id()
    async with db.transaction() as s:
        await s.execute(
            insert(DefiPosition).values(
                id=did,
                organization_id=organization_id,
                wallet_id=wallet_id,
                protocol="AAVE",
                type="lending",
                supplied={"symbol": "ETH", "amount": "10.5", "value": "24768.90"},
                borrowed={"symbol": "USDC", "amount": "5000", "value": "5000.00"},
                rewards=[{"symbol": "aAAVE", "amount": "2.34", "value": "456.78"}],
                net_value=Decimal("20225.68"),
                health_factor=Decimal("2.45"),
            )
        )
    await refresh_totals(db, wallet_id)
    return did
