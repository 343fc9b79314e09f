"""The payment rails adapter (server/providers/rails) against the sandbox over a socket: the
auth check of every integration type, the ACH and SWIFT accounts and transactions, and
payments under every fault the sandbox can play, each told apart as NotExecuted (safe to try
elsewhere) or Ambiguous (resolved by the status lookup), with the sandbox's own count proving
that money moved at most once."""

from __future__ import annotations

import datetime as dt
import re
import socket
import time
import uuid
from decimal import Decimal

import pytest

from server.platform.config import (
    SANDBOX_PLAID_CLIENT_ID,
    SANDBOX_PLAID_SECRET,
    SANDBOX_RAIL_API_KEY,
)
from server.providers.rails import (
    CONFIG_KEYS,
    RAIL_TYPES,
    SECRET_KEYS,
    Ambiguous,
    NotExecuted,
    PaymentOrder,
    RailAccount,
    RailAuthFailed,
    RailError,
    RailPayment,
    Rails,
    RailUnavailable,
    UnknownAccount,
)
from tests.factories.sandbox import settings_for

ACH = {"api_key": SANDBOX_RAIL_API_KEY, "originator_id": "1234567890"}
SWIFT = {"api_key": SANDBOX_RAIL_API_KEY, "bic": "FNGTUS33XXX"}
PLAID = {"client_id": SANDBOX_PLAID_CLIENT_ID, "secret": SANDBOX_PLAID_SECRET}
TELLER = {"application_id": "app_fingatesandbox01"}
CONFIGS = {"ACH": ACH, "SWIFT": SWIFT, "PLAID": PLAID, "TELLER": TELLER}


@pytest.fixture
def rail_knobs(knobs):
    """Both rails at their defaults before and after the test (recorded payments stay)."""
    for rail in ("ach", "swift"):
        knobs.rails(rail, reset=True)
    yield knobs
    for rail in ("ach", "swift"):
        knobs.rails(rail, reset=True)


async def _rails(stack, **env: str) -> Rails:
    settings = settings_for(
        stack.sandbox_url,
        RAIL_TIMEOUT_SECONDS="1",
        PROVIDER_BREAKER_THRESHOLD=env.pop("PROVIDER_BREAKER_THRESHOLD", "50"),
        **env,
    )
    client = Rails(settings)
    client._resilience.backoff = (0.01, 0.05)  # the retries, quick: the tests wait on them
    return client


@pytest.fixture
async def rails(stack, rail_knobs):
    client = await _rails(stack)
    yield client
    await client.aclose()


def _key() -> str:
    return f"idem-{uuid.uuid4()}"


async def _account(rails: Rails, type: str, config: dict[str, str]) -> RailAccount:
    """A fresh customer's first account: its own balance, untouched by other tests."""
    return (await rails.accounts(type, config, f"cust-{uuid.uuid4()}"))[0]


def _order(account: RailAccount, amount: str = "25.00", currency: str | None = None):
    return PaymentOrder(
        amount=Decimal(amount),
        currency=currency or account.currency,
        from_account=account.account_id,
        to_account="ext-0001",
        description="Invoice 42",
        reference_id="INV-42",
        metadata={"note": "test"},
    )


def _count(knobs, rail: str) -> int:
    return knobs.rails(rail)["payments"]["count"]


def _aba_ok(routing: str) -> bool:
    d = [int(c) for c in routing]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])
    return len(d) == 9 and total % 10 == 0


def _iban_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def test_config_keys_name_every_type_and_their_secrets():
    assert set(CONFIG_KEYS) == set(SECRET_KEYS) == set(RAIL_TYPES)
    for type, secrets in SECRET_KEYS.items():
        assert set(secrets) <= set(CONFIG_KEYS[type])


# -- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize("type", RAIL_TYPES)
async def test_each_type_authenticates_with_good_credentials(rails, type):
    await rails.authenticate(type, CONFIGS[type])
    seconds = await rails.probe(type, CONFIGS[type])
    assert 0 < seconds < 5


