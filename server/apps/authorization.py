"""The authorization-code flow's own rules: where a provider may send the user back, and the
`state` that ties a callback to the user who started it.

A state is 32 random bytes (or the caller's own unguessable one), stored as its SHA-256 with
the user, organization, connection, service, redirect URI and the PKCE verifier (sealed). It is
good once, for STATE_TTL: consuming it is one UPDATE … WHERE used_at IS NULL AND expires_at >
now(), so two callbacks racing with the same state cannot both win.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.apps.models import OAuthState
from server.platform.config import Settings
from server.platform.encryption import Vault
from server.platform.errors import FieldViolation, InvalidInput

STATE_TTL = dt.timedelta(minutes=10)
CALLBACK_PATH = "/integrations/callback"


@dataclass(frozen=True, slots=True)
class Started:
    state: str
    code_verifier: str
    redirect_uri: str


@dataclass(frozen=True, slots=True)
class Consumed:
    connection_id: uuid.UUID
    redirect_uri: str
    code_verifier: str


def _origin(url: str) -> tuple[str, str] | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.scheme, parts.netloc.lower()


def redirect_uri(settings: Settings, requested: str, field: str = "redirectUri") -> str:
    """The URI a provider returns the user to: `requested` when the allow-list (or, outside
    production, APP_URL's origin) admits it, APP_URL's callback page when none is given."""
    wanted = requested.strip()
    if not wanted:
        return settings.app_url + CALLBACK_PATH
    if wanted in settings.oauth_redirect_uris:
        return wanted
    origin = _origin(wanted)
    if (
        not settings.is_production
        and origin is not None
        and origin == _origin(settings.app_url)
        and not urlsplit(wanted).fragment
    ):
        return wanted
    raise InvalidInput(
        [FieldViolation(field, "is not an allowed redirect URI")], "Invalid OAuth request"
    )


def digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def start(
    s: AsyncSession,
    vault: Vault,
    *,
    organization_id: uuid.UUID,
    user_id: uuid.UUID,
    connection_id: uuid.UUID,
    service: str,
    redirect_to: str,
    state: str = "",
) -> Started:
    """A new state for the flow (added to the session; flushed with it)."""
    state = state or secrets.token_urlsafe(32)
    # RFC 7636: 43 to 128 characters of the unreserved set.
    verifier = secrets.token_urlsafe(48)
    s.add(
        OAuthState(
            state_hash=digest(state),
            organization_id=organization_id,
            user_id=user_id,
            connection_id=connection_id,
            service=service,
            redirect_uri=redirect_to,
            code_verifier=vault.seal(verifier),
            expires_at=dt.datetime.now(dt.UTC) + STATE_TTL,
        )
    )
    return Started(state, verifier, redirect_to)


async def consume(
    s: AsyncSession, vault: Vault, *, state: str, user_id: uuid.UUID, service: str
) -> Consumed:
    """Spends a state issued to this user for this service; InvalidInput on `state` when it
    is unknown, another user's or service's, already used or expired (one answer for all:
    which one is nobody's business)."""
    row = (
        await s.execute(
            update(OAuthState)
            .where(
                OAuthState.state_hash == digest(state.strip()),
                OAuthState.user_id == user_id,
                OAuthState.service == service,
                OAuthState.used_at.is_(None),
                OAuthState.expires_at > dt.datetime.now(dt.UTC),
            )
            .values(used_at=dt.datetime.now(dt.UTC))
            .returning(OAuthState.connection_id, OAuthState.redirect_uri, OAuthState.code_verifier)
        )
    ).one_or_none()
    if row is None:
        raise InvalidInput(
            [FieldViolation("state", "is invalid, already used or expired; start again")],
            "Invalid OAuth state",
        )
    return Consumed(row.connection_id, row.redirect_uri, vault.unseal(row.code_verifier))
