"""Auth repository on a real PostgreSQL: the single-use rules hold under concurrency."""

import asyncio
import datetime as dt

from server.auth import repository as repo
from server.auth.tokens import new_opaque_token
from tests.factories.auth import unique_email


async def _user(db):
    async with db.transaction() as s:
        return await repo.add_user(
            s, email=unique_email(), password_hash="x", first_name="A", last_name="B"
        )


async def test_add_user__duplicate_email_returns_none(db):
    user = await _user(db)
    async with db.transaction() as s:
        again = await repo.add_user(
            s, email=user.email, password_hash="y", first_name="C", last_name="D"
        )
    assert again is None


async def test_action_token_is_consumed_once_under_concurrency(db):
    user = await _user(db)
    token, token_hash = new_opaque_token()
    async with db.transaction() as s:
        await repo.add_action_token(
            s,
            token_hash=token_hash,
            user_id=user.id,
            purpose="reset_password",
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        )

    async def consume():
        async with db.transaction() as s:
            return await repo.consume_action_token(
                s, token_hash=token_hash, purpose="reset_password"
            )

    results = await asyncio.gather(*(consume() for _ in range(5)))
    assert results.count(user.id) == 1 and results.count(None) == 4


async def test_expired_or_wrong_purpose_token_is_not_consumed(db):
    user = await _user(db)
    _, expired = new_opaque_token()
    _, verify = new_opaque_token()
    async with db.transaction() as s:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        await repo.add_action_token(
            s, token_hash=expired, user_id=user.id, purpose="reset_password", expires_at=past
        )
        await repo.add_action_token(
            s,
            token_hash=verify,
            user_id=user.id,
            purpose="verify_email",
            expires_at=past + dt.timedelta(hours=2),
        )
    async with db.transaction() as s:
        assert (
            await repo.consume_action_token(s, token_hash=expired, purpose="reset_password") is None
        )
        assert (
            await repo.consume_action_token(s, token_hash=verify, purpose="reset_password") is None
        )


async def test_live_session_user_ignores_revoked_sessions(db):
    user = await _user(db)
    async with db.transaction() as s:
        sid = await repo.add_session(
            s, user_id=user.id, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        )
    async with db.driver() as conn:
        assert await repo.live_session_user(conn, session_id=sid, user_id=user.id) == (
            user.email,
            "USER",
            "FREE",
        )
    async with db.transaction() as s:
        await repo.revoke_session(s, sid, reason="test")
    async with db.driver() as conn:
        assert await repo.live_session_user(conn, session_id=sid, user_id=user.id) is None
