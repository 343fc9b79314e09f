"""Auth domain values → protos; the only place the two meet."""

from __future__ import annotations

from typing import Any

from fingate.auth.v1 import user_pb2
from server.auth.domain import SessionTokens
from server.auth.models import User
from server.platform.common.nulls import text_or_null, time_or_null
from server.platform.common.time import to_timestamp


def _identity(user: User) -> dict[str, Any]:
    """What every shape of a user shows (the session's user and the profile)."""
    return {
        "id": str(user.id),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "current_plan": user.current_plan,
        "email_verified": user.email_verified,
    }


def auth_user(user: User, *, with_created_at: bool) -> user_pb2.AuthUser:
    msg = user_pb2.AuthUser(**_identity(user))
    if with_created_at:
        msg.created_at.CopyFrom(to_timestamp(user.created_at))
    return msg


def profile(user: User) -> user_pb2.User:
    msg = user_pb2.User(**_identity(user), created_at=to_timestamp(user.created_at))
    msg.phone.CopyFrom(text_or_null(user.phone or None))
    birth = user.date_of_birth
    msg.date_of_birth.CopyFrom(text_or_null(birth.isoformat() if birth else None))
    msg.last_login_at.CopyFrom(time_or_null(user.last_login_at))
    return msg


def session(tokens: SessionTokens) -> user_pb2.Session:
    return user_pb2.Session(
        token=tokens.token,
        expires_at=to_timestamp(tokens.expires_at),
        refresh_token=tokens.refresh_token,
    )
