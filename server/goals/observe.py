"""Observing goals: each goal's amount read from its source, the completion rule applied to the
goal and its milestones (server/goals/derived.py), and the month's progress point recorded, in
the transaction of the call that shows the goal."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.goals import derived, sources
from server.goals import repository as repo
from server.goals.models import Goal
from server.platform.context import tenant
from server.platform.errors import NotFound

_SOURCE_NOT_FOUND = {"ACCOUNT": "Account not found", "WALLET": "Wallet not found"}


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def _amounts(s: AsyncSession, goals: list[Goal]) -> dict[uuid.UUID, Decimal]:
    """Each goal's amount now: its source's, else (MANUAL, or a source since deleted) the
    amount last stored."""
    org = tenant().organization_id
    by_type: dict[str, set[uuid.UUID]] = {"ACCOUNT": set(), "WALLET": set()}
    for g in goals:
        if g.source_id is not None:
            by_type[g.source_type].add(g.source_id)
    found = {
        **await sources.account_balances(s, org, by_type["ACCOUNT"]),
        **await sources.wallet_values(s, org, by_type["WALLET"]),
    }
    return {
        g.id: found.get(g.source_id, g.current_amount) if g.source_id else g.current_amount
        for g in goals
    }


async def source_amount(s: AsyncSession, source_type: str, source_id: uuid.UUID) -> Decimal:
    """A new goal's source amount; another organization's account or wallet is as unknown as
    one that never existed."""
    read = sources.account_balances if source_type == "ACCOUNT" else sources.wallet_values
    found = await read(s, tenant().organization_id, {source_id})
    if source_id not in found:
        raise NotFound(_SOURCE_NOT_FOUND[source_type])
    return found[source_id]


async def observe(
    s: AsyncSession, goals: list[Goal], *, requested: str | None = None
) -> list[Goal]:
    """Brings each goal's amount, status and milestones up to date and records the month's
    progress point; `requested` is the status a user asked for (one goal's update)."""
    org = tenant().organization_id
    amounts = await _amounts(s, goals)
    out = []
    for g in goals:
        amount = amounts[g.id]
        status = derived.status_after(
            g.status, current=amount, target=g.target_amount, requested=requested
        )
        if amount != g.current_amount or status != g.status:
            completed_at = g.completed_at if status == "COMPLETED" else None
            if status == "COMPLETED" and completed_at is None:
                completed_at = dt.datetime.now(dt.UTC)
            g = await repo.update_goal(
                s, g.id, current_amount=amount, status=status, completed_at=completed_at
            )
        out.append(g)
    await repo.complete_milestones(s, org, [g.id for g in out])
    await repo.record_progress(s, org, today(), {g.id: g.current_amount for g in out})
    return out
