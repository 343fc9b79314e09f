"""net worth: daily balance-sheet snapshots per organization

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 12:25:00
"""

import sqlalchemy as sa
from alembic import op

from server.platform.db import rls

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

FIGURES = (
    "cash",
    "crypto",
    "investments",
    "real_estate",
    "vehicles",
    "other_assets",
    "credit_cards",
    "loans",
    "mortgages",
)


def upgrade() -> None:
    money = sa.Numeric(precision=16, scale=2)
    op.create_table(
        "networth_snapshots",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("total_net_worth", money, nullable=False),
        sa.Column("total_assets", money, nullable=False),
        sa.Column("total_liabilities", money, nullable=False),
        *(sa.Column(name, money, server_default="0", nullable=False) for name in FIGURES),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_networth_snapshots_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_networth_snapshots")),
        # Also the index of every history and snapshot query (organization, then days).
        sa.UniqueConstraint("organization_id", "snapshot_date", name="uq_networth_snapshots_day"),
    )
    for statement in rls.tenant_table("networth_snapshots"):
        op.execute(statement)


def downgrade() -> None:
    for statement in rls.drop_tenant_table("networth_snapshots"):
        op.execute(statement)
    op.drop_table("networth_snapshots")
