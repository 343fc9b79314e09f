"""App connections of the call's user and organization: the use cases behind AppService (seed
002) and the QuickBooks half of IntegrationService (seed 004).

Financbase's routes act on the caller's own connections (another user's is NOT_FOUND); Mappr's
list and disconnect act on the organization's. Provider calls go through the OAuth client and
fail as the provider error table says (server/providers/errors.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from server.apps import authorization, catalog, tokens
from server.apps import repository as repo
from server.apps.catalog import ServiceInfo
from server.apps.models import AppConnection, SyncRun
from server.apps.sync import start_run, sync_connection
from server.platform.common.ids import parse_id
from server.platform.config import Settings
from server.platform.context import principal, tenant
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.errors import (
    Conflict,
    FieldViolation,
    Forbidden,
    InvalidInput,
    NotFound,
)
from server.platform.jobs.app import JobQueue
from server.platform.ratelimit import deferred
from server.platform.tenancy.session import tenant_transaction
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.apps import GrantRefused, OAuthClient
from server.providers.errors import FAILURES, translate

CONNECTION_NOT_FOUND = "Integration not found"
SYNC_NOT_FOUND = "No sync has run for this connection yet"


@dataclass(frozen=True, slots=True)
class Authorization:
    connection_id: uuid.UUID
    auth_url: str
    state: str


@dataclass(frozen=True, slots=True)
class SettingsChange:
    sync_frequency: str | None = None
    webhook_url: str | None = None


def connection_id_of(raw: str) -> uuid.UUID:
    parsed = parse_id(raw.strip())
    if parsed is None:
        raise NotFound(CONNECTION_NOT_FOUND)
    return parsed


def _refused(field: str, message: str) -> InvalidInput:
    return InvalidInput([FieldViolation(field, message)], message)


class Apps:
    def __init__(
        self, db: Database, settings: Settings, vault: Vault, oauth: OAuthClient, jobs: JobQueue
    ):
        self.db = db
        self.settings = settings
        self.vault = vault
        self.oauth = oauth
        self.jobs = jobs

    # Catalog and reads ---------------------------------------------------------------------

    async def catalog(self) -> list[tuple[ServiceInfo, bool]]:
        async with tenant_transaction(self.db) as s:
            connected = await repo.connected_services(
                s, tenant().organization_id, principal().user_id
            )
        return [(info, info.id in connected) for info in catalog.SERVICES.values()]

    async def mine(self, *, service: str, status: str) -> Sequence[AppConnection]:
        """The caller's connections, filtered as the list route's query says."""
        services = [catalog.service(service).id] if service.strip() else []
        wanted = status.strip().lower() or None
        if wanted is not None and wanted not in catalog.STATUSES:
            raise _refused("status", f"must be one of {', '.join(catalog.STATUSES)}")
        async with tenant_transaction(self.db) as s:
            return await repo.connections(
                s,
                tenant().organization_id,
                user_id=principal().user_id,
                services=services,
                status=wanted,
            )

    async def organization_connections(self, services: Sequence[str]) -> Sequence[AppConnection]:
        """Every member's connections of `services` in the organization (Mappr's list)."""
        async with tenant_transaction(self.db) as s:
            return await repo.connections(s, tenant().organization_id, services=services)

    async def get(self, raw_id: str) -> AppConnection:
        async with tenant_transaction(self.db) as s:
            return await self._mine(s, raw_id)

    # Authorization -------------------------------------------------------------------------

    async def create(
        self, service: str, permissions: list[str], redirect_uri: str
    ) -> Authorization:
        info = catalog.service(service)
        scopes = catalog.scopes(info, permissions)
        redirect_to = authorization.redirect_uri(self.settings, redirect_uri)
        return await self._authorize(info, scopes, redirect_to, state="", audited=True)

    async def start(
        self, service: str, redirect_uri: str, scopes_csv: str, state: str
    ) -> Authorization:
        info = catalog.service(service)
        scopes = catalog.scopes(info, scopes_csv.split(","), field="scopes")
        redirect_to = authorization.redirect_uri(self.settings, redirect_uri)
        return await self._authorize(info, scopes, redirect_to, state=state, audited=False)

    async def _authorize(
        self,
        info: ServiceInfo,
        scopes: list[str],
        redirect_to: str,
        *,
        state: str,
        audited: bool,
    ) -> Authorization:
        t, user_id = tenant(), principal().user_id
        async with UnitOfWork(self.db) as work:
            s = work.session
            conn = AppConnection(
                organization_id=t.organization_id,
                user_id=user_id,
                service=info.id,
                status="pending",
                permissions=scopes,
                settings={"syncFrequency": catalog.DEFAULT_SYNC_FREQUENCY},
            )
            s.add(conn)
            await s.flush()
            started = authorization.start(
                s,
                self.vault,
                organization_id=t.organization_id,
                user_id=user_id,
                connection_id=conn.id,
                service=info.id,
                redirect_to=redirect_to,
                state=state,
            )
            try:
                async with s.begin_nested():
                    await s.flush()
            except IntegrityError:
                # A caller-chosen state that is already in use: states must be unique.
                raise _refused("state", "is already in use; choose another") from None
            if audited:
                work.audit(target_id=conn.id, changes={"service": info.id})
        url = self.oauth.authorization_url(
            info.id,
            redirect_uri=started.redirect_uri,
            scopes=scopes,
            state=started.state,
            code_verifier=started.code_verifier,
        )
        return Authorization(conn.id, url, started.state)

    async def complete(
        self, service: str, *, code: str, state: str, error: str, realm_id: str
    ) -> AppConnection:
        """The callback: spends the state, then marks the connection `error` (the user
        denied access, or the provider refused the code; answered 403 / 400 once committed)
        or stores the tokens and marks it connected."""
        info = catalog.service(service)
        if not error.strip() and not code.strip():
            raise _refused("code", "is required")
        failure: Exception | None = None
        async with UnitOfWork(self.db) as work:
            s = work.session
            spent = await authorization.consume(
                s, self.vault, state=state, user_id=principal().user_id, service=info.id
            )
            conn = await repo.connection(s, spent.connection_id, lock=True)
            if conn is None:  # disconnected while the user was at the provider
                raise NotFound(CONNECTION_NOT_FOUND)
            if error.strip():
                await repo.change(s, conn.id, status="error", status_reason=error.strip()[:255])
                failure = Forbidden(f"Authorization was not granted at {info.name}")
            else:
                try:
                    granted = await self.oauth.exchange_code(
                        info.id,
                        code=code.strip(),
                        redirect_uri=spent.redirect_uri,
                        code_verifier=spent.code_verifier,
                        account_id=realm_id.strip() or None,
                    )
                except GrantRefused as refused:
                    await repo.change(
                        s, conn.id, status="error", status_reason=refused.reason[:255]
                    )
                    failure = _refused("code", "was not accepted by the provider")
                except FAILURES as unavailable:
                    # The provider is down: nothing is spent, the same callback can be retried.
                    raise translate(unavailable, field="code") from None
                else:
                    now = dt.datetime.now(dt.UTC)
                    # `permissions` keep seed 002's scope names, whatever the provider calls
                    # the grant.
                    values: dict[str, Any] = tokens.store_tokens(self.vault, granted)
                    await repo.change(
                        s,
                        conn.id,
                        status="connected",
                        status_reason=None,
                        connected_at=now,
                        **values,
                    )
                    work.audit(target_id=conn.id, changes={"service": info.id})
            await s.refresh(conn)
        if failure is not None:
            raise failure
        return conn

    async def refresh(self, service: str, raw_id: str) -> AppConnection:
        info = catalog.service(service)
        async with UnitOfWork(self.db) as work:
            s = work.session
            conn = await self._mine(s, raw_id, lock=True)
            if conn.service != info.id:
                raise NotFound(CONNECTION_NOT_FOUND)
            if conn.status != "connected" or conn.refresh_token is None:
                raise _refused("connectionId", f"is {conn.status}; connect it again")
            try:
                result = await tokens.refresh_locked(s, self.vault, self.oauth, conn)
            except FAILURES as unavailable:
                raise translate(unavailable, field="connectionId") from None
            if result.refused is None:
                work.audit(target_id=conn.id)
        if result.refused is not None:
            raise _refused(
                "connectionId", "The provider refused the refresh; the connection has expired"
            )
        return result.connection

    # Changes -------------------------------------------------------------------------------

    async def update(
        self, raw_id: str, settings: SettingsChange | None, permissions: list[str]
    ) -> AppConnection:
        async with UnitOfWork(self.db) as work:
            s = work.session
            conn = await self._mine(s, raw_id, lock=True)
            values: dict[str, Any] = {}
            if permissions:
                values["permissions"] = catalog.scopes(catalog.service(conn.service), permissions)
            if settings is not None:
                merged = dict(conn.settings)
                if settings.sync_frequency is not None:
                    merged["syncFrequency"] = settings.sync_frequency
                if settings.webhook_url is not None:
                    merged["webhookUrl"] = settings.webhook_url or None
                values["settings"] = merged
            if values:
                await repo.change(s, conn.id, **values)
                await s.refresh(conn)
            work.audit(changes={"fields": sorted(values)})
        return conn

    async def delete(self, raw_id: str) -> None:
        """Financbase's delete: the caller's own connection."""
        async with UnitOfWork(self.db) as work:
            conn = await self._mine(work.session, raw_id, lock=True)
            await self._revoke(work, conn)

    async def disconnect(self, connection_id: uuid.UUID) -> bool:
        """Mappr's disconnect: an organization's QuickBooks connection (its owner, or an
        OWNER of the organization); False when there is no such connection."""
        async with UnitOfWork(self.db) as work:
            conn = await repo.connection(work.session, connection_id, lock=True)
            if conn is None or conn.service != "quickbooks":
                return False
            if conn.user_id != principal().user_id and tenant().role != "OWNER":
                raise Forbidden("Only its owner or an organization owner can disconnect it")
            await self._revoke(work, conn)
        return True

    async def _revoke(self, work: UnitOfWork, conn: AppConnection) -> None:
        """Forgets the connection's tokens and keeps it as revoked; the provider is asked to
        revoke them too, best effort (the grant dies with its refresh token either way)."""
        sealed = [t for t in (conn.refresh_token, conn.access_token) if t]
        await repo.change(
            work.session,
            conn.id,
            status="revoked",
            revoked_at=dt.datetime.now(dt.UTC),
            access_token=None,
            refresh_token=None,
        )
        work.audit(target_id=conn.id, changes={"service": conn.service})
        if sealed:
            token = self.vault.unseal(sealed[0])
            service = conn.service

            async def revoke() -> None:
                try:
                    await self.oauth.revoke(service, token)
                except FAILURES:
                    pass  # the tokens are gone from here; the provider's copy expires

            work.after_commit(revoke)

    # Syncs ---------------------------------------------------------------------------------

    async def trigger_sync(self, raw_id: str, sync_type: str, data_types: list[str]) -> SyncRun:
        kind = sync_type.strip().lower() or "full"
        if kind not in ("full", "incremental"):
            raise _refused("syncType", "must be full or incremental")
        async with UnitOfWork(self.db) as work:
            s = work.session
            conn = await self._mine(s, raw_id, lock=True)
            # Counted per connection, once it is known to be the caller's.
            await deferred.charge(str(conn.id))
            types = catalog.data_types(catalog.service(conn.service), data_types)
            if conn.status != "connected":
                raise _refused("connectionId", f"is {conn.status}; connect it before syncing")
            run = await start_run(s, conn, kind, types)
            if run is None:
                raise Conflict("A sync is already running for this connection")
            work.audit(changes={"syncId": str(run.id), "syncType": kind})
            work.defer(
                self.jobs,
                sync_connection,
                organization_id=str(conn.organization_id),
                run_id=str(run.id),
            )
        return run

    async def sync_status(self, raw_id: str) -> SyncRun:
        async with tenant_transaction(self.db) as s:
            conn = await self._mine(s, raw_id)
            run = await repo.latest_run(s, conn.id)
        if run is None:
            raise NotFound(SYNC_NOT_FOUND)
        return run

    async def _mine(self, s: Any, raw_id: str, *, lock: bool = False) -> AppConnection:
        conn = await repo.connection(
            s, connection_id_of(raw_id), user_id=principal().user_id, lock=lock
        )
        if conn is None:
            raise NotFound(CONNECTION_NOT_FOUND)
        return conn
