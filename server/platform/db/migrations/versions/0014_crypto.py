"""crypto: wallets and what their syncs see (positions, transactions, NFTs, DeFi positions)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 11:05:50.257845
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from server.platform.db import rls
from server.platform.db.rls import APP_ROLE

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = (
    "crypto_wallets",
    "crypto_positions",
    "crypto_transactions",
    "crypto_nft_collections",
    "crypto_nfts",
    "crypto_defi_positions",
)


def upgrade() -> None:
    op.create_table(
        "crypto_wallets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("network", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), server_default="EXTERNAL", nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column(
            "total_balance_usd",
            sa.Numeric(precision=20, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column("asset_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sync_status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("sync_error", sa.String(length=200), nullable=True),
        sa.Column("sync_job_id", sa.BigInteger(), nullable=True),
        sa.Column("sync_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("transactions_cursor", sa.DateTime(timezone=True), nullable=True),
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
            "network IN ('ETHEREUM', 'POLYGON', 'ARBITRUM', 'OPTIMISM', 'BASE', 'BSC', 'AVALANCHE',"
            " 'SOLANA', 'BITCOIN')",
            name=op.f("ck_crypto_wallets_network"),
        ),
        sa.CheckConstraint(
            "sync_status IN ('pending', 'syncing', 'completed', 'failed')",
            name=op.f("ck_crypto_wallets_sync_status"),
        ),
        sa.CheckConstraint(
            "type IN ('EXTERNAL', 'WATCH_ONLY')", name=op.f("ck_crypto_wallets_type")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_crypto_wallets_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_crypto_wallets_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crypto_wallets")),
        sa.UniqueConstraint(
            "organization_id", "network", "address", name="uq_crypto_wallets_address"
        ),
    )
    op.create_index(
        "ix_crypto_wallets_organization_created",
        "crypto_wallets",
        ["organization_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "crypto_defi_positions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("protocol", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("supplied", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("borrowed", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "rewards", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("net_value", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("health_factor", sa.Numeric(precision=12, scale=4), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_crypto_defi_positions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["crypto_wallets.id"],
            name=op.f("fk_crypto_defi_positions_wallet_id_crypto_wallets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crypto_defi_positions")),
    )
    op.create_index(
        "ix_crypto_defi_positions_wallet", "crypto_defi_positions", ["wallet_id"], unique=False
    )
    op.create_table(
        "crypto_nft_collections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=128), nullable=False),
        sa.Column("floor_price", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("floor_price_usd", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("change_24h", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_crypto_nft_collections_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["crypto_wallets.id"],
            name=op.f("fk_crypto_nft_collections_wallet_id_crypto_wallets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crypto_nft_collections")),
    )
    op.create_index(
        "ix_crypto_nft_collections_wallet", "crypto_nft_collections", ["wallet_id"], unique=False
    )
    op.create_table(
        "crypto_positions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contract", sa.String(length=128), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column("price_usd", sa.Numeric(precision=30, scale=10), nullable=False),
        sa.Column("value_usd", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("change_24h", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_crypto_positions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["crypto_wallets.id"],
            name=op.f("fk_crypto_positions_wallet_id_crypto_wallets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crypto_positions")),
    )
    op.create_index("ix_crypto_positions_wallet", "crypto_positions", ["wallet_id"], unique=False)
    op.create_table(
        "crypto_transactions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("chain", sa.String(length=16), nullable=False),
        sa.Column("hash", sa.String(length=128), nullable=False),
        sa.Column("log_index", sa.Integer(), server_default="0", nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("sent_symbol", sa.String(length=32), nullable=True),
        sa.Column("sent_name", sa.String(length=100), nullable=True),
        sa.Column("sent_amount", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("received_symbol", sa.String(length=32), nullable=True),
        sa.Column("received_name", sa.String(length=100), nullable=True),
        sa.Column("received_amount", sa.Numeric(precision=38, scale=18), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("gas_used", sa.Numeric(precision=38, scale=0), nullable=True),
        sa.Column(
            "fee_amount", sa.Numeric(precision=38, scale=18), server_default="0", nullable=False
        ),
        sa.Column("fee_usd", sa.Numeric(precision=20, scale=2), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_crypto_transactions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["crypto_wallets.id"],
            name=op.f("fk_crypto_transactions_wallet_id_crypto_wallets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crypto_transactions")),
        sa.UniqueConstraint(
            "wallet_id", "chain", "hash", "log_index", name="uq_crypto_transactions_identity"
        ),
    )
    op.create_index(
        "ix_crypto_transactions_wallet_time",
        "crypto_transactions",
        ["wallet_id", sa.literal_column("occurred_at DESC"), "id"],
        unique=False,
    )
    op.create_table(
        "crypto_nfts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("wallet_id", sa.Uuid(), nullable=False),
        sa.Column("collection_id", sa.Uuid(), nullable=False),
        sa.Column("token_id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("image", sa.String(length=500), nullable=True),
        sa.Column("rarity", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["crypto_nft_collections.id"],
            name=op.f("fk_crypto_nfts_collection_id_crypto_nft_collections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_crypto_nfts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["crypto_wallets.id"],
            name=op.f("fk_crypto_nfts_wallet_id_crypto_wallets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crypto_nfts")),
    )
    op.create_index("ix_crypto_nfts_collection", "crypto_nfts", ["collection_id"], unique=False)
    for table in TABLES:
        for statement in rls.tenant_table(table):
            op.execute(statement)
    # Not tenant data: one row per provider, read by every organization's sync requests.
    op.create_table(
        "crypto_provider_circuits",
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("open_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_crypto_provider_circuits")),
    )

    # The automatic syncs: active wallets whose last sync is older than their plan allows
    # (PRO and ULTIMATE: 15 minutes, the plans' real-time sync; FREE: a day), none queued or
    # running. The plan is the organization's billing owner's. SECURITY DEFINER: the sweep
    # reads every organization's wallets, which row-level security hides from the server role.
    op.execute(
        """
        CREATE FUNCTION fingate_due_crypto_wallets(max_rows integer)
        RETURNS TABLE (organization_id uuid, wallet_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT w.organization_id, w.id
            FROM crypto_wallets w
            JOIN organizations o ON o.id = w.organization_id
            JOIN users u ON u.id = o.owner_id
            WHERE w.is_active
              AND (w.sync_status NOT IN ('pending', 'syncing')
                   OR w.sync_requested_at IS NULL
                   OR w.sync_requested_at < now() - interval '15 minutes')
              AND (w.last_sync_at IS NULL OR w.last_sync_at < now() - CASE
                     WHEN u.current_plan IN ('PRO', 'ULTIMATE') THEN interval '15 minutes'
                     ELSE interval '1 day' END)
            ORDER BY w.last_sync_at NULLS FIRST
            LIMIT max_rows
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION fingate_due_crypto_wallets(integer) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION fingate_due_crypto_wallets(integer) TO {APP_ROLE}")
    # The admin analytics' wallet figures, across organizations (row-level security again).
    op.execute(
        """
        CREATE FUNCTION fingate_wallet_figures()
        RETURNS TABLE (total bigint, active_sync bigint, recent_sync_24h bigint)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $$
            SELECT count(*),
                   count(*) FILTER (WHERE sync_status IN ('pending', 'syncing')
                                    AND sync_job_id IS NOT NULL),
                   count(*) FILTER (WHERE last_sync_at > now() - interval '24 hours')
            FROM crypto_wallets
        $$
        """
    )
    op.execute("REVOKE ALL ON FUNCTION fingate_wallet_figures() FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION fingate_wallet_figures() TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS fingate_wallet_figures()")
    op.execute("DROP FUNCTION IF EXISTS fingate_due_crypto_wallets(integer)")
    op.drop_table("crypto_provider_circuits")
    for table in reversed(TABLES):
        for statement in rls.drop_tenant_table(table):
            op.execute(statement)
        op.drop_table(table)
