"""bank data versions: a per-organization counter every write to bank_transactions bumps

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 20:30:00

Cached figures over an organization's transactions (the filtered list summary) are keyed by
this version, so they need no invalidation: any statement that inserts, updates or deletes
transactions (a sync page, a user edit, a cascade from a deleted connection) moves the version
on, and the next read computes afresh. The totals triggers of 0010 do the bumping, once per
statement and organization.
"""

import sqlalchemy as sa
from alembic import op

from server.platform.db import rls

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "bank_data_versions"
_BUMP = """
    INSERT INTO bank_data_versions AS v (organization_id, version)
    SELECT DISTINCT organization_id, 1 FROM {rows}
    ON CONFLICT (organization_id) DO UPDATE SET version = v.version + 1
"""


def _functions(bump: bool) -> dict[str, str]:
    # 0010's bodies, each followed (when `bump`) by the version bump of the organizations the
    # statement touched.
    import importlib

    totals = importlib.import_module(
        "server.platform.db.migrations.versions.0010_banking_transaction_totals"
    )
    functions: dict[str, str] = dict(totals.FUNCTIONS)
    if bump:
        for name, rows in (
            ("fingate_bank_totals_insert", "new_rows"),
            ("fingate_bank_totals_update", "new_rows"),
            ("fingate_bank_totals_delete", "old_rows"),
        ):
            functions[name] += ";" + _BUMP.format(rows=rows)
        functions["fingate_bank_totals_truncate"] += (
            "; UPDATE bank_data_versions SET version = version + 1"
        )
    return functions


def _replace(functions: dict[str, str]) -> None:
    for name, body in functions.items():
        op.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql"
            f" SET search_path = public, pg_temp AS $$ BEGIN {body}; RETURN NULL; END $$"
        )


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_bank_data_versions_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_bank_data_versions")),
    )
    for statement in rls.tenant_table(TABLE):
        op.execute(statement)
    _replace(_functions(bump=True))


def downgrade() -> None:
    _replace(_functions(bump=False))
    for statement in rls.drop_tenant_table(TABLE):
        op.execute(statement)
    op.drop_table(TABLE)
