"""Money from the edge: JSON numbers arrive as doubles and become Decimal once, here."""

from __future__ import annotations

from decimal import Decimal

from server.platform.common.validation import Violations

CENT = Decimal("0.01")


def cents(v: Violations, field: str, value: float) -> Decimal:
    """A JSON number as money, never through binary float arithmetic (repr gives the shortest
    decimal that reads back as the same double); more than two decimals is a violation, as
    cents are the finest unit money has here. The declared rules bound its range."""
    amount = Decimal(repr(value))
    if amount != amount.quantize(CENT):
        v.add(field, "must have at most two decimals")
    return amount.quantize(CENT)
