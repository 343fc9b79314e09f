"""`page`/`limit` query parameters and the `pagination` object (seed 004 "Paginated Response")."""

from __future__ import annotations

from dataclasses import dataclass

from fingate.common.v1 import pagination_pb2
from server.common.validation import Violations

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A validated 1-based page and its size."""

    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def page_request(
    v: Violations, page: int | None, limit: int | None, *, default_limit: int = DEFAULT_LIMIT
) -> PageRequest:
    """page ≥ 1 (default 1), 1 ≤ limit ≤ 100 (default `default_limit`); None means absent."""
    if page is not None and page < 1:
        v.add("page", "must be at least 1")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        v.add("limit", f"must be between 1 and {MAX_LIMIT}")
    return PageRequest(page=page or 1, limit=limit or default_limit)


def pagination(request: PageRequest, total: int) -> pagination_pb2.Pagination:
    """The `pagination` object of a page: pages = ceil(total / limit)."""
    return pagination_pb2.Pagination(
        page=request.page,
        limit=request.limit,
        total=total,
        pages=-(-total // request.limit),
    )
