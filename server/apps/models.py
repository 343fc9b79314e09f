"""Tables of app connections (Stripe, Slack, QuickBooks, Xero): tenant-owned, under row-level
security (server/platform/db/rls.py), except the webhook inbox, which is keyed by the
provider's company before any organization is known."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt, TenantId, UpdatedAt

SERVICES = ("stripe", "slack", "quickbooks", "xero")
STATUSES = ("pending", "connected", "expired", "error", "revoked")
RUN_STATUSES = ("running", "completed", "failed")
SYNC_TYPES = ("full", "incremental")


class AppConnection(Base):
    """One user's grant of access to one service: the OAuth tokens, sealed
    (server/platform/encryption.py), and what fingate does with them."""

    __tablename__ = "app_connections"
    __table_args__ = (
        CheckConstraint(f"service IN {SERVICES}", name="service"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        Index("ix_app_connections_organization_user", "organization_id", "user_id", "created_at"),
        # The webhook's lookup: which connections read this QuickBooks company.
        Index(
            "ix_app_connections_service_account",
            "service",
            "account_id",
            postgresql_where=text("status = 'connected'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    service: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default="pending")
    permissions: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    access_token: Mapped[str | None] = mapped_column(Text)  # sealed
    refresh_token: Mapped[str | None] = mapped_column(Text)  # sealed
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The provider's own account: Stripe's account, Slack's team, QuickBooks' realm, Xero's
    # tenant. Not secret.
    account_id: Mapped[str | None] = mapped_column(String(128))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    # Why the connection is `error` or `expired` (the provider's error code), for support.
    status_reason: Mapped[str | None] = mapped_column(String(255))
    connected_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    refreshed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sync_status: Mapped[str | None] = mapped_column(String(16))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class OAuthState(Base):
    """An authorization in flight: the state is stored as its SHA-256 only (a database read
    cannot complete someone's flow), with the PKCE verifier sealed."""

    __tablename__ = "app_oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[TenantId]
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_connections.id", ondelete="CASCADE"), index=True
    )
    service: Mapped[str] = mapped_column(String(16))
    redirect_uri: Mapped[str] = mapped_column(Text)
    code_verifier: Mapped[str] = mapped_column(Text)  # sealed
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[CreatedAt]


class SyncRun(Base):
    """One sync of a connection and what it did."""

    __tablename__ = "app_sync_runs"
    __table_args__ = (
        CheckConstraint(f"status IN {RUN_STATUSES}", name="status"),
        CheckConstraint(f"sync_type IN {SYNC_TYPES}", name="sync_type"),
        Index("ix_app_sync_runs_connection_started", "connection_id", "started_at"),
        # At most one running sync per connection, whatever races.
        Index(
            "uq_app_sync_runs_running",
            "connection_id",
            unique=True,
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_connections.id", ondelete="CASCADE")
    )
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    sync_type: Mapped[str] = mapped_column(String(16))
    data_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    records_processed: Mapped[int] = mapped_column(Integer, server_default="0")
    records_synced: Mapped[int] = mapped_column(Integer, server_default="0")
    errors: Mapped[int] = mapped_column(Integer, server_default="0")
    error: Mapped[str | None] = mapped_column(String(255))


class AppRecord(Base):
    """A record read from a service, stored as seed 002's "Data Mapping" document and keyed
    by the provider's id, so syncing again updates instead of duplicating."""

    __tablename__ = "app_records"

    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_connections.id", ondelete="CASCADE"), primary_key=True
    )
    data_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    organization_id: Mapped[TenantId]
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    provider_updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    synced_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class QuickBooksEvent(Base):
    """A QuickBooks change notification, stored once per (company, event) whatever Intuit
    redelivers, until the job that re-reads its entities has run."""

    __tablename__ = "quickbooks_webhook_events"

    realm_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    entities: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    received_at: Mapped[CreatedAt]
    processed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
