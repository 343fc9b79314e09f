"""Registered banking integrations: their sealed configuration, authentication and health.

The configuration holds API keys: it is validated against the type's required keys
(server/providers/rails CONFIG_KEYS), sealed as one JSON document, and never answered. Checks of
several integrations run concurrently, each under its own timeout, so one slow rail holds up
nobody.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.gateway.models import TYPES, GatewayIntegration, IntegrationHealth
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.errors import Conflict, FieldViolation, InvalidInput
from server.providers.rails import CONFIG_KEYS, RailError, Rails

log = logging.getLogger("fingate.gateway")
# A check that does not answer within this failed (the rail's own timeouts are shorter).
CHECK_TIMEOUT_S = 10.0
MAX_CONFIG_KEYS = 32
MAX_CONFIG_VALUE = 2048


@dataclass(frozen=True, slots=True)
class Registered:
    row: GatewayIntegration
    config: dict[str, str]


@dataclass(frozen=True, slots=True)
class Check:
    authenticated: bool
    status: str  # HEALTHY | DEGRADED | UNAVAILABLE
    message: str | None
    latency_ms: int | None


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput([FieldViolation(field, message)], "Invalid integration configuration")


def validate(kind: str, config: Mapping[str, Any] | None) -> tuple[str, dict[str, str]]:
    """The type (upper case) and the configuration as strings; InvalidInput naming the field."""
    kind = kind.strip().upper()
    if kind not in TYPES:
        raise _bad("type", f"must be one of {', '.join(TYPES)}")
    if not config:
        raise _bad("config", f"is required: {', '.join(CONFIG_KEYS[kind])}")
    if len(config) > MAX_CONFIG_KEYS:
        raise _bad("config", f"must have at most {MAX_CONFIG_KEYS} keys")
    values: dict[str, str] = {}
    for key, value in config.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise _bad(f"config.{key}", "must be a string")
        text = str(value).strip()
        if len(text) > MAX_CONFIG_VALUE:
            raise _bad(f"config.{key}", f"must be at most {MAX_CONFIG_VALUE} characters")
        values[key] = text
    for key in CONFIG_KEYS[kind]:
        if not values.get(key):
            raise _bad(f"config.{key}", f"is required for {kind}")
    base = values.get("api_base")
    if base is not None:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _bad("config.api_base", "must be an http(s) URL")
    return kind, values


async def register(
    s: AsyncSession, vault: Vault, name: str, kind: str, config: dict[str, str]
) -> GatewayIntegration:
    row = GatewayIntegration(
        name=name, type=kind, status="ACTIVE", config=vault.seal(json.dumps(config))
    )
    s.add(row)
    try:
        async with s.begin_nested():
            await s.flush()
    except IntegrityError:
        raise Conflict(f"An integration named {name} is already registered") from None
    return row


async def all_integrations(s: AsyncSession) -> Sequence[GatewayIntegration]:
    rows = await s.execute(select(GatewayIntegration).order_by(GatewayIntegration.name))
    return rows.scalars().all()


async def health(s: AsyncSession) -> dict[str, tuple[IntegrationHealth, str]]:
    """Stored health by integration name: (health row, integration status)."""
    rows = await s.execute(
        select(IntegrationHealth, GatewayIntegration.name, GatewayIntegration.status).join(
            GatewayIntegration, GatewayIntegration.id == IntegrationHealth.integration_id
        )
    )
    return {name: (h, status) for h, name, status in rows.all()}


def opened(vault: Vault, row: GatewayIntegration) -> Registered:
    return Registered(row, json.loads(vault.unseal(row.config)))


async def check(rails: Rails, integration: Registered, degraded_ms: int) -> Check:
    """One authentication of an integration at its rail, timed: slower than `degraded_ms`
    is DEGRADED."""
    started = time.monotonic()
    try:
        await asyncio.wait_for(
            rails.authenticate(integration.row.type, integration.config), CHECK_TIMEOUT_S
        )
    except TimeoutError:
        return Check(False, "UNAVAILABLE", "timed out", None)
    except RailError as error:
        return Check(False, "UNAVAILABLE", _reason(error), None)
    latency = int((time.monotonic() - started) * 1000)
    if latency > degraded_ms:
        return Check(True, "DEGRADED", f"slow: {latency} ms", latency)
    return Check(True, "HEALTHY", None, latency)


def _reason(error: RailError) -> str:
    """A failure's reason for an answer: the class and the rail's own words, never config."""
    detail = getattr(error, "reason", "") or type(error).__name__
    return str(detail)[:255]


async def check_all(
    db: Database, vault: Vault, rails: Rails, *, degraded_ms: int, record: bool
) -> dict[str, Check | None]:
    """Checks every ACTIVE integration at once (None: inactive, skipped); with `record`,
    stores each result and stamps `last_authenticated` on the ones that authenticated."""
    async with db.read() as s:
        rows = await all_integrations(s)
        integrations = [opened(vault, r) for r in rows]
    active = [i for i in integrations if i.row.status == "ACTIVE"]
    results = await asyncio.gather(*(check(rails, i, degraded_ms) for i in active))
    found: dict[str, Check | None] = {i.row.name: None for i in integrations}
    now = dt.datetime.now(dt.UTC)
    if record and active:
        async with db.transaction() as s:
            for integration, result in zip(active, results, strict=True):
                await _store(s, integration.row, result, now)
    for integration, result in zip(active, results, strict=True):
        found[integration.row.name] = result
    return found


async def _store(s: AsyncSession, row: GatewayIntegration, result: Check, now: dt.datetime) -> None:
    values = {
        "authenticated": result.authenticated,
        "status": result.status,
        "message": result.message,
        "latency_ms": result.latency_ms,
        "checked_at": now,
    }
    statement = insert(IntegrationHealth).values(integration_id=row.id, **values)
    await s.execute(
        statement.on_conflict_do_update(
            index_elements=[IntegrationHealth.integration_id], set_=values
        )
    )
    if result.authenticated:
        await s.execute(
            update(GatewayIntegration)
            .where(GatewayIntegration.id == row.id)
            .values(last_authenticated=now)
        )


def overall(statuses: Sequence[str]) -> str:
    """healthy when every integration is; unavailable when none is usable (or none exist);
    degraded otherwise."""
    if not statuses or all(s == "UNAVAILABLE" for s in statuses):
        return "unavailable"
    if all(s == "HEALTHY" for s in statuses):
        return "healthy"
    return "degraded"
