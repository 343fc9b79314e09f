"""Plaid's JSON numbers become the exact decimals they were written as (server/providers/plaid.py
reads JSON with orjson, as floats)."""

import random
from decimal import Decimal

import orjson
import pytest

from server.providers.plaid import _decimal, transaction


@pytest.mark.parametrize(
    "text",
    ["0.01", "-0.01", "12.34", "-2.88", "0.1", "100", "1234567890.12", "99999999999.99", "5e-2"],
)
def test_amounts_read_back_exactly(text):
    assert _decimal(orjson.loads(text)) == Decimal(text)


def test_every_cent_amount_below_ten_billion_reads_back_exactly():
    rng = random.Random(7)
    for _ in range(20_000):
        cents = rng.randrange(-(10**12), 10**12)
        text = (
            f"{cents // 100}.{cents % 100:02d}"
            if cents >= 0
            else f"-{-cents // 100}.{-cents % 100:02d}"
        )
        assert _decimal(orjson.loads(text)) == Decimal(text), text


def test_a_transaction_keeps_its_amount_and_flips_its_sign():
    raw = orjson.loads(
        b'{"transaction_id": "t1", "account_id": "a1", "amount": 19.99, "date": "2026-01-02",'
        b' "name": "COFFEE", "pending": false}'
    )
    t = transaction(raw)
    assert t.amount == Decimal("-19.99") and str(t.amount) == "-19.99"
