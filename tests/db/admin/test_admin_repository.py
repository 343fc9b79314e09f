"""Admin queries on a real PostgreSQL: filters, search escaping, order, counts."""

import datetime as dt
import uuid

from server.admin import repository as repo
from server.auth import repository as auth_repo


def _marker() -> str:
    return f"mk{uuid.uuid4().hex[:10]}"


async def _user(db, **fields):
    values = {
        "email": f"{uuid.uuid4().hex[:12]}@example.com",
        "password_hash": "x",
        "first_name": "Ann",
        "last_name": "Lee",
        **fields,
    }
    async with db.transaction() as s:
        return await auth_repo.add_user(s, **values)


async def _emails(db, f, *, offset=0, limit=100):
    async with db.read() as s:
        return [r["email"] for r in await repo.list_users(s, f, offset=offset, limit=limit)]


async def test_search_treats_like_wildcards_literally(db):
    m = _marker()
    underscore = await _user(db, last_name=f"{m}a_b")
    await _user(db, last_name=f"{m}axb")
    percent = await _user(db, first_name=f"{m}100%")
    await _user(db, first_name=f"{m}1000")
    backslash = await _user(db, first_name=f"{m}c\\d")
    await _user(db, first_name=f"{m}cd")

    assert await _emails(db, repo.UserFilter(search=f"{m}a_b")) == [underscore.email]
    assert await _emails(db, repo.UserFilter(search=f"{m}100%")) == [percent.email]
    assert await _emails(db, repo.UserFilter(search=f"{m}c\\d")) == [backslash.email]
    async with db.read() as s:
        assert await repo.count_users(s, repo.UserFilter(search=m)) == 6


async def test_search_matches_email_names_and_full_name_in_any_case(db):
    m = _marker()
    by_email = await _user(db, email=f"{m}@example.com")
    by_first = await _user(db, first_name=f"Zed{m}")
    by_last = await _user(db, last_name=f"{m}Son")
    await _user(db)

    found = await _emails(db, repo.UserFilter(search=m.upper()))
    assert sorted(found) == sorted([by_email.email, by_first.email, by_last.email])
    assert await _emails(db, repo.UserFilter(search=f"zed{m} lee")) == [by_first.email]


async def test_role_and_plan_filter_exactly_and_order_is_newest_first(db):
    m = _marker()
    free = await _user(db, first_name=m)
    pro = await _user(db, first_name=m, current_plan="PRO")
    premium_pro = await _user(db, first_name=m, current_plan="PRO", role="PREMIUM")

    assert await _emails(db, repo.UserFilter(search=m)) == [
        premium_pro.email,
        pro.email,
        free.email,
    ]
    assert await _emails(db, repo.UserFilter(search=m, plan="PRO")) == [
        premium_pro.email,
        pro.email,
    ]
    assert await _emails(db, repo.UserFilter(search=m, plan="PRO", role="USER")) == [pro.email]
    assert await _emails(db, repo.UserFilter(search=m, plan="ULTIMATE")) == []
    assert await _emails(db, repo.UserFilter(search=m), offset=1, limit=1) == [pro.email]


async def test_same_created_at_pages_by_id_without_overlap(db):
    m = _marker()
    same = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    users = [await _user(db, first_name=m, created_at=same) for _ in range(5)]
    pages = [await _emails(db, repo.UserFilter(search=m), offset=o, limit=2) for o in (0, 2, 4)]
    flat = [e for page in pages for e in page]
    by_id_desc = [u.email for u in sorted(users, key=lambda u: u.id, reverse=True)]
    assert flat == by_id_desc


async def test_user_counts_by_sign_in_and_creation_time(db):
    now = dt.datetime.now(dt.UTC)
    async with db.read() as s:
        before = await repo.user_counts(s, now=now)
    await _user(db, last_login_at=now - dt.timedelta(hours=1))
    await _user(db, last_login_at=now - dt.timedelta(days=3))
    await _user(db, last_login_at=now - dt.timedelta(days=30))
    await _user(db, created_at=now - dt.timedelta(days=2))
    async with db.read() as s:
        after = await repo.user_counts(s, now=now)
    assert after.total - before.total == 4
    assert after.active_24h - before.active_24h == 1
    assert after.active_7d - before.active_7d == 2
    # created "now" by the database: after `now` unless the test straddles UTC midnight
    if now.date() == dt.datetime.now(dt.UTC).date():
        assert after.new_today - before.new_today == 3
