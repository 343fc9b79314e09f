"""The `session_token` refresh cookie (seed 004 "Refresh Token")."""

from __future__ import annotations

COOKIE = "session_token"
# Scoped to the auth routes: the refresh token never travels with other requests.
_ATTRS = "Path=/api/v1/auth; HttpOnly; Secure; SameSite=Strict"


def set_cookie(token: str, *, max_age: int) -> str:
    """A Set-Cookie value carrying the refresh token."""
    return f"{COOKIE}={token}; Max-Age={max_age}; {_ATTRS}"


def clear_cookie() -> str:
    """A Set-Cookie value that removes the refresh cookie."""
    return f"{COOKIE}=; Max-Age=0; {_ATTRS}"


def read_cookie(headers: list[str]) -> str:
    """The refresh token from `Cookie` headers (several may arrive), or ''."""
    for header in headers:
        for pair in header.split(";"):
            name, _, value = pair.strip().partition("=")
            if name == COOKIE and value:
                return value.strip('"')
    return ""
