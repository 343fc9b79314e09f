"""Stripe-compatible endpoints, answering the way Stripe's test mode does for its test ids.

- `GET /v1/payment_methods/{id}`: `pm_card_declined` → 402 card_declined; any other `pm_…`
  id → 200 with a card PaymentMethod (Visa 4242); anything else → 404 resource_missing.
- Every request needs `Authorization: Bearer sk_test_…` (401 otherwise), as Stripe does.

Connected accounts (integrations hub; tokens from oauth_apps.py's Stripe Connect, data from
apps_data.py's rows, its `/apps/_sandbox/data` knob and fault knobs): `GET /v1/account`,
`/v1/payment_intents`, `/v1/invoices`, `/v1/customers`, `/v1/subscriptions` need an access
token the sandbox issued and that is still live (else 401 `invalid_request_error`). Lists are
Stripe's: `{"object": "list", "data", "has_more", "url"}`, newest first, `limit` (1..100,
default 10), `starting_after` (an id of the previous page), `created[gte]` (epoch seconds);
amounts in integer cents, lower-case currencies, PaymentIntent statuses `succeeded`,
`processing`, `requires_payment_method`, `canceled`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from server.dev.sandbox.apps_data import Row, guarded, row_id, rows
from server.dev.sandbox.oauth_apps import Access

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


def _unauthorized(reason: str) -> JSONResponse:
    return _error(401, type="invalid_request_error", message=f"Invalid API Key provided ({reason})")


def _cents(r: Row, low: int, high: int) -> int:
    return r.rng.randint(low, high) * 100 + r.rng.choice((0, 0, 50, 99))


def _connected(kind: str, account: str, r: Row) -> dict[str, Any]:
    customers = len(rows("stripe", account, "customers")) or 1
    customer = row_id("stripe", account, "customers", (r.n - 1) % customers + 1)
    base = {"id": r.id, "created": int(r.created.timestamp()), "livemode": False, "metadata": {}}
    if kind == "customers":
        first = ("Ada", "Grace", "Alan", "Linus")[r.n % 4]
        return base | {
            "object": "customer",
            "name": f"{first} {r.n}",
            "email": f"{first.lower()}{r.n}@example.com",
            "currency": "usd",
            "balance": 0,
            "delinquent": False,
        }
    amount = _cents(r, 5, 900)
    if kind == "payment_intents":
        statuses = ("succeeded",) * 6 + ("processing", "requires_payment_method", "canceled")
        status = r.rng.choice(statuses)
        return base | {
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount if status == "succeeded" else 0,
            "currency": "usd" if r.n % 7 else "eur",
            "status": status,
            "customer": customer,
            "description": f"Order {r.n}",
        }
    if kind == "invoices":
        status = r.rng.choice(("paid", "paid", "open", "draft", "void"))
        paid = amount if status == "paid" else 0
        return base | {
            "object": "invoice",
            "number": f"FG-{r.n:05d}",
            "customer": customer,
            "currency": "usd",
            "status": status,
            "subtotal": amount,
            "total": amount,
            "amount_due": amount,
            "amount_paid": paid,
            "amount_remaining": amount - paid,
            "due_date": int(r.created.timestamp()) + 30 * 86400,
        }
    interval = r.rng.choice(("month", "month", "year"))
    start = int(r.created.timestamp())
    price = {
        "id": "price_" + r.id[4:],
        "object": "price",
        "unit_amount": amount,
        "currency": "usd",
        "recurring": {"interval": interval, "interval_count": 1},
    }
    return base | {
        "object": "subscription",
        "customer": customer,
        "status": r.rng.choice(("active", "active", "trialing", "past_due", "canceled")),
        "currency": "usd",
        "current_period_start": start,
        "current_period_end": start + (30 if interval == "month" else 365) * 86400,
        "cancel_at_period_end": False,
        "items": {
            "object": "list",
            "data": [{"id": "si_" + r.id[4:], "price": price, "quantity": 1}],
        },
    }


def _list(kind: str) -> Any:
    async def handler(request: Request, access: Access) -> Any:
        q = request.query_params
        raw = q.get("limit", "10")
        if not raw.isdigit() or not 1 <= int(raw) <= 100:
            return _error(
                400,
                type="invalid_request_error",
                param="limit",
                message="Invalid integer: limit must be between 1 and 100",
            )
        account = access.grant.account_id
        found = sorted(rows("stripe", account, kind), key=lambda r: (r.created, r.n), reverse=True)
        if q.get("created[gte]", "").isdigit():
            found = [r for r in found if r.created.timestamp() >= int(q["created[gte]"])]
        if after := q.get("starting_after"):
            ids = [r.id for r in found]
            if after not in ids:
                return _error(
                    404,
                    type="invalid_request_error",
                    code="resource_missing",
                    param="starting_after",
                    message=f"No such object: '{after}'",
                )
            found = found[ids.index(after) + 1 :]
        page = found[: int(raw)]
        return {
            "object": "list",
            "url": f"/v1/{kind}",
            "has_more": len(found) > len(page),
            "data": [_connected(kind, account, r) for r in page],
        }

    return handler


async def _account(request: Request, access: Access) -> Any:
    account = access.grant.account_id
    return {
        "id": account,
        "object": "account",
        "type": "standard",
        "country": "US",
        "default_currency": "usd",
        "charges_enabled": True,
        "payouts_enabled": True,
    }


CONNECTED = guarded("stripe", _unauthorized)

ROUTES: list[BaseRoute] = [
    Route("/v1/payment_methods/{payment_method}", retrieve_payment_method, methods=["GET"]),
    Route("/v1/account", CONNECTED(_account), methods=["GET"]),
    *(
        Route(f"/v1/{kind}", CONNECTED(_list(kind)), methods=["GET"])
        for kind in ("payment_intents", "invoices", "customers", "subscriptions")
    ),
]
