"""Per-call state that interceptors set and domain code reads: request id, caller, headers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


# The role of service principals: client-credentials callers of internal routes (a user row
# that cannot sign in, server/gateway/principals.py).
SERVICE_ROLE = "SERVICE"
# Who may call an internal route that is not organization-scoped.
INTERNAL_ROLES = frozenset({"ADMIN", SERVICE_ROLE})


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a user in a live session (or a service principal's token)."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    email: str
    role: str
    plan: str


@dataclass(frozen=True, slots=True)
class Tenant:
    """The organization a call acts in, as the tenant interceptor resolved and checked it."""

    organization_id: uuid.UUID
    # The caller's role in it: OWNER, EDITOR or VIEWER.
    role: str
    is_personal: bool
    # The plan whose limits apply to the organization's data: its billing owner's plan.
    plan: str


@dataclass(slots=True)
class AuditNote:
    """The audit entry the call's contract declares, and what the domain adds to it
    (server/platform/tenancy/unit_of_work.py writes it; server/platform/interceptors/audit.py makes
    sure of it)."""

    action: str
    target_type: str
    target_id: str | None = None
    organization_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    changes: dict[str, Any] | None = None
    written: bool = False


@dataclass(slots=True)
class CallState:
    """What a call accumulates on its way through the server."""

    request_id: str
    metadata: dict[str, list[str]]
    principal: Principal | None = None
    tenant: Tenant | None = None
    # Sent as initial metadata on success, as trailing metadata on error; Envoy turns both
    # into HTTP response headers (set-cookie, x-ratelimit-*, retry-after).
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    # The rate-limit charge the interceptor left to the servicer, for a class keyed on what
    # only the domain knows (server/platform/ratelimit/deferred.py).
    rate_charge: Callable[[str], Awaitable[None]] | None = None
    # The audit entry the call owes once it succeeds; None for RPCs that declare none.
    audit: AuditNote | None = None

    def header(self, name: str) -> str | None:
        """The first value of a request header (metadata keys are lowercase)."""
        values = self.metadata.get(name.lower())
        return values[0] if values else None

    def headers(self, name: str) -> list[str]:
        """Every value of a request header."""
        return self.metadata.get(name.lower(), [])


call_var: ContextVar[CallState | None] = ContextVar("call_state", default=None)


def current_call() -> CallState:
    """The state of the call being served; interceptors guarantee one exists."""
    state = call_var.get()
    if state is None:
        raise RuntimeError("no call in progress")
    return state


def principal() -> Principal:
    """The authenticated caller of the current call."""
    p = current_call().principal
    if p is None:
        raise RuntimeError("the auth interceptor did not authenticate this call")
    return p


def add_response_header(name: str, value: str) -> None:
    """Queue a response header (metadata) for the current call."""
    current_call().response_headers.append((name.lower(), value))


def tenant() -> Tenant:
    """The organization of the current call; only organization-scoped RPCs have one."""
    t = current_call().tenant
    if t is None:
        raise RuntimeError("the tenant interceptor did not resolve an organization for this call")
    return t
