"""Refreshing a connection's access token: one exchange at a time per connection.

The refresh holds the connection's row lock across the token call, so concurrent refreshes
queue behind it; one that gets the lock after another refresh has just finished (FRESH_FOR)
answers that refresh's result instead of spending the new refresh token again (providers rotate
them: a second exchange with the old one is invalid_grant and would expire the connection). A
refusal (invalid_grant) marks the connection expired with the provider's reason, committed
before the caller hears about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from server.apps import repository as repo
from server.apps.models import AppConnection
from server.platform.encryption import Vault
from server.providers.apps import GrantRefused, OAuthClient, TokenSet

FRESH_FOR = dt.timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class Refreshed:
    connection: AppConnection
    refused: GrantRefused | None = None  # set: the connection is now expired


def store_tokens(
    vault: Vault, tokens: TokenSet, *, keep_refresh: str | None = None
) -> dict[str, object]:
    """The columns a token set writes (sealed), keeping the stored refresh token when the
    provider sent none."""
    values: dict[str, object] = {
        "access_token": vault.seal(tokens.access_token),
        "expires_at": tokens.expires_at,
    }
    if tokens.refresh_token:
        values["refresh_token"] = vault.seal(tokens.refresh_token)
    elif keep_refresh is not None:
        values["refresh_token"] = keep_refresh
    if tokens.account_id:
        values["account_id"] = tokens.account_id
    return values


async def refresh_locked(
    s: AsyncSession, vault: Vault, oauth: OAuthClient, conn: AppConnection
) -> Refreshed:
    """Refreshes `conn`, which the caller's transaction holds locked (FOR UPDATE)."""
    now = dt.datetime.now(dt.UTC)
    if conn.refreshed_at is not None and now - conn.refreshed_at < FRESH_FOR:
        return Refreshed(conn)
    assert conn.refresh_token is not None
    try:
        tokens = await oauth.refresh(conn.service, vault.unseal(conn.refresh_token))
    except GrantRefused as refused:
        await repo.change(
            s,
            conn.id,
            status="expired",
            status_reason=refused.reason[:255],
            access_token=None,
            refresh_token=None,
        )
        await s.refresh(conn)
        return Refreshed(conn, refused)
    await repo.change(
        s, conn.id, refreshed_at=now, **store_tokens(vault, tokens, keep_refresh=conn.refresh_token)
    )
    await s.refresh(conn)
    return Refreshed(conn)
