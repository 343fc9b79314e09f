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
from urllib.parse import unquote, urlsplit

from server.platform.errors import FieldViolation, InvalidInput, NotFound

_PATH = re.compile(r"^/api/v1/organizations/([^/?#]+)(?:/|$)")


@dataclass(frozen=True, slots=True)
class Named:
    """The raw values each source gave ('' when absent)."""

    path: str = ""
    # Every `organizationId` the query gave; Envoy's Lua filter lifts them out of the query
    # (envoy/filter.lua) so that the transcoder cannot merge them into the body's field.
    query: tuple[str, ...] = ()
    header: str = ""
    field: str = ""


def read_sources(
    *, original_path: str | None, query: str | None, header: str | None, field: str
) -> Named:
    """Collects the sources: original_path is x-envoy-original-path, query the
    x-fingate-query-organization-id header (both REST only), header X-Organization-Id, field
    the request's own `organization_id` (the JSON body's, or a gRPC caller's)."""
    path = ""
    if original_path:
        match = _PATH.match(urlsplit(original_path).path)
        if match:
            path = unquote(match.group(1))
    queried = tuple(v.strip() for v in (query or "").split(",") if v.strip())
    return Named(path=path, query=queried, header=(header or "").strip(), field=field.strip())


def requested_organization(named: Named) -> uuid.UUID | None:
    """The organization the request names, or None for the caller's personal organization."""
    ids: list[uuid.UUID] = []
    if named.path:
        try:
            ids.append(uuid.UUID(named.path))
        except ValueError:
            # A path that names no possible organization is a missing resource.
            raise NotFound("Organization not found") from None
    for raw in (*named.query, named.header, named.field):
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
