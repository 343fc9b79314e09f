"""Writing the audit trail, in the same transaction as the change it records."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.platform.audit.models import AuditEntry
from server.platform.common.ids import new_id
from server.platform.context import call_var


async def record(
    s: AsyncSession,
    *,
    action: str,
    target_type: str,
    target_id: uuid.UUID | str | None,
    organization_id: uuid.UUID | None,
    actor_id: uuid.UUID | None = None,
    changes: dict[str, Any] | None = None,
) -> None:
    """One audit row: who (the caller unless actor_id says otherwise), where, what, which
    request. `changes` holds non-secret facts only (a new role, a plan), never credentials."""
    state = call_var.get()
    if actor_id is None and state is not None and state.principal is not None:
        actor_id = state.principal.user_id
    await s.execute(
        insert(AuditEntry).values(
            id=new_id(),
            actor_id=actor_id,
            organization_id=organization_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id) if target_id is not None else None,
            request_id=state.request_id if state is not None else None,
            changes=changes,
        )
    )
