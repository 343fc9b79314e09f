"""QuickBooks change notifications: verified over the raw bytes, stored once per (realmId,
event id), processed by a job that re-reads each changed entity for every connection of that
company.

The route only verifies, parses and inserts (one statement), then queues at most one pending
job for the whole inbox (procrastinate's queueing lock), so a burst of deliveries answers within
Intuit's 3-second budget; the job does the provider calls.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from procrastinate import JobContext
from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert

from server.apps import repository as repo
from server.apps.models import QuickBooksEvent
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.errors import FieldViolation, InvalidInput, Unauthenticated
from server.platform.jobs import queues
from server.platform.jobs.app import JobQueue, app, runtime
from server.platform.tenancy.session import bind_organization
from server.providers.apps import AppDataClient, AppProviderError

log = logging.getLogger("fingate.apps")
INBOX_LOCK = "quickbooks-webhook-inbox"
# QuickBooks entity → the data type its records are stored under.
ENTITY_TYPES = {
    "Invoice": "invoices",
    "Purchase": "expenses",
    "Customer": "customers",
    "Vendor": "vendors",
}
BATCH = 100


@dataclass(frozen=True, slots=True)
class Event:
    realm_id: str
    event_id: str
    entities: list[dict[str, Any]]


def verify(body: bytes, header: str | None, verifier: str) -> None:
    """Unauthenticated unless `header` is the base64 HMAC-SHA256 of `body` under `verifier`
    (`sha256=` in front, as seed 004 writes it, or bare, as Intuit sends it)."""
    refused = Unauthenticated("Invalid webhook signature")
    if not header or not verifier:
        raise refused
    value = header.strip()
    if value[:7].lower() == "sha256=":
        value = value[7:]
    try:
        given = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise refused from None
    expected = hmac.new(verifier.encode(), body, hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise refused


def _invalid(message: str) -> InvalidInput:
    return InvalidInput([FieldViolation("eventNotifications", message)], "Invalid webhook body")


def parse(body: bytes) -> list[Event]:
    """The events of a notification body; InvalidInput when it is not one."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _invalid("must be a JSON notification") from None
    notifications = document.get("eventNotifications") if isinstance(document, dict) else None
    if not isinstance(notifications, list):
        raise _invalid("is required")
    events: list[Event] = []
    for notification in notifications:
        if not isinstance(notification, dict):
            raise _invalid("must hold objects")
        realm = notification.get("realmId")
        change = notification.get("dataChangeEvent") or {}
        entities = change.get("entities") if isinstance(change, dict) else None
        if not isinstance(realm, str) or not realm or len(realm) > 64:
            raise _invalid("realmId is required")
        if not isinstance(entities, list) or not all(
            isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("id"), str)
            for e in entities
        ):
            raise _invalid("dataChangeEvent.entities must list {name, id}")
        ids = change.get("eventIds")
        if isinstance(ids, list) and ids and all(isinstance(i, str) and i for i in ids):
            event_id = ",".join(ids)[:128]
        else:
            # Intuit's own payload names no event: the same changes delivered again are the
            # same event.
            canonical = json.dumps(entities, sort_keys=True, separators=(",", ":"))
            event_id = hashlib.sha256(canonical.encode()).hexdigest()
        events.append(Event(realm, event_id, entities))
    return events


async def receive(db: Database, jobs: JobQueue, events: list[Event]) -> int:
    """Stores the events not seen before and queues the inbox job; returns how many were new."""
    if not events:
        return 0
    async with db.transaction() as s:
        inserted = await s.execute(
            insert(QuickBooksEvent)
            .values(
                [
                    {"realm_id": e.realm_id, "event_id": e.event_id, "entities": e.entities}
                    for e in events
                ]
            )
            .on_conflict_do_nothing()
            .returning(QuickBooksEvent.event_id)
        )
        new = len(inserted.all())
    if new:
        # None: a job for the inbox is already waiting and will see these rows too.
        await jobs.defer(process_inbox, queueing_lock=INBOX_LOCK)
    return new


async def process_events(db: Database, vault: Vault, data: AppDataClient) -> int:
    """Re-reads the entities of every unprocessed event for each connection of its company;
    returns how many events were processed."""
    done = 0
    while True:
        async with db.transaction() as s:
            batch = (
                (
                    await s.execute(
                        select(QuickBooksEvent)
                        .where(QuickBooksEvent.processed_at.is_(None))
                        .order_by(QuickBooksEvent.received_at)
                        .limit(BATCH)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            if not batch:
                return done
            for event in batch:
                targets = (
                    await s.execute(
                        text("SELECT * FROM fingate_app_connections_for_realm(:realm)"),
                        {"realm": event.realm_id},
                    )
                ).all()
                for organization_id, connection_id in targets:
                    await _apply(db, vault, data, organization_id, connection_id, event)
            await s.execute(
                update(QuickBooksEvent)
                .where(
                    QuickBooksEvent.realm_id.in_([e.realm_id for e in batch]),
                    QuickBooksEvent.event_id.in_([e.event_id for e in batch]),
                )
                .values(processed_at=dt.datetime.now(dt.UTC))
            )
            done += len(batch)


async def _apply(
    db: Database,
    vault: Vault,
    data: AppDataClient,
    organization_id: uuid.UUID,
    connection_id: uuid.UUID,
    event: QuickBooksEvent,
) -> None:
    async with db.transaction() as s:
        await bind_organization(s, organization_id)
        conn = await repo.connection(s, connection_id)
        if conn is None or conn.access_token is None:
            return
        token, realm = vault.unseal(conn.access_token), conn.account_id
    for entity in event.entities:
        data_type = ENTITY_TYPES.get(entity["name"])
        if data_type is None:
            continue  # an entity fingate does not sync
        try:
            record = (
                None
                if str(entity.get("operation", "")).lower() == "delete"
                else await data.read_entity(
                    "quickbooks",
                    access_token=token,
                    account_id=realm,
                    entity=entity["name"],
                    entity_id=entity["id"],
                )
            )
        except AppProviderError as error:
            # The next sync brings it; one entity must not hold up the inbox.
            log.warning("webhook entity re-read failed", extra={"error_type": type(error).__name__})
            continue
        async with db.transaction() as s:
            await bind_organization(s, organization_id)
            if record is None:
                await repo.delete_record(s, connection_id, data_type, entity["id"])
            else:
                await repo.upsert_records(
                    s,
                    organization_id,
                    connection_id,
                    [
                        (
                            record.data_type,
                            record.external_id,
                            record.document,
                            record.updated_at,
                        )
                    ],
                )


@app.task(name="apps.quickbooks_inbox", queue=queues.APP_SYNC, pass_context=True)
async def process_inbox(context: JobContext) -> int:
    rt = runtime(context)
    data = AppDataClient(rt.settings)
    try:
        return await process_events(rt.db, Vault.from_settings(rt.settings), data)
    finally:
        await data.aclose()
