"""What the payment gateway (server/payments/) raises: the provider-error family
(server/providers/base.py), so that server/providers/errors.py answers for payment rails as it
does for bank aggregators.

    ProviderError
    ├── PaymentMethodRejected       the provider refuses the payment method (unknown, …)
    │   └── PaymentMethodDeclined   … because the card was declined
    └── ProviderUnavailable
        └── PaymentsUnavailable     down, misconfigured or failing: nothing the caller can fix

Kept apart from gateway.py so that the map does not import the `stripe` library.
"""

from __future__ import annotations

from server.providers.base import ProviderError, ProviderUnavailable

UNAVAILABLE_MESSAGE = "Payment provider unavailable"


class PaymentMethodRejected(ProviderError):
    """The provider refuses the payment method; the caller can try another one. The message
    says why, as a violation of the request's payment method field ("is not a known payment
    method"); `code` is the provider's (resource_missing, …)."""


class PaymentMethodDeclined(PaymentMethodRejected):
    """The card behind the payment method was declined (Stripe card_declined)."""

    code = "card_declined"


class PaymentsUnavailable(ProviderUnavailable):
    """The payment provider cannot be reached, refuses our key, or fails."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE, *, code: str | None = None) -> None:
        super().__init__(message, code=code)
