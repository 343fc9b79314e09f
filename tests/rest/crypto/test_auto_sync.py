"""Which wallets the automatic sync queues (migration 0014's fingate_due_crypto_wallets): the
plans' "Real-time sync" read as every 15 minutes for PRO and ULTIMATE, daily for FREE; never a
wallet set aside or one whose sync is already queued."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import text, update

from server.auth.models import User
from server.crypto.models import Wallet
from tests.factories.auth import sign_up
from tests.factories.crypto import insert_wallet
from tests.factories.organizations import personal_org_id

NOW = dt.datetime.now(dt.UTC)


async def _wallet(db, org, *, synced_ago: dt.timedelta | None, **values) -> uuid.UUID:
    wid = await insert_wallet(db, org, address="0x" + uuid.uuid4().hex + "00000000")
    values.setdefault("sync_status", "completed")
    async with db.transaction() as s:
        await s.execute(
            update(Wallet)
            .where(Wallet.id == wid)
            .values(last_sync_at=None if synced_ago is None else NOW - synced_ago, **values)
        )
    return wid


async def test_due_wallets_follow_the_plan(rest, db):
    free, pro = sign_up(rest), sign_up(rest)
    free_org, pro_org = personal_org_id(rest, free.token), personal_org_id(rest, pro.token)
    async with db.transaction() as s:
        await s.execute(update(User).where(User.email == pro.email).values(current_plan="PRO"))
    due = {
        await _wallet(db, free_org, synced_ago=dt.timedelta(days=2)),
        await _wallet(db, free_org, synced_ago=None, sync_status="pending"),
        await _wallet(db, pro_org, synced_ago=dt.timedelta(minutes=20)),
        # A queued sync silent for half an hour died without saying so.
        await _wallet(
            db,
            pro_org,
            synced_ago=dt.timedelta(hours=2),
            sync_status="syncing",
            sync_job_id=1,
            sync_requested_at=NOW - dt.timedelta(minutes=30),
        ),
    }
    not_due = {
        await _wallet(db, free_org, synced_ago=dt.timedelta(hours=3)),
        await _wallet(db, pro_org, synced_ago=dt.timedelta(minutes=5)),
        await _wallet(db, pro_org, synced_ago=dt.timedelta(days=3), is_active=False),
        await _wallet(
            db,
            free_org,
            synced_ago=dt.timedelta(days=3),
            sync_status="pending",
            sync_job_id=1,
            sync_requested_at=NOW - dt.timedelta(minutes=1),
        ),
    }
    async with db.transaction() as s:
        rows = (await s.execute(text("SELECT * FROM fingate_due_crypto_wallets(100000)"))).all()
    found = {row.wallet_id for row in rows}
    assert due <= found
    assert not (not_due & found)
