"""goals: savings goals, their milestones and monthly progress

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 17:30:00
"""

import sqlalchemy as sa
from alembic import op

from server.platform.db import rls

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLES = ("goals", "goal_milestones", "goal_progress")
CATEGORIES = (
    "'EMERGENCY_FUND', 'RETIREMENT', 'INVESTMENT', 'HOME', 'VEHICLE', 'EDUCATION', 'TRAVEL', "
    "'DEBT_PAYOFF', 'CUSTOM'"
)


def _organization(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organization_id"],
        ["organizations.id"],
        name=op.f(f"fk_{table}_organization_id_organizations"),
        ondelete="CASCADE",
    )


def _goal(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["goal_id"], ["goals.id"], name=op.f(f"fk_{table}_goal_id_goals"), ondelete="CASCADE"
    )


def upgrade() -> None:
    target = sa.Numeric(precision=14, scale=2)
    amount = sa.Numeric(precision=18, scale=2)
    now = sa.text("now()")
    op.create_table(
        "goals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("target_amount", target, nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("current_amount", amount, server_default="0", nullable=False),
        sa.Column("status", sa.String(length=12), server_default="IN_PROGRESS", nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_type", sa.String(length=8), server_default="MANUAL", nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.CheckConstraint(f"category IN ({CATEGORIES})", name=op.f("ck_goals_category")),
        sa.CheckConstraint(
            "status IN ('IN_PROGRESS', 'COMPLETED', 'ABANDONED')", name=op.f("ck_goals_status")
        ),
        sa.CheckConstraint(
            "source_type IN ('ACCOUNT', 'WALLET', 'MANUAL')", name=op.f("ck_goals_source_type")
        ),
        sa.CheckConstraint("target_amount > 0", name=op.f("ck_goals_target_positive")),
        sa.CheckConstraint(
            "(source_type = 'MANUAL') = (source_id IS NULL)", name=op.f("ck_goals_source_id")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_goals_created_by_users"),
            ondelete="SET NULL",
        ),
        _organization("goals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    op.create_index("ix_goals_organization_created", "goals", ["organization_id", "created_at"])
    op.create_table(
        "goal_milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("target_amount", target, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("target_amount > 0", name=op.f("ck_goal_milestones_target_positive")),
        _goal("goal_milestones"),
        _organization("goal_milestones"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_milestones")),
    )
    op.create_index("ix_goal_milestones_goal", "goal_milestones", ["goal_id"])
    op.create_table(
        "goal_progress",
        sa.Column("goal_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("amount", amount, nullable=False),
        _goal("goal_progress"),
        _organization("goal_progress"),
        sa.PrimaryKeyConstraint("goal_id", "month", name=op.f("pk_goal_progress")),
    )
    for table in TABLES:
        for statement in rls.tenant_table(table):
            op.execute(statement)


def downgrade() -> None:
    for table in reversed(TABLES):
        for statement in rls.drop_tenant_table(table):
            op.execute(statement)
        op.drop_table(table)