@pytest.mark.parametrize(
    ("type", "config"),
    [
        ("ACH", {**ACH, "api_key": "sk_live_not_a_sandbox_key"}),
        ("SWIFT", {**SWIFT, "api_key": "wrong"}),
        ("SWIFT", {**SWIFT, "bic": "not-a-bic"}),
        ("ACH", {**ACH, "originator_id": "12"}),
        ("ACH", {"api_key": SANDBOX_RAIL_API_KEY}),
        ("PLAID", {**PLAID, "secret": "not_the_sandbox_secret"}),
        ("PLAID", {"client_id": SANDBOX_PLAID_CLIENT_ID}),
        ("TELLER", {"application_id": "not-an-app-id"}),
    ],
)
async def test_refused_credentials_are_rail_auth_failed(rails, type, config):
    with pytest.raises(RailAuthFailed):
        await rails.authenticate(type, config)
    with pytest.raises(RailAuthFailed):
        await rails.probe(type, config)


async def test_an_unknown_type_is_a_value_error(rails):
    with pytest.raises(ValueError):
        await rails.authenticate("MX", {})
    with pytest.raises(ValueError):
        await rails.accounts("PLAID", PLAID, "cust-1")


async def test_api_base_in_the_config_overrides_the_settings(stack, rail_knobs):
    rails = await _rails(stack, ACH_API_BASE=f"http://127.0.0.1:{_closed_port()}/ach")
    try:
        with pytest.raises(RailUnavailable):
            await rails.authenticate("ACH", ACH)
        await rails.authenticate("ACH", {**ACH, "api_base": f"{stack.sandbox_url}/ach/"})
    finally:
        await rails.aclose()


# -- accounts and transactions -------------------------------------------------------------


async def test_ach_accounts_are_deterministic_and_shaped(rails):
    accounts = await rails.accounts("ACH", ACH, "customer-ach-1")
    assert await rails.accounts("ACH", ACH, "customer-ach-1") == accounts
    assert await rails.accounts("ACH", ACH, "customer-ach-2") != accounts
    assert 1 <= len(accounts) <= 3
    assert accounts[0].account_type == "CHECKING"
    for a in accounts:
        assert a.account_id.startswith("ach_acct_")
        assert a.currency == "USD" and a.iban is None and a.swift_code is None
        assert re.fullmatch(r"\d{10,12}", a.account_number)
        assert a.routing_number is not None and _aba_ok(a.routing_number)
        assert a.account_type in ("CHECKING", "SAVINGS")
        assert a.bank_name and a.account_holder_name
        for amount in (a.balance, a.available_balance):
            assert isinstance(amount, Decimal) and amount.as_tuple().exponent == -2
        assert 0 < a.available_balance <= a.balance


async def test_swift_accounts_carry_iban_and_bic(rails):
    accounts = await rails.accounts("SWIFT", SWIFT, "customer-swift-1")
    assert await rails.accounts("SWIFT", SWIFT, "customer-swift-1") == accounts
    for a in accounts:
        assert a.account_id.startswith("swift_acct_")
        assert a.currency in ("EUR", "GBP") and a.routing_number is None
        assert a.iban is not None and _iban_ok(a.iban) and a.account_number in a.iban
        assert a.swift_code is not None and re.fullmatch(
            r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", a.swift_code
        )
        assert (a.iban[:2] == "GB") == (a.currency == "GBP")


async def test_transactions_newest_first_within_the_range_and_limit(rails):
    account = await _account(rails, "SWIFT", SWIFT)
    everything = await rails.transactions(
        "SWIFT", SWIFT, account.account_id, start=None, end=None, limit=500
    )
    assert len(everything) == 40
    times = [t.timestamp for t in everything]
    assert times == sorted(times, reverse=True)
    assert len({t.transaction_id for t in everything}) == 40
    for t in everything:
        assert t.account_id == account.account_id and t.currency == account.currency
        assert t.transaction_type in ("DEBIT", "CREDIT") and t.amount > 0
        assert t.status in ("COMPLETED", "PENDING", "FAILED")
        assert t.timestamp.tzinfo is not None and t.metadata and "uetr" in t.metadata
    assert any(isinstance(t.exchange_rate, Decimal) for t in everything)
    assert all(t.fees is None for t in everything if t.transaction_type == "CREDIT")

    start, end = times[30], times[10]
    window = await rails.transactions(
        "SWIFT", SWIFT, account.account_id, start=start, end=end, limit=500
    )
    assert window == everything[10:31]
    limited = await rails.transactions(
        "SWIFT", SWIFT, account.account_id, start=start, end=end, limit=5
    )
    assert limited == everything[10:15]


