"""Connection use cases, in the organization the tenant interceptor resolved.

Who may change a connection (seed 000 "User must own the connection"): the member who linked it
and the organization's OWNERs. Any other EDITOR gets 403 "You do not have access to this
connection"; VIEWERs are refused by the tenant interceptor before this code runs. Reads are for
every member. Another organization's connection is 404, like an unknown id.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from server.banking import cache_keys as keys
from server.banking.connections import repository as repo
from server.banking.connections.revocation import queue_revocation
from server.banking.models import BankConnection
from server.platform.cache.store import Cache
from server.platform.common.ids import parse_id
from server.platform.common.pagination import PageRequest
from server.platform.context import principal, tenant
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.errors import (
    ConnectionAlreadyExists,
    ConnectionNotActive,
    ConnectionNotFound,
    Forbidden,
    SyncInProgress,
)
from server.platform.jobs.app import JobQueue
from server.platform.tenancy.session import tenant_transaction
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.errors import FAILURES, translate
from server.providers.registry import BankProvider

STATUSES = ("ACTIVE", "DISCONNECTED", "FAILED")
PROVIDER_NAMES = {"PLAID": "Plaid", "TELLER": "Teller", "MX": "MX"}
RECONNECTED = "Connection reconnected successfully. Full sync will begin automatically."
DISCONNECTED = "Connection disconnected successfully"
DELETED = "Connection deleted successfully"
NO_ACCESS = "You do not have access to this connection"

ProviderFactory = Callable[[str], BankProvider]


class RequestSync(Protocol):
    """server.banking.sync.requests.request_sync: queues a sync in the caller's transaction."""

    def __call__(
        self,
        s: Any,
        jobs: JobQueue,
        *,
        organization_id: uuid.UUID,
        connection_id: uuid.UUID,
        account_id: uuid.UUID | None = None,
        sync_type: str = "incremental",
    ) -> Awaitable[int]: ...


def connection_id_of(raw: str) -> uuid.UUID:
    """A path id; one that is no UUID names nothing that exists."""
    found = parse_id(raw)
    if found is None:
        raise ConnectionNotFound()
    return found


def ensure_may_change(conn: BankConnection) -> None:
    if tenant().role == "OWNER" or conn.user_id == principal().user_id:
        return
    raise Forbidden(NO_ACCESS)


async def delete_connection(db: Database, cache: Cache, cid: uuid.UUID) -> None:
    """Deletes one of the organization's connections with its accounts and transactions
    (seed 000 cascade) and queues the grant's revocation at the provider; ConnectionNotFound
    when it is not the organization's, Forbidden unless the caller owns it or the
    organization."""
    org_id = tenant().organization_id
    async with UnitOfWork(db) as work:
        s = work.session
        conn = await repo.get(s, org_id, cid, lock=True)
        if conn is None:
            raise ConnectionNotFound()
        ensure_may_change(conn)
        owner, provider, sealed = conn.user_id, conn.provider, conn.access_token_sealed
        await repo.delete_connection(s, cid)
        job_id = await queue_revocation(
            s, provider=provider, sealed_token=sealed, connection_id=cid
        )
        work.audit(target_id=cid, changes={"provider": provider, "revocation_job_id": job_id})
        members = await keys.member_ids(s, org_id)
        work.invalidate(cache, keys.after_connection_change(cid, owner, members))


def provider_name(provider: str) -> str:
    return PROVIDER_NAMES.get(provider, provider.title())


@dataclass(frozen=True, slots=True)
class ConnectionPage:
    rows: Sequence[Any]  # connection rows (server/banking/connections/repository.py)
    page: PageRequest
    total: int


