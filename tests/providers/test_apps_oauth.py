"""The integrations hub's OAuth client against the sandbox's authorization servers: the
browser's redirect, PKCE, single-use codes, rotation, revocation, faults."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from server.providers.apps import (
    SERVICES,
    AppDataClient,
    AppUnavailable,
    GrantRefused,
    OAuthClient,
    TokenRejected,
)
from tests.factories.apps import REDIRECT_URI, authorize, connect
from tests.factories.sandbox import settings_for


async def _first_page(data: AppDataClient, service: str, token, data_type: str):
    async for page in data.fetch(
        service, data_type, access_token=token.access_token, account_id=token.account_id
    ):
        return page
    return []


FIRST_TYPE = {"stripe": "payments", "slack": "users", "quickbooks": "invoices", "xero": "contacts"}


def test_authorization_url_carries_pkce_state_and_scopes(apps_oauth: OAuthClient):
    url = apps_oauth.authorization_url(
        "slack",
        redirect_uri=REDIRECT_URI,
        scopes=["channels:read", "users:read"],
        state="st4te",
        code_verifier="v" * 50,
    )
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert url.split("?")[0].endswith("/slack/oauth/v2/authorize")
    assert query["scope"] == "channels:read,users:read"  # Slack's separator
    assert query["code_challenge_method"] == "S256" and query["state"] == "st4te"
    assert query["response_type"] == "code" and query["redirect_uri"] == REDIRECT_URI
    assert "v" * 50 not in url


@pytest.mark.parametrize("service", SERVICES)
async def test_connect_gives_tokens_the_account_and_working_data_calls(
    apps_oauth, apps_data, service
):
    token = await connect(apps_oauth, service)
    assert token.access_token and token.refresh_token
    assert token.account_id
    assert token.expires_at is not None
    left = token.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=58) < left <= dt.timedelta(hours=1)
    if service == "stripe":
        assert token.access_token.startswith("sk_test_") and token.account_id.startswith("acct_")
    if service == "slack":
        assert token.account_id.startswith("T") and "channels:read" in token.scopes
    if service == "quickbooks":
        assert token.account_id.isdigit()
    assert await _first_page(apps_data, service, token, FIRST_TYPE[service])


async def test_the_same_login_hint_connects_the_same_account(apps_oauth):
    first = await connect(apps_oauth, "xero", login_hint="org-one")
    again = await connect(apps_oauth, "xero", login_hint="org-one")
    other = await connect(apps_oauth, "xero")
    assert first.account_id == again.account_id != other.account_id


@pytest.mark.parametrize("service", SERVICES)
async def test_a_wrong_code_verifier_is_refused_and_burns_the_code(apps_oauth, service):
    callback, verifier = await authorize(apps_oauth, service)
    with pytest.raises(GrantRefused) as refused:
        await apps_oauth.exchange_code(
            service, code=callback["code"], redirect_uri=REDIRECT_URI, code_verifier="x" * 50
        )
    assert refused.value.reason
    with pytest.raises(GrantRefused):
        await apps_oauth.exchange_code(
            service, code=callback["code"], redirect_uri=REDIRECT_URI, code_verifier=verifier
        )


@pytest.mark.parametrize("service", SERVICES)
async def test_a_code_is_single_use_and_bound_to_its_redirect(apps_oauth, service):
    callback, verifier = await authorize(apps_oauth, service)
    args = {
        "code": callback["code"],
        "code_verifier": verifier,
        "account_id": callback.get("realmId"),
    }
    await apps_oauth.exchange_code(service, redirect_uri=REDIRECT_URI, **args)
    with pytest.raises(GrantRefused):
        await apps_oauth.exchange_code(service, redirect_uri=REDIRECT_URI, **args)
    callback, verifier = await authorize(apps_oauth, service)
    with pytest.raises(GrantRefused):
        await apps_oauth.exchange_code(
            service,
            code=callback["code"],
            code_verifier=verifier,
            redirect_uri="http://127.0.0.1:3000/elsewhere",
        )


async def test_slack_refusals_are_slacks_own_errors(apps_oauth):
    callback, verifier = await authorize(apps_oauth, "slack")
    await apps_oauth.exchange_code(
        "slack", code=callback["code"], redirect_uri=REDIRECT_URI, code_verifier=verifier
    )
    with pytest.raises(GrantRefused) as refused:
        await apps_oauth.exchange_code(
            "slack", code=callback["code"], redirect_uri=REDIRECT_URI, code_verifier=verifier
        )
    assert refused.value.reason.startswith("invalid_code")


@pytest.mark.parametrize("service", SERVICES)
async def test_refresh_rotates_and_the_old_refresh_token_is_dead(apps_oauth, apps_data, service):
    token = await connect(apps_oauth, service)
    fresh = await apps_oauth.refresh(service, token.refresh_token)
    assert fresh.access_token != token.access_token
    assert fresh.refresh_token and fresh.refresh_token != token.refresh_token
    assert fresh.expires_at is not None
    with pytest.raises(GrantRefused):
        await apps_oauth.refresh(service, token.refresh_token)
    # The new access token reads the same account's data.
    fresh_on_account = type(fresh)(
        fresh.access_token, fresh.refresh_token, fresh.expires_at, fresh.scopes, token.account_id
    )
    assert await _first_page(apps_data, service, fresh_on_account, FIRST_TYPE[service])
    again = await apps_oauth.refresh(service, fresh.refresh_token)
    assert again.refresh_token not in (token.refresh_token, fresh.refresh_token)


@pytest.mark.parametrize("service", SERVICES)
async def test_force_expired_tokens_are_rejected_until_refreshed(
    apps_oauth, apps_data, knobs, service
):
    token = await connect(apps_oauth, service)
    knobs.apps(service, expire_all=True)
    with pytest.raises(TokenRejected):
        await _first_page(apps_data, service, token, FIRST_TYPE[service])
    fresh = await apps_oauth.refresh(service, token.refresh_token)
    on_account = type(fresh)(
        fresh.access_token, fresh.refresh_token, fresh.expires_at, fresh.scopes, token.account_id
    )
    assert await _first_page(apps_data, service, on_account, FIRST_TYPE[service])


async def test_expires_in_knob_sets_the_lifetime(apps_oauth, knobs):
    knobs.apps("quickbooks", expires_in=120)
    try:
        token = await connect(apps_oauth, "quickbooks")
    finally:
        knobs.apps("quickbooks", expires_in=3600)
    left = token.expires_at - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=100) < left <= dt.timedelta(seconds=120)


@pytest.mark.parametrize("service", SERVICES)
async def test_revoke_kills_the_whole_family(apps_oauth, apps_data, service):
    token = await connect(apps_oauth, service)
    assert await apps_oauth.revoke(service, token.access_token) is True
    with pytest.raises(TokenRejected):
        await _first_page(apps_data, service, token, FIRST_TYPE[service])
    with pytest.raises(GrantRefused):
        await apps_oauth.refresh(service, token.refresh_token)


async def test_revoke_by_refresh_token(apps_oauth):
    token = await connect(apps_oauth, "xero")
    assert await apps_oauth.revoke("xero", token.refresh_token) is True
    with pytest.raises(GrantRefused):
        await apps_oauth.refresh("xero", token.refresh_token)


async def test_no_revocation_endpoint_means_no_call(stack):
    settings = settings_for(stack.sandbox_url)
    client = OAuthClient(settings)
    # No service ships without one; a deployment may leave it unset.
    client._apps["slack"] = dataclasses.replace(settings.oauth_app("slack"), revoke_url="")
    try:
        assert await client.revoke("slack", "xoxb-anything") is False
    finally:
        await client.aclose()


async def test_denied_authorize_redirects_with_access_denied(apps_oauth, knobs):
    knobs.apps("stripe", deny_next_authorize=1)
    url = apps_oauth.authorization_url(
        "stripe",
        redirect_uri=REDIRECT_URI,
        scopes=["read_write"],
        state="s",
        code_verifier="v" * 48,
    )
    async with httpx.AsyncClient() as browser:
        denied = (await browser.get(url)).headers["location"]
        query = parse_qs(urlsplit(denied).query)
        assert query["error"] == ["access_denied"] and query["state"] == ["s"]
        assert "code" not in query
        # Only the next one.
        assert "code=" in (await browser.get(url)).headers["location"]


async def test_unknown_client_is_a_400(stack, apps_oauth):
    url = apps_oauth.authorization_url(
        "xero", redirect_uri=REDIRECT_URI, scopes=[], state="s", code_verifier="v" * 48
    )
    async with httpx.AsyncClient() as browser:
        response = await browser.get(url.replace("client_id=", "client_id=nobody"))
    assert response.status_code == 400


async def test_ten_refreshes_in_a_row_are_counted_per_grant_type(apps_oauth, knobs):
    before = knobs.apps("slack")["token_calls"]
    token = await connect(apps_oauth, "slack")
    refresh = token.refresh_token
    for _ in range(3):
        refresh = (await apps_oauth.refresh("slack", refresh)).refresh_token
    after = knobs.apps("slack")["token_calls"]
    assert after.get("authorization_code", 0) - before.get("authorization_code", 0) == 1
    assert after.get("refresh_token", 0) - before.get("refresh_token", 0) == 3
    # Concurrent refreshes of one token: one wins, the others find it rotated away.
    results = await asyncio.gather(
        *(apps_oauth.refresh("slack", refresh) for _ in range(10)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, GrantRefused) for r in results if isinstance(r, Exception))
    final = knobs.apps("slack")["token_calls"]
    assert final["refresh_token"] - after["refresh_token"] == 10


async def test_token_endpoint_5xx_is_retried_then_unavailable(apps_oauth, knobs):
    token = await connect(apps_oauth, "quickbooks")
    knobs.apps("quickbooks", server_errors=2)
    fresh = await apps_oauth.refresh("quickbooks", token.refresh_token)
    knobs.apps("quickbooks", server_errors=3)
    with pytest.raises(AppUnavailable) as unavailable:
        await apps_oauth.refresh("quickbooks", fresh.refresh_token)
    assert unavailable.value.retry_after >= 1
    # The refresh token was never spent.
    assert (await apps_oauth.refresh("quickbooks", fresh.refresh_token)).access_token
