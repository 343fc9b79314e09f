"""apps: connections to Stripe, Slack, QuickBooks and Xero, their OAuth states, syncs and
records, and the QuickBooks webhook inbox

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 17:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from server.platform.db import rls
from server.platform.db.rls import APP_ROLE

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TENANT_TABLES = ("app_connections", "app_oauth_states", "app_sync_runs", "app_records")
# SECURITY DEFINER: row-level security hides other organizations from the server role, and
# these jobs start from a provider's company or from the clock, not from an organization.
FUNCTIONS = {
    "fingate_app_connections_for_realm(text)": """
        RETURNS TABLE (organization_id uuid, connection_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT organization_id, id FROM app_connections
            WHERE service = 'quickbooks' AND status = 'connected' AND account_id = $1
        $$""",
    "fingate_app_connections_expiring(timestamptz)": """
        RETURNS TABLE (organization_id uuid, connection_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT organization_id, id FROM app_connections
            WHERE status = 'connected' AND refresh_token IS NOT NULL AND expires_at < $1
        $$""",
}


def upgrade() -> None:
    op.create_table(
        "quickbooks_webhook_events",
        sa.Column("realm_id", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("entities", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("realm_id", "event_id", name=op.f("pk_quickbooks_webhook_events")),
    )
    op.create_table(
        "app_connections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("permissions", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.String(length=128), nullable=True),
        sa.Column(
            "settings", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("status_reason", sa.String(length=255), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sync_status", sa.String(length=16), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
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
            "service IN ('stripe', 'slack', 'quickbooks', 'xero')",
            name=op.f("ck_app_connections_service"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'connected', 'expired', 'error', 'revoked')",
            name=op.f("ck_app_connections_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_app_connections_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_app_connections_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_connections")),
    )
    op.create_index(
        "ix_app_connections_organization_user",
        "app_connections",
        ["organization_id", "user_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_app_connections_service_account",
        "app_connections",
        ["service", "account_id"],
        unique=False,
        postgresql_where=sa.text("status = 'connected'"),
    )
    op.create_table(
        "app_oauth_states",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("service", sa.String(length=16), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("code_verifier", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["app_connections.id"],
            name=op.f("fk_app_oauth_states_connection_id_app_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_app_oauth_states_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_app_oauth_states_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_app_oauth_states")),
    )
    op.create_index(
        op.f("ix_app_oauth_states_connection_id"),
        "app_oauth_states",
        ["connection_id"],
        unique=False,
    )
    op.create_table(
        "app_records",
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("data_type", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("provider_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["app_connections.id"],
            name=op.f("fk_app_records_connection_id_app_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_app_records_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "connection_id", "data_type", "external_id", name=op.f("pk_app_records")
        ),
    )
    op.create_table(
        "app_sync_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("connection_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="running", nullable=False),
        sa.Column("sync_type", sa.String(length=16), nullable=False),
        sa.Column("data_types", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("records_processed", sa.Integer(), server_default="0", nullable=False),
        sa.Column("records_synced", sa.Integer(), server_default="0", nullable=False),
        sa.Column("errors", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed')", name=op.f("ck_app_sync_runs_status")
        ),
        sa.CheckConstraint(
            "sync_type IN ('full', 'incremental')", name=op.f("ck_app_sync_runs_sync_type")
        ),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["app_connections.id"],
            name=op.f("fk_app_sync_runs_connection_id_app_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_app_sync_runs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_sync_runs")),
    )
    op.create_index(
        "ix_app_sync_runs_connection_started",
        "app_sync_runs",
        ["connection_id", "started_at"],
        unique=False,
    )
    op.create_index(
        "uq_app_sync_runs_running",
        "app_sync_runs",
        ["connection_id"],
        unique=True,
        postgresql_where=sa.text("status = 'running'"),
    )
    for table in TENANT_TABLES:
        for statement in rls.tenant_table(table):
            op.execute(statement)
    for signature, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {signature} {body}")
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP_ROLE}")


def downgrade() -> None:
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    for table in TENANT_TABLES:
        for statement in rls.drop_tenant_table(table):
            op.execute(statement)
    op.drop_index(
        "uq_app_sync_runs_running",
        table_name="app_sync_runs",
        postgresql_where=sa.text("status = 'running'"),
    )
    op.drop_index("ix_app_sync_runs_connection_started", table_name="app_sync_runs")
    op.drop_table("app_sync_runs")
    op.drop_table("app_records")
    op.drop_index(op.f("ix_app_oauth_states_connection_id"), table_name="app_oauth_states")
    op.drop_table("app_oauth_states")
    op.drop_index(
        "ix_app_connections_service_account",
        table_name="app_connections",
        postgresql_where=sa.text("status = 'connected'"),
    )
    op.drop_index("ix_app_connections_organization_user", table_name="app_connections")
    op.drop_table("app_connections")
    op.drop_table("quickbooks_webhook_events")
