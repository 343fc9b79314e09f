"""The texts of the mails the auth domain sends."""

from __future__ import annotations

from urllib.parse import quote


def verification(*, base_url: str, first_name: str, token: str) -> tuple[str, str]:
    """(subject, body) of the email-verification mail."""
    link = f"{base_url}/api/v1/auth/verify-email?token={quote(token)}"
    body = (
        f"Hello {first_name},\n\n"
        f"Confirm your email address by opening this link within 24 hours:\n\n{link}\n\n"
        "If you did not create an account, ignore this message.\n"
    )
    return "Verify your email address", body


def password_reset(
    *, base_url: str, first_name: str, token: str, ttl_minutes: int
) -> tuple[str, str]:
    """(subject, body) of the password-reset mail."""
    link = f"{base_url}/reset-password?token={quote(token)}"
    body = (
        f"Hello {first_name},\n\n"
        f"Reset your password within {ttl_minutes} minutes with this link:\n\n{link}\n\n"
        f"or send this token to POST /api/v1/auth/reset-password: {token}\n\n"
        "If you did not ask for a reset, ignore this message; your password is unchanged.\n"
    )
    return "Reset your password", body
