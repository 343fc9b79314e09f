"""Users made through the public API, with unique data per test."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "SecurePassword123!"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}@example.com"


@dataclass
class SignedUp:
    email: str
    password: str
    user: dict[str, Any]
    token: str
    refresh_token: str


def sign_up(rest: httpx.Client, **overrides: Any) -> SignedUp:
    body = {
        "email": unique_email(),
        "password": PASSWORD,
        "firstName": "John",
        "lastName": "Doe",
        **overrides,
    }
    response = rest.post("/api/v1/auth/sign-up", json=body)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return SignedUp(
        email=body["email"],
        password=body["password"],
        user=data["user"],
        token=data["session"]["token"],
        refresh_token=data["session"]["refreshToken"],
    )


def wait_for_mail(mail_dir: Path, *, to: str, subject: str, timeout: float = 15.0) -> str:
    """The text of the newest message to `to` with `subject`, waiting for the outbox."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml"), reverse=True):
            text = path.read_text(errors="replace")
            if f"To: {to}" in text and f"Subject: {subject}" in text:
                return text
        time.sleep(0.1)
    raise AssertionError(f"no mail to {to} with subject {subject!r} in {mail_dir}")


def token_from_mail(text: str) -> str:
    match = re.search(r"token=([A-Za-z0-9_\-%]+)", text)
    assert match, text
    return match.group(1)


def sign_in(rest: httpx.Client, email: str, password: str, *, status: int = 200) -> Any:
    """POST /api/v1/auth/sign-in, asserting the status; returns the JSON body."""
    response = rest.post("/api/v1/auth/sign-in", json={"email": email, "password": password})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()
