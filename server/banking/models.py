"""The one bank data model under three facades (Mappr banking, seed 000 connections, Dashtam):
provider connections → financial accounts → transactions, with sync states and sync logs.

Every row carries `organization_id` and sits under row-level security (migration 0007). The
cascade of seed 000's delete is the foreign keys': deleting a connection removes its accounts,
their transactions, its sync state and its sync logs in the same statement.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt, TenantId, UpdatedAt
from server.providers.base import ACCOUNT_SUBTYPES, ACCOUNT_TYPES, PROVIDERS

CONNECTION_STATUSES = ("ACTIVE", "DISCONNECTED", "FAILED")
SYNC_STATUSES = ("PENDING", "IN_PROGRESS", "SUCCESS", "FAILED", "PAUSED")
# Seed 004 renders an account's sync status in lower case: "pending", "completed".
ACCOUNT_SYNC_STATUSES = ("pending", "syncing", "completed", "failed")
# Seed 000 `syncFrequency` ("6h"); also the auto-sync schedule (server/banking/sync).
SYNC_FREQUENCIES = ("1h", "6h", "12h", "24h")


class BankConnection(Base):
    __tablename__ = "bank_connections"
    __table_args__ = (
        CheckConstraint(f"provider IN {PROVIDERS}", name="provider"),
        CheckConstraint(f"status IN {CONNECTION_STATUSES}", name="status"),
        CheckConstraint(f"last_sync_status IN {SYNC_STATUSES}", name="last_sync_status"),
        CheckConstraint(f"sync_frequency IN {SYNC_FREQUENCIES}", name="sync_frequency"),
        # One live link per provider item in an organization: a relink reuses it.
        Index(
            "uq_bank_connections_active_item",
            "organization_id",
            "provider",
            "provider_item_id",
            unique=True,
            postgresql_where=text("status = 'ACTIVE'"),
        ),
        Index("ix_bank_connections_organization_created", "organization_id", "created_at"),
        # The auto-sync sweep: ACTIVE connections by when they last synced.
        Index(
            "ix_bank_connections_auto_sync",
            "last_sync_at",
            postgresql_where=text("status = 'ACTIVE' AND auto_sync"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    # The member who linked it (seed 000 `userId`).
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    provider: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), server_default=text("'ACTIVE'"))
    # Plaid's item id, Teller's enrollment id.
    provider_item_id: Mapped[str] = mapped_column(String(128))
    institution_id: Mapped[str | None] = mapped_column(String(128))
    institution_name: Mapped[str | None] = mapped_column(String(200))
    institution_logo: Mapped[str | None] = mapped_column(Text)
    institution_url: Mapped[str | None] = mapped_column(Text)
    # Sealed with server.platform.encryption.Vault; never rendered.
    access_token_sealed: Mapped[str] = mapped_column(Text)
    # Plaid /transactions/sync cursor of the last committed page ('' = from the beginning).
    sync_cursor: Mapped[str] = mapped_column(Text, server_default=text("''"))
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_sync_status: Mapped[str] = mapped_column(String(12), server_default=text("'PENDING'"))
    auto_sync: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    sync_frequency: Mapped[str] = mapped_column(String(4), server_default=text("'6h'"))
    last_error: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class FinancialAccount(Base):
    __tablename__ = "financial_accounts"
    __table_args__ = (
        CheckConstraint(f"type IN {ACCOUNT_TYPES}", name="type"),
        CheckConstraint(f"subtype IN {ACCOUNT_SUBTYPES}", name="subtype"),
        CheckConstraint(f"sync_status IN {ACCOUNT_SYNC_STATUSES}", name="sync_status"),
        # Upserts from a sync key on the provider's id within the connection.
        Index(
            "uq_financial_accounts_provider_account",
            "connection_id",
            "provider_account_id",
            unique=True,
        ),
        Index("ix_financial_accounts_organization_created", "organization_id", "created_at"),
        # What a transaction's (account, organization) foreign key refers to (migration 0013).
        UniqueConstraint("id", "organization_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bank_connections.id", ondelete="CASCADE")
    )
    provider_account_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(12))
    subtype: Mapped[str] = mapped_column(String(16))
    # The provider's own subtype, lower case ("mortgage"); NULL where it gives none.
    provider_subtype: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), server_default=text("'USD'"))
    balance: Mapped[Decimal] = mapped_column(Numeric(18, 2), server_default=text("0"))
    available_balance: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    last_four: Mapped[str | None] = mapped_column(String(4))
    # The full number, sealed; responses carry `****` + last_four only.
    account_number_sealed: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), server_default=text("'open'"))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    sync_status: Mapped[str] = mapped_column(String(10), server_default=text("'pending'"))
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class BankTransaction(Base):
    __tablename__ = "bank_transactions"
    __table_args__ = (
        # Idempotent ingest: a re-sync or a relink upserts on the provider's id.
        Index(
            "uq_bank_transactions_provider_id",
            "account_id",
            "provider_transaction_id",
            unique=True,
        ),
        # The list's default order and its date range, per organization and per account.
        Index("ix_bank_transactions_org_date", "organization_id", "date", "id"),
        Index("ix_bank_transactions_account_date", "account_id", "date", "id"),
        # The list filtered by category (migration 0008): in date order within the category,
        # with the amount at hand for the amount filters and the summary (index-only scans).
        Index(
            "ix_bank_transactions_org_effective_category_date",
            "organization_id",
            "effective_category",
            "date",
            "id",
            postgresql_include=["amount"],
        ),
        # One key for both (migration 0013): a transaction belongs to an account of its own
        # organization, and ingest pays one referential check per row instead of two. Deleting
        # an organization still cascades: organization → accounts → transactions.
        ForeignKeyConstraint(
            ["account_id", "organization_id"],
            ["financial_accounts.id", "financial_accounts.organization_id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID]
    account_id: Mapped[uuid.UUID]
    provider_transaction_id: Mapped[str] = mapped_column(String(128))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # negative = money out
    description: Mapped[str] = mapped_column(Text)
    merchant_name: Mapped[str | None] = mapped_column(String(200))
    merchant_category: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(100))
    subcategory: Mapped[str | None] = mapped_column(String(100))
    date: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    timestamp: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    pending: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    currency_code: Mapped[str] = mapped_column(String(3), server_default=text("'USD'"))
    # A user's own category and note survive re-syncs and the pending → posted replacement.
    user_category: Mapped[str | None] = mapped_column(String(100))
    # What every read shows and filters by: the user's category over the provider's. Stored
    # and indexed rather than computed in queries: under row-level security PostgreSQL does
    # not use an index for a COALESCE condition (it cannot prove the expression leakproof),
    # while a plain column comparison is.
    effective_category: Mapped[str | None] = mapped_column(
        String(100), Computed("coalesce(user_category, category)", persisted=True)
    )
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class BankSyncState(Base):
    """Progress of a connection's current (or last) sync: one row per connection."""

    __tablename__ = "bank_sync_states"
    __table_args__ = (
        CheckConstraint(f"status IN {SYNC_STATUSES}", name="status"),
        Index("uq_bank_sync_states_connection", "connection_id", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bank_connections.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(12), server_default=text("'PENDING'"))
    sync_type: Mapped[str] = mapped_column(String(12), server_default=text("'incremental'"))
    job_id: Mapped[int | None] = mapped_column(Integer)
    # The account a client asked to sync (seed 004 POST /banking/accounts/{id}/sync), if any.
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("financial_accounts.id", ondelete="SET NULL")
    )
    pages: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    added: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    modified: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    removed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[UpdatedAt]


