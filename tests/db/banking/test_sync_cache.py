"""A background sync drops the documented cache keys it made stale, in the shared Redis cache
that every server process reads."""

from __future__ import annotations

from server.banking import cache_keys as keys
from server.banking.sync import engine
from server.platform.cache.store import RedisCache
from server.platform.jobs.app import Runtime
from tests.factories.banking import plaid_connection


async def test_a_sync_invalidates_the_connection_and_its_users_lists(
    db, app_db, provider_settings, plaid_provider, redis_for_tests
):
    url, prefix = redis_for_tests
    cache = RedisCache(url, prefix=prefix, ttl_s=600)
    org, connection, _ = await plaid_connection(db, plaid_provider)
    async with db.transaction() as s:
        members = await keys.member_ids(s, org)
    stale = keys.after_connection_change(connection, None, members)
    for key in stale:
        await cache.put(key, str(org), b"stale")
    rt = Runtime(db=app_db, settings=provider_settings, cache=cache)
    await engine.sync(rt, organization_id=org, connection_id=connection, sync_type="full", job_id=1)
    assert [await cache.get(key, str(org)) for key in stale] == [None] * len(stale)
