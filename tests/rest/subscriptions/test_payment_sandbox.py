"""The provider sandbox answers Stripe's API as the official `stripe` client expects, and the
server's adapter maps each answer (accepted, declined, unknown, unreachable)."""

import socket

import pytest
import stripe

from server.payments.gateway import PaymentGateway, PaymentMethodRejected
from server.platform.config import SANDBOX_PAYMENTS_API_KEY
from server.platform.errors import ServiceUnavailable
from server.providers.errors import translate
from server.providers.payment_errors import PaymentMethodDeclined, PaymentsUnavailable


@pytest.fixture
async def client(stack):
    http = stripe.HTTPXClient(timeout=10)
    yield stripe.StripeClient(
        SANDBOX_PAYMENTS_API_KEY,
        base_addresses={"api": stack.sandbox_url},
        http_client=http,
        max_network_retries=0,
    )
    await http.close_async()


async def test_stripe_client__retrieves_a_test_payment_method(client):
    found = await client.v1.payment_methods.retrieve_async("pm_card_visa")
    assert isinstance(found, stripe.PaymentMethod)
    assert (found.id, found.object, found.type) == ("pm_card_visa", "payment_method", "card")
    assert (found.card.brand, found.card.last4) == ("visa", "4242")
    assert found.livemode is False


async def test_stripe_client__declined_is_a_card_error(client):
    with pytest.raises(stripe.CardError) as caught:
        await client.v1.payment_methods.retrieve_async("pm_card_declined")
    assert (caught.value.http_status, caught.value.code) == (402, "card_declined")


async def test_stripe_client__unknown_is_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.payment_methods.retrieve_async("card_123")
    assert (caught.value.http_status, caught.value.code) == (404, "resource_missing")


async def test_stripe_client__wrong_key_is_an_authentication_error(stack):
    client = stripe.StripeClient(
        "sk_live_not_for_the_sandbox",
        base_addresses={"api": stack.sandbox_url},
        http_client=stripe.HTTPXClient(timeout=10),
    )
    with pytest.raises(stripe.AuthenticationError):
        await client.v1.payment_methods.retrieve_async("pm_card_visa")


def _gateway(api_base, api_key=SANDBOX_PAYMENTS_API_KEY):
    return PaymentGateway(api_base=api_base, api_key=api_key, timeout_s=10)


async def test_gateway__maps_each_answer(stack):
    gateway = _gateway(stack.sandbox_url)
    try:
        method = await gateway.verify_payment_method("pm_123")
        assert (method.id, method.type, method.brand, method.last4) == (
            "pm_123",
            "card",
            "visa",
            "4242",
        )
        with pytest.raises(PaymentMethodRejected) as declined:
            await gateway.verify_payment_method("pm_card_declined")
        assert declined.value.code == "card_declined"
        assert isinstance(declined.value, PaymentMethodDeclined)
        with pytest.raises(PaymentMethodRejected) as missing:
            await gateway.verify_payment_method("card_123")
        assert missing.value.code == "resource_missing"
        assert not isinstance(missing.value, PaymentMethodDeclined)
    finally:
        await gateway.close()


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("case", ["refused", "bad-key", "unconfigured"])
async def test_gateway__provider_trouble_is_service_unavailable(stack, case):
    gateway = {
        "refused": lambda: _gateway(f"http://127.0.0.1:{_closed_port()}"),
        "bad-key": lambda: _gateway(stack.sandbox_url, "sk_live_wrong"),
        "unconfigured": lambda: _gateway(stack.sandbox_url, ""),
    }[case]()
    try:
        with pytest.raises(PaymentsUnavailable) as caught:
            await gateway.verify_payment_method("pm_card_visa")
        answer = translate(caught.value, field="paymentMethodId")
        assert type(answer) is ServiceUnavailable
        assert answer.message == "Payment provider unavailable"
    finally:
        await gateway.close()
