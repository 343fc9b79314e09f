"""Admin bootstrap: ADMIN_EMAIL + ADMIN_PASSWORD create or promote an ADMIN at start-up."""

from __future__ import annotations

import logging

from fingate.auth.v1.auth_service_pb2 import SignUpRequest
from server.auth import repository as repo
from server.auth.domain import PersonalWorkspace
from server.auth.passwords import hash_password
from server.platform.common.validation import normalize_email
from server.platform.config import ConfigError, Settings
from server.platform.contract.constraints import message_plan
from server.platform.db.database import Database

log = logging.getLogger("fingate.auth")
_SETTING = {"email": "ADMIN_EMAIL", "password": "ADMIN_PASSWORD"}


async def ensure_admin(
    db: Database, settings: Settings, personal_workspace: PersonalWorkspace
) -> None:
    """Idempotent: an existing user keeps its password and is promoted to ADMIN."""
    if not settings.admin_email or not settings.admin_password:
        return
    # The same rules as a sign-up's email and password.
    problems = [
        f"{_SETTING[v.field]} {v.message}"
        for v in message_plan(SignUpRequest.DESCRIPTOR).violations(
            SignUpRequest(email=settings.admin_email, password=settings.admin_password)
        )
        if v.field in _SETTING
    ]
    if problems:
        raise ConfigError("; ".join(problems))
    email = normalize_email(settings.admin_email)
    pw_hash = await hash_password(settings.admin_password)
    async with db.transaction() as s:
        user = await repo.get_user_by_email(s, email)
        if user is None:
            created = await repo.add_user(
                s,
                email=email,
                password_hash=pw_hash,
                first_name="Admin",
                last_name="User",
                role="ADMIN",
                email_verified=True,
            )
            if created is not None:  # another server may have created it a moment ago
                await personal_workspace(s, created.id)
            log.info("admin user created", extra={"email": email})
        elif user.role != "ADMIN":
            await repo.update_user(s, user.id, role="ADMIN")
            log.info("user promoted to admin", extra={"email": email})
