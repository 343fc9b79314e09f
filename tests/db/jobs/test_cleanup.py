"""housekeeping.prune: old used or expired tokens, old sent mail and expired idempotency keys
go, the rest stays."""

import datetime as dt

from sqlalchemy import insert, select

from server.auth import repository as repo
from server.auth.models import ActionToken, RefreshToken
from server.housekeeping import Pruned, prune
from server.platform.idempotency.models import idempotency_keys
from server.platform.mail.models import OutboxMail
from tests.factories.auth import unique_email

NOW = dt.datetime.now(dt.UTC)
LONG_AGO = NOW - dt.timedelta(days=40)
LAST_WEEK = NOW - dt.timedelta(days=8)
LAST_DAY = NOW - dt.timedelta(hours=25)
RECENTLY = NOW - dt.timedelta(hours=1)
LATER = NOW + dt.timedelta(days=1)


async def test_prune__drops_only_rows_past_their_retention(scratch):
    async with scratch.db.transaction() as s:
        user = await repo.add_user(
            s, email=unique_email(), password_hash="x", first_name="A", last_name="B"
        )
        assert user is not None
        sid = await repo.add_session(s, user_id=user.id, expires_at=LATER)
        refresh = {
            "used-last-week": dict(expires_at=LATER, used_at=LAST_WEEK),
            "expired-last-week": dict(expires_at=LAST_WEEK, used_at=None),
            "used-recently": dict(expires_at=LATER, used_at=RECENTLY),
            "expired-recently": dict(expires_at=RECENTLY, used_at=None),
            "live": dict(expires_at=LATER, used_at=None),
        }
        for name, times in refresh.items():
            s.add(RefreshToken(token_hash=f"r-{name}", session_id=sid, **times))
        for name, times in refresh.items():
            s.add(
                ActionToken(
                    token_hash=f"a-{name}", user_id=user.id, purpose="verify_email", **times
                )
            )
        mails = {"sent-long-ago": LONG_AGO, "sent-recently": RECENTLY, "pending": None}
        for subject, sent_at in mails.items():
            s.add(
                OutboxMail(
                    recipient=user.email,
                    subject=subject,
                    body="b",
                    created_at=LONG_AGO,
                    sent_at=sent_at,
                )
            )
        for key, created_at in {"key-yesterday": LAST_DAY, "key-recent": RECENTLY}.items():
            await s.execute(
                insert(idempotency_keys).values(
                    user_id=user.id,
                    method="/fingate.banking.v1.BankingService/ConnectAccounts",
                    key=key,
                    request_sha256=b"x",
                    created_at=created_at,
                )
            )

    pruned = await prune(scratch.db, scratch.settings(), now=NOW)

    assert pruned == Pruned(refresh_tokens=2, action_tokens=2, mail=1, idempotency_keys=1)
    async with scratch.db.read() as s:
        tokens = set((await s.execute(select(RefreshToken.token_hash))).scalars())
        tokens |= set((await s.execute(select(ActionToken.token_hash))).scalars())
        subjects = set((await s.execute(select(OutboxMail.subject))).scalars())
        keys = set((await s.execute(select(idempotency_keys.c.key))).scalars())
    kept = ("used-recently", "expired-recently", "live")
    assert tokens == {f"{kind}-{name}" for kind in "ra" for name in kept}
    assert subjects == {"sent-recently", "pending"}
    assert keys == {"key-recent"}


async def test_prune__retention_comes_from_settings(scratch):
    async with scratch.db.transaction() as s:
        s.add(OutboxMail(recipient="x@example.com", subject="s", body="b", sent_at=RECENTLY))

    keep_a_day = scratch.settings(MAIL_RETENTION_SECONDS=str(24 * 3600))
    assert (await prune(scratch.db, keep_a_day, now=NOW)).mail == 0
    keep_a_minute = scratch.settings(MAIL_RETENTION_SECONDS="60")
    assert (await prune(scratch.db, keep_a_minute, now=NOW)).mail == 1
