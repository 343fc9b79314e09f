"""exchange rates (units of each currency per US dollar, per day) and the organizations the
daily net-worth snapshot covers

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 12:35:00
"""

import sqlalchemy as sa
from alembic import op

from server.platform.db.rls import APP_ROLE

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Not tenant data: outside row-level security; the server role's grants come from 0002's
    # default privileges.
    op.create_table(
        "exchange_rates",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("per_usd", sa.Numeric(precision=20, scale=8), nullable=False),
        sa.PrimaryKeyConstraint("day", "currency", name=op.f("pk_exchange_rates")),
    )
    # The daily snapshot job visits every organization that holds something to value;
    # SECURITY DEFINER because row-level security hides other organizations from the server role.
    op.execute(
        """
        CREATE FUNCTION fingate_networth_organizations()
        RETURNS TABLE (organization_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT organization_id FROM financial_accounts
            UNION SELECT organization_id FROM crypto_wallets
            UNION SELECT organization_id FROM asset_accounts
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION fingate_networth_organizations() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION fingate_networth_organizations() TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS fingate_networth_organizations()")
    op.drop_table("exchange_rates")
