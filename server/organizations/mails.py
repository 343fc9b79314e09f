"""The texts of the mails the organizations domain sends."""

from __future__ import annotations


def invitation(*, organization: str, role: str, link: str, days: int) -> tuple[str, str]:
    """(subject, body) of an invitation to join an organization."""
    body = (
        "Hello,\n\n"
        f"You have been invited to join {organization} on fingate as {role}.\n\n"
        f"Accept the invitation within {days} days, signed in with this email address:\n\n"
        f"{link}\n\n"
        "If you do not expect this invitation, ignore this message.\n"
    )
    return f"You are invited to join {organization}", body
