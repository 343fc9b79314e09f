"""gateway: whether an account id names one of a provider's stored accounts (internal reads)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 19:05:00
"""

from alembic import op

from server.platform.db.rls import APP_ROLE

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

SIGNATURE = "fingate_provider_account_exists(uuid, text)"
# SECURITY DEFINER like fingate_account_transactions: internal callers read across
# organizations, which row-level security hides from the server role.
BODY = """
    RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT EXISTS (
            SELECT 1 FROM financial_accounts a
            JOIN bank_connections c ON c.id = a.connection_id
            WHERE a.id = $1 AND c.provider = $2
        )
    $$"""


def upgrade() -> None:
    op.execute(f"CREATE FUNCTION {SIGNATURE} {BODY}")
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
