"""Connecting an integrations-hub service through the sandbox as a browser would: the
authorization URL, the sandbox's redirect (no consent page), the code exchange with PKCE."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import httpx

from server.providers.apps import DEFAULT_SCOPES, OAuthClient, TokenSet

REDIRECT_URI = "http://127.0.0.1:3000/integrations/callback"


async def authorize(
    oauth: OAuthClient, service: str, *, login_hint: str | None = None
) -> tuple[dict[str, str], str]:
    """Follow the authorization URL: the callback's query parameters and the PKCE verifier."""
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(16)
    url = oauth.authorization_url(
        service,
        redirect_uri=REDIRECT_URI,
        scopes=DEFAULT_SCOPES[service],
        state=state,
        code_verifier=verifier,
    )
    if login_hint:
        url += f"&login_hint={login_hint}"
    async with httpx.AsyncClient(timeout=10) as browser:
        response = await browser.get(url, follow_redirects=False)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    callback = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert callback["state"] == state
    return callback, verifier


async def connect(oauth: OAuthClient, service: str, *, login_hint: str | None = None) -> TokenSet:
    callback, verifier = await authorize(oauth, service, login_hint=login_hint)
    return await oauth.exchange_code(
        service,
        code=callback["code"],
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
        account_id=callback.get("realmId"),
    )
