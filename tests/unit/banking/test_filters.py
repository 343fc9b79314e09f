"""The banking query parameters: amounts, rules between parameters, and their violations
(each parameter's own rules are declared: tests/unit/contract/test_constraints.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from server.banking.filters import account_filter, transaction_filter
from server.platform.errors import InvalidInput

EMPTY = {
    "page": None,
    "limit": None,
    "account": "",
    "category": "",
    "start_date": "",
    "end_date": "",
    "min_amount": "",
    "max_amount": "",
    "search_text": "",
}


def fields(**given) -> list[str]:
    with pytest.raises(InvalidInput) as refused:
        transaction_filter(**{**EMPTY, **given})
    return [v.field for v in refused.value.violations]


def test_defaults():
    f = transaction_filter(**EMPTY)
    assert (f.page.page, f.page.limit, f.page.offset) == (1, 50, 0)
    assert (f.account_id, f.category, f.start, f.end, f.search_text) == (None,) * 5


def test_a_date_covers_its_whole_day_in_utc():
    f = transaction_filter(**{**EMPTY, "start_date": "2025-01-10", "end_date": "2025-01-10"})
    assert f.start == dt.datetime(2025, 1, 10, tzinfo=dt.UTC)
    assert f.end == dt.datetime(2025, 1, 11, tzinfo=dt.UTC)


def test_a_date_time_is_that_instant_and_naive_means_utc():
    f = transaction_filter(
        **{**EMPTY, "start_date": "2025-01-10T08:30:00", "end_date": "2025-01-10T12:00:00+02:00"}
    )
    assert f.start == dt.datetime(2025, 1, 10, 8, 30, tzinfo=dt.UTC)
    # The end is inclusive: exclusive one microsecond later.
    assert f.end == dt.datetime(2025, 1, 10, 10, 0, 0, 1, tzinfo=dt.UTC)


def test_amounts_are_exact_decimals():
    f = transaction_filter(**{**EMPTY, "min_amount": "-45.67", "max_amount": "1e2"})
    assert (f.min_amount, f.max_amount) == (Decimal("-45.67"), Decimal("100"))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"start_date": "2025-01-02", "end_date": "2025-01-01"}, ["endDate"]),
        ({"min_amount": "ten"}, ["minAmount"]),
        ({"min_amount": "Infinity"}, ["minAmount"]),
        ({"max_amount": "1e20"}, ["maxAmount"]),
        ({"min_amount": "5", "max_amount": "4.99"}, ["maxAmount"]),
        ({"min_amount": "y", "max_amount": "1e20"}, ["minAmount", "maxAmount"]),
    ],
)
def test_every_violation_is_named(given, expected):
    assert fields(**given) == expected


def test_account_filter():
    f = account_filter(page=None, limit=None, type="savings", is_active=None)
    assert (f.type, f.is_active, f.page.limit) == ("SAVINGS", True, 50)
    assert account_filter(page=2, limit=10, type="", is_active=False).is_active is False