class Connections:
    def __init__(
        self,
        db: Database,
        jobs: JobQueue,
        cache: Cache,
        vault: Vault,
        providers: ProviderFactory,
        request_sync: RequestSync,
    ):
        self.db = db
        self.jobs = jobs
        self.cache = cache
        self.vault = vault
        self.providers = providers
        self.request_sync = request_sync

    async def listing(self, *, status: str, page: PageRequest) -> ConnectionPage:
        """A page of the organization's connections, newest first."""
        async with tenant_transaction(self.db) as s:
            rows, total = await repo.page(
                s,
                tenant().organization_id,
                status=status.upper() or None,
                offset=page.offset,
                limit=page.limit,
            )
        return ConnectionPage(rows, page, total)

    async def get(self, cid: uuid.UUID) -> BankConnection:
        async with tenant_transaction(self.db) as s:
            conn = await repo.get(s, tenant().organization_id, cid)
        if conn is None:
            raise ConnectionNotFound()
        return conn

    async def reconnect(self, connection_id: str) -> BankConnection:
        cid = connection_id_of(connection_id)
        org_id = tenant().organization_id
        async with tenant_transaction(self.db) as s:
            conn = await self._changeable(s, org_id, cid, lock=False)
            self._ensure_reconnectable(conn)
            if await repo.active_twin(s, conn):
                raise ConnectionAlreadyExists(
                    f"An active connection already exists for this "
                    f"{provider_name(conn.provider)} account"
                )
            provider, sealed = conn.provider, conn.access_token_sealed
        # The provider is asked outside any transaction: no row stays locked during its call.
        await self._check_at_provider(provider, sealed)
        async with UnitOfWork(self.db) as work:
            s = work.session
            conn = await self._changeable(s, org_id, cid, lock=True)
            self._ensure_reconnectable(conn)
            try:
                async with s.begin_nested():
                    conn = await repo.set_status(s, cid, "ACTIVE", error_count=0, last_error=None)
            except IntegrityError:
                # Another connection of the same item became ACTIVE meanwhile.
                raise ConnectionAlreadyExists(
                    f"An active connection already exists for this "
                    f"{provider_name(conn.provider)} account"
                ) from None
            try:
                await self.request_sync(
                    s, self.jobs, organization_id=org_id, connection_id=cid, sync_type="full"
                )
            except SyncInProgress:
                pass  # a sync of this connection is already on its way
            return await self._changed(work, conn, org_id)

    async def disconnect(self, connection_id: str) -> BankConnection:
        cid = connection_id_of(connection_id)
        org_id = tenant().organization_id
        async with UnitOfWork(self.db) as work:
            s = work.session
            conn = await self._changeable(s, org_id, cid, lock=True)
            if conn.status != "ACTIVE":
                raise ConnectionNotActive(
                    f"Connection is {conn.status.lower()}. Only active connections can be "
                    "disconnected."
                )
            conn = await repo.set_status(s, cid, "DISCONNECTED")
            return await self._changed(work, conn, org_id)

    async def delete(self, connection_id: str) -> None:
        await delete_connection(self.db, self.cache, connection_id_of(connection_id))

    async def _changed(
        self, work: UnitOfWork, conn: BankConnection, organization_id: uuid.UUID
    ) -> BankConnection:
        """After a change to a connection, in its unit of work: the audited resource and the
        documented cache keys the change makes stale."""
        work.audit(target_id=conn.id)
        members = await keys.member_ids(work.session, organization_id)
        work.invalidate(self.cache, keys.after_connection_change(conn.id, conn.user_id, members))
        return conn

    async def _changeable(
        self, s: Any, org_id: uuid.UUID, cid: uuid.UUID, *, lock: bool
    ) -> BankConnection:
        conn = await repo.get(s, org_id, cid, lock=lock)
        if conn is None:
            raise ConnectionNotFound()
        ensure_may_change(conn)
        return conn

    @staticmethod
    def _ensure_reconnectable(conn: BankConnection) -> None:
        if conn.status != "DISCONNECTED":
            raise ConnectionAlreadyExists(
                "Connection is not disconnected. Only disconnected connections can be reconnected."
            )

    async def _check_at_provider(self, provider: str, sealed: str) -> None:
        expired = ConnectionAlreadyExists(
            f"{provider_name(provider)} access token has expired. Please re-link your account."
        )
        try:
            token = self.vault.unseal(sealed)
            adapter = self.providers(provider)
            await adapter.check(token)
        except FAILURES as exc:
            # The token is the stored one: refused, it has expired, whatever the provider says.
            raise translate(exc, field="provider", refused=expired) from None
