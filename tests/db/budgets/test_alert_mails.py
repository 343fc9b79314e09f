"""A budget alert that fired is mailed once per budget period, however often syncs run."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from server.budgets import alerts
from server.dev.devstack.postgres import as_role
from server.platform.db.database import Database
from server.platform.db.rls import APP_ROLE
from server.platform.tenancy.session import bind_organization
from tests.factories.auth import sign_up
from tests.factories.banking import Txn, insert_account, insert_connection, insert_transactions
from tests.factories.organizations import personal_org_id
from tests.rest.client import bearer, call


@pytest.fixture(scope="module")
async def app_db(stack):
    database = Database(as_role(stack.database_url, APP_ROLE), pool_size=2)
    yield database
    await database.dispose()


async def _notify(app_db, org, today):
    async with app_db.transaction() as s:
        await bind_organization(s, org)
        return await alerts.notify(s, org, today)


async def _mails(db, email):
    async with db.transaction() as s:
        return (
            (
                await s.execute(
                    text(
                        "SELECT subject FROM mail_outbox WHERE recipient = :r"
                        " AND subject LIKE 'Budget alert%' ORDER BY subject"
                    ),
                    {"r": email},
                )
            )
            .scalars()
            .all()
        )


async def test_each_fired_alert_is_mailed_once_per_period(db, app_db, rest):
    user = sign_up(rest)
    org = personal_org_id(rest, user.token)
    conn = await insert_connection(db, org, user.user["id"])
    account = await insert_account(db, org, conn)
    today = dt.datetime.now(dt.UTC).date()
    body = {
        "name": "Coffee",
        "amount": 100.00,
        "period": "MONTHLY",
        "sourceType": "ALL",
        "startDate": (today - dt.timedelta(days=3)).isoformat(),
        "alerts": [{"threshold": 50, "enabled": True}, {"threshold": 90, "enabled": True}],
    }
    call(rest, "POST", "/api/v1/budgets", 201, json=body, headers=bearer(user.token))
    noon = dt.datetime.combine(today, dt.time(12), dt.UTC)
    await insert_transactions(db, org, account, [Txn("-60.00", noon)])
    assert await _notify(app_db, org, today) == 1
    assert await _notify(app_db, org, today) == 0  # a second sync: nothing new
    await insert_transactions(db, org, account, [Txn("-35.00", noon)])
    assert await _notify(app_db, org, today) == 1
    assert await _mails(db, user.email) == [
        "Budget alert: Coffee reached 50%",
        "Budget alert: Coffee reached 90%",
    ]
