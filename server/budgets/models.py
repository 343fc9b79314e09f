"""Tables of budgets: tenant-owned, under row-level security (server/platform/db/rls.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt, TenantId, UpdatedAt

PERIODS = ("MONTHLY", "QUARTERLY", "YEARLY", "CUSTOM")
SOURCE_TYPES = ("CATEGORY", "ACCOUNT", "ALL")


class Budget(Base):
    __tablename__ = "budgets"
    __table_args__ = (
        CheckConstraint(f"period IN {PERIODS}", name="period"),
        CheckConstraint(f"source_type IN {SOURCE_TYPES}", name="source_type"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        Index("ix_budgets_organization_created", "organization_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    period: Mapped[str] = mapped_column(String(10))
    source_type: Mapped[str] = mapped_column(String(10))
    source_id: Mapped[str | None] = mapped_column(String(64))
    # The first period; later periods follow on from it (server/budgets/progress.py).
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    rollover_enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class BudgetAlert(Base):
    __tablename__ = "budget_alerts"
    __table_args__ = (
        CheckConstraint("threshold BETWEEN 1 AND 1000", name="threshold"),
        Index("uq_budget_alerts_budget_threshold", "budget_id", "threshold", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Carried on the alert too, so RLS isolates it without a join.
    organization_id: Mapped[TenantId]
    budget_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("budgets.id", ondelete="CASCADE"))
    threshold: Mapped[int] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # The start of the budget period whose crossing was mailed: one mail per alert per period.
    notified_period_start: Mapped[dt.date | None] = mapped_column(Date)
