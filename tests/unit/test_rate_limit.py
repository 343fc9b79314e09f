"""Rate-limit configuration, policy and client address: pure rules, no server."""

from __future__ import annotations

import uuid

import pytest
from limits.aio.storage import MemoryStorage, RedisStorage

from server.platform import config
from server.platform.ratelimit.limiter import Decision, Limiter, make_storage
from server.platform.ratelimit.policy import Policy, client_address, peer_address
from tests.secrets import make_settings


def test_defaults_are_seed_004s_tiers():
    limits = config.load({}).rate_limits
    assert limits["GENERAL"] == {
        "FREE": "100/15minutes",
        "PRO": "500/15minutes",
        "ULTIMATE": "2000/15minutes",
    }
    assert limits["WRITE"] == {"FREE": "10/minute", "PRO": "50/minute", "ULTIMATE": "200/minute"}
    assert limits["SYNC"] == {config.ANY_PLAN: "3/5minutes"}
    assert limits["LIVE"] == {config.ANY_PLAN: "50/minute"}
    assert limits["ADMIN"] == {config.ANY_PLAN: "200/hour"}
    assert limits["AUTH"] == {config.ANY_PLAN: "10/minute"}
    settings = config.load({})
    assert settings.rate_limit_trusted_cidrs == () and settings.redis_url is None


def test_each_class_is_configurable_per_plan_or_for_all():
    settings = make_settings(
        RATE_LIMIT_SYNC="FREE=1/minute, PRO=2/minute ,ULTIMATE=3/hour",
        RATE_LIMIT_GENERAL="20/second",
        RATE_LIMIT_TRUSTED_CIDRS="10.0.0.0/8, 2001:db8::/32,192.168.1.7",
        REDIS_URL="redis://127.0.0.1:6379/2",
    )
    assert settings.rate_limits["SYNC"] == {
        "FREE": "1/minute",
        "PRO": "2/minute",
        "ULTIMATE": "3/hour",
    }
    assert settings.rate_limits["GENERAL"] == {config.ANY_PLAN: "20/second"}
    assert [str(n) for n in settings.rate_limit_trusted_cidrs] == [
        "10.0.0.0/8",
        "2001:db8::/32",
        "192.168.1.7/32",
    ]
    assert settings.redis_url == "redis://127.0.0.1:6379/2"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RATE_LIMIT_LIVE": "lots"}, "RATE_LIMIT_LIVE: 'lots' is not a rate limit"),
        ({"RATE_LIMIT_LIVE": "10/fortnight"}, "is not a rate limit"),
        ({"RATE_LIMIT_LIVE": "1/minute;5/hour"}, "must be one limit"),
        ({"RATE_LIMIT_ADMIN": "0/hour"}, "at least 1 request"),
        ({"RATE_LIMIT_GENERAL": "FREE=1/minute"}, "no limit for PRO, ULTIMATE"),
        ({"RATE_LIMIT_WRITE": "FREE=1/minute,GOLD=2/minute"}, "'GOLD' is not a plan"),
        ({"RATE_LIMIT_WRITE": "FREE=x,PRO=1/minute,ULTIMATE=1/minute"}, "'x' is not a rate"),
        ({"RATE_LIMIT_AUTH": "FREE=1/minute"}, "per address or account"),
        ({"RATE_LIMIT_RESET_MAIL": "FREE=1/minute"}, "per address or account"),
        ({"RATE_LIMIT_TRUSTED_CIDRS": "10.0.0.0/33"}, "RATE_LIMIT_TRUSTED_CIDRS"),
        ({"RATE_LIMIT_TRUSTED_CIDRS": "localhost"}, "not a CIDR"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
    ],
)
def test_bad_rate_limit_settings_are_refused(env, message):
    with pytest.raises(config.ConfigError, match=message):
        make_settings(**env)


def _policy(**env: str) -> Policy:
    return Policy(make_settings(RATE_LIMIT_TRUSTED_CIDRS="10.0.0.0/8,::1", **env))


