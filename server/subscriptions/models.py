"""Tables of the subscriptions domain."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.auth.models import PLANS
from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt, UpdatedAt

STATUSES = ("active", "cancelled")


class Subscription(Base):
    """A user's subscription to a plan. At most one is active per user; replaced and cancelled
    ones stay as history. Payment methods are kept as the provider's id only, never card data.
    """

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(f"plan IN {PLANS}", name="plan"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        # The database, not only the code, guarantees one active subscription per user.
        Index(
            "uq_subscriptions_active_user",
            "user_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    plan: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    # The price per cycle as subscribed: a later catalog change does not rewrite it.
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    billing_cycle: Mapped[str] = mapped_column(String(16), server_default="monthly")
    start_date: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Start of the billing period that is current: the last time the user was billed.
    period_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # None for a plan that does not renew (FREE).
    renewal_date: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    auto_renew: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    payment_method_id: Mapped[str | None] = mapped_column(String(255))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]
