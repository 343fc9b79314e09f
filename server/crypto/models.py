"""Tables of crypto wallets: tenant-owned, under row-level security (server/platform/db/rls.py).

A wallet's positions, NFTs and DeFi positions are what its last sync saw: a sync replaces them
in one transaction, so a reader sees the old set or the new one, never half. Transactions are
history: a sync upserts them on (wallet, chain, hash, log index), so a re-sync never
duplicates one. Token amounts keep 18 decimals (the smallest unit of most tokens); USD values
are NUMERIC to the cent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.crypto.networks import NAMES as NETWORKS
from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt, TenantId, UpdatedAt

WALLET_TYPES = ("EXTERNAL", "WATCH_ONLY")
SYNC_STATUSES = ("pending", "syncing", "completed", "failed")

Amount = Numeric(38, 18)  # token units
Usd = Numeric(20, 2)
Percent = Numeric(12, 4)


def _wallet() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("crypto_wallets.id", ondelete="CASCADE"))


class Wallet(Base):
    __tablename__ = "crypto_wallets"
    __table_args__ = (
        CheckConstraint(f"network IN {NETWORKS}", name="network"),
        CheckConstraint(f"type IN {WALLET_TYPES}", name="type"),
        CheckConstraint(f"sync_status IN {SYNC_STATUSES}", name="sync_status"),
        # One wallet per address and network in an organization (409 WALLET_ALREADY_ADDED).
        UniqueConstraint("organization_id", "network", "address", name="uq_crypto_wallets_address"),
        Index("ix_crypto_wallets_organization_created", "organization_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(128))
    network: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16), server_default="EXTERNAL")
    notes: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    total_balance_usd: Mapped[Decimal] = mapped_column(Usd, server_default="0")
    asset_count: Mapped[int] = mapped_column(Integer, server_default="0")
    sync_status: Mapped[str] = mapped_column(String(16), server_default="pending")
    # The last failed sync's reason, shown on the progress stream; NULL once one completes.
    sync_error: Mapped[str | None] = mapped_column(String(200))
    # The job of the sync queued or running, and when it was asked for: a sync silent for
    # longer than its job could run is taken as dead and no longer blocks a new one.
    sync_job_id: Mapped[int | None] = mapped_column(BigInteger)
    sync_requested_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The newest transaction time synced: an incremental sync asks the provider from there.
    transactions_cursor: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Position(Base):
    __tablename__ = "crypto_positions"
    __table_args__ = (Index("ix_crypto_positions_wallet", "wallet_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    wallet_id: Mapped[uuid.UUID] = _wallet()
    symbol: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    # The token's contract; NULL for the chain's native asset.
    contract: Mapped[str | None] = mapped_column(String(128))
    # stablecoin, native, defi or other: the portfolio's breakdown by category.
    category: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal] = mapped_column(Amount)
    price_usd: Mapped[Decimal] = mapped_column(Numeric(30, 10))
    value_usd: Mapped[Decimal] = mapped_column(Usd)
    change_24h: Mapped[Decimal] = mapped_column(Percent)
    updated_at: Mapped[CreatedAt]


class Transaction(Base):
    __tablename__ = "crypto_transactions"
    __table_args__ = (
        UniqueConstraint(
            "wallet_id", "chain", "hash", "log_index", name="uq_crypto_transactions_identity"
        ),
        Index("ix_crypto_transactions_wallet_time", "wallet_id", text("occurred_at DESC"), "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    wallet_id: Mapped[uuid.UUID] = _wallet()
    chain: Mapped[str] = mapped_column(String(16))
    hash: Mapped[str] = mapped_column(String(128))
    log_index: Mapped[int] = mapped_column(Integer, server_default="0")
    type: Mapped[str] = mapped_column(String(32))
    sent_symbol: Mapped[str | None] = mapped_column(String(32))
    sent_name: Mapped[str | None] = mapped_column(String(100))
    sent_amount: Mapped[Decimal | None] = mapped_column(Amount)
    received_symbol: Mapped[str | None] = mapped_column(String(32))
    received_name: Mapped[str | None] = mapped_column(String(100))
    received_amount: Mapped[Decimal | None] = mapped_column(Amount)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    block_number: Mapped[int] = mapped_column(BigInteger)
    gas_used: Mapped[Decimal | None] = mapped_column(Numeric(38, 0))
    fee_amount: Mapped[Decimal] = mapped_column(Amount, server_default="0")
    fee_usd: Mapped[Decimal] = mapped_column(Usd, server_default="0")
    status: Mapped[str] = mapped_column(String(16))


class NftCollection(Base):
    __tablename__ = "crypto_nft_collections"
    __table_args__ = (Index("ix_crypto_nft_collections_wallet", "wallet_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    wallet_id: Mapped[uuid.UUID] = _wallet()
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(128))
    floor_price: Mapped[Decimal] = mapped_column(Amount)
    floor_price_usd: Mapped[Decimal] = mapped_column(Usd)
    change_24h: Mapped[Decimal] = mapped_column(Percent)


class Nft(Base):
    __tablename__ = "crypto_nfts"
    __table_args__ = (Index("ix_crypto_nfts_collection", "collection_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    wallet_id: Mapped[uuid.UUID] = _wallet()
    collection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("crypto_nft_collections.id", ondelete="CASCADE")
    )
    token_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    image: Mapped[str | None] = mapped_column(String(500))
    rarity: Mapped[str | None] = mapped_column(String(32))


class DefiPosition(Base):
    __tablename__ = "crypto_defi_positions"
    __table_args__ = (Index("ix_crypto_defi_positions_wallet", "wallet_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    wallet_id: Mapped[uuid.UUID] = _wallet()
    protocol: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    # {symbol, amount, value} with amounts as strings (JSON has no decimals); NULL for none.
    supplied: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    borrowed: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    rewards: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default="[]")
    net_value: Mapped[Decimal] = mapped_column(Usd)
    health_factor: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    updated_at: Mapped[CreatedAt]


class ProviderCircuit(Base):
    """The portfolio provider's circuit as the sync job last saw it, for every process: while
    `open_until` is ahead, a sync request answers 503 at once instead of queueing a job that
    would fail. Not tenant data: one row per provider."""

    __tablename__ = "crypto_provider_circuits"

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    open_until: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[UpdatedAt]