def test_per_user_classes_follow_the_plan():
    policy = _policy()
    user = str(uuid.uuid4())
    for plan, amount in (("FREE", 100), ("PRO", 500), ("ULTIMATE", 2000), ("UNKNOWN", 100)):
        bucket = policy.bucket("GENERAL", user_id=user, plan=plan, address="10.1.1.1")
        assert bucket is not None and bucket.identity == f"user:{user}"
        assert bucket.item.amount == amount and bucket.item.get_expiry() == 15 * 60
    write = policy.bucket("WRITE", user_id=user, plan="PRO", address=None)
    assert write is not None and (write.item.amount, write.item.get_expiry()) == (50, 60)
    sync = policy.bucket("SYNC", user_id=user, plan="ULTIMATE", address=None)
    assert sync is not None and (sync.item.amount, sync.item.get_expiry()) == (3, 300)
    admin = policy.bucket("ADMIN", user_id=user, plan="FREE", address=None)
    assert admin is not None and (admin.item.amount, admin.item.get_expiry()) == (200, 3600)


def test_auth_is_per_address_and_skipped_for_trusted_networks():
    policy = _policy()
    bucket = policy.bucket("AUTH", user_id=None, plan=None, address="203.0.113.9")
    assert bucket is not None and bucket.identity == "ip:203.0.113.9"
    assert bucket.item.amount == 10 and bucket.item.get_expiry() == 60
    for trusted in ("10.200.0.1", "::1", "::ffff:10.0.0.1"):
        assert policy.bucket("AUTH", user_id=None, plan=None, address=trusted) is None
    # A signed-in user on a trusted network is still counted per user.
    user = str(uuid.uuid4())
    assert policy.bucket("GENERAL", user_id=user, plan="FREE", address="10.0.0.1") is not None
    assert policy.bucket(None, user_id=user, plan="FREE", address="203.0.113.9") is None


def test_client_address_prefers_what_envoy_saw():
    assert client_address("203.0.113.9", "ipv4:127.0.0.1:5555") == "203.0.113.9"
    assert client_address(None, "ipv4:192.0.2.1:5555") == "192.0.2.1"
    assert client_address("not an ip", "ipv6:[2001:db8::1]:443") == "2001:db8::1"
    assert client_address(None, "unix:/tmp/sock") is None
    assert peer_address("ipv6:[::ffff:192.0.2.4]:80") == "192.0.2.4"
    assert peer_address(None) is None and peer_address("ipv4:garbage") is None


def test_decision_renders_the_documented_headers():
    decision = Decision(allowed=False, limit=10, remaining=0, reset_at=1_700_000_000.2)
    assert decision.headers() == [
        ("x-ratelimit-limit", "10"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", "1700000001"),
    ]
    assert decision.retry_after(1_699_999_955.0) == 46
    assert decision.retry_after(1_700_000_100.0) == 1


async def test_memory_limiter_counts_down_then_refuses():
    policy = _policy(RATE_LIMIT_LIVE="2/minute")
    storage = make_storage(make_settings())
    assert isinstance(storage, MemoryStorage)
    limiter = Limiter(storage)
    bucket = policy.bucket("LIVE", user_id="u1", plan="FREE", address=None)
    other = policy.bucket("LIVE", user_id="u2", plan="FREE", address=None)
    assert bucket is not None and other is not None
    decisions = [await limiter.hit(bucket) for _ in range(3)]
    assert [(d.allowed, d.remaining) for d in decisions if d] == [(True, 1), (True, 0), (False, 0)]
    assert decisions[0] and decisions[0].reset == decisions[2].reset  # type: ignore[union-attr]
    again = await limiter.hit(other)
    assert again is not None and (again.allowed, again.remaining) == (True, 1)


async def test_an_unreachable_redis_lets_calls_through(caplog):
    storage = make_storage(make_settings(REDIS_URL="redis://127.0.0.1:1/0"))
    assert isinstance(storage, RedisStorage)
    bucket = _policy().bucket("LIVE", user_id="u1", plan="FREE", address=None)
    assert bucket is not None
    limiter = Limiter(storage)
    assert await limiter.hit(bucket) is None
    assert await limiter.hit(bucket) is None
    warnings = [r for r in caplog.records if r.name == "fingate.ratelimit"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()
