"""bank accounts keep the provider's own subtype (a mortgage among loans)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 12:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "financial_accounts", sa.Column("provider_subtype", sa.String(length=64), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("financial_accounts", "provider_subtype")