class BankSyncLog(Base):
    """One finished (or failed) sync of a connection: the history under the sync state."""

    __tablename__ = "bank_sync_logs"
    __table_args__ = (
        CheckConstraint(f"status IN {SYNC_STATUSES}", name="status"),
        Index("ix_bank_sync_logs_connection_started", "connection_id", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bank_connections.id", ondelete="CASCADE")
    )
    sync_type: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    job_id: Mapped[int | None] = mapped_column(Integer)
    added: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    modified: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    removed: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[CreatedAt]
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class BankTransactionTotals(Base):
    """Per account: how many transactions, money in and money out (positive), kept by
    statement-level triggers on bank_transactions (migration 0010) in the writing statement's
    own transaction, so every writer (sync, COPY, a test factory) keeps them exact.

    The transaction list's summary over an organization or one account, the unfiltered list
    that a million-row organization opens with, reads these rows instead of aggregating every
    transaction (about 200 ms at 1,000,000 rows on 2 cores). One row per account keeps two
    syncs of different connections from contending on a row."""

    __tablename__ = "bank_transaction_totals"
    __table_args__ = (Index("ix_bank_transaction_totals_organization", "organization_id"),)

    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("financial_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[TenantId]
    transactions: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    income: Mapped[Decimal] = mapped_column(Numeric(20, 2), server_default=text("0"))
    expenses: Mapped[Decimal] = mapped_column(Numeric(20, 2), server_default=text("0"))


class BankDataVersion(Base):
    """Per organization: a counter that every statement writing its transactions moves on
    (the totals triggers, migration 0011). Figures cached over the transactions are keyed by
    it, so a cached figure is never served for data it was not computed from."""

    __tablename__ = "bank_data_versions"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
