"""idempotency keys: the first result of an idempotent create, per user, organization, RPC, key

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 12:00:00

server/platform/interceptors/idempotency.py claims, completes and releases these rows. The table
stays outside row-level security (see server/platform/idempotency/models.py): a key belongs to a
user, some keys to no organization, and every statement filters by the user. The server role's
grants come from 0002's default privileges. The scope's uniqueness treats a NULL organization as one
value (NULLS NOT DISTINCT, PostgreSQL 15+).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLE = "idempotency_keys"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_sha256", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("response", sa.LargeBinary(), nullable=True),
        sa.Column("response_headers", postgresql.JSONB(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_idempotency_keys_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "user_id",
            "method",
            "key",
            "organization_id",
            name="uq_idempotency_keys_scope",
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_index("ix_idempotency_keys_created_at", TABLE, ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name=TABLE)
    op.drop_table(TABLE)