async def test_ach_transactions_have_no_exchange_rate(rails):
    account = await _account(rails, "ACH", ACH)
    found = await rails.transactions("ACH", ACH, account.account_id, start=None, end=None, limit=7)
    assert len(found) == 7
    assert all(t.exchange_rate is None and t.currency == "USD" for t in found)
    assert all(t.metadata and t.metadata["trace_number"] == t.reference_id for t in found)


async def test_an_unknown_account_is_unknown_account(rails):
    with pytest.raises(UnknownAccount):
        await rails.transactions(
            "ACH", ACH, "ach_acct_000000000000009z", start=None, end=None, limit=10
        )
    swift_account = await _account(rails, "SWIFT", SWIFT)
    with pytest.raises(UnknownAccount):  # another rail's account
        await rails.transactions(
            "ACH", ACH, swift_account.account_id, start=None, end=None, limit=10
        )


# -- payments --------------------------------------------------------------------------------


async def test_a_payment_is_pending_then_completed_and_shows_on_the_account(rails, rail_knobs):
    customer = f"cust-{uuid.uuid4()}"
    account = (await rails.accounts("ACH", ACH, customer))[0]
    key = _key()
    payment = await rails.submit("ACH", ACH, _order(account, "125.50"), key)
    assert isinstance(payment, RailPayment) and payment.status == "PENDING"
    assert payment.rail_transaction_id.startswith("ach_pay_")
    status = await rails.payment_status("ACH", ACH, key)
    assert status == RailPayment(payment.rail_transaction_id, "COMPLETED")
    assert rail_knobs.rails("ach")["payments"]["keys"][key] == payment.rail_transaction_id

    after = (await rails.accounts("ACH", ACH, customer))[0]
    assert after.balance == account.balance - Decimal("125.50")
    assert after.available_balance == account.available_balance - Decimal("125.50")
    newest = await rails.transactions("ACH", ACH, account.account_id, start=None, end=None, limit=1)
    assert newest[0].transaction_id == payment.rail_transaction_id
    assert newest[0].amount == Decimal("125.50") and newest[0].transaction_type == "DEBIT"
    assert newest[0].status == "COMPLETED" and newest[0].reference_id == "INV-42"


async def test_the_same_key_twice_is_one_payment(rails, rail_knobs):
    account = await _account(rails, "SWIFT", SWIFT)
    key, order = _key(), _order(account, "10.00")
    before = _count(rail_knobs, "swift")
    first = await rails.submit("SWIFT", SWIFT, order, key)
    second = await rails.submit("SWIFT", SWIFT, order, key)
    assert second.rail_transaction_id == first.rail_transaction_id
    assert _count(rail_knobs, "swift") == before + 1


async def test_the_same_key_with_another_order_is_our_bug_not_a_refusal(rails, rail_knobs):
    account = await _account(rails, "ACH", ACH)
    key = _key()
    await rails.submit("ACH", ACH, _order(account, "10.00"), key)
    with pytest.raises(RailError) as caught:
        await rails.submit("ACH", ACH, _order(account, "11.00"), key)
    assert type(caught.value) is RailError
    assert "idempotency_conflict" in str(caught.value)


async def test_a_refusal_did_not_execute(rails, rail_knobs):
    account = await _account(rails, "ACH", ACH)
    rail_knobs.rails("ach", refuse_next=1)
    before, key = _count(rail_knobs, "ach"), _key()
    with pytest.raises(NotExecuted) as caught:
        await rails.submit("ACH", ACH, _order(account), key)
    assert "payment_refused" in caught.value.reason
    assert await rails.payment_status("ACH", ACH, key) is None
    assert _count(rail_knobs, "ach") == before
    # The refusal was used up: the same key may now go through, once.
    assert (await rails.submit("ACH", ACH, _order(account), key)).status == "PENDING"


