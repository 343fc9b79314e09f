"""Bearer token → Principal: a verified JWT whose session is still live."""

from __future__ import annotations

from server.auth import repository as repo
from server.auth.tokens import verify_access_token
from server.platform.config import Settings
from server.platform.context import SERVICE_ROLE, Principal
from server.platform.db.database import Database
from server.platform.errors import Unauthenticated


class Authenticator:
    def __init__(self, db: Database, settings: Settings):
        self._db = db
        self._settings = settings

    async def authenticate(self, authorization: str | None) -> Principal:
        """The caller behind an `Authorization: Bearer …` value; raises Unauthenticated."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authentication required")
        claims = verify_access_token(self._settings, token.strip())
        # Signed-out and reset sessions end at once: the session row is the authority, and
        # role and plan come from the database, not from the (up to an hour old) token.
        async with self._db.driver() as conn:
            row = await repo.live_session_user(
                conn, session_id=claims.session_id, user_id=claims.user_id
            )
        if row is None:
            raise Unauthenticated("Session has ended")
        email, role, plan = row
        # A service principal's token is only ever its own kind, and a person's never one.
        if claims.service != (role == SERVICE_ROLE):
            raise Unauthenticated("Invalid token")
        return Principal(claims.user_id, claims.session_id, email, role, plan)
