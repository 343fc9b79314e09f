"""Tables of organizations. They define tenancy, so they are not themselves under RLS: a
user's memberships span organizations and are read before any organization is chosen."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from server.platform.common.ids import new_id
from server.platform.db.base import Base, CreatedAt, UpdatedAt

ORG_ROLES = ("OWNER", "EDITOR", "VIEWER")
INVITATION_STATUSES = ("PENDING", "ACCEPTED", "REVOKED")


class Organization(Base):
    __tablename__ = "organizations"
    __table_args__ = (
        Index("uq_organizations_slug", "slug", unique=True),
        # One personal workspace per user.
        Index(
            "uq_organizations_personal_owner",
            "owner_id",
            unique=True,
            postgresql_where=text("is_personal"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    slug: Mapped[str] = mapped_column(String(60))
    description: Mapped[str | None] = mapped_column(String(500))
    # The billing owner: the organization's plan limits are this user's plan.
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    is_personal: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Member(Base):
    __tablename__ = "organization_members"
    __table_args__ = (
        CheckConstraint(f"role IN {ORG_ROLES}", name="role"),
        Index("uq_organization_members_org_user", "organization_id", "user_id", unique=True),
        Index("ix_organization_members_user", "user_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(8))
    joined_at: Mapped[CreatedAt]
    updated_at: Mapped[UpdatedAt]


class Invitation(Base):
    __tablename__ = "organization_invitations"
    __table_args__ = (
        CheckConstraint(f"role IN {ORG_ROLES}", name="role"),
        CheckConstraint(f"status IN {INVITATION_STATUSES}", name="status"),
        Index("uq_organization_invitations_token_hash", "token_hash", unique=True),
        Index("ix_organization_invitations_organization_id", "organization_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), server_default="PENDING")
    # The link's token, stored as SHA-256 like every other bearer token.
    token_hash: Mapped[str] = mapped_column(String(64))
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[CreatedAt]
