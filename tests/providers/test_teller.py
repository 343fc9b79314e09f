"""The Teller adapter (httpx) against the sandbox: enrollment, accounts, listing, errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from server.providers.base import (
    AccessRevoked,
    InvalidCredentials,
    LoginRequired,
    ProviderUnavailable,
)
from server.providers.teller import PAGE_SIZE, TellerProvider
from tests.factories.sandbox import settings_for


async def test_checking_and_savings_at_the_enrollments_institution(teller_provider, teller_token):
    accounts = await teller_provider.accounts(teller_token)
    assert [(a.type, a.subtype, a.name) for a in accounts] == [
        ("CHECKING", "checking", "Chase Checking Account"),
        ("SAVINGS", "savings", "Chase Savings Account"),
    ]
    for a in accounts:
        assert a.provider_account_id.startswith("acc_")
        assert a.currency == "USD" and a.status == "open"
        assert isinstance(a.balance, Decimal) and a.balance > 0
        assert a.available_balance is not None
        assert a.mask is not None and len(a.mask) == 4
        assert a.account_number is not None and a.account_number.endswith(a.mask)
    # Deterministic: the same token answers the same accounts.
    assert await teller_provider.accounts(teller_token) == accounts


async def test_institution_from_the_token_or_the_knob(teller_provider, knobs, teller_token):
    named = f"test_token_wells_fargo_{teller_token.removeprefix('test_token_')}"
    assert (await teller_provider.accounts(named))[0].name == "Wells Fargo Checking Account"
    knobs.teller(teller_token, institution={"id": "capital_one", "name": "Capital One"})
    link = await teller_provider.link_from_enrollment(teller_token, "enr_abc123")
    assert (link.institution.id, link.institution.name) == ("capital_one", "Capital One")
    assert (await teller_provider.accounts(teller_token))[1].name == "Capital One Savings Account"


async def test_link_from_enrollment(teller_provider, teller_token):
    link = await teller_provider.link_from_enrollment(
        teller_token, "enr_abc123", "chase", "Chase Bank"
    )
    assert link.access_token == teller_token
    assert link.item_id == "enr_abc123"
    assert (link.institution.id, link.institution.name) == ("chase", "Chase Bank")


async def test_transactions_all_pages_as_one_page(teller_provider, knobs, teller_token):
    per_account = PAGE_SIZE * 2 + 37  # three listing pages per account
    knobs.teller(teller_token, transactions_per_account=per_account)
    page = await teller_provider.transactions(teller_token, "", 500)
    assert not page.has_more and not page.modified and not page.removed
    ids = [t.provider_transaction_id for t in page.added]
    assert len(ids) == len(set(ids)) == 2 * per_account
    accounts = {a.provider_account_id for a in await teller_provider.accounts(teller_token)}
    assert {t.provider_account_id for t in page.added} == accounts
    assert sum(t.pending for t in page.added) == 6  # the three newest of each account
    spending = next(t for t in page.added if t.category == "Food & Dining")
    assert spending.amount < 0  # Teller's sign is fingate's: negative = money out
    assert any(t.amount > 0 for t in page.added)  # deposits
    for t in page.added:
        assert t.date.utcoffset().total_seconds() == 0
        assert t.amount == t.amount.quantize(Decimal("0.01"))
    again = await teller_provider.transactions(teller_token, "", 500)
    assert again == page


async def test_bad_token_is_invalid_credentials(teller_provider):
    with pytest.raises(InvalidCredentials):
        await teller_provider.accounts("not_a_teller_token")
    with pytest.raises(InvalidCredentials):
        await teller_provider.link_from_enrollment("live_token_x", "enr_1", "chase", "Chase")


async def test_disconnected_enrollment_needs_login(teller_provider, knobs, teller_token):
    knobs.teller(teller_token, disconnected=True)
    for call in (
        teller_provider.accounts(teller_token),
        teller_provider.transactions(teller_token, "", 100),
        teller_provider.check(teller_token),
        teller_provider.link_from_enrollment(teller_token, "enr_1"),
    ):
        with pytest.raises(LoginRequired) as err:
            await call
        assert err.value.code == "enrollment.disconnected.credentials_invalid"
    knobs.teller(teller_token, disconnected="user_action.mfa_required")
    with pytest.raises(LoginRequired) as err:
        await teller_provider.check(teller_token)
    assert err.value.code == "enrollment.disconnected.user_action.mfa_required"
    knobs.teller(teller_token, disconnected=False)
    await teller_provider.check(teller_token)


async def test_server_errors_are_unavailable(teller_provider, knobs, teller_token):
    knobs.teller(teller_token, server_errors=1)
    with pytest.raises(ProviderUnavailable):
        await teller_provider.transactions(teller_token, "", 100)
    assert len(await teller_provider.accounts(teller_token)) == 2


async def test_slow_teller_times_out(stack, knobs, teller_token):
    impatient = TellerProvider(settings_for(stack.sandbox_url, PROVIDER_TIMEOUT_SECONDS="0.2"))
    knobs.teller(teller_token, delay_ms=1000)
    with pytest.raises(ProviderUnavailable):
        await impatient.check(teller_token)


async def test_unreachable_teller_is_unavailable(teller_token):
    with pytest.raises(ProviderUnavailable):
        await TellerProvider(settings_for("http://127.0.0.1:1")).check(teller_token)


async def test_removed_enrollment_is_revoked(teller_provider, teller_token):
    await teller_provider.remove(teller_token)
    with pytest.raises(AccessRevoked) as err:
        await teller_provider.accounts(teller_token)
    assert err.value.permanent
    with pytest.raises(AccessRevoked):
        await teller_provider.check(teller_token)
    # A revoked token handed in again by a caller is their invalid credential.
    with pytest.raises(InvalidCredentials):
        await teller_provider.link_from_enrollment(teller_token, "enr_1")


async def test_pending_posts_under_the_same_id(teller_provider, knobs, teller_token):
    before = (await teller_provider.transactions(teller_token, "", 500)).added
    pending = {t.provider_transaction_id for t in before if t.pending}
    assert len(pending) == 6
    knobs.teller(teller_token, post_pending=True)
    after = {
        t.provider_transaction_id: t
        for t in (await teller_provider.transactions(teller_token, "", 500)).added
    }
    assert set(after) == {t.provider_transaction_id for t in before}
    assert not any(t.pending for t in after.values())
    for tid in pending:
        assert after[tid].pending_transaction_id is None
