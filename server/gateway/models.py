"""Tables of the banking gateway: system-level, not any organization's (its callers are internal
services and ADMIN users), so outside row-level security; every query names what it reads."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt, UpdatedAt

TYPES = ("PLAID", "TELLER", "ACH", "SWIFT")
INTEGRATION_STATUSES = ("ACTIVE", "INACTIVE")
HEALTH = ("HEALTHY", "DEGRADED", "UNAVAILABLE")
# SCHEDULED: waiting for its date; PROCESSING: attempts under way; PENDING: a rail has it;
# COMPLETED / FAILED: settled, or every rail refused it.
PAYMENT_STATUSES = ("SCHEDULED", "PROCESSING", "PENDING", "COMPLETED", "FAILED")
# SUBMITTING: recorded before the call (a crash leaves evidence); SUBMITTED: the rail has it;
# NOT_EXECUTED: it certainly does not; UNRESOLVED: it may, and its rail could not say.
ATTEMPT_OUTCOMES = ("SUBMITTING", "SUBMITTED", "NOT_EXECUTED", "UNRESOLVED")


class ServicePrincipal(Base):
    """An internal service's identity: a user row of role SERVICE that cannot sign in, with a
    client id and a hashed secret it exchanges for tokens (server/gateway/principals.py)."""

    __tablename__ = "service_principals"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class GatewayIntegration(Base):
    __tablename__ = "gateway_integrations"
    __table_args__ = (
        CheckConstraint(f"type IN {TYPES}", name="type"),
        CheckConstraint(f"status IN {INTEGRATION_STATUSES}", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), server_default="ACTIVE")
    config: Mapped[str] = mapped_column(Text)  # sealed JSON: it holds API keys
    last_authenticated: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class IntegrationHealth(Base):
    """The latest probe of an integration (the minute job writes it)."""

    __tablename__ = "gateway_integration_health"
    __table_args__ = (CheckConstraint(f"status IN {HEALTH}", name="status"),)

    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gateway_integrations.id", ondelete="CASCADE"), primary_key=True
    )
    authenticated: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(12))
    message: Mapped[str | None] = mapped_column(String(255))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Payment(Base):
    __tablename__ = "gateway_payments"
    __table_args__ = (
        CheckConstraint(f"status IN {PAYMENT_STATUSES}", name="status"),
        CheckConstraint("amount > 0", name="amount"),
        # One payment per caller and reference: the natural key of a retry without a header.
        Index(
            "uq_gateway_payments_reference",
            "principal_id",
            "reference_id",
            unique=True,
            postgresql_where=text("reference_id IS NOT NULL"),
        ),
        Index(
            "ix_gateway_payments_due",
            "scheduled_at",
            postgresql_where=text("status = 'SCHEDULED'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    principal_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reference_id: Mapped[str | None] = mapped_column(String(128))
    # sha256 of the request: a reference reused with another body is a conflict, not a retry.
    request_sha256: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    currency: Mapped[str] = mapped_column(String(3))
    from_account: Mapped[str] = mapped_column(String(128))
    to_account: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(String(500))
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSONB)
    preferred: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12))
    integration_name: Mapped[str | None] = mapped_column(String(64))
    rail_transaction_id: Mapped[str | None] = mapped_column(String(128))
    failure: Mapped[list[dict[str, str]] | None] = mapped_column(JSONB)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class PaymentAttempt(Base):
    """One try of a payment at one rail, recorded before the rail is called."""

    __tablename__ = "gateway_payment_attempts"
    __table_args__ = (CheckConstraint(f"outcome IN {ATTEMPT_OUTCOMES}", name="outcome"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("gateway_payments.id", ondelete="CASCADE"), index=True
    )
    integration_name: Mapped[str] = mapped_column(String(64))
    # The idempotency key the rail saw: one per payment and integration, so a status lookup
    # (or a retry after a crash) names the same payment at that rail.
    attempt_key: Mapped[str] = mapped_column(String(128), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500))
    rail_transaction_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
