"""Tables of goals: tenant-owned, under row-level security (server/platform/db/rls.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt, TenantId, UpdatedAt

CATEGORIES = (
    "EMERGENCY_FUND",
    "RETIREMENT",
    "INVESTMENT",
    "HOME",
    "VEHICLE",
    "EDUCATION",
    "TRAVEL",
    "DEBT_PAYOFF",
    "CUSTOM",
)
STATUSES = ("IN_PROGRESS", "COMPLETED", "ABANDONED")
SOURCE_TYPES = ("ACCOUNT", "WALLET", "MANUAL")
Target = Numeric(14, 2)
# A source's balance: bank balances are Numeric(18, 2) and may be negative.
Amount = Numeric(18, 2)


def _goal() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (
        CheckConstraint(f"category IN {CATEGORIES}", name="category"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"source_type IN {SOURCE_TYPES}", name="source_type"),
        CheckConstraint("target_amount > 0", name="target_positive"),
        CheckConstraint("(source_type = 'MANUAL') = (source_id IS NULL)", name="source_id"),
        Index("ix_goals_organization_created", "organization_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[TenantId]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    target_amount: Mapped[Decimal] = mapped_column(Target)
    target_date: Mapped[dt.date] = mapped_column(Date)
    # The amount last observed: the source's balance, or the one set by hand for MANUAL.
    current_amount: Mapped[Decimal] = mapped_column(Amount, server_default="0")
    status: Mapped[str] = mapped_column(String(12), server_default="IN_PROGRESS")
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    source_type: Mapped[str] = mapped_column(String(8), server_default="MANUAL")
    # A bank account, an asset account or a crypto wallet of the same organization. No foreign
    # key: it names one of three tables, and deleting the source leaves the goal at its last
    # observed amount.
    source_id: Mapped[uuid.UUID | None]
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class GoalMilestone(Base):
    __tablename__ = "goal_milestones"
    __table_args__ = (
        CheckConstraint("target_amount > 0", name="target_positive"),
        Index("ix_goal_milestones_goal", "goal_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # Carried on the milestone too, so RLS isolates it without a join.
    organization_id: Mapped[TenantId]
    goal_id: Mapped[uuid.UUID] = _goal()
    title: Mapped[str] = mapped_column(String(100))
    target_amount: Mapped[Decimal] = mapped_column(Target)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class GoalProgress(Base):
    """The goal's amount on the last day of a month it was observed in: no source keeps its own
    balance history (net-worth snapshots hold only an organization's totals)."""

    __tablename__ = "goal_progress"

    goal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True
    )
    # The month's first day: one row per goal and month.
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    organization_id: Mapped[TenantId]
    observed_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Amount)
