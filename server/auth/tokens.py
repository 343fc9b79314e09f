"""Access tokens (JWT, HS256 pinned) and opaque single-use tokens stored as SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

import jwt
from cachetools import LRUCache

from server.platform.config import Settings
from server.platform.errors import Unauthenticated

ALGORITHM = "HS256"
_REQUIRED = ["iss", "sub", "aud", "exp", "iat", "sid"]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The claims fingate relies on after verification."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    # Issued to a service principal (the service audience), not to a person.
    service: bool = False


def issue_access_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    email: str,
    role: str,
    plan: str,
    now: dt.datetime,
    service: bool = False,
) -> tuple[str, dt.datetime]:
    """A signed access token and its expiry (seed 004 "Token Structure", plus `sid`); with
    `service`, a service principal's: its own audience and lifetime."""
    ttl = settings.service_token_ttl_s if service else settings.access_token_ttl_s
    expires = now + dt.timedelta(seconds=ttl)
    claims = {
        "iss": settings.jwt_issuer,
        "sub": str(user_id),
        "aud": settings.service_jwt_audience if service else settings.jwt_audience,
        "exp": int(expires.timestamp()),
        "iat": int(now.timestamp()),
        "email": email,
        "role": role,
        "plan": plan,
        "sid": str(session_id),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM), expires


# Tokens already verified by this process, with their expiry: a client sends the same token for
# up to an hour, and its signature check (PyJWT) was the costliest step of authenticating.
# Only expiry can change a verified token's verdict, and it is checked on every hit; the
# secret, issuer and audience are part of the key.
_VERIFIED: LRUCache[tuple[str, ...], tuple[AccessClaims, float]] = LRUCache(maxsize=10_000)


def verify_access_token(settings: Settings, token: str) -> AccessClaims:
    """Checks signature (HS256 only), issuer, audience and expiry; raises Unauthenticated."""
    key = (
        token,
        settings.jwt_secret,
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.service_jwt_audience,
    )
    found = _VERIFIED.get(key)
    if found is not None:
        claims, expires = found
        if time.time() >= expires:
            raise Unauthenticated("Token expired")
        return claims
    verified, expires = _verify(settings, token)
    _VERIFIED[key] = verified, expires
    return verified


def _verify(settings: Settings, token: str) -> tuple[AccessClaims, float]:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            audience=[settings.jwt_audience, settings.service_jwt_audience],
            issuer=settings.jwt_issuer,
            options={"require": _REQUIRED},
        )
        verified = AccessClaims(
            uuid.UUID(claims["sub"]),
            uuid.UUID(claims["sid"]),
            service=claims["aud"] == settings.service_jwt_audience,
        )
        return verified, float(claims["exp"])
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("Token expired") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise Unauthenticated("Invalid token") from None


def new_opaque_token() -> tuple[str, str]:
    """A random token for the user (256 bits) and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """SHA-256 hex of a high-entropy token: a leaked table does not yield usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()
