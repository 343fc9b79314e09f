"""Token-bucket settings and arithmetic (server/platform/ratelimit/buckets.py), and the memory
store."""

from __future__ import annotations

import pytest

from server.platform import config
from server.platform.config import TokenBucketRate
from server.platform.ratelimit.buckets import MemoryBuckets, Taken, refill_and_take
from server.platform.ratelimit.policy import Policy
from tests.secrets import make_settings

SYNC = TokenBucketRate(capacity=10, refill=5, period_s=60)


def test_defaults_are_the_documented_policies():
    s = make_settings()
    assert s.token_buckets == {
        "API_READ": TokenBucketRate(100, 100, 60),
        "PROVIDER_SYNC": TokenBucketRate(10, 5, 60),
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:5/minute", TokenBucketRate(10, 5, 60)),
        ("5/minute", TokenBucketRate(5, 5, 60)),
        ("3:3/hour", TokenBucketRate(3, 3, 3600)),
    ],
)
def test_parse(text, expected):
    assert config.parse_token_bucket("RATE_LIMIT_X", text) == expected


@pytest.mark.parametrize("text", ["0:5/minute", "x:5/minute", "10:lots", "10:0/minute"])
def test_parse_refuses_nonsense(text):
    with pytest.raises(config.ConfigError, match="RATE_LIMIT_PROVIDER_SYNC"):
        make_settings(RATE_LIMIT_PROVIDER_SYNC=text)


def test_a_bucket_refills_at_its_rate_up_to_its_capacity():
    # Empty at t=0; 12 s later one token (5 per minute) has come back.
    assert refill_and_take(0.0, 0.0, 11.9, SYNC) == (False, pytest.approx(11.9 / 12))
    allowed, left = refill_and_take(0.0, 0.0, 12.0, SYNC)
    assert allowed and left == pytest.approx(0.0)
    # A long pause never refills past the capacity.
    allowed, left = refill_and_take(3.0, 0.0, 10_000.0, SYNC)
    assert allowed and left == pytest.approx(9.0)


def test_headers_times():
    taken = Taken(allowed=False, tokens=0.5, now=1000.0)
    assert taken.next_token_at(SYNC) == pytest.approx(1006.0)
    assert taken.full_at(SYNC) == pytest.approx(1000.0 + 9.5 * 12)


async def test_memory_buckets_take_until_empty_per_key():
    buckets = MemoryBuckets()
    rate = TokenBucketRate(3, 3, 3600)
    results = [await buckets.take("u1", rate) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert (await buckets.take("u2", rate)).allowed


def test_provider_sync_keys_per_user_and_provider():
    policy = Policy(make_settings())
    plaid = policy.bucket(
        "PROVIDER_SYNC", user_id="u", plan="FREE", address=None, qualifier="PLAID"
    )
    teller = policy.bucket(
        "PROVIDER_SYNC", user_id="u", plan="FREE", address=None, qualifier="TELLER"
    )
    assert plaid is not None and teller is not None
    assert (plaid.identity, teller.identity) == ("user:u:PLAID", "user:u:TELLER")
    assert plaid.item == TokenBucketRate(10, 5, 60)