async def test_ach_refuses_euros_and_insufficient_funds_unexecuted(rails, rail_knobs):
    account = await _account(rails, "ACH", ACH)
    before = _count(rail_knobs, "ach")
    with pytest.raises(NotExecuted, match="currency"):
        await rails.submit("ACH", ACH, _order(account, currency="EUR"), _key())
    too_much = str(account.available_balance + Decimal("0.01"))
    with pytest.raises(NotExecuted, match="Insufficient funds"):
        await rails.submit("ACH", ACH, _order(account, too_much), _key())
    with pytest.raises(NotExecuted, match="from_account"):
        order = PaymentOrder(Decimal("1.00"), "USD", "ach_acct_nope", "ext", "x")
        await rails.submit("ACH", ACH, order, _key())
    assert _count(rail_knobs, "ach") == before
    swift = await _account(rails, "SWIFT", SWIFT)
    assert (await rails.submit("SWIFT", SWIFT, _order(swift, currency="EUR"), _key())).status


async def test_an_error_before_submit_is_ambiguous_and_then_never_executed(rails, rail_knobs):
    account = await _account(rails, "ACH", ACH)
    rail_knobs.rails("ach", error_before_submit=1)
    before, key = _count(rail_knobs, "ach"), _key()
    with pytest.raises(Ambiguous):
        await rails.submit("ACH", ACH, _order(account), key)
    assert await rails.payment_status("ACH", ACH, key) is None
    assert _count(rail_knobs, "ach") == before


async def test_a_timeout_after_submit_is_ambiguous_and_then_executed(rails, rail_knobs):
    account = await _account(rails, "SWIFT", SWIFT)
    rail_knobs.rails("swift", timeout_after_submit=1, stall_ms=3000)
    before, key = _count(rail_knobs, "swift"), _key()
    started = time.monotonic()
    with pytest.raises(Ambiguous, match="ReadTimeout"):
        await rails.submit("SWIFT", SWIFT, _order(account), key)
    assert time.monotonic() - started < 2.5  # the client's 1 s timeout, not the rail's stall
    found = await rails.payment_status("SWIFT", SWIFT, key)
    assert found is not None and found.status in ("PENDING", "COMPLETED")
    assert rail_knobs.rails("swift")["payments"]["keys"][key] == found.rail_transaction_id
    # Submitting again under the key answers that payment: still one.
    again = await rails.submit("SWIFT", SWIFT, _order(account), key)
    assert again.rail_transaction_id == found.rail_transaction_id
    assert _count(rail_knobs, "swift") == before + 1


async def test_an_error_after_submit_is_ambiguous_and_then_executed(rails, rail_knobs):
    account = await _account(rails, "ACH", ACH)
    rail_knobs.rails("ach", error_after_submit=1)
    before, key = _count(rail_knobs, "ach"), _key()
    with pytest.raises(Ambiguous, match="503"):
        await rails.submit("ACH", ACH, _order(account), key)
    found = await rails.payment_status("ACH", ACH, key)
    assert found is not None
    assert _count(rail_knobs, "ach") == before + 1


async def test_status_lookups_retry_then_give_up_unavailable(rails, rail_knobs):
    account = await _account(rails, "ACH", ACH)
    key = _key()
    payment = await rails.submit("ACH", ACH, _order(account), key)
    rail_knobs.rails("ach", status_errors=2)  # fewer than the attempts: retried through
    found = await rails.payment_status("ACH", ACH, key)
    assert found is not None and found.rail_transaction_id == payment.rail_transaction_id
    rail_knobs.rails("ach", status_errors=3)  # as many as the attempts
    with pytest.raises(RailUnavailable) as caught:
        await rails.payment_status("ACH", ACH, key)
    assert caught.value.retry_after >= 1


async def test_a_rail_that_is_down(rails, rail_knobs):
    account = await _account(rails, "SWIFT", SWIFT)
    rail_knobs.rails("swift", down=True)
    key = _key()
    with pytest.raises(RailUnavailable):
        await rails.authenticate("SWIFT", SWIFT)
    with pytest.raises(RailUnavailable):
        await rails.accounts("SWIFT", SWIFT, "customer-swift-1")
    with pytest.raises(Ambiguous):  # a 503 to a sent payment: the rail must say what it did
        await rails.submit("SWIFT", SWIFT, _order(account), key)
    with pytest.raises(RailUnavailable):
        await rails.payment_status("SWIFT", SWIFT, key)
    await rails.authenticate("ACH", ACH)  # the other rail is fine
    rail_knobs.rails("swift", down=False)
    assert await rails.payment_status("SWIFT", SWIFT, key) is None


