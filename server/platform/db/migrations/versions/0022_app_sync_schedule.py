"""apps: the connections a scheduled sync may be due for (their frequency and last sync)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 18:20:00
"""

from alembic import op

from server.platform.db.rls import APP_ROLE

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

SIGNATURE = "fingate_app_connections_scheduled()"
# SECURITY DEFINER: the schedule starts from the clock, not from an organization, and row-level
# security hides other organizations from the server role.
BODY = """
    RETURNS TABLE (
        organization_id uuid, connection_id uuid, frequency text, last_sync_at timestamptz
    )
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT organization_id, id, settings ->> 'syncFrequency', last_sync_at
        FROM app_connections
        WHERE status = 'connected'
          AND coalesce(settings ->> 'syncFrequency', 'daily') <> 'manual'
    $$"""


def upgrade() -> None:
    op.execute(f"CREATE FUNCTION {SIGNATURE} {BODY}")
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
