"""Service principals: internal services' identities for the gateway's routes.

A principal is a user row of role SERVICE (it owns payments and idempotency keys like any
caller, and cannot sign in: its password hash is of a secret nobody keeps) with a client id and
secret. The secret is 256 random bits stored as its SHA-256: a guess costs the same as guessing
the secret, so a slow hash would buy nothing. Each exchange opens a session that lives as long
as its token, so the authenticator's session check (server/auth/authenticator.py) ends every
token of a revoked principal at once.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from server.auth import repository as users
from server.auth.passwords import hash_password
from server.auth.tokens import hash_token, issue_access_token
from server.gateway.models import ServicePrincipal
from server.platform.config import Settings
from server.platform.context import SERVICE_ROLE
from server.platform.db.database import Database
from server.platform.errors import Conflict, InvalidCredentials
from server.platform.tenancy.unit_of_work import UnitOfWork

EMAIL_DOMAIN = "service.fingate.internal"


@dataclass(frozen=True, slots=True)
class Credentials:
    """What `create` prints once."""

    name: str
    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int


async def create(db: Database, name: str) -> Credentials:
    """A new principal; Conflict when the name is taken."""
    client_id = "svc_" + secrets.token_hex(12)
    client_secret = secrets.token_urlsafe(32)
    async with UnitOfWork(db, tenant=False) as work:
        s = work.session
        taken = await s.scalar(
            select(ServicePrincipal.user_id).where(ServicePrincipal.name == name)
        )
        if taken is not None:
            raise Conflict(f"A service principal named {name} exists")
        user = await users.add_user(
            s,
            email=f"{name.lower()}@{EMAIL_DOMAIN}",
            password_hash=await hash_password(secrets.token_urlsafe(48)),
            first_name=name[:100],
            last_name="(service)",
            role=SERVICE_ROLE,
            current_plan="ULTIMATE",
            email_verified=True,
        )
        if user is None:
            raise Conflict(f"A service principal named {name} exists")
        s.add(
            ServicePrincipal(
                user_id=user.id,
                name=name,
                client_id=client_id,
                secret_hash=hash_token(client_secret),
            )
        )
        work.audit(target_id=user.id, actor_id=user.id, changes={"name": name})
    return Credentials(name, client_id, client_secret)


async def revoke(db: Database, name: str) -> bool:
    """Revokes a principal and ends its sessions (its tokens stop working at once)."""
    async with UnitOfWork(db, tenant=False) as work:
        s = work.session
        user_id = await s.scalar(
            update(ServicePrincipal)
            .where(ServicePrincipal.name == name, ServicePrincipal.revoked_at.is_(None))
            .values(revoked_at=dt.datetime.now(dt.UTC))
            .returning(ServicePrincipal.user_id)
        )
        if user_id is None:
            return False
        await users.revoke_user_sessions(s, user_id, reason="principal_revoked")
        work.audit(target_id=user_id, actor_id=user_id, changes={"name": name})
    return True


async def listing(db: Database) -> list[ServicePrincipal]:
    async with db.read() as s:
        rows = await s.execute(select(ServicePrincipal).order_by(ServicePrincipal.created_at))
        return list(rows.scalars())


async def exchange(db: Database, settings: Settings, client_id: str, secret: str) -> IssuedToken:
    """A token for a live principal's credentials; InvalidCredentials otherwise (one answer
    for an unknown id, a wrong secret and a revoked principal)."""
    now = dt.datetime.now(dt.UTC)
    async with UnitOfWork(db, tenant=False) as work:
        s = work.session
        found = await s.scalar(
            select(ServicePrincipal).where(ServicePrincipal.client_id == client_id.strip())
        )
        given = hash_token(secret)
        expected = found.secret_hash if found is not None else hash_token(secrets.token_hex(16))
        if (
            found is None
            or found.revoked_at is not None
            or not hmac.compare_digest(given, expected)
        ):
            raise InvalidCredentials("Invalid client credentials")
        user = await users.get_user(s, found.user_id)
        assert user is not None
        expires = now + dt.timedelta(seconds=settings.service_token_ttl_s)
        session_id = await users.add_session(s, user_id=user.id, expires_at=expires)
        token, _ = issue_access_token(
            settings,
            user_id=user.id,
            session_id=session_id,
            email=user.email,
            role=user.role,
            plan=user.current_plan,
            now=now,
            service=True,
        )
        work.audit(target_id=user.id, actor_id=user.id)
    return IssuedToken(token, settings.service_token_ttl_s)
