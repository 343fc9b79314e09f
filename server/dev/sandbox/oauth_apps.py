"""OAuth 2 authorization servers of the integrations hub's four services, each under its own
prefix with its provider's paths: Stripe Connect (`/stripe-connect/oauth/{authorize,token,
deauthorize}`), Slack (`/slack/oauth/v2/authorize`, `/slack/api/oauth.v2.access`,
`/slack/api/auth.revoke`), Intuit (`/intuit/connect/oauth2`, `/intuit/oauth2/v1/tokens/bearer`,
`/intuit/oauth2/v1/tokens/revoke`) and Xero (`/xero/identity/connect/{authorize,token,
revocation}`, plus `GET /xero/connections`). The data APIs behind the tokens live in
apps_data.py (Slack, QuickBooks, Xero) and stripe.py.

- authorize (GET): the service's sandbox app (config.SANDBOX_OAUTH_APPS) with
  `response_type=code`, `redirect_uri`, `state`, `code_challenge` and
  `code_challenge_method=S256` → 302 straight to `redirect_uri?code=…&state=…` (Intuit adds
  `realmId`), no consent page. An unknown client or a missing parameter → 400. The connected
  account (Stripe account, Slack team, QuickBooks company, Xero tenant) is new per authorize,
  or derived from `login_hint` (a sandbox extension) so a test can connect the same one twice.
- token (POST, form): client auth by HTTP Basic (`client_id:client_secret`; Stripe's
  `secret:`) or `client_id`+`client_secret` in the body. `authorization_code`: the code is
  single-use, lives 10 minutes, is bound to its redirect_uri and to the PKCE challenge
  (`code_verifier`); `refresh_token`: rotates, the old refresh token is dead (reuse → invalid
  grant). Errors are RFC 6749's 400 `{"error","error_description"}` (401 invalid_client), Slack's
  are 200 `{"ok":false,"error"}` (invalid_code, invalid_refresh_token, invalid_client_id…).
  Extras as the providers give them: Stripe `stripe_user_id`, `stripe_publishable_key` (no
  expiry in Stripe; the sandbox's `expires_in` is an extension), Slack `team`, `authed_user`
  and comma-separated `scope`, Intuit `x_refresh_token_expires_in` (+ `realmId`, an
  extension), Xero `id_token`-less OIDC-style answers (tenant ids come from /xero/connections).
- revoke: Stripe `deauthorize` (client auth, `client_id` + `stripe_user_id` → every grant of
  that account), Slack `auth.revoke` (the bearer token or `token`), Intuit (JSON or form
  `token`), Xero (form `token`): the token's whole family (access + refresh) dies.

Knobs (sandbox-only, no auth): `POST /apps/_sandbox/settings` with JSON `{service, expires_in?,
deny_next_authorize?: N, expire_all?: true, server_errors?: N, error_status?: 503, delay_ms?,
timeouts?: N, timeout_ms?, reset_counts?: true}`: `expires_in` for tokens issued from now on;
`deny_next_authorize` the next N authorizes redirect with `error=access_denied`;
`expire_all` expires every access token of the service issued so far (the next data call gets
401); `server_errors` the next N calls to the service's token or data endpoints answer
`error_status`; `timeouts` the next N stall `timeout_ms`; `delay_ms` every call sleeps first.
Answers the service's settings and `token_calls` (calls to its token endpoint per grant type,
counted on arrival, faults included). `GET /apps/_sandbox/settings?service=…` reads them.
State lives in process memory.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from server.dev.sandbox.responses import JSON
from server.platform.config import SANDBOX_OAUTH_APPS

CODE_TTL = dt.timedelta(minutes=10)
REFRESH_TTL_S = 100 * 24 * 3600  # Intuit's x_refresh_token_expires_in


@dataclass
class Profile:
    expires_in: int = 3600
    deny_next_authorize: int = 0
    server_errors: int = 0
    error_status: int = 503
    delay_ms: int = 0
    timeouts: int = 0
    timeout_ms: int = 30_000
    token_calls: Counter[str] = field(default_factory=Counter)


@dataclass
class Code:
    service: str
    redirect_uri: str
    challenge: str
    scopes: tuple[str, ...]
    account_id: str
    expires_at: dt.datetime


@dataclass
class Grant:
    """A token family: what one authorization granted, whatever tokens it goes by now."""

    service: str
    account_id: str
    scopes: tuple[str, ...]
    alive: bool = True


@dataclass
class Access:
    grant: Grant
    expires_at: dt.datetime


PROFILES: dict[str, Profile] = {service: Profile() for service in SANDBOX_OAUTH_APPS}
CODES: dict[str, Code] = {}
ACCESS: dict[str, Access] = {}
REFRESH: dict[str, Grant] = {}


class OAuthFailure(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


class Unauthorized(Exception):
    """A data call without a live access token of the service."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def account_for(service: str, hint: str | None) -> str:
    """The connected account's id in the provider's own format."""
    seed = _digest(service, hint) if hint else secrets.token_hex(32)
    if service == "stripe":
        return "acct_" + seed[:16].upper()
    if service == "slack":
        return "T" + seed[:10].upper()
    if service == "quickbooks":
        return "9130" + str(int(seed[:12], 16))[:12].rjust(12, "0")
    return str(uuid.UUID(seed[:32]))


