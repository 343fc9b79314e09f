"""The Plaid adapter (plaid-python) against the sandbox: link, accounts, sync, knobs, errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from server.providers.base import (
    ACCOUNT_SUBTYPES,
    ACCOUNT_TYPES,
    AccessRevoked,
    InvalidCredentials,
    Link,
    LoginRequired,
    MutationDuringPagination,
    ProviderTransaction,
    ProviderUnavailable,
    TransactionPage,
)
from server.providers.plaid import PlaidProvider
from tests.factories.sandbox import settings_for


async def link(plaid: PlaidProvider, count: int = 12, **options: Any) -> Link:
    public = await plaid.sandbox_public_token(
        "ins_109508", {"transactions": {"count_per_account": count}, **options}
    )
    return await plaid.exchange(public)


async def sync_all(
    plaid: PlaidProvider, token: str, cursor: str = "", count: int = 100
) -> tuple[list[TransactionPage], str]:
    pages = []
    while True:
        page = await plaid.transactions(token, cursor, count)
        pages.append(page)
        cursor = page.next_cursor
        if not page.has_more:
            return pages, cursor


def added(pages: list[TransactionPage]) -> list[ProviderTransaction]:
    return [t for p in pages for t in p.added]


async def test_link_token(plaid_provider):
    token = await plaid_provider.create_link_token("user-1")
    assert token.startswith("link-sandbox-")


async def test_exchange_gives_item_and_institution(plaid_provider):
    linked = await link(plaid_provider)
    assert linked.access_token.startswith("access-sandbox-")
    assert linked.item_id
    assert linked.institution.id == "ins_109508"
    assert linked.institution.name == "First Platypus Bank"
    assert linked.institution.url == "https://plaid.com"
    assert linked.institution.logo is not None
    assert linked.institution.logo.startswith("data:image/png;base64,")


async def test_public_token_is_single_use(plaid_provider):
    public = await plaid_provider.sandbox_public_token("ins_3", {})
    await plaid_provider.exchange(public)
    with pytest.raises(InvalidCredentials) as err:
        await plaid_provider.exchange(public)
    assert err.value.code == "INVALID_PUBLIC_TOKEN"


async def test_unknown_institution_is_invalid(plaid_provider):
    with pytest.raises(InvalidCredentials) as err:
        await plaid_provider.sandbox_public_token("ins_nope", {})
    assert err.value.code == "INVALID_INSTITUTION"


async def test_accounts_types_masks_and_numbers(plaid_provider):
    kinds = ["checking", "savings", "money market", "credit card", "brokerage", "roth", "401k"]
    linked = await link(plaid_provider, accounts=kinds + ["mortgage"])
    accounts = await plaid_provider.accounts(linked.access_token)
    got = [(a.type, a.subtype) for a in accounts]
    assert got == [
        ("CHECKING", "checking"),
        ("SAVINGS", "savings"),
        ("SAVINGS", "money_market"),
        ("CREDIT_CARD", "other"),
        ("INVESTMENT", "brokerage"),
        ("INVESTMENT", "roth_ira"),
        ("INVESTMENT", "401k"),
        ("LOAN", "other"),
    ]
    # Plaid's own subtype stays beside ours: it tells the mortgage apart from other loans.
    assert [a.provider_subtype for a in accounts] == kinds + ["mortgage"]
    for a in accounts:
        assert a.type in ACCOUNT_TYPES and a.subtype in ACCOUNT_SUBTYPES
        assert a.mask is not None and len(a.mask) == 4 and a.mask.isdigit()
        assert a.currency == "USD"
        assert isinstance(a.balance, Decimal)
    depository = [a for a in accounts if a.type in ("CHECKING", "SAVINGS")]
    for a in depository:
        # /auth/get's full number, whose last four are the mask
        assert a.account_number is not None and a.account_number.endswith(a.mask or "-")
        assert len(a.account_number) > 4
    assert all(a.account_number is None for a in accounts if a not in depository)
    assert len({a.provider_account_id for a in accounts}) == len(accounts)
    # The same item answers the same accounts every time.
    assert await plaid_provider.accounts(linked.access_token) == accounts


async def test_sync_pages_to_the_end_without_duplicates(plaid_provider):
    linked = await link(plaid_provider, count=40)  # checking, savings, credit card
    pages, cursor = await sync_all(plaid_provider, linked.access_token, count=25)
    txns = added(pages)
    assert len(pages) == 5  # 120 at 25 a page
    assert len(txns) == 120
    assert len({t.provider_transaction_id for t in txns}) == 120
    assert all(not p.modified and not p.removed for p in pages)
    assert [p.has_more for p in pages] == [True] * 4 + [False]
    assert sum(t.pending for t in txns) == 9  # the three newest of each account
    accounts = {a.provider_account_id for a in await plaid_provider.accounts(linked.access_token)}
    assert {t.provider_account_id for t in txns} == accounts
    # Nothing new since the final cursor.
    again = await plaid_provider.transactions(linked.access_token, cursor, 25)
    assert (again.added, again.modified, again.removed, again.has_more) == ([], [], [], False)
    assert again.next_cursor == cursor


async def test_transactions_in_fingate_terms(plaid_provider):
    linked = await link(plaid_provider, count=60)
    txns = added((await sync_all(plaid_provider, linked.access_token, count=500))[0])
    by_description = {t.description: t for t in txns}
    payroll = by_description["EMPLOYER INC DIRECT DEP"]
    assert payroll.amount > 0  # money in
    assert (payroll.category, payroll.subcategory) == ("Income", "Salary")
    coffee = next(t for t in txns if t.merchant_name == "Starbucks")
    assert coffee.amount < 0  # money out
    assert (coffee.category, coffee.subcategory) == ("Food & Dining", "Coffee Shops")
    assert coffee.merchant_category == "Coffee Shops"
    for t in txns:
        assert t.date.tzinfo is not None and t.date.utcoffset().total_seconds() == 0
        assert t.date.hour == 0
        assert t.timestamp is not None and t.timestamp.date() == t.date.date()
        assert t.amount == t.amount.quantize(Decimal("0.01"))
        assert t.currency == "USD"
        assert t.pending_transaction_id is None


async def test_resume_from_an_intermediate_cursor(plaid_provider):
    linked = await link(plaid_provider, count=30)
    first = await plaid_provider.transactions(linked.access_token, "", 20)
    second = await plaid_provider.transactions(linked.access_token, first.next_cursor, 20)
    rest, final = await sync_all(plaid_provider, linked.access_token, second.next_cursor, 20)
    # Resuming from the first page's cursor again gives the same pages and the same end.
    replay, replay_final = await sync_all(
        plaid_provider, linked.access_token, first.next_cursor, 20
    )
    assert [t.provider_transaction_id for t in added(replay)] == [
        t.provider_transaction_id for t in second.added + added(rest)
    ]
    assert replay_final == final
    ids = [t.provider_transaction_id for t in first.added + second.added + added(rest)]
    assert len(ids) == len(set(ids)) == 90


async def test_advance_adds_posts_modifies_and_removes(plaid_provider, knobs):
    linked = await link(plaid_provider, count=20)
    token = linked.access_token
    before_pages, cursor = await sync_all(plaid_provider, token)
    before = {t.provider_transaction_id: t for t in added(before_pages)}
    report = knobs.advance(token, added=2, posted=1, modified=1, removed=1)

    page = await plaid_provider.transactions(token, cursor, 500)
    assert not page.has_more
    assert sorted(t.provider_transaction_id for t in page.added) == sorted(report["added"])
    assert sorted(t.provider_transaction_id for t in page.modified) == sorted(report["modified"])
    assert sorted(page.removed) == sorted(report["removed"])
    # Per account (3): two new ones (the first pending), one posted, one modified, one
    # removed besides the pending one that posted.
    assert len(page.added) == 9 and len(page.modified) == 3 and len(page.removed) == 6

    posted = [t for t in page.added if t.pending_transaction_id]
    assert len(posted) == 3
    for t in posted:
        pending = before[t.pending_transaction_id]
        assert pending.pending and not t.pending
        assert t.provider_transaction_id != pending.provider_transaction_id
        assert t.pending_transaction_id in page.removed
        assert (t.amount, t.merchant_name) == (pending.amount, pending.merchant_name)
    new = [t for t in page.added if not t.pending_transaction_id]
    assert sum(t.pending for t in new) == 3
    assert all(t.provider_transaction_id not in before for t in page.added)
    for t in page.modified:
        assert t.amount != before[t.provider_transaction_id].amount
    assert all(r in before for r in page.removed)

    # The earlier cursor keeps working: the same changes again.
    replay = await plaid_provider.transactions(token, cursor, 500)
    assert [t.provider_transaction_id for t in replay.added] == [
        t.provider_transaction_id for t in page.added
    ]
    assert replay.removed == page.removed
    # A fresh sync sees the new state in full.
    fresh = added((await sync_all(plaid_provider, token, count=500))[0])
    expected = (set(before) - set(page.removed)) | {t.provider_transaction_id for t in page.added}
    assert {t.provider_transaction_id for t in fresh} == expected


async def test_changes_arrive_in_pages(plaid_provider, knobs):
    linked = await link(plaid_provider, count=20)
    _, cursor = await sync_all(plaid_provider, linked.access_token)
    knobs.advance(linked.access_token, added=5)
    knobs.advance(linked.access_token, added=5, posted=0, modified=0, removed=0)
    pages, _ = await sync_all(plaid_provider, linked.access_token, cursor, count=7)
    ids = [t.provider_transaction_id for t in added(pages)]
    assert len(pages) > 1
    assert len(ids) == len(set(ids))


async def test_pagination_started_before_an_advance_finishes_then_catches_up(plaid_provider, knobs):
    linked = await link(plaid_provider, count=10)
    first = await plaid_provider.transactions(linked.access_token, "", 10)
    report = knobs.advance(linked.access_token, added=1, posted=0, modified=0, removed=0)
    rest, final = await sync_all(plaid_provider, linked.access_token, first.next_cursor, 10)
    assert len(first.added) + len(added(rest)) == 30  # the data as of the first page
    caught_up = await plaid_provider.transactions(linked.access_token, final, 100)
    assert [t.provider_transaction_id for t in caught_up.added] == report["added"]


async def test_login_required_until_the_user_logs_in_again(plaid_provider, knobs):
    linked = await link(plaid_provider)
    token = linked.access_token
    _, cursor = await sync_all(plaid_provider, token)
    knobs.plaid("/sandbox/item/reset_login", token)
    with pytest.raises(LoginRequired) as err:
        await plaid_provider.accounts(token)
    assert err.value.code == "ITEM_LOGIN_REQUIRED"
    with pytest.raises(LoginRequired):
        await plaid_provider.transactions(token, cursor, 100)
    with pytest.raises(LoginRequired):
        await plaid_provider.check(token)
    knobs.plaid_faults(token, login_required=False)
    await plaid_provider.check(token)
    assert len(await plaid_provider.accounts(token)) == 3


@pytest.mark.parametrize(
    "code", ["INTERNAL_SERVER_ERROR", "PLANNED_MAINTENANCE"], ids=["500", "maintenance"]
)
async def test_server_errors_for_the_next_calls(plaid_provider, knobs, code):
    linked = await link(plaid_provider)
    knobs.plaid_faults(linked.access_token, server_errors=2, server_error_code=code)
    for call in (
        plaid_provider.accounts(linked.access_token),
        plaid_provider.transactions(linked.access_token, "", 100),
    ):
        with pytest.raises(ProviderUnavailable) as err:
            await call
        assert err.value.code == code
        assert not err.value.permanent
    await plaid_provider.check(linked.access_token)


async def test_mutation_during_pagination_then_restart(plaid_provider, knobs):
    linked = await link(plaid_provider, count=10)
    token = linked.access_token
    knobs.plaid_faults(token, sync_mutations=1)
    first = await plaid_provider.transactions(token, "", 10)  # no cursor: not mid-pagination
    with pytest.raises(MutationDuringPagination) as err:
        await plaid_provider.transactions(token, first.next_cursor, 10)
    assert err.value.code == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
    pages, _ = await sync_all(plaid_provider, token, "", 10)  # restart the loop
    assert len(added(pages)) == 30


async def test_slow_provider_times_out(stack, knobs, plaid_provider):
    linked = await link(plaid_provider)
    impatient = PlaidProvider(settings_for(stack.sandbox_url, PROVIDER_TIMEOUT_SECONDS="0.2"))
    knobs.plaid_faults(linked.access_token, delay_ms=1000)
    with pytest.raises(ProviderUnavailable):
        await impatient.accounts(linked.access_token)
    knobs.plaid_faults(linked.access_token, delay_ms=0)
    assert len(await impatient.accounts(linked.access_token)) == 3


async def test_unreachable_provider_is_unavailable():
    closed = PlaidProvider(settings_for("http://127.0.0.1:1"))
    with pytest.raises(ProviderUnavailable):
        await closed.create_link_token("user-1")


async def test_removed_item_is_revoked(plaid_provider):
    linked = await link(plaid_provider)
    await plaid_provider.remove(linked.access_token)
    for call in (
        plaid_provider.accounts(linked.access_token),
        plaid_provider.transactions(linked.access_token, "", 100),
        plaid_provider.check(linked.access_token),
    ):
        with pytest.raises(AccessRevoked) as err:
            await call
        assert err.value.code == "ITEM_NOT_FOUND"
        assert err.value.permanent


async def test_unknown_access_token_is_revoked(plaid_provider):
    with pytest.raises(AccessRevoked) as err:
        await plaid_provider.accounts("access-sandbox-00000000-0000-0000-0000-000000000000")
    assert err.value.code == "INVALID_ACCESS_TOKEN"


async def test_twenty_thousand_transactions_in_pages_of_500(plaid_provider):
    linked = await link(plaid_provider, count=10_000, accounts=["checking", "savings"])
    pages, _ = await sync_all(plaid_provider, linked.access_token, count=500)
    assert len(pages) == 40
    assert all(len(p.added) == 500 for p in pages)
    ids = {t.provider_transaction_id for t in added(pages)}
    assert len(ids) == 20_000
