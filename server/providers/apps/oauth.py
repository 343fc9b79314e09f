"""OAuth 2 authorization code with PKCE (S256) against each service's real endpoints, through
authlib's httpx client: the authorization URL, the code exchange, refreshes and revocation.

Client authentication is each provider's own: Stripe and Slack take `client_id` +
`client_secret` in the body (Stripe's secret is the platform's secret key), Intuit and Xero
HTTP Basic. The connected account comes from the token answer where the provider puts it
(Stripe `stripe_user_id`, Slack `team.id`, Intuit's `realmId` extension), from Xero's
`GET /connections`, else from the callback (`account_id=`, QuickBooks' `realmId`). No token,
code, verifier or secret is ever logged or put in an exception message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from server.platform.config import OAuthApp, Settings
from server.providers.apps.resilience import Resilience, check_transient
from server.providers.apps.types import (
    SERVICES,
    AppProviderError,
    GrantRefused,
    TokenRejected,
    TokenSet,
)

# Token endpoint errors that mean "this code or refresh token is dead": connect again.
GRANT_ERRORS = frozenset(
    {
        "invalid_grant",
        "invalid_code",
        "invalid_refresh_token",
        "code_already_used",
        "bad_redirect_uri",
        "token_revoked",
        "token_expired",
        "access_denied",
    }
)
AUTH_METHODS = {
    "stripe": "client_secret_post",
    "slack": "client_secret_post",
    "quickbooks": "client_secret_basic",
    "xero": "client_secret_basic",
}


def _scopes(raw: object) -> tuple[str, ...]:
    # Slack separates scopes with commas, the others with spaces.
    return tuple(s for s in re.split(r"[,\s]+", str(raw or "")) if s)


def _account(service: str, token: dict[str, Any]) -> str | None:
    if service == "stripe":
        value = token.get("stripe_user_id")
    elif service == "slack":
        value = (token.get("team") or {}).get("id")
    elif service == "quickbooks":
        value = token.get("realmId")
    else:
        value = None
    return str(value) if value else None


def _expires_at(token: dict[str, Any]) -> dt.datetime | None:
    seconds = token.get("expires_in")
    if isinstance(seconds, bool) or not isinstance(seconds, int | float | str):
        return None
    try:
        return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=float(seconds))
    except ValueError:
        return None


class OAuthClient:
    """One per process: it owns each service's HTTP client and circuit breaker."""

    def __init__(self, settings: Settings) -> None:
        self._apps = {service: settings.oauth_app(service) for service in SERVICES}
        self._resilience = Resilience(settings)
        self._clients = {
            service: AsyncOAuth2Client(
                client_id=app.client_id,
                client_secret=app.client_secret,
                token_endpoint_auth_method=AUTH_METHODS[service],
                code_challenge_method="S256",
                timeout=settings.provider_timeout_s,
                headers={"Accept": "application/json"},
            )
            for service, app in self._apps.items()
        }

    def _app(self, service: str) -> tuple[OAuthApp, AsyncOAuth2Client]:
        if service not in self._apps:
            raise AppProviderError(f"Unknown service {service!r}")
        return self._apps[service], self._clients[service]

    def authorization_url(
        self,
        service: str,
        *,
        redirect_uri: str,
        scopes: Sequence[str],
        state: str,
        code_verifier: str,
    ) -> str:
        app, client = self._app(service)
        scope = (",".join if service == "slack" else " ".join)(scopes)
        extra: dict[str, str] = {"scope": scope} if scope else {}
        url, _ = client.create_authorization_url(
            app.authorize_url,
            state=state,
            code_verifier=code_verifier,
            redirect_uri=redirect_uri,
            **extra,
        )
        return str(url)

    async def _token(self, service: str, **params: str) -> dict[str, Any]:
        app, client = self._app(service)

        async def attempt() -> dict[str, Any]:
            try:
                token = await client.fetch_token(app.token_url, **params)
            except OAuthError as error:
                reason = error.error or "error"
                if error.description:
                    reason = f"{reason}: {error.description}"
                if error.error in GRANT_ERRORS:
                    raise GrantRefused(reason) from None
                raise AppProviderError(f"{service} refused the token request: {reason}") from None
            except httpx.HTTPStatusError as error:
                check_transient(error.response)
                status = error.response.status_code
                raise AppProviderError(f"{service} token endpoint answered {status}") from None
            except ValueError:
                raise AppProviderError(f"{service} token endpoint answered no JSON") from None
            if not token.get("access_token"):
                raise AppProviderError(f"{service} answered no access token")
            return dict(token)

        return await self._resilience.call(service, attempt)

    async def exchange_code(
        self,
        service: str,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        account_id: str | None = None,
    ) -> TokenSet:
        token = await self._token(
            service,
            grant_type="authorization_code",
            code=code,
            redirect_uri=redirect_uri,
            code_verifier=code_verifier,
        )
        account = _account(service, token) or account_id
        if service == "xero" and account is None:
            account = await self._xero_tenant(str(token["access_token"]))
        return self._token_set(token, account)

    async def refresh(self, service: str, refresh_token: str) -> TokenSet:
        """A new access token; the refresh token is the new one where the provider rotates,
        else the one given. `account_id` is None unless the answer names the account (the
        caller keeps the one it has)."""
        token = await self._token(service, grant_type="refresh_token", refresh_token=refresh_token)
        token.setdefault("refresh_token", refresh_token)
        return self._token_set(token, _account(service, token))

    def _token_set(self, token: dict[str, Any], account: str | None) -> TokenSet:
        return TokenSet(
            access_token=str(token["access_token"]),
            refresh_token=str(token["refresh_token"]) if token.get("refresh_token") else None,
            expires_at=_expires_at(token),
            scopes=_scopes(token.get("scope")),
            account_id=account,
        )

    async def _send(self, service: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        _, client = self._app(service)

        async def attempt() -> httpx.Response:
            response: httpx.Response = await client.request(
                method, url, withhold_token=True, **kwargs
            )
            check_transient(response)
            return response

        return await self._resilience.call(service, attempt)

    async def _xero_tenant(self, access_token: str) -> str | None:
        app, _ = self._app("xero")
        headers = {"Authorization": f"Bearer {access_token}"}
        response = await self._send("xero", "GET", f"{app.api_base}/connections", headers=headers)
        if response.status_code == 401:
            raise TokenRejected("Xero refused the new access token")
        try:
            connections = response.json()
        except ValueError:
            connections = None
        if response.status_code != 200 or not isinstance(connections, list):
            raise AppProviderError(f"Xero /connections answered {response.status_code}")
        tenants = [c for c in connections if isinstance(c, dict) and c.get("tenantId")]
        if not tenants:
            return None
        # The organisation just authorized is the most recently connected one.
        newest = max(tenants, key=lambda c: str(c.get("createdDateUtc") or ""))
        return str(newest["tenantId"])

    async def revoke(self, service: str, token: str, *, account_id: str | None = None) -> bool:
        """Tell the provider to forget the grant `token` belongs to (access or refresh token;
        Stripe deauthorizes the connected account, `account_id` or the one the token names).
        False, and no call, when the service has no revocation endpoint configured; True once
        the provider answered, also when it no longer knew the token."""
        app, client = self._app(service)
        if not app.revoke_url:
            return False
        secret_auth = httpx.BasicAuth(app.client_id, app.client_secret)
        if service == "stripe":
            account = account_id or await self._stripe_account(token)
            if account is None:
                return True  # the token is dead already: nothing left to deauthorize
            data = {"client_id": app.client_id, "stripe_user_id": account}
            response = await self._send(
                service,
                "POST",
                app.revoke_url,
                data=data,
                auth=httpx.BasicAuth(app.client_secret, ""),
            )
        elif service == "slack":
            headers = {"Authorization": f"Bearer {token}"}
            response = await self._send(service, "POST", app.revoke_url, headers=headers)
        elif service == "quickbooks":
            response = await self._send(
                service, "POST", app.revoke_url, json={"token": token}, auth=secret_auth
            )
        else:
            response = await self._send(
                service, "POST", app.revoke_url, data={"token": token}, auth=secret_auth
            )
        if response.status_code in (401, 403) and service != "stripe":
            raise AppProviderError(f"{service} refused our client credentials")
        return True

    async def _stripe_account(self, token: str) -> str | None:
        app, _ = self._app("stripe")
        headers = {"Authorization": f"Bearer {token}"}
        response = await self._send("stripe", "GET", f"{app.api_base}/v1/account", headers=headers)
        if response.status_code == 401:
            return None
        try:
            account = response.json().get("id")
        except (ValueError, AttributeError):
            account = None
        if response.status_code != 200 or not account:
            raise AppProviderError(f"Stripe /v1/account answered {response.status_code}")
        return str(account)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
