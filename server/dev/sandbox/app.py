"""The sandbox's ASGI app: every provider's routes plus `/health`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from server.dev.sandbox import apps_data, oauth_apps, plaid, rails, rates, stripe, teller, zerion

# Each provider's routes live under its own API's paths (Stripe: /v1/..., Plaid: /plaid/...,
# Teller: /teller/..., Zerion: /zerion/..., the integrations hub's OAuth apps under
# /stripe-connect, /slack, /intuit and /xero, the payment rails under /ach and /swift); add new
# providers here.
PROVIDERS: list[list[BaseRoute]] = [
    stripe.ROUTES,
    plaid.ROUTES,
    teller.ROUTES,
    zerion.ROUTES,
    rates.ROUTES,
    oauth_apps.ROUTES,
    apps_data.ROUTES,
    rails.ROUTES,
]


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def build_app() -> Starlette:
    routes: list[BaseRoute] = [Route("/health", health)]
    for provider in PROVIDERS:
        routes.extend(provider)
    return Starlette(routes=routes)