async def test_settlement_takes_the_delay_and_can_fail(rails, rail_knobs):
    account = await _account(rails, "ACH", ACH)
    rail_knobs.rails("ach", settlement_delay_ms=700)
    key = _key()
    await rails.submit("ACH", ACH, _order(account), key)
    assert (await rails.payment_status("ACH", ACH, key)).status == "PENDING"
    time.sleep(0.8)
    assert (await rails.payment_status("ACH", ACH, key)).status == "COMPLETED"

    rail_knobs.rails("ach", settlement_delay_ms=0, fail_next_settlement=1)
    failing, fine = _key(), _key()
    await rails.submit("ACH", ACH, _order(account), failing)
    await rails.submit("ACH", ACH, _order(account), fine)
    assert (await rails.payment_status("ACH", ACH, failing)).status == "FAILED"
    assert (await rails.payment_status("ACH", ACH, fine)).status == "COMPLETED"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_an_unreachable_rail_never_received_the_payment(rails):
    config = {**ACH, "api_base": f"http://127.0.0.1:{_closed_port()}/ach"}
    order = PaymentOrder(Decimal("1.00"), "USD", "ach_acct_x", "ext", "x")
    with pytest.raises(NotExecuted, match="ConnectError"):
        await rails.submit("ACH", config, order, _key())
    with pytest.raises(RailUnavailable):
        await rails.payment_status("ACH", config, _key())
    with pytest.raises(RailUnavailable):
        await rails.authenticate("ACH", config)


async def test_a_404_the_rail_did_not_say_is_not_never_executed(rails, stack):
    # A wrong base URL answers 404 too, but not the rail's not_found: unknown, not "never".
    config = {**ACH, "api_base": f"{stack.sandbox_url}/nowhere"}
    with pytest.raises(RailUnavailable):
        await rails.payment_status("ACH", config, _key())


async def test_the_breaker_opens_and_a_submit_then_fails_unsent(stack, rail_knobs):
    rails = await _rails(stack, PROVIDER_BREAKER_THRESHOLD="2", PROVIDER_BREAKER_OPEN_SECONDS="30")
    try:
        account = await _account(rails, "ACH", ACH)
        rail_knobs.rails("ach", down=True)
        for _ in range(2):
            with pytest.raises(RailUnavailable):
                await rails.authenticate("ACH", ACH)
        rail_knobs.rails("ach", down=False)
        with pytest.raises(RailUnavailable) as caught:  # fails fast, the rail is not asked
            await rails.authenticate("ACH", ACH)
        assert 20 < caught.value.retry_after <= 30
        before, key = _count(rail_knobs, "ach"), _key()
        with pytest.raises(NotExecuted, match="circuit open"):
            await rails.submit("ACH", ACH, _order(account), key)
        assert _count(rail_knobs, "ach") == before
        await rails.authenticate("SWIFT", SWIFT)  # per rail
    finally:
        await rails.aclose()


async def test_refused_credentials_do_not_open_the_breaker(stack, rail_knobs):
    rails = await _rails(stack, PROVIDER_BREAKER_THRESHOLD="1")
    try:
        for _ in range(3):
            with pytest.raises(RailAuthFailed):
                await rails.authenticate("ACH", {**ACH, "api_key": "bad"})
        await rails.authenticate("ACH", ACH)
    finally:
        await rails.aclose()


async def test_transactions_reject_a_limit_out_of_range(rails):
    with pytest.raises(ValueError):
        await rails.transactions("ACH", ACH, "a", start=None, end=None, limit=0)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        await rails.transactions("ACH", ACH, "a", start=start, end=None, limit=501)


async def test_production_needs_an_api_base_and_refuses_sandbox_keys():
    from server.platform import config
    from tests.unit.test_config import PRODUCTION

    rails = Rails(config.load(PRODUCTION))
    try:
        order = PaymentOrder(Decimal("1.00"), "USD", "ach_acct_x", "ext", "x")
        with pytest.raises(RailError, match="api_base"):
            await rails.authenticate("ACH", ACH)
        with pytest.raises(NotExecuted, match="api_base"):
            await rails.submit("ACH", ACH, order, _key())
        with pytest.raises(RailAuthFailed, match="sandbox"):
            await rails.authenticate("ACH", {**ACH, "api_base": "https://ach.bank.example"})
    finally:
        await rails.aclose()
