"""Wallet syncs: asking for one (one queued or running per wallet) and the job that runs it.

The job fetches from the portfolio provider first and writes after, in one transaction:
positions, NFTs and DeFi positions are replaced, transactions upserted on (wallet, chain,
hash, log index), the wallet's totals and status set. A reader sees the whole previous sync
or the whole new one. Progress goes out on the organization's event channel
(server/crypto/events.py) as it happens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from procrastinate import JobContext
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.crypto import categories, circuit, events, networks
from server.crypto.models import DefiPosition, Nft, NftCollection, Position, Transaction, Wallet
from server.crypto.provider import portfolio_provider
from server.platform.common.ids import new_ids
from server.platform.db.copy import copy_records
from server.platform.db.database import Database
from server.platform.errors import SyncInProgress
from server.platform.jobs import queues
from server.platform.jobs.app import JobQueue, app, runtime
from server.platform.metrics.prometheus import observe_sync
from server.platform.tenancy.session import bind_organization
from server.providers.errors import FAILURES, Kind, classify, translate
from server.providers.zerion import CircuitOpen

log = logging.getLogger("fingate.crypto.sync")

SYNC_TYPES = ("assets", "transactions", "nfts", "defi")
# Rough seconds each part takes, for the documented estimatedCompletionTime.
_SECONDS = {"assets": 5, "transactions": 30, "nfts": 10, "defi": 5}
# A sync whose job has not moved for this long died without saying so; it no longer blocks.
STALE_AFTER = dt.timedelta(minutes=15)
_CENT = Decimal("0.01")


def lock_for(wallet_id: uuid.UUID | str) -> str:
    return f"crypto-wallet:{wallet_id}"


async def request_sync(
    s: AsyncSession,
    jobs: JobQueue,
    wallet: Wallet,
    *,
    sync_types: Sequence[str],
    full_sync: bool,
) -> tuple[int, dt.datetime]:
    """Queues a sync of `wallet` (locked by the caller's transaction) and marks it pending;
    (job id, estimated completion). SyncInProgress while one is queued or running."""
    now = dt.datetime.now(dt.UTC)
    busy = wallet.sync_status in ("pending", "syncing") and wallet.sync_job_id is not None
    if busy and wallet.sync_requested_at and wallet.sync_requested_at > now - STALE_AFTER:
        raise SyncInProgress("Sync already in progress for this wallet")
    lock = lock_for(wallet.id)
    job_id = await jobs.defer(
        sync_wallet,
        queueing_lock=lock,
        lock=lock,
        organization_id=str(wallet.organization_id),
        wallet_id=str(wallet.id),
        sync_types=list(sync_types),
        full_sync=full_sync,
    )
    if job_id is None:
        raise SyncInProgress("Sync already in progress for this wallet")
    await s.execute(
        update(Wallet)
        .where(Wallet.id == wallet.id)
        .values(sync_status="pending", sync_job_id=job_id, sync_requested_at=now)
    )
    estimated = now + dt.timedelta(seconds=sum(_SECONDS[t] for t in sync_types))
    return job_id, estimated


@app.task(name="crypto.sync_wallet", queue=queues.CRYPTO_SYNC, pass_context=True)
async def sync_wallet(
    context: JobContext,
    organization_id: str,
    wallet_id: str,
    sync_types: list[str],
    full_sync: bool = False,
) -> dict[str, int]:
    """Brings one wallet up to date with the portfolio provider."""
    rt = runtime(context)
    return await run(
        rt.db,
        portfolio_provider(rt.settings),
        organization_id=uuid.UUID(organization_id),
        wallet_id=uuid.UUID(wallet_id),
        sync_types=tuple(sync_types),
        full_sync=full_sync,
    )


_STEPS = (
    ("assets", 25, "syncing_assets", "Fetching asset positions..."),
    ("transactions", 50, "syncing_transactions", "Fetching transaction history..."),
    ("nfts", 75, "syncing_nfts", "Fetching NFT collections..."),
)


@dataclass(slots=True)
class Fetched:
    positions: list[Any] | None = None
    transactions: list[Any] | None = None
    nfts: list[Any] | None = None
    defi: list[Any] | None = None
    reached: bool = False  # the wallet was there and the provider was asked

    def rows(self) -> int:
        return sum(len(x) for x in (self.positions, self.transactions, self.nfts, self.defi) if x)


async def run(
    db: Database,
    provider: Any,
    *,
    organization_id: uuid.UUID,
    wallet_id: uuid.UUID,
    sync_types: Sequence[str],
    full_sync: bool,
) -> dict[str, int]:
    """Fetches what `sync_types` ask for, then writes it all in one transaction. Each run that
    reached the provider is timed and its rows counted (fingate_sync_*)."""
    began = time.perf_counter()
    fetched = Fetched()
    outcome = "error"
    try:
        totals = await _run(
            db,
            provider,
            fetched,
            organization_id=organization_id,
            wallet_id=wallet_id,
            sync_types=sync_types,
            full_sync=full_sync,
        )
        outcome = "error" if "failed" in totals else "ok"
        return totals
    finally:
        if fetched.reached:
            observe_sync(
                "crypto",
                circuit.PROVIDER,
                outcome=outcome,
                seconds=time.perf_counter() - began,
                rows=fetched.rows(),
            )


async def _run(
    db: Database,
    provider: Any,
    fetched: Fetched,
    *,
    organization_id: uuid.UUID,
    wallet_id: uuid.UUID,
    sync_types: Sequence[str],
    full_sync: bool,
) -> dict[str, int]:
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        wallet = (
            await s.execute(
                select(Wallet).where(Wallet.id == wallet_id).with_for_update(key_share=True)
            )
        ).scalar_one_or_none()
        if wallet is None:
            return {"deleted": 1}  # removed while the job waited
        await s.execute(update(Wallet).where(Wallet.id == wallet_id).values(sync_status="syncing"))
        address, network, name = wallet.address, wallet.network, wallet.name
        found = networks.find(network)
        assert found is not None  # the table's check constraint admits no other
        chain = found.chain_id
        since = None if full_sync else wallet.transactions_cursor
    await events.publish(
        db,
        organization_id,
        {
            "type": "sync_started",
            "walletId": str(wallet_id),
            "walletName": name,
            "timestamp": events.now(),
        },
    )
    fetched.reached = True
    try:
        for kind, progress, status, message in _STEPS:
            wanted = kind in sync_types or (kind == "nfts" and "defi" in sync_types)
            if not wanted:
                continue
            await events.publish(
                db,
                organization_id,
                {
                    "type": "progress",
                    "walletId": str(wallet_id),
                    "progress": progress,
                    "status": status,
                    "message": message,
                },
            )
            if kind == "assets":
                fetched.positions = await provider.positions(address, chain)
            elif kind == "transactions":
                fetched.transactions = []
                async for page in provider.transactions(address, chain, since):
                    fetched.transactions.extend(page)
            else:
                if "nfts" in sync_types:
                    fetched.nfts = await provider.nfts(address, chain)
                if "defi" in sync_types:
                    fetched.defi = await provider.defi(address, chain)
        totals = await _write(db, organization_id, wallet_id, network, fetched)
        if "deleted" in totals:
            return totals
    except FAILURES as error:
        await _failed(db, organization_id, wallet_id, error)
        return {"failed": 1}
    except Exception:
        # Not the provider (the database went away mid-write, a bug): the wallet and its
        # streams still learn the sync ended (if the database lets them); the job keeps the
        # error for the queue's figures.
        with contextlib.suppress(Exception):
            await _failed(db, organization_id, wallet_id, None)
        raise
    await events.publish(
        db,
        organization_id,
        {"type": "completed", "walletId": str(wallet_id), **totals, "timestamp": events.now()},
    )
    return totals


async def _failed(
    db: Database, organization_id: uuid.UUID, wallet_id: uuid.UUID, error: Exception | None
) -> None:
    if error is None:
        reason = "Sync failed"
    elif classify(error) is Kind.OUTAGE:
        reason = "Provider temporarily unavailable"
    else:
        reason = translate(error, field="address").message[:200]
    # Only an open circuit is recorded for every process; one failed sync is not an outage.
    retry_after = error.retry_after if isinstance(error, CircuitOpen) else None
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        await s.execute(
            update(Wallet)
            .where(Wallet.id == wallet_id)
            .values(sync_status="failed", sync_error=reason, sync_job_id=None)
        )
        if retry_after:
            await circuit.record_open(s, float(retry_after))
    kind = type(error).__name__ if error is not None else "unexpected"
    log.warning("wallet sync failed", extra={"error_type": kind})
    await events.publish(
        db,
        organization_id,
        {"type": "failed", "walletId": str(wallet_id), "error": reason, "timestamp": events.now()},
    )


def _usd(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(_CENT)


def _chunks(rows: list[dict[str, Any]], size: int = 1000) -> list[list[dict[str, Any]]]:
    # PostgreSQL takes at most 32,767 bound values per statement.
    return [rows[i : i + size] for i in range(0, len(rows), size)]


async def _write(
    db: Database,
    organization_id: uuid.UUID,
    wallet_id: uuid.UUID,
    network: str,
    fetched: Fetched,
) -> dict[str, int]:
    """Everything fetched, in one transaction, with the wallet's new totals and status."""
    now = dt.datetime.now(dt.UTC)
    owner = {"organization_id": organization_id, "wallet_id": wallet_id}
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        # Held to the commit: a delete of the wallet waits for this write, or this write
        # finds the wallet gone (deleted while the provider was being asked) and stores nothing.
        held = await s.execute(
            select(Wallet.id).where(Wallet.id == wallet_id).with_for_update(key_share=True)
        )
        if held.scalar_one_or_none() is None:
            return {"deleted": 1}
        if fetched.positions is not None:
            await s.execute(delete(Position).where(Position.wallet_id == wallet_id))
            rows = [
                {
                    **owner,
                    "symbol": p.symbol,
                    "name": p.name,
                    "contract": p.contract,
                    "category": categories.category(
                        p.symbol, native=p.contract is None, network=network
                    ),
                    "quantity": p.quantity,
                    "price_usd": p.price_usd or Decimal(0),
                    "value_usd": _usd(p.value_usd),
                    "change_24h": p.change_24h_percent or Decimal(0),
                    "updated_at": now,
                }
                for p in fetched.positions
            ]
            for chunk in _chunks(rows):
                await s.execute(insert(Position), chunk)
        if fetched.transactions is not None:
            await _upsert_transactions(s, owner, network, fetched.transactions)
        if fetched.nfts is not None:
            await _replace_nfts(s, owner, fetched.nfts)
        if fetched.defi is not None:
            await s.execute(delete(DefiPosition).where(DefiPosition.wallet_id == wallet_id))
            for d in fetched.defi:
                supplied = _legs(d.supplied)
                borrowed = _legs(d.borrowed)
                rewards = _legs(d.rewards) or []
                net = sum(Decimal(x["value"]) for x in [*supplied, *rewards]) - sum(
                    Decimal(x["value"]) for x in borrowed
                )
                s.add(
                    DefiPosition(
                        **owner,
                        protocol=d.protocol,
                        type=d.type,
                        supplied=supplied[0] if supplied else None,
                        borrowed=borrowed[0] if borrowed else None,
                        rewards=rewards,
                        net_value=_usd(Decimal(net)),
                        health_factor=d.health_factor,
                        updated_at=now,
                    )
                )
            await s.flush()
        totals = await _totals(s, wallet_id)
        cursor = (
            await s.execute(
                select(func.max(Transaction.occurred_at)).where(Transaction.wallet_id == wallet_id)
            )
        ).scalar_one()
        await s.execute(
            update(Wallet)
            .where(Wallet.id == wallet_id)
            .values(
                total_balance_usd=totals["value"],
                asset_count=totals["totalAssets"],
                sync_status="completed",
                sync_error=None,
                sync_job_id=None,
                last_sync_at=now,
                transactions_cursor=cursor,
            )
        )
        await circuit.record_closed(s)
    return {k: int(v) for k, v in totals.items() if k != "value"}


def _legs(legs: Any) -> list[dict[str, Any]]:
    """Provider legs as stored JSON: amounts and values as strings (JSON has no decimals)."""
    if legs is None:
        return []
    if not isinstance(legs, list | tuple):
        legs = [legs]
    return [
        {
            "symbol": x.symbol,
            "amount": format(x.amount.normalize(), "f"),
            "value": str(_usd(x.value_usd)),
        }
        for x in legs
    ]


_STAGE_COLUMNS = (
    "id",
    "organization_id",
    "wallet_id",
    "chain",
    "hash",
    "log_index",
    "type",
    "sent_symbol",
    "sent_name",
    "sent_amount",
    "received_symbol",
    "received_name",
    "received_amount",
    "occurred_at",
    "block_number",
    "gas_used",
    "fee_amount",
    "fee_usd",
    "status",
)
# Per database connection, emptied at every commit (server/platform/db/copy.py).
_CREATE_STAGE = text(
    "CREATE TEMP TABLE IF NOT EXISTS crypto_transactions_stage"
    " (LIKE crypto_transactions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
)
# A re-sync sees the same transactions again: it may move one from pending to completed or
# failed, never add it twice.
_MERGE_STAGE = text(
    f"""
    INSERT INTO crypto_transactions ({", ".join(_STAGE_COLUMNS)})
    SELECT {", ".join(_STAGE_COLUMNS)} FROM crypto_transactions_stage
    ON CONFLICT ON CONSTRAINT uq_crypto_transactions_identity DO UPDATE SET
        status = EXCLUDED.status, fee_usd = EXCLUDED.fee_usd
    WHERE (crypto_transactions.status, crypto_transactions.fee_usd)
          IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.fee_usd)
    """
)


async def _upsert_transactions(
    s: AsyncSession, owner: dict[str, Any], network: str, found: list[Any]
) -> None:
    # One row per identity: one INSERT may not update a row twice.
    latest = {(t.hash, t.log_index): t for t in found}
    org, wallet = owner["organization_id"], owner["wallet_id"]
    records = [
        (
            row_id,
            org,
            wallet,
            network,
            t.hash,
            t.log_index,
            t.type,
            t.sent.symbol if t.sent else None,
            t.sent.name if t.sent else None,
            t.sent.amount if t.sent else None,
            t.received.symbol if t.received else None,
            t.received.name if t.received else None,
            t.received.amount if t.received else None,
            t.timestamp,
            t.block_number or 0,
            None if t.gas_used is None else Decimal(t.gas_used),
            t.fee_amount or Decimal(0),
            _usd(t.fee_usd),
            t.status,
        )
        for row_id, t in zip(new_ids(len(latest)), latest.values(), strict=True)
    ]
    if records:
        await s.execute(_CREATE_STAGE)
        await copy_records(s, "crypto_transactions_stage", records, _STAGE_COLUMNS)
        await s.execute(_MERGE_STAGE)


async def _replace_nfts(s: AsyncSession, owner: dict[str, Any], found: list[Any]) -> None:
    await s.execute(delete(NftCollection).where(NftCollection.wallet_id == owner["wallet_id"]))
    collections: dict[str, NftCollection] = {}
    for item in found:
        col = collections.get(item.collection_id)
        if col is None:
            col = collections[item.collection_id] = NftCollection(
                **owner,
                name=item.collection_name,
                address=item.collection_address,
                floor_price=item.floor_price or Decimal(0),
                floor_price_usd=_usd(item.floor_price_usd),
                change_24h=item.change_24h_percent or Decimal(0),
            )
            s.add(col)
    await s.flush()
    for item in found:
        s.add(
            Nft(
                **owner,
                collection_id=collections[item.collection_id].id,
                token_id=item.token_id,
                name=item.name,
                image=item.image,
                rarity=item.rarity,
            )
        )
    await s.flush()


async def _totals(s: AsyncSession, wallet_id: uuid.UUID) -> dict[str, Decimal]:
    """The wallet's value (tokens + DeFi net + NFT floors) and counts, from what is stored."""
    tokens = select(func.coalesce(func.sum(Position.value_usd), 0), func.count()).where(
        Position.wallet_id == wallet_id
    )
    value, assets = (await s.execute(tokens)).one()
    defi = (
        await s.execute(
            select(func.coalesce(func.sum(DefiPosition.net_value), 0)).where(
                DefiPosition.wallet_id == wallet_id
            )
        )
    ).scalar_one()
    nft_value, nft_count = (
        await s.execute(
            select(func.coalesce(func.sum(NftCollection.floor_price_usd), 0), func.count(Nft.id))
            .select_from(Nft)
            .join(NftCollection, NftCollection.id == Nft.collection_id)
            .where(Nft.wallet_id == wallet_id)
        )
    ).one()
    count = (
        await s.execute(
            select(func.count()).select_from(Transaction).where(Transaction.wallet_id == wallet_id)
        )
    ).scalar_one()
    return {
        "value": Decimal(value) + Decimal(defi) + Decimal(nft_value),
        "totalAssets": Decimal(assets),
        "totalTransactions": Decimal(count),
        "totalNfts": Decimal(nft_count),
    }


AUTO_SYNC_BATCH = 500


# Active wallets due by their plan (server/platform/db/migrations 0014) are queued every five
# minutes; the queueing lock keeps one queued or running sync per wallet.
@app.periodic(cron="*/5 * * * *", periodic_id="crypto-auto-sync")
@app.task(name="crypto.auto_sync", queue=queues.CRYPTO_SYNC, pass_context=True)
async def auto_sync(context: JobContext, timestamp: int | None = None) -> int:
    rt = runtime(context)
    async with rt.db.transaction() as s:
        due = (
            await s.execute(
                text("SELECT * FROM fingate_due_crypto_wallets(:n)"), {"n": AUTO_SYNC_BATCH}
            )
        ).all()
    queued = 0
    for organization_id, wallet_id in due:
        lock = lock_for(wallet_id)
        try:
            await sync_wallet.configure(queueing_lock=lock, lock=lock).defer_async(
                organization_id=str(organization_id),
                wallet_id=str(wallet_id),
                sync_types=list(SYNC_TYPES),
                full_sync=False,
            )
        except AlreadyEnqueued:
            continue
        queued += 1
    return queued
