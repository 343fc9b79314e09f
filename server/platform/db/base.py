"""Declarative base shared by every domain's models, with stable constraint names."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from sqlalchemy import DateTime, ForeignKey, MetaData, func
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Row times the database sets, as column types: `created_at: Mapped[CreatedAt]`.
CreatedAt = Annotated[
    dt.datetime, mapped_column(DateTime(timezone=True), server_default=func.now())
]
UpdatedAt = Annotated[
    dt.datetime,
    mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now()),
]

# The organization a tenant row belongs to (row-level security filters on it; deleting the
# organization deletes the row): `organization_id: Mapped[TenantId]`.
TenantId = Annotated[uuid.UUID, mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))]
