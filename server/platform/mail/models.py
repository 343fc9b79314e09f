"""The mail outbox: a message is stored with the change that caused it, so none is lost."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt


class OutboxMail(Base):
    __tablename__ = "mail_outbox"
    __table_args__ = (
        Index(
            "ix_mail_outbox_pending", "next_attempt_at", postgresql_where=text("sent_at IS NULL")
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    next_attempt_at: Mapped[CreatedAt]
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))
