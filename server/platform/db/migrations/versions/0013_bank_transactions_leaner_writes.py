"""bank transactions: one (account, organization) foreign key, and no unused category index

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 22:20:00

Sync ingest writes every transaction through each index and each referential check of the
table; EXPLAIN ANALYZE of a 5,000-row page put the two foreign-key checks at a quarter of the
insert's time. So:
- the two keys (account → financial_accounts, organization → organizations) become one,
  (account_id, organization_id) → financial_accounts (id, organization_id): one check per row,
  and a stronger rule besides, since a transaction can no longer name another organization than
  its account's. Deleting an organization still cascades to its transactions, through its
  accounts.
- ix_bank_transactions_org_category_date goes: it indexes the provider's raw category, which no
  query filters on since 0009 made the user's own category win (effective_category, indexed).
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ACCOUNT_FK = "fk_bank_transactions_account_id_financial_accounts"
ORGANIZATION_FK = "fk_bank_transactions_organization_id_organizations"
ACCOUNT_ORGANIZATION = "uq_financial_accounts_id"
CATEGORY_INDEX = "ix_bank_transactions_org_category_date"


def upgrade() -> None:
    op.create_unique_constraint(
        ACCOUNT_ORGANIZATION, "financial_accounts", ["id", "organization_id"]
    )
    op.drop_constraint(ACCOUNT_FK, "bank_transactions", type_="foreignkey")
    op.drop_constraint(ORGANIZATION_FK, "bank_transactions", type_="foreignkey")
    op.create_foreign_key(
        ACCOUNT_FK,
        "bank_transactions",
        "financial_accounts",
        ["account_id", "organization_id"],
        ["id", "organization_id"],
        ondelete="CASCADE",
    )
    op.drop_index(CATEGORY_INDEX, table_name="bank_transactions")


def downgrade() -> None:
    op.create_index(CATEGORY_INDEX, "bank_transactions", ["organization_id", "category", "date"])
    op.drop_constraint(ACCOUNT_FK, "bank_transactions", type_="foreignkey")
    op.create_foreign_key(
        ORGANIZATION_FK,
        "bank_transactions",
        "organizations",
        ["organization_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        ACCOUNT_FK,
        "bank_transactions",
        "financial_accounts",
        ["account_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_constraint(ACCOUNT_ORGANIZATION, "financial_accounts", type_="unique")
