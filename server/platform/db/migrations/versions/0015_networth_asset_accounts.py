"""net worth: asset accounts (a house, a car, an investment valued by hand)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:10:00
"""

import sqlalchemy as sa
from alembic import op

from server.platform.db import rls

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asset_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("balance", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("original_value", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("appreciation_rate", sa.Numeric(precision=7, scale=4), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "type IN ('REAL_ESTATE', 'VEHICLE', 'INVESTMENT', 'CUSTOM')",
            name=op.f("ck_asset_accounts_type"),
        ),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_asset_accounts_balance")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_asset_accounts_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_asset_accounts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset_accounts")),
    )
    op.create_index(
        "ix_asset_accounts_organization_created",
        "asset_accounts",
        ["organization_id", "created_at"],
    )
    for statement in rls.tenant_table("asset_accounts"):
        op.execute(statement)


def downgrade() -> None:
    for statement in rls.drop_tenant_table("asset_accounts"):
        op.execute(statement)
    op.drop_table("asset_accounts")
