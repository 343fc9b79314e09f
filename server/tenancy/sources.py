"""Which organization a request names, from the four documented sources (DESIGN.md "Tenancy").

In order of precedence: the URL path `/api/v1/organizations/{organizationId}/…`, the query
parameter `organizationId`, the `X-Organization-Id` header, the request's `organization_id`
field (the JSON body's `organizationId`). Sources that disagree make the request ambiguous: it
is refused rather than checked against one organization and applied to another.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from server.errors import FieldViolation, InvalidInput, NotFound

_PATH = re.compile(r"^/api/v1/organizations/([^/?#]+)(?:/|$)")
_QUERY_KEYS = ("organizationId", "organization_id")


@dataclass(frozen=True, slots=True)
class Named:
    """The raw values each source gave ('' when absent)."""

    path: str = ""
    query: str = ""
    header: str = ""
    field: str = ""


def read_sources(*, original_path: str | None, header: str | None, field: str) -> Named:
    """Collects the sources. original_path is Envoy's x-envoy-original-path (REST calls only)."""
    path = query = ""
    if original_path:
        parts = urlsplit(original_path)
        match = _PATH.match(parts.path)
        if match:
            path = unquote(match.group(1))
        params = parse_qs(parts.query, keep_blank_values=True)
        for key in _QUERY_KEYS:
            if params.get(key):
                query = params[key][0]
                break
    return Named(path=path, query=query, header=(header or "").strip(), field=field.strip())


def requested_organization(named: Named) -> uuid.UUID | None:
    """The organization the request names, or None for the caller's personal organization."""
    ids: list[uuid.UUID] = []
    if named.path:
        try:
            ids.append(uuid.UUID(named.path))
        except ValueError:
            # A path that names no possible organization is a missing resource.
            raise NotFound("Organization not found") from None
    for raw in (named.query, named.header, named.field):
        if raw:
            try:
                ids.append(uuid.UUID(raw))
            except ValueError:
                raise InvalidInput(
                    [FieldViolation("organizationId", "must be a UUID")],
                    "Invalid organization id",
                ) from None
    if len(set(ids)) > 1:
        raise InvalidInput(
            [FieldViolation("organizationId", "the request names two different organizations")],
            "Conflicting organization context",
        )
    return ids[0] if ids else None
