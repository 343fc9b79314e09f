"""Syncing an app connection: the job that reads the service's data types and stores them
mapped, and the scheduled refresh of tokens about to expire.

A sync reads each data type page by page through the data client and upserts every page on
the provider's ids (server/apps/repository.py), so a re-sync updates rather than duplicates.
A 401 from the provider means the access token died early: the job refreshes it once (the same
locked refresh as the route, server/apps/tokens.py) and tries the data type again. A data type
that still fails counts one error and the others go on; the run fails only when nothing could
be read.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid

from procrastinate import JobContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.apps import repository as repo
from server.apps import tokens
from server.apps.models import AppConnection, SyncRun
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.jobs import queues
from server.platform.jobs.app import app, runtime
from server.platform.metrics.prometheus import observe_sync
from server.platform.tenancy.session import bind_organization
from server.providers.apps import (
    AppDataClient,
    AppProviderError,
    GrantRefused,
    MappedRecord,
    OAuthClient,
    TokenRejected,
)

log = logging.getLogger("fingate.apps")
# A run still `running` after this is taken for dead (its worker died with it).
STALE_AFTER = dt.timedelta(minutes=30)
# Tokens expiring within this are refreshed by the scheduled job.
REFRESH_AHEAD = dt.timedelta(minutes=10)


async def start_run(
    s: AsyncSession, conn: AppConnection, kind: str, types: list[str]
) -> SyncRun | None:
    """A running sync of `conn` (locked by the caller's transaction), to be queued once the
    transaction commits; None when one is already running. A run left `running` past
    STALE_AFTER is failed first: its worker died with it."""
    now = dt.datetime.now(dt.UTC)
    await repo.abandon_stale_runs(s, conn.id, now - STALE_AFTER)
    run = SyncRun(
        organization_id=conn.organization_id,
        connection_id=conn.id,
        status="running",
        sync_type=kind,
        data_types=types,
        started_at=now,
    )
    s.add(run)
    try:
        async with s.begin_nested():
            await s.flush()
    except IntegrityError:
        return None
    await repo.change(s, conn.id, sync_status="running")
    return run


class _Dead(Exception):
    """The connection cannot be read (expired, revoked, refused): the run fails."""


async def _access_token(
    db: Database, vault: Vault, oauth: OAuthClient, organization_id: uuid.UUID, cid: uuid.UUID
) -> tuple[str, str | None]:
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        conn = await repo.connection(s, cid)
        if conn is None or conn.status != "connected" or conn.access_token is None:
            raise _Dead("connection is not connected")
        return vault.unseal(conn.access_token), conn.account_id


async def _refresh(
    db: Database, vault: Vault, oauth: OAuthClient, organization_id: uuid.UUID, cid: uuid.UUID
) -> None:
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        conn = await repo.connection(s, cid, lock=True)
        if conn is None or conn.status != "connected" or conn.refresh_token is None:
            raise _Dead("connection is not connected")
        result = await tokens.refresh_locked(s, vault, oauth, conn)
    if result.refused is not None:
        raise _Dead("the provider refused the refresh")


async def _store(
    db: Database, organization_id: uuid.UUID, cid: uuid.UUID, page: list[MappedRecord]
) -> int:
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        return await repo.upsert_records(
            s,
            organization_id,
            cid,
            [(r.data_type, r.external_id, r.document, r.updated_at) for r in page],
        )


async def run_sync(
    db: Database,
    vault: Vault,
    oauth: OAuthClient,
    data: AppDataClient,
    *,
    organization_id: uuid.UUID,
    run_id: uuid.UUID,
) -> SyncRun | None:
    """Runs one queued sync to its end and records the outcome; None when the run is gone
    or already finished (a retried job)."""
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        run = await repo.run(s, run_id)
        if run is None or run.status != "running":
            return None
        conn = await repo.connection(s, run.connection_id)
        service = conn.service if conn is not None else ""
        since = None
        if run.sync_type == "incremental":
            since = await repo.last_completed_start(s, run.connection_id)
        cid, types = run.connection_id, list(run.data_types)
    processed = synced = errors = 0
    failure: str | None = None
    began = time.perf_counter()
    try:
        token, account_id = await _access_token(db, vault, oauth, organization_id, cid)
        for data_type in types:
            for attempt in (1, 2):
                try:
                    async for page in data.fetch(
                        service, data_type, access_token=token, account_id=account_id, since=since
                    ):
                        processed += len(page)
                        synced += await _store(db, organization_id, cid, page)
                    break
                except TokenRejected:
                    if attempt == 2:
                        errors += 1
                        break
                    await _refresh(db, vault, oauth, organization_id, cid)
                    token, account_id = await _access_token(db, vault, oauth, organization_id, cid)
                except (AppProviderError, GrantRefused) as error:
                    log.warning(
                        "app sync data type failed",
                        extra={"error_type": type(error).__name__, "data_type": data_type},
                    )
                    errors += 1
                    break
    except _Dead as dead:
        failure = str(dead)
    except AppProviderError as error:
        failure = type(error).__name__
    if failure is None and errors and not synced and errors >= len(types):
        failure = "every data type failed"
    observe_sync(
        "app",
        service,
        outcome="error" if failure else "ok",
        seconds=time.perf_counter() - began,
        rows=processed,
    )
    now = dt.datetime.now(dt.UTC)
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        run = await repo.run(s, run_id)
        if run is None:
            return None
        run.status = "failed" if failure else "completed"
        run.completed_at = now
        run.records_processed, run.records_synced, run.errors = processed, synced, errors
        run.error = failure
        await repo.change(s, cid, last_sync_at=now, sync_status="failed" if failure else "success")
        return run


@app.task(name="apps.sync_connection", queue=queues.APP_SYNC, pass_context=True)
async def sync_connection(context: JobContext, organization_id: str, run_id: str) -> str | None:
    rt = runtime(context)
    oauth, data = OAuthClient(rt.settings), AppDataClient(rt.settings)
    try:
        run = await run_sync(
            rt.db,
            Vault.from_settings(rt.settings),
            oauth,
            data,
            organization_id=uuid.UUID(organization_id),
            run_id=uuid.UUID(run_id),
        )
    finally:
        await oauth.aclose()
        await data.aclose()
    return run.status if run is not None else None


async def refresh_expiring(db: Database, vault: Vault, oauth: OAuthClient) -> int:
    """Refreshes every connected token that expires within REFRESH_AHEAD; returns how many
    were refreshed. One connection's failure does not stop the others."""
    before = dt.datetime.now(dt.UTC) + REFRESH_AHEAD
    async with db.transaction() as s:
        rows = (
            await s.execute(
                text("SELECT * FROM fingate_app_connections_expiring(:before)"),
                {"before": before},
            )
        ).all()
    refreshed = 0
    for organization_id, connection_id in rows:
        try:
            await _refresh(db, vault, oauth, organization_id, connection_id)
        except (_Dead, AppProviderError) as error:
            log.warning("app token refresh failed", extra={"error_type": type(error).__name__})
            continue
        refreshed += 1
    return refreshed


@app.periodic(cron="*/5 * * * *", periodic_id="apps-token-refresh")
@app.task(name="apps.refresh_tokens", queue=queues.APP_SYNC, pass_context=True)
async def refresh_tokens(context: JobContext, timestamp: int | None = None) -> int:
    rt = runtime(context)
    oauth = OAuthClient(rt.settings)
    try:
        return await refresh_expiring(rt.db, Vault.from_settings(rt.settings), oauth)
    finally:
        await oauth.aclose()
