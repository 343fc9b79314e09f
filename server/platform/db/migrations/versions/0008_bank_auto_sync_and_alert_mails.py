"""bank auto-sync (the connections due for a sync, across organizations); budget alert mails

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 20:05:00

The worker acts as the application role, under row-level security, and a periodic sweep has no
organization: this function (the owner's, SECURITY DEFINER) hands it the ids of ACTIVE
auto-sync connections whose `syncFrequency` has passed since their last sync, and nothing else.
"""

import sqlalchemy as sa
from alembic import op

from server.platform.db.rls import APP_ROLE

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("budget_alerts", sa.Column("notified_period_start", sa.Date(), nullable=True))
    op.execute(
        """
        CREATE FUNCTION fingate_due_bank_connections(max_rows integer)
        RETURNS TABLE (organization_id uuid, connection_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT organization_id, id FROM bank_connections
            WHERE status = 'ACTIVE' AND auto_sync
              AND (last_sync_at IS NULL
                   OR last_sync_at < now() - CAST(sync_frequency AS interval))
            ORDER BY last_sync_at NULLS FIRST
            LIMIT max_rows
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION fingate_due_bank_connections(integer) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION fingate_due_bank_connections(integer) TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_column("budget_alerts", "notified_period_start")
    op.execute("DROP FUNCTION IF EXISTS fingate_due_bank_connections(integer)")
