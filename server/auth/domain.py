"""Auth use cases: each runs in one transaction and returns plain values."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from server.auth import mails
from server.auth import repository as repo
from server.auth.models import User
from server.auth.passwords import hash_password, needs_rehash, verify_password
from server.auth.resets import send_password_reset
from server.auth.tokens import hash_token, issue_access_token, new_opaque_token
from server.platform.common.validation import normalize_email, normalize_phone, parse_date
from server.platform.config import Settings
from server.platform.context import SERVICE_ROLE, Principal
from server.platform.db.database import Database
from server.platform.errors import (
    EmailAlreadyRegistered,
    InvalidCredentials,
    InvalidToken,
    Unauthenticated,
)
from server.platform.jobs.app import JobQueue
from server.platform.mail import outbox
from server.platform.mail.delivery import request_delivery
from server.platform.ratelimit.accounts import RESET_MAIL, SIGN_IN_FAILURES, AccountLimits
from server.platform.tenancy.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class SessionTokens:
    token: str
    expires_at: dt.datetime
    refresh_token: str


@dataclass(frozen=True, slots=True)
class SignUpInput:
    email: str
    password: str
    first_name: str
    last_name: str
    phone: str
    date_of_birth: str


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Creates a new user's personal workspace in the sign-up's transaction: the organizations
# domain's, passed in by the composition (server/app.py) so auth does not depend on it.
PersonalWorkspace = Callable[[AsyncSession, uuid.UUID], Awaitable[object]]


class Auth:
    """The auth use cases over one database, settings, the mail outbox and the job queue."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        jobs: JobQueue,
        account_limits: AccountLimits,
        personal_workspace: PersonalWorkspace,
    ):
        self.db = db
        self.settings = settings
        self.jobs = jobs
        self.account_limits = account_limits
        self.personal_workspace = personal_workspace

    async def sign_up(self, data: SignUpInput) -> tuple[User, SessionTokens]:
        """Creates a USER on FREE, opens a session, queues the verification mail."""
        email = normalize_email(data.email)
        password = data.password
        first, last = data.first_name.strip(), data.last_name.strip()
        phone = normalize_phone(data.phone)
        born = parse_date(data.date_of_birth)
        pw_hash = await hash_password(password)
        async with UnitOfWork(self.db, tenant=False) as work:
            s = work.session
            user = await repo.add_user(
                s,
                email=email,
                password_hash=pw_hash,
                first_name=first,
                last_name=last,
                phone=phone,
                date_of_birth=born,
            )
            if user is None:
                raise EmailAlreadyRegistered()
            await self.personal_workspace(s, user.id)
            work.audit(target_id=user.id, actor_id=user.id)
            tokens = await self._open_session(s, user)
            token, token_hash = new_opaque_token()
            ttl = dt.timedelta(seconds=self.settings.verify_token_ttl_s)
            await repo.add_action_token(
                s,
                token_hash=token_hash,
                user_id=user.id,
                purpose="verify_email",
                expires_at=_now() + ttl,
            )
            subject, body = mails.verification(
                base_url=self.settings.public_base_url, first_name=first, token=token
            )
            await outbox.enqueue(s, recipient=email, subject=subject, body=body)
            work.after_commit(partial(request_delivery, self.jobs))
        return user, tokens

    async def sign_in(self, *, email: str, password: str) -> tuple[User, SessionTokens]:
        """Checks the credentials (one hash verification either way) and opens a session.

        Wrong passwords count per account (SIGN_IN_FAILURES); past the limit sign-in answers
        429 until the window ends, from any address."""
        # The form sign-up stored; a string that is no address matches nobody.
        address = normalize_email(email)
        await self.account_limits.ensure_open(SIGN_IN_FAILURES, address)
        async with self.db.read() as s:
            user = await repo.get_user_by_email(s, address)
        matched = await verify_password(user.password_hash if user else None, password)
        # A service principal has no password anyone knows; refuse it here all the same.
        if not matched or (user is not None and user.role == SERVICE_ROLE):
            await self.account_limits.count(SIGN_IN_FAILURES, address)
            raise InvalidCredentials()
        assert user is not None
        new_hash = await hash_password(password) if needs_rehash(user.password_hash) else None
        async with UnitOfWork(self.db, tenant=False) as work:
            fields: dict[str, object] = {"last_login_at": _now()}
            if new_hash:
                fields["password_hash"] = new_hash
            await repo.update_user(work.session, user.id, **fields)
            tokens = await self._open_session(work.session, user)
            work.audit(target_id=user.id, actor_id=user.id)
        return user, tokens

    async def current_user(self, principal: Principal) -> User:
        async with self.db.read() as s:
            user = await repo.get_user(s, principal.user_id)
        if user is None:  # deleted while the token lived
            raise Unauthenticated()
        return user

    async def refresh(self, refresh_token: str) -> SessionTokens:
        """Rotates a refresh token; a used one ends its session (token theft)."""
        if not refresh_token:
            raise Unauthenticated("Refresh token required")
        replayed = False
        async with UnitOfWork(self.db, tenant=False) as work:
            s = work.session
            found = await repo.lock_refresh_token(s, hash_token(refresh_token))
            if found is None:
                raise Unauthenticated("Invalid refresh token")
            stored, session = found
            now = _now()
            if stored.used_at is not None:
                await repo.revoke_session(s, session.id, reason="refresh_reuse")
                replayed = True
            elif (
                session.revoked_at is not None or min(stored.expires_at, session.expires_at) <= now
            ):
                raise Unauthenticated("Refresh token expired")
            else:
                await repo.mark_refresh_token_used(s, stored.token_hash)
                user = await repo.get_user(s, session.user_id)
                assert user is not None
                tokens = await self._rotate(s, user, session.id)
                work.audit(target_id=session.id, actor_id=user.id)
        if replayed:  # raised after the commit, so the revocation stays
            raise Unauthenticated("Refresh token already used; the session has been ended")
        return tokens

    async def sign_out(self, principal: Principal) -> None:
        async with UnitOfWork(self.db, tenant=False) as work:
            await repo.revoke_session(work.session, principal.session_id, reason="sign_out")
            work.audit(target_id=principal.session_id)

    async def verify_email(self, token: str) -> uuid.UUID:
        """Marks the address verified; the token works once."""
        async with UnitOfWork(self.db, tenant=False) as work:
            user_id = await repo.consume_action_token(
                work.session, token_hash=hash_token(token.strip()), purpose="verify_email"
            )
            if user_id is None:
                raise InvalidToken()
            await repo.update_user(work.session, user_id, email_verified=True)
            work.audit(target_id=user_id, actor_id=user_id)
        return user_id

    async def forgot_password(self, email: str) -> None:
        """Queues the reset mail's job; the same work whether or not the address has an
        account (server/auth/resets.py), and nothing past RESET_MAIL's limit per address."""
        address = normalize_email(email)
        if await self.account_limits.count(RESET_MAIL, address):
            await self.jobs.defer(send_password_reset, email=address)

    async def reset_password(self, *, token: str, password: str) -> None:
        """Sets the password, uses the token up and ends every session of the user."""
        pw_hash = await hash_password(password)
        async with UnitOfWork(self.db, tenant=False) as work:
            s = work.session
            user_id = await repo.consume_action_token(
                s, token_hash=hash_token(token.strip()), purpose="reset_password"
            )
            if user_id is None:
                raise InvalidToken()
            await repo.update_user(s, user_id, password_hash=pw_hash)
            await repo.expire_action_tokens(s, user_id=user_id, purpose="reset_password")
            await repo.revoke_user_sessions(s, user_id, reason="password_reset")
            work.audit(target_id=user_id, actor_id=user_id)

    async def _open_session(self, s: AsyncSession, user: User) -> SessionTokens:
        expires = _now() + dt.timedelta(seconds=self.settings.refresh_token_ttl_s)
        session_id = await repo.add_session(s, user_id=user.id, expires_at=expires)
        return await self._rotate(s, user, session_id)

    async def _rotate(self, s: AsyncSession, user: User, session_id: uuid.UUID) -> SessionTokens:
        now = _now()
        expires = now + dt.timedelta(seconds=self.settings.refresh_token_ttl_s)
        refresh, refresh_hash = new_opaque_token()
        await repo.add_refresh_token(
            s, token_hash=refresh_hash, session_id=session_id, expires_at=expires
        )
        await repo.extend_session(s, session_id, expires)
        token, token_expires = issue_access_token(
            self.settings,
            user_id=user.id,
            session_id=session_id,
            email=user.email,
            role=user.role,
            plan=user.current_plan,
            now=now,
        )
        return SessionTokens(token=token, expires_at=token_expires, refresh_token=refresh)
