"""Database sessions bound to the current call's organization (server/platform/db/rls.py)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asyncpg import Connection
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from server.platform.context import tenant
from server.platform.db.database import Database
from server.platform.db.rls import ORG_SETTING

_SET_ORG = text(f"SELECT set_config('{ORG_SETTING}', :org, true)")


async def bind_organization(s: AsyncSession, organization_id: uuid.UUID) -> None:
    """Declares the organization a transaction acts in, for the rest of the transaction.

    tenant_transaction() does it from the call; code with no resolved tenant (creating an
    organization, accepting an invitation, checking a downgrade across the organizations a
    user owns) names the organization itself."""
    await s.execute(_SET_ORG, {"org": str(organization_id)})


@asynccontextmanager
async def tenant_transaction(db: Database) -> AsyncIterator[AsyncSession]:
    """A transaction in which PostgreSQL shows only the current organization's rows.

    The organization comes from the call, never from an argument: domain code cannot pick
    another tenant's data even by mistake."""
    async with db.transaction() as s:
        await bind_organization(s, tenant().organization_id)
        yield s


@asynccontextmanager
async def tenant_reads(db: Database) -> AsyncIterator[Connection]:
    """tenant_transaction() for hot read-only paths: the asyncpg connection itself, in a
    READ ONLY transaction bound to the call's organization, for server/platform/db/compiled.py.

    BEGIN and the binding travel as one simple-protocol message (a round trip fewer); the
    organization is a UUID the tenant interceptor resolved, so its text is safe to inline."""
    organization_id = tenant().organization_id
    assert isinstance(organization_id, uuid.UUID)
    async with db.driver() as conn:
        await conn.execute(
            f"BEGIN READ ONLY; SELECT set_config('{ORG_SETTING}', '{organization_id}', true)"
        )
        try:
            yield conn
        except BaseException:
            # If the ROLLBACK cannot run (a cancelled statement still on the wire), driver()
            # discards the connection; the call's own error is what to raise.
            with contextlib.suppress(Exception):
                await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")
