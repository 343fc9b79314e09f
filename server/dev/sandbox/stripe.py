"""Stripe-compatible endpoints, answering the way Stripe's test mode does for its test ids.

- `GET /v1/payment_methods/{id}`: `pm_card_declined` → 402 card_declined; any other `pm_…`
  id → 200 with a card PaymentMethod (Visa 4242); anything else → 404 resource_missing.
- Every request needs `Authorization: Bearer sk_test_…` (401 otherwise), as Stripe does.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

DECLINED = "pm_card_declined"
# A fixed creation time: the sandbox answers the same bytes for the same request.
_CREATED = 1735689600  # 2025-01-01T00:00:00Z


def _error(status: int, **error: Any) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


def _authorized(request: Request) -> bool:
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and key.startswith("sk_test_")


def _payment_method(pm_id: str) -> dict[str, Any]:
    # Stable per id, so different test ids look different but each always looks the same.
    fingerprint = hashlib.sha256(pm_id.encode()).hexdigest()[:16]
    return {
        "id": pm_id,
        "object": "payment_method",
        "type": "card",
        "created": _CREATED,
        "customer": None,
        "livemode": False,
        "metadata": {},
        "billing_details": {
            "address": None,
            "email": None,
            "name": None,
            "phone": None,
        },
        "card": {
            "brand": "visa",
            "country": "US",
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": fingerprint,
            "funding": "credit",
            "last4": "4242",
        },
    }


async def retrieve_payment_method(request: Request) -> JSONResponse:
    if not _authorized(request):
        return _error(
            401,
            type="invalid_request_error",
            message="Invalid API Key provided",
        )
    pm_id = request.path_params["payment_method"]
    if pm_id == DECLINED:
        return _error(
            402,
            type="card_error",
            code="card_declined",
            decline_code="generic_decline",
            message="Your card was declined.",
            param="payment_method",
        )
    if not pm_id.startswith("pm_"):
        return _error(
            404,
            type="invalid_request_error",
            code="resource_missing",
            message=f"No such PaymentMethod: '{pm_id}'",
            param="payment_method",
        )
    return JSONResponse(_payment_method(pm_id))


ROUTES: list[BaseRoute] = [
    Route("/v1/payment_methods/{payment_method}", retrieve_payment_method, methods=["GET"]),
]
