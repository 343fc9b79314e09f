"""Asset account arithmetic: gain and its percent (two decimals, banker's rounding), money from
JSON numbers without float drift, the one-line address."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.networth.domain import gain, money, one_line_address
from server.networth.models import AssetAccount


@pytest.mark.parametrize(
    ("current", "original", "amount", "percent"),
    [
        ("350000.00", "300000.00", "50000.00", "16.67"),
        ("100.00", "300.00", "-200.00", "-66.67"),
        ("1.00", "3.00", "-2.00", "-66.67"),
        ("100.00", "0.00", "100.00", None),
        ("0.00", "100.00", "-100.00", "-100.00"),
    ],
)
def test_gain(current, original, amount, percent):
    g = gain(Decimal(current), Decimal(original))
    assert g is not None
    assert g.amount == Decimal(amount)
    assert g.percent == (None if percent is None else Decimal(percent))


def test_no_original_value_no_gain():
    assert gain(Decimal("10.00"), None) is None


def test_money_from_json_numbers():
    assert money(0.1 + 0.2) == Decimal("0.30")
    assert money(350000.0) == Decimal("350000.00")
    assert money(18500.505) == Decimal("18500.50")  # repr 18500.505, half to even


@pytest.mark.parametrize(
    ("parts", "line"),
    [
        (
            dict(street="123 Main Street", city="San Francisco", state="CA", postal_code="94105"),
            "123 Main Street, San Francisco, CA 94105",
        ),
        (dict(city="Oslo"), "Oslo"),
        (dict(state="CA"), "CA"),
        (dict(postal_code="94105", country="USA"), "94105"),
        ({}, None),
    ],
)
def test_one_line_address(parts, line):
    fields = {"street": None, "city": None, "state": None, "postal_code": None, **parts}
    assert one_line_address(AssetAccount(**fields)) == line
