"""Pure rules of plans and subscriptions: the catalog, billing dates, payment settings."""

import datetime as dt
from decimal import Decimal

import pytest

from server.plans import catalog
from server.platform import config
from server.subscriptions.domain import add_months, days_until
from tests.secrets import make_settings

UTC = dt.UTC


def test_catalog_matches_seed_004():
    assert [p.id for p in catalog.PLANS] == ["plan_free", "plan_pro", "plan_ultimate"]
    free, pro, ultimate = catalog.PLANS
    assert (free.price, pro.price) == (Decimal("0"), Decimal("9.99"))
    assert (free.limits.max_wallets, free.limits.max_bank_accounts) == (3, 2)
    assert (free.limits.max_budgets, free.limits.max_goals, free.limits.max_asset_accounts) == (
        5,
        3,
        5,
    )
    assert (pro.limits.max_wallets, pro.limits.max_bank_accounts, pro.limits.max_budgets) == (
        50,
        10,
        20,
    )
    assert (pro.limits.max_goals, pro.limits.max_asset_accounts) == (10, 20)
    assert set(vars_of(ultimate.limits)) == {None}
    assert free.rank < pro.rank < ultimate.rank
    assert not free.is_paid and pro.is_paid and ultimate.is_paid


def vars_of(limits):
    return [getattr(limits, f) for f in limits.__dataclass_fields__]


def test_plan_lookup():
    assert catalog.by_id("plan_pro") is catalog.PRO
    assert catalog.by_id(" PLAN_ULTIMATE ") is catalog.ULTIMATE
    assert catalog.by_id("plan_gold") is None
    assert catalog.by_code("FREE") is catalog.FREE


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.datetime(2025, 1, 21, 12, tzinfo=UTC), 1, dt.datetime(2025, 2, 21, 12, tzinfo=UTC)),
        (dt.datetime(2025, 1, 31, tzinfo=UTC), 1, dt.datetime(2025, 2, 28, tzinfo=UTC)),
        (dt.datetime(2024, 1, 31, tzinfo=UTC), 1, dt.datetime(2024, 2, 29, tzinfo=UTC)),
        (dt.datetime(2025, 12, 15, tzinfo=UTC), 1, dt.datetime(2026, 1, 15, tzinfo=UTC)),
        (dt.datetime(2025, 3, 31, tzinfo=UTC), 13, dt.datetime(2026, 4, 30, tzinfo=UTC)),
    ],
)
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_days_until_counts_calendar_days_as_the_seed_example():
    # Seed 004: renewal 2025-02-01T00:00:00Z, seen on 2025-01-21 → 11 days.
    renewal = dt.datetime(2025, 2, 1, tzinfo=UTC)
    assert days_until(renewal, dt.datetime(2025, 1, 21, 18, 30, tzinfo=UTC)) == 11
    assert days_until(renewal, dt.datetime(2025, 2, 1, 9, tzinfo=UTC)) == 0
    assert days_until(renewal, dt.datetime(2025, 3, 1, tzinfo=UTC)) == 0


def test_payment_settings_default_to_the_sandbox_outside_production():
    settings = make_settings()
    assert settings.payments_api_base == config.SANDBOX_PAYMENTS_API_BASE
    assert settings.payments_api_key == config.SANDBOX_PAYMENTS_API_KEY
    custom = make_settings(PAYMENTS_API_BASE="http://127.0.0.1:9999", PAYMENTS_API_KEY="sk_test_x")
    assert (custom.payments_api_base, custom.payments_api_key) == (
        "http://127.0.0.1:9999",
        "sk_test_x",
    )


def test_production_has_no_payment_key_default_and_refuses_the_sandbox_key():
    env = {
        "APP_ENV": "production",
        "JWT_SECRET": "q3J9v-Xk2LmN8pRtZ0yWbC5dF7gH1jK4sA6eU",
        "PUBLIC_BASE_URL": "https://api.example.com",
        "APP_URL": "https://app.example.com",
        "ENCRYPTION_KEYS": "hS3vQ7xN0mC4kP9tR2wY6zA1bD8eF5gJ3uL0oI7sV4c=",
        "EDGE_TOKEN": "Zr8Qm2Vx7Kp4Nw9Lt3Hc6Jd1Fb5Gs0Ye",
    }
    settings = config.load(env)
    assert settings.payments_api_key == ""
    assert settings.payments_api_base == "https://api.stripe.com"
    with pytest.raises(config.ConfigError, match="PAYMENTS_API_KEY"):
        config.load({**env, "PAYMENTS_API_KEY": config.SANDBOX_PAYMENTS_API_KEY})
