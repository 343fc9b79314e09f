"""Row-level security: the SQL that migrations use to put a table under tenant isolation.

The server connects as APP_ROLE, which is neither a superuser nor a table owner, so PostgreSQL
applies every policy to it; migrations run as the owner. Each tenant transaction sets
`app.organization_id` (transaction-local) before its first statement
(server/platform/tenancy/session.py); a query on a tenant table without that setting sees no rows,
and a query that forgets its `WHERE organization_id = …` still sees only the current organization's.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

APP_ROLE = "fingate_app"
ORG_SETTING = "app.organization_id"

# NULLIF: once set in a session, an unset transaction-local value reads back as '' not NULL.
CREATE_CURRENT_ORG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION fingate_current_org() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('{ORG_SETTING}', true), '')::uuid $$
"""

CREATE_APP_ROLE = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
    CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END $$
"""

GRANT_APP_ROLE = [
    f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}",
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}",
    f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}",
    # Tables that later migrations create (as the same owner) are granted as they appear.
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
    f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}",
    # The schema history is the owner's business.
    f"REVOKE ALL ON alembic_version FROM {APP_ROLE}",
]

REVOKE_APP_ROLE = [
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM {APP_ROLE}",
    f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM {APP_ROLE}",
    f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}",
    f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}",
    f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}",
]


def tenant_table(table: str) -> list[str]:
    """Statements that isolate a table with an `organization_id` column by tenant."""
    check = "organization_id = fingate_current_org()"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({check}) WITH CHECK ({check})",
    ]


def drop_tenant_table(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


async def bypasses_rls(engine: AsyncEngine) -> bool:
    """Whether the connected role escapes row-level security (a superuser, BYPASSRLS, or the
    owner of the tenant tables): then only the application's WHERE clauses keep tenants
    apart."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT r.rolsuper OR r.rolbypassrls"
                    " OR coalesce(pg_get_userbyid(c.relowner) = current_user, false)"
                    " FROM pg_roles r LEFT JOIN pg_class c ON c.relname = 'budgets'"
                    " WHERE r.rolname = current_user"
                )
            )
        ).scalar_one()
    return bool(row)
