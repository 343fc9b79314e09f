"""The audit trail: one row per mutation, written in the mutation's own transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_organization_occurred", "organization_id", "occurred_at"),
        Index("ix_audit_log_actor", "actor_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    occurred_at: Mapped[CreatedAt]
    # No foreign keys: the trail outlives the users and organizations it mentions.
    actor_id: Mapped[uuid.UUID | None]
    # NULL for user-level actions (sign-up, subscription changes).
    organization_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    # Non-secret facts of the change (new role, plan); never tokens or passwords.
    changes: Mapped[dict[str, object] | None] = mapped_column(JSONB)
