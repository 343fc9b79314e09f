"""The table of idempotency keys: one row per (user, organization, RPC, key)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from server.platform.db.base import Base

# Outside row-level security, unlike the tenant tables: a key belongs to a user first (some
# idempotent RPCs, such as Subscribe, act in no organization), and the interceptor claims it
# before any tenant transaction exists. Every statement on it filters by user_id, and the row
# is only ever answered to that user, in the same organization, for the same RPC.
# What a key is unique within: one user's calls of one RPC in one organization (or none).
SCOPE = ("user_id", "method", "key", "organization_id")

idempotency_keys = Table(
    "idempotency_keys",
    Base.metadata,
    Column("user_id", Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # NULL for RPCs that act in no organization.
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True
    ),
    # The RPC's method path: /fingate.banking.v1.BankingService/ConnectAccounts.
    Column("method", String(200), nullable=False),
    Column("key", String(255), nullable=False),
    # sha256 of the request message, to tell a retry from another request under the same key.
    Column("request_sha256", LargeBinary, nullable=False),
    # When the current claim began: expiry (24 h) and abandonment (in progress too long) count
    # from it.
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The serialized response message; NULL while the first call is in progress.
    Column("response", LargeBinary, nullable=True),
    # Response headers the servicer set, as [[name, value], …].
    Column("response_headers", JSONB, nullable=True),
    # One row per scope; NULL organizations compare equal (PostgreSQL 15+). The organization
    # goes last: lookups compare it with IS NOT DISTINCT FROM, which no index key serves.
    UniqueConstraint(*SCOPE, name="uq_idempotency_keys_scope", postgresql_nulls_not_distinct=True),
    Index("ix_idempotency_keys_created_at", "created_at"),
)
