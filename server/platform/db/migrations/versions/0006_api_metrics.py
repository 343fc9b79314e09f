"""api request metrics and the admin user list index

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-24 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_request_stats",
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("endpoint", sa.String(length=300), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("error_count", sa.BigInteger(), nullable=False),
        sa.Column("total_ms", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("bucket_start", "endpoint", name=op.f("pk_api_request_stats")),
    )
    op.create_index("ix_users_created_at_id", "users", ["created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_users_created_at_id", table_name="users")
    op.drop_table("api_request_stats")
