"""The pure rules of idempotency keys: what a valid key is, what makes two requests the same,
how long a key lives, and which response headers belong to the result."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass

from google.protobuf.message import Message

from server.platform.errors import FieldViolation, InvalidInput

HEADER = "Idempotency-Key"
# Stripe's limit; printable ASCII is also all that an HTTP header or gRPC metadata carries
# without encoding.
MAX_LENGTH = 255
_VALID = re.compile(rf"^[\x20-\x7e]{{1,{MAX_LENGTH}}}$")
# A key answers its first result this long; then it is treated as absent and purged.
TTL = dt.timedelta(hours=24)
# A first call still "in progress" after this long died with its process: a retry runs again.
# Far above any call's run time (provider timeouts are 15 s, a request's at most about 60 s).
ABANDONED_AFTER = dt.timedelta(minutes=5)
# Headers that describe one call, not its result: a replay gets its own.
_PER_CALL = ("x-request-id", "retry-after", "x-ratelimit-")


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose key it is: a key is unique per user, organization (if any) and RPC."""

    user_id: uuid.UUID
    organization_id: uuid.UUID | None
    method: str
    key: str


def valid_key(values: list[str]) -> str | None:
    """The request's key (None without the header); raises InvalidInput on a bad one."""
    if not values:
        return None
    if len(values) > 1:
        raise _invalid("must be given once")
    if not _VALID.match(values[0]):
        raise _invalid(f"must be 1 to {MAX_LENGTH} printable ASCII characters")
    return values[0]


def _invalid(message: str) -> InvalidInput:
    return InvalidInput([FieldViolation(HEADER, message)], f"Invalid {HEADER} header")


def fingerprint(request: Message) -> bytes:
    """sha256 of the request message, the same for the same fields whatever their JSON order."""
    return hashlib.sha256(request.SerializeToString(deterministic=True)).digest()


def result_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The response headers that are part of a call's result (a replay sends them again)."""
    return [(n, v) for n, v in headers if not n.startswith(_PER_CALL)]
