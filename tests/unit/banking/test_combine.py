"""Consecutive sync pages committed as one keep the provider's last word on each transaction."""

import datetime as dt
from decimal import Decimal

from server.banking.sync.store import combine
from server.providers.base import ProviderTransaction, TransactionPage

DAY = dt.datetime(2025, 1, 21, tzinfo=dt.UTC)


def txn(tid: str, amount: str = "-1.00") -> ProviderTransaction:
    return ProviderTransaction(tid, "acc", Decimal(amount), "X", DAY, False)


def test_the_last_page_decides_and_the_cursor_is_the_last_one():
    pages = [
        TransactionPage(added=[txn("a"), txn("b"), txn("c")], next_cursor="1", has_more=True),
        TransactionPage(modified=[txn("a", "-2.00")], removed=["b", "x"], next_cursor="2"),
        TransactionPage(added=[txn("b")], modified=[txn("y")], next_cursor="3"),
    ]
    page = combine(pages)
    assert {t.provider_transaction_id for t in page.added} == {"a", "b", "c"}
    assert next(t.amount for t in page.added if t.provider_transaction_id == "a") == Decimal(
        "-2.00"
    )
    assert [t.provider_transaction_id for t in page.modified] == ["y"]
    assert page.removed == ["x"]
    assert (page.next_cursor, page.has_more) == ("3", False)


def test_one_page_is_itself():
    page = TransactionPage(added=[txn("a")], next_cursor="c")
    assert combine([page]) is page
