"""App connections through the REST routes, walking the OAuth flow as a browser would: our
authorize answer → the sandbox's authorize (a 302 straight back) → our callback."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import text

from tests.rest.client import bearer, call

APP_CALLBACK = "http://127.0.0.1:3000/integrations/callback"
# Every state and code a flow here saw, for tests/test_logs_hold_no_secrets.py.
OAUTH_NOTES = Path(__file__).resolve().parents[2] / "var" / "test" / "oauth-values.txt"


def _note(**values: str) -> None:
    OAUTH_NOTES.parent.mkdir(parents=True, exist_ok=True)
    with OAUTH_NOTES.open("a") as notes:
        for kind, value in values.items():
            if value:
                notes.write(f"{kind} {value}\n")


@dataclass(frozen=True, slots=True)
class Redirect:
    """Where the provider sent the browser back: the query it carried."""

    uri: str
    query: dict[str, str]


def authorize(rest: httpx.Client, token: str, service: str, **query: str) -> Any:
    query.setdefault("redirectUri", APP_CALLBACK)
    return call(
        rest,
        "GET",
        f"/api/integrations/oauth/{service}/authorize",
        200,
        params=query,
        headers=bearer(token),
    )


def follow(auth_url: str) -> Redirect:
    """The provider's authorize page, as a browser opens it: the redirect it answers."""
    response = httpx.get(auth_url, follow_redirects=False, timeout=30)
    assert response.status_code == 302, (response.status_code, response.text)
    location = response.headers["location"]
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    _note(state=query.get("state", ""), code=query.get("code", ""))
    return Redirect(f"{parts.scheme}://{parts.netloc}{parts.path}", query)


def callback(
    rest: httpx.Client, token: str, service: str, query: dict[str, str], status: int = 200
) -> Any:
    return call(
        rest,
        "GET",
        f"/api/integrations/oauth/{service}/callback",
        status,
        params=query,
        headers=bearer(token),
    )


def connect(rest: httpx.Client, token: str, service: str, **query: str) -> str:
    """A connected connection of `service` for the user: its id."""
    started = authorize(rest, token, service, **query)
    body = callback(rest, token, service, follow(started["authUrl"]).query)
    return str(body["connectionId"])


def create(rest: httpx.Client, token: str, body: dict[str, Any], status: int = 201) -> Any:
    return call(
        rest, "POST", "/api/integrations/connections", status, json=body, headers=bearer(token)
    )


def get(rest: httpx.Client, token: str, connection_id: str, status: int = 200) -> Any:
    return call(
        rest,
        "GET",
        f"/api/integrations/connections/{connection_id}",
        status,
        headers=bearer(token),
    )


def wait_for_sync(rest: httpx.Client, token: str, connection_id: str, timeout: float = 30) -> Any:
    """The connection's latest sync once it has finished."""
    deadline = time.monotonic() + timeout
    while True:
        body = call(
            rest,
            "GET",
            f"/api/integrations/connections/{connection_id}/sync",
            200,
            headers=bearer(token),
        )
        if body["sync"]["status"] != "running":
            return body["sync"]
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def assert_simple_error(body: Any, *, field: str | None = None) -> None:
    """Financbase's error body: `{success: false, error}` plus `details {field, message}` on
    a validation error, key sets exactly."""
    if field is None:
        assert set(body) == {"success", "error"}, body
    else:
        assert set(body) == {"success", "error", "details"}, body
        assert set(body["details"]) == {"field", "message"}, body
        assert body["details"]["field"] == field, body
        assert isinstance(body["details"]["message"], str) and body["details"]["message"]
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]


async def connection_row(db: Any, connection_id: str) -> Any:
    async with db.transaction() as s:
        return (
            await s.execute(
                text(
                    "SELECT status, status_reason, access_token, refresh_token, expires_at,"
                    " account_id, permissions, settings, revoked_at, organization_id, user_id"
                    " FROM app_connections WHERE id = :id"
                ),
                {"id": uuid.UUID(connection_id)},
            )
        ).one()
