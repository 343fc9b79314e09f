"""Payment methods through the official `stripe` client, against a configurable base URL.

Development and tests point it at the local sandbox (server/dev/sandbox, PAYMENTS_API_BASE),
production at Stripe. Only ids travel through here: fingate never sees or stores card data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import stripe

from server.platform.config import Settings
from server.providers.payment_errors import (
    PaymentMethodDeclined,
    PaymentMethodRejected,
    PaymentsUnavailable,
)

log = logging.getLogger("fingate.payments")
# The library narrates every request and every refused card at INFO; our own warnings cover
# what an operator needs, and the one JSON line per RPC covers the rest.
logging.getLogger("stripe").setLevel(logging.WARNING)


def _rejected(code: str, violation: str) -> PaymentMethodRejected:
    kind = PaymentMethodDeclined if code == PaymentMethodDeclined.code else PaymentMethodRejected
    return kind(violation, code=code)


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    """What fingate keeps of a payment method: its id, and a label safe to show."""

    id: str
    type: str
    brand: str | None
    last4: str | None


class PaymentGateway:
    """One StripeClient per process over an httpx AsyncClient (connection reuse)."""

    def __init__(self, *, api_base: str, api_key: str, timeout_s: float):
        self._configured = bool(api_key)
        self._http = stripe.HTTPXClient(timeout=timeout_s)
        self._client = stripe.StripeClient(
            # StripeClient refuses an empty key; an unconfigured gateway never sends a request.
            api_key or "unconfigured",
            base_addresses={"api": api_base.rstrip("/")},
            http_client=self._http,
            # A retry is the caller's choice (503 says so); a subscribe must not hang on one.
            max_network_retries=0,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PaymentGateway:
        return cls(
            api_base=settings.payments_api_base,
            api_key=settings.payments_api_key,
            timeout_s=settings.payments_timeout_s,
        )

    async def verify_payment_method(self, payment_method_id: str) -> PaymentMethod:
        """The payment method if the provider accepts it.

        Raises PaymentMethodRejected (declined, unknown) or PaymentsUnavailable (provider down,
        misconfigured, or failing); server/providers/errors.py says what each means to a caller.
        """
        if not self._configured:
            raise PaymentsUnavailable()
        try:
            found = await self._client.v1.payment_methods.retrieve_async(payment_method_id)
        except stripe.CardError as exc:
            raise _rejected(exc.code or "card_declined", "was declined") from None
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                raise _rejected(
                    exc.code or "resource_missing", "is not a known payment method"
                ) from None
            log.warning("payment provider refused the request: %s", exc.code)
            raise PaymentsUnavailable() from None
        except stripe.StripeError as exc:
            # Connection refused, timeout, 5xx, bad API key: nothing the caller can fix.
            log.warning("payment provider error: %s", type(exc).__name__)
            raise PaymentsUnavailable() from None
        card = found.card if found.type == "card" else None
        return PaymentMethod(
            id=found.id,
            type=found.type,
            brand=card.brand if card is not None else None,
            last4=card.last4 if card is not None else None,
        )

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]  # stripe leaves it bare
