"""Shared REST helpers: calls that assert their status, and shape checks for documented JSON."""

from __future__ import annotations

import re
from typing import Any

import httpx

RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def call(client: httpx.Client, method: str, path: str, status: int, **kwargs: Any) -> Any:
    """Sends a request, asserts the status, returns the JSON body (None for 204)."""
    response = client.request(method, path, **kwargs)
    assert response.status_code == status, (response.status_code, response.text)
    if status == 204:
        assert response.content == b""
        return None
    assert response.headers["content-type"].startswith("application/json"), response.headers
    return response.json()


def assert_mappr_error(body: Any, *, code: str, status: int, details: bool | None = None) -> None:
    """The Mappr error envelope (seed 004 "Error Response"), key set and types exactly."""
    keys = {"success", "error", "code", "statusCode"}
    if details is True or (details is None and "details" in body):
        keys.add("details")
        assert isinstance(body["details"], dict)
    assert set(body) == keys, body
    assert body["success"] is False
    assert isinstance(body["error"], str) and body["error"]
    assert body["code"] == code, body
    assert body["statusCode"] == status


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
