"""gateway: service principals (users of role SERVICE), registered banking integrations,
their health, payments and payment attempts; the customer reads internal callers make of bank
data

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 17:45:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from server.platform.db.rls import APP_ROLE

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# SECURITY DEFINER: a customer's bank data spans organizations (every connection the user
# made), which row-level security hides from the server role; only internal routes call these.
FUNCTIONS = {
    "fingate_customer_accounts(uuid)": """
        RETURNS TABLE (
            id uuid, provider text, name text, type text, currency text, balance numeric,
            available_balance numeric, last_four text, bank_name text, holder_name text
        )
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT a.id, c.provider, a.name, a.type, a.currency, a.balance,
                   a.available_balance, a.last_four, c.institution_name,
                   trim(u.first_name || ' ' || u.last_name)
            FROM bank_connections c
            JOIN financial_accounts a ON a.connection_id = c.id
            JOIN users u ON u.id = c.user_id
            WHERE c.user_id = $1 AND a.is_active
            ORDER BY a.created_at, a.id
        $$""",
    "fingate_account_transactions(uuid, text, timestamptz, timestamptz, integer)": """
        RETURNS TABLE (
            id uuid, account_id uuid, amount numeric, currency text, description text,
            date timestamptz, pending boolean, merchant_name text
        )
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT t.id, t.account_id, t.amount, t.currency_code, t.description, t.date,
                   t.pending, t.merchant_name
            FROM financial_accounts a
            JOIN bank_connections c ON c.id = a.connection_id
            JOIN bank_transactions t
              ON t.organization_id = a.organization_id AND t.account_id = a.id
            WHERE a.id = $1 AND c.provider = $2
              AND ($3 IS NULL OR t.date >= $3) AND ($4 IS NULL OR t.date <= $4)
            ORDER BY t.date DESC, t.id DESC
            LIMIT $5
        $$""",
}
ROLES_BEFORE = "role IN ('USER', 'PREMIUM', 'ADMIN')"
ROLES_AFTER = "role IN ('USER', 'PREMIUM', 'ADMIN', 'SERVICE')"


def upgrade() -> None:
    op.create_table(
        "gateway_integrations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), server_default="ACTIVE", nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("last_authenticated", sa.DateTime(timezone=True), nullable=True),
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
            "status IN ('ACTIVE', 'INACTIVE')", name=op.f("ck_gateway_integrations_status")
        ),
        sa.CheckConstraint(
            "type IN ('PLAID', 'TELLER', 'ACH', 'SWIFT')", name=op.f("ck_gateway_integrations_type")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_integrations")),
        sa.UniqueConstraint("name", name=op.f("uq_gateway_integrations_name")),
    )
    op.create_table(
        "gateway_integration_health",
        sa.Column("integration_id", sa.Uuid(), nullable=False),
        sa.Column("authenticated", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("message", sa.String(length=255), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('HEALTHY', 'DEGRADED', 'UNAVAILABLE')",
            name=op.f("ck_gateway_integration_health_status"),
        ),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["gateway_integrations.id"],
            name=op.f("fk_gateway_integration_health_integration_id_gateway_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("integration_id", name=op.f("pk_gateway_integration_health")),
    )
    op.create_table(
        "gateway_payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("reference_id", sa.String(length=128), nullable=True),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Numeric(precision=20, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("from_account", sa.String(length=128), nullable=False),
        sa.Column("to_account", sa.String(length=128), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("metadata", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("preferred", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("integration_name", sa.String(length=64), nullable=True),
        sa.Column("rail_transaction_id", sa.String(length=128), nullable=True),
        sa.Column("failure", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
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
            "status IN ('SCHEDULED', 'PROCESSING', 'PENDING', 'COMPLETED', 'FAILED')",
            name=op.f("ck_gateway_payments_status"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_gateway_payments_amount")),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["users.id"],
            name=op.f("fk_gateway_payments_principal_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_payments")),
    )
    op.create_index(
        "ix_gateway_payments_due",
        "gateway_payments",
        ["scheduled_at"],
        unique=False,
        postgresql_where=sa.text("status = 'SCHEDULED'"),
    )
    op.create_index(
        "uq_gateway_payments_reference",
        "gateway_payments",
        ["principal_id", "reference_id"],
        unique=True,
        postgresql_where=sa.text("reference_id IS NOT NULL"),
    )
    op.create_table(
        "service_principals",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_service_principals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_service_principals")),
        sa.UniqueConstraint("client_id", name=op.f("uq_service_principals_client_id")),
        sa.UniqueConstraint("name", name=op.f("uq_service_principals_name")),
    )
    op.create_table(
        "gateway_payment_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=False),
        sa.Column("integration_name", sa.String(length=64), nullable=False),
        sa.Column("attempt_key", sa.String(length=128), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("rail_transaction_id", sa.String(length=128), nullable=True),
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
            "outcome IN ('SUBMITTING', 'SUBMITTED', 'NOT_EXECUTED', 'UNRESOLVED')",
            name=op.f("ck_gateway_payment_attempts_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["gateway_payments.id"],
            name=op.f("fk_gateway_payment_attempts_payment_id_gateway_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_payment_attempts")),
        sa.UniqueConstraint("attempt_key", name=op.f("uq_gateway_payment_attempts_attempt_key")),
    )
    op.create_index(
        op.f("ix_gateway_payment_attempts_payment_id"),
        "gateway_payment_attempts",
        ["payment_id"],
        unique=False,
    )
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", ROLES_AFTER)
    for signature, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {signature} {body}")
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP_ROLE}")


def downgrade() -> None:
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    op.execute("DELETE FROM users WHERE role = 'SERVICE'")
    op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
    op.create_check_constraint(op.f("ck_users_role"), "users", ROLES_BEFORE)
    op.drop_table("gateway_payment_attempts")
    op.drop_table("service_principals")
    op.drop_table("gateway_payments")
    op.drop_table("gateway_integration_health")
    op.drop_table("gateway_integrations")
