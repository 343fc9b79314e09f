"""Tables of net worth: tenant-owned, under row-level security (server/platform/db/rls.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt, TenantId, UpdatedAt

ASSET_TYPES = ("REAL_ESTATE", "VEHICLE", "INVESTMENT", "CUSTOM")
Money = Numeric(16, 2)


class AssetAccount(Base):
    """A possession the user values by hand: its balance is its current value."""

    __tablename__ = "asset_accounts"
    __table_args__ = (
        CheckConstraint(f"type IN {ASSET_TYPES}", name="type"),
        CheckConstraint("balance >= 0", name="balance"),
        Index("ix_asset_accounts_organization_created", "organization_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(16))
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    description: Mapped[str | None] = mapped_column(Text)
    original_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    purchase_date: Mapped[dt.date | None] = mapped_column(Date)
    appreciation_rate: Mapped[Decimal | None] = mapped_column(Numeric(7, 4))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Snapshot(Base):
    """One organization's balance sheet on one day, in the base currency: the daily job writes
    one a day (re-running a day replaces it), the history rolls them up."""

    __tablename__ = "networth_snapshots"
    __table_args__ = (
        UniqueConstraint("organization_id", "snapshot_date", name="uq_networth_snapshots_day"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    snapshot_date: Mapped[dt.date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    total_net_worth: Mapped[Decimal] = mapped_column(Money)
    total_assets: Mapped[Decimal] = mapped_column(Money)
    total_liabilities: Mapped[Decimal] = mapped_column(Money)
    cash: Mapped[Decimal] = mapped_column(Money, server_default="0")
    crypto: Mapped[Decimal] = mapped_column(Money, server_default="0")
    investments: Mapped[Decimal] = mapped_column(Money, server_default="0")
    real_estate: Mapped[Decimal] = mapped_column(Money, server_default="0")
    vehicles: Mapped[Decimal] = mapped_column(Money, server_default="0")
    other_assets: Mapped[Decimal] = mapped_column(Money, server_default="0")
    credit_cards: Mapped[Decimal] = mapped_column(Money, server_default="0")
    loans: Mapped[Decimal] = mapped_column(Money, server_default="0")
    mortgages: Mapped[Decimal] = mapped_column(Money, server_default="0")
    created_at: Mapped[CreatedAt]


class ExchangeRate(Base):
    """Units of a currency per US dollar on a day, as the rate source published them. Not
    tenant data: every organization converts with the same rates."""

    __tablename__ = "exchange_rates"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    per_usd: Mapped[Decimal] = mapped_column(Numeric(20, 8))
