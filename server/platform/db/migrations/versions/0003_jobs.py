"""job queue: procrastinate's schema

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-24 10:00:00

The tables, types and functions come from the installed procrastinate
(`SchemaManager.get_schema()`, the same SQL as `procrastinate schema --apply`), so they match
the code that uses them. procrastinate ships an SQL script for each later release that
changes its schema (`SchemaManager.get_migrations_path()`); upgrading procrastinate past a
release with such a script takes a new Alembic revision that runs that script, and
tests/unit/jobs/test_schema.py fails until the script is acknowledged there.
"""

from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.util import await_only

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Everything procrastinate creates is named procrastinate_*.
_DROP_ALL = """
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || r.sig || ' CASCADE';
    END LOOP;
    FOR r IN SELECT tablename FROM pg_tables
             WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
        EXECUTE 'DROP TABLE IF EXISTS ' || quote_ident(r.tablename) || ' CASCADE';
    END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
               AND t.typtype IN ('e', 'c') LOOP
        EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(r.typname) || ' CASCADE';
    END LOOP;
END $$;
"""


def _run_script(sql: str) -> None:
    # A multi-statement script goes through the driver's simple-query protocol unchanged:
    # SQLAlchemy's text() would read its `:name`-like fragments as bind parameters.
    driver = op.get_bind().connection.driver_connection
    await_only(driver.execute(sql))  # type: ignore[union-attr]


def upgrade() -> None:
    _run_script(SchemaManager.get_schema())


def downgrade() -> None:
    _run_script(_DROP_ALL)