def _token(service: str, kind: str) -> str:
    raw = secrets.token_urlsafe(32).replace("-", "x").replace("_", "y")
    if service == "stripe":
        return ("sk_test_" if kind == "access" else "rt_") + raw
    if service == "slack":
        return ("xoxb-" if kind == "access" else "xoxe-1-") + raw
    return raw


# -- faults ----------------------------------------------------------------------------------


class Fault(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


async def enter(service: str) -> None:
    """The service's fault knobs, applied on arrival of a token or data call."""
    profile = PROFILES[service]
    if profile.delay_ms:
        await asyncio.sleep(profile.delay_ms / 1000)
    if profile.timeouts > 0:
        profile.timeouts -= 1
        await asyncio.sleep(profile.timeout_ms / 1000)
    if profile.server_errors > 0:
        profile.server_errors -= 1
        raise Fault(profile.error_status)


def fault_response(fault: Fault) -> Response:
    return Response("upstream error", status_code=fault.status, media_type="text/plain")


def authenticate(service: str, request: Request) -> Access:
    """The live access token a data call carries (`Authorization: Bearer …`)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    access = ACCESS.get(token.strip()) if scheme.lower() == "bearer" else None
    if access is None or access.grant.service != service or not access.grant.alive:
        raise Unauthorized("invalid token")
    if access.expires_at <= _now():
        raise Unauthorized("token expired")
    return access


# -- authorize -------------------------------------------------------------------------------


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _authorize(service: str) -> Any:
    async def authorize(request: Request) -> Response:
        q = request.query_params
        client_id = SANDBOX_OAUTH_APPS[service][0]
        if q.get("client_id") != client_id:
            return JSON({"error": "invalid_client", "error_description": "Unknown client"}, 400)
        redirect_uri = q.get("redirect_uri", "")
        missing = [name for name in ("redirect_uri", "state", "code_challenge") if not q.get(name)]
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256":
            missing.append("response_type=code&code_challenge_method=S256")
        if missing or not redirect_uri.startswith(("http://", "https://")):
            detail = f"Missing or invalid: {', '.join(missing) or 'redirect_uri'}"
            return JSON({"error": "invalid_request", "error_description": detail}, 400)
        state = q["state"]
        profile = PROFILES[service]
        if profile.deny_next_authorize > 0:
            profile.deny_next_authorize -= 1
            denied = {"error": "access_denied", "error_description": "The user denied access"}
            return RedirectResponse(_with_query(redirect_uri, {**denied, "state": state}), 302)
        account = account_for(service, q.get("login_hint"))
        code = ("ac_" if service == "stripe" else "") + secrets.token_urlsafe(24)
        scopes = tuple(s for s in q.get("scope", "").replace(",", " ").split() if s)
        CODES[code] = Code(
            service, redirect_uri, q["code_challenge"], scopes, account, _now() + CODE_TTL
        )
        params = {"code": code, "state": state}
        if service == "quickbooks":
            params["realmId"] = account
        return RedirectResponse(_with_query(redirect_uri, params), 302)

    return authorize


async def form_of(request: Request) -> dict[str, str]:
    """The url-encoded body (parsed here: Starlette's form parser needs python-multipart)."""
    return dict(parse_qsl((await request.body()).decode(errors="replace")))


# -- token -----------------------------------------------------------------------------------


def _client_authenticated(service: str, request: Request, form: dict[str, str]) -> bool:
    client_id, secret = SANDBOX_OAUTH_APPS[service]
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        pairs = [(user, password)]
        if service == "stripe":
            pairs.append((client_id, user))  # Stripe: the secret key as the username
    else:
        pairs = [(form.get("client_id", ""), form.get("client_secret", ""))]
        if service == "stripe":
            pairs.append((client_id, form.get("client_secret", "")))
    return any(
        hmac.compare_digest(u.encode(), client_id.encode())
        and hmac.compare_digest(p.encode(), secret.encode())
        for u, p in pairs
    )


def _issue(grant: Grant) -> dict[str, Any]:
    profile = PROFILES[grant.service]
    access, refresh = _token(grant.service, "access"), _token(grant.service, "refresh")
    ACCESS[access] = Access(grant, _now() + dt.timedelta(seconds=profile.expires_in))
    REFRESH[refresh] = grant
    body: dict[str, Any] = {
        "access_token": access,
        "refresh_token": refresh,
        "expires_in": profile.expires_in,
        "token_type": "bearer",
    }
    scope = " ".join(grant.scopes)
    if grant.service == "stripe":
        body |= {
            "scope": scope or "read_write",
            "livemode": False,
            "stripe_user_id": grant.account_id,
            "stripe_publishable_key": "pk_test_" + _digest(grant.account_id)[:24],
        }
    elif grant.service == "slack":
        body |= {
            "ok": True,
            "app_id": "A0FINGATE01",
            "token_type": "bot",
            "scope": ",".join(grant.scopes),
            "bot_user_id": "U0BOT" + grant.account_id[1:7],
            "authed_user": {"id": "U" + _digest(grant.account_id, "user")[:10].upper()},
            "team": {"id": grant.account_id, "name": f"Team {grant.account_id[-4:]}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }
    elif grant.service == "quickbooks":
        body |= {"x_refresh_token_expires_in": REFRESH_TTL_S, "realmId": grant.account_id}
    else:
        body |= {"token_type": "Bearer", "scope": scope}
    return body


def _exchange(service: str, form: dict[str, str]) -> dict[str, Any]:
    grant_type = form.get("grant_type", "")
    if grant_type == "authorization_code":
        code = CODES.pop(form.get("code", ""), None)  # single use, whatever happens next
        if code is None or code.service != service or code.expires_at <= _now():
            raise OAuthFailure("invalid_grant", "Authorization code does not exist or expired")
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthFailure("invalid_grant", "redirect_uri does not match the authorization")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if not verifier or not hmac.compare_digest(challenge.rstrip(b"=").decode(), code.challenge):
            raise OAuthFailure("invalid_grant", "code_verifier does not match the code_challenge")
        return _issue(Grant(service, code.account_id, code.scopes))
    if grant_type == "refresh_token":
        grant = REFRESH.pop(form.get("refresh_token", ""), None)  # rotation: dead once used
        if grant is None or grant.service != service or not grant.alive:
            raise OAuthFailure("invalid_grant", "Refresh token is invalid, used or revoked")
        return _issue(grant)
    raise OAuthFailure("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")


SLACK_ERRORS = {"authorization_code": "invalid_code", "refresh_token": "invalid_refresh_token"}


def _token_endpoint(service: str) -> Any:
    async def token(request: Request) -> Response:
        form = await form_of(request)
        grant_type = form.get("grant_type", "")
        PROFILES[service].token_calls[grant_type or "none"] += 1
        try:
            await enter(service)
            if not _client_authenticated(service, request, form):
                raise OAuthFailure("invalid_client", "Client authentication failed", 401)
            return JSON(_exchange(service, form))
        except Fault as fault:
            return fault_response(fault)
        except OAuthFailure as failure:
            if service == "slack":
                error = failure.error
                if error == "invalid_grant":
                    error = SLACK_ERRORS.get(grant_type, error)
                elif error == "invalid_client":
                    error = "invalid_client_id"
                return JSON({"ok": False, "error": error})
            body = {"error": failure.error, "error_description": failure.description}
            return JSON(body, failure.status)

    return token


# -- revoke ----------------------------------------------------------------------------------


def _kill(token: str) -> bool:
    grant = REFRESH.get(token) or (ACCESS[token].grant if token in ACCESS else None)
    if grant is None:
        return False
    grant.alive = False
    return True


async def _revoke_stripe(request: Request) -> Response:
    form = await form_of(request)
    if not _client_authenticated("stripe", request, form):
        return JSON({"error": "invalid_client", "error_description": "Unknown client"}, 401)
    account = form.get("stripe_user_id", "")
    grants = [g for g in REFRESH.values() if g.service == "stripe" and g.account_id == account]
    grants += [a.grant for a in ACCESS.values() if a.grant.service == "stripe"]
    found = [g for g in grants if g.account_id == account and g.alive]
    if not found:
        return JSON(
            {"error": "invalid_client", "error_description": f"No such account {account}"}, 401
        )
    for grant in found:
        grant.alive = False
    return JSON({"stripe_user_id": account})


async def _revoke_slack(request: Request) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        token = (await form_of(request)).get("token", "")
    if not _kill(token.strip()):
        return JSON({"ok": False, "error": "invalid_auth"})
    return JSON({"ok": True, "revoked": True})


def _revoke_rfc7009(service: str) -> Any:
    async def revoke(request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = json.loads(await request.body())
            except ValueError:
                body = {}
            form = {k: str(v) for k, v in body.items()} if isinstance(body, dict) else {}
        else:
            form = await form_of(request)
        if not _client_authenticated(service, request, form):
            return JSON({"error": "invalid_client"}, 401)
        # RFC 7009: an unknown token is not an error.
        _kill(form.get("token", ""))
        return Response(status_code=200)

    return revoke


async def xero_connections(request: Request) -> Response:
    try:
        access = authenticate("xero", request)
    except Unauthorized:
        body = {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": "TokenExpired"}
        return JSON(body, 401)
    tenant = access.grant.account_id
    created = "2025-01-01T00:00:00.0000000"
    return JSON(
        [
            {
                "id": str(uuid.UUID(_digest("connection", tenant)[:32])),
                "authEventId": str(uuid.UUID(_digest("auth", tenant)[:32])),
                "tenantId": tenant,
                "tenantType": "ORGANISATION",
                "tenantName": f"Organisation {tenant[:8]}",
                "createdDateUtc": created,
                "updatedDateUtc": created,
            }
        ]
    )


async def json_object(request: Request) -> dict[str, Any]:
    """A knob's JSON body; {} when it is not a JSON object."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# -- knobs -----------------------------------------------------------------------------------

_INTS = {
    "expires_in": (-3600, 365 * 24 * 3600),
    "deny_next_authorize": (0, 1000),
    "server_errors": (0, 100_000),
    "error_status": (500, 599),
    "delay_ms": (0, 100_000),
    "timeouts": (0, 100_000),
    "timeout_ms": (0, 600_000),
}


def out_of_range(body: dict[str, Any], ints: dict[str, tuple[int, int]]) -> str | None:
    """The first of a knob body's integer fields that is not an int within its range (absent
    ones pass), as the message a 422 gives; None when all are fine."""
    for name, (low, high) in ints.items():
        value = body.get(name, low)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"{name}: {low}..{high}"
    return None


def _shown(service: str) -> dict[str, Any]:
    p = PROFILES[service]
    return {
        "service": service,
        **{name: getattr(p, name) for name in _INTS},
        "token_calls": dict(p.token_calls),
    }


async def settings(request: Request) -> Response:
    if request.method == "GET":
        service = request.query_params.get("service", "")
        if service not in PROFILES:
            return JSON({"error": f"service: one of {', '.join(PROFILES)}"}, 422)
        return JSON(_shown(service))
    body = await json_object(request)
    if body.get("service") not in PROFILES:
        return JSON({"error": f"A JSON object with service: one of {', '.join(PROFILES)}"}, 422)
    service = body["service"]
    violation = out_of_range(body, _INTS)
    if violation:
        return JSON({"error": violation}, 422)
    profile = PROFILES[service]
    for name in _INTS:
        if name in body:
            setattr(profile, name, body[name])
    if body.get("expire_all"):
        past = _now() - dt.timedelta(seconds=1)
        for access in ACCESS.values():
            if access.grant.service == service:
                access.expires_at = min(access.expires_at, past)
    if body.get("reset_counts"):
        profile.token_calls.clear()
    return JSON(_shown(service))


ROUTES: list[BaseRoute] = [
    Route("/stripe-connect/oauth/authorize", _authorize("stripe"), methods=["GET"]),
    Route("/stripe-connect/oauth/token", _token_endpoint("stripe"), methods=["POST"]),
    Route("/stripe-connect/oauth/deauthorize", _revoke_stripe, methods=["POST"]),
    Route("/slack/oauth/v2/authorize", _authorize("slack"), methods=["GET"]),
    Route("/slack/api/oauth.v2.access", _token_endpoint("slack"), methods=["POST"]),
    Route("/slack/api/auth.revoke", _revoke_slack, methods=["POST"]),
    Route("/intuit/connect/oauth2", _authorize("quickbooks"), methods=["GET"]),
    Route("/intuit/oauth2/v1/tokens/bearer", _token_endpoint("quickbooks"), methods=["POST"]),
    Route("/intuit/oauth2/v1/tokens/revoke", _revoke_rfc7009("quickbooks"), methods=["POST"]),
    Route("/xero/identity/connect/authorize", _authorize("xero"), methods=["GET"]),
    Route("/xero/identity/connect/token", _token_endpoint("xero"), methods=["POST"]),
    Route("/xero/identity/connect/revocation", _revoke_rfc7009("xero"), methods=["POST"]),
    Route("/xero/connections", xero_connections, methods=["GET"]),
    Route("/apps/_sandbox/settings", settings, methods=["GET", "POST"]),
]
