"""`page`/`limit` query parameters and the `pagination` object (seed 004 "Paginated Response")."""

from __future__ import annotations

from dataclasses import dataclass

from fingate.common.v1 import pagination_pb2

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class PageRequest:
    """A 1-based page and its size (their bounds are the `page`/`limit` rules each list
    request declares)."""

    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


def page_request(
    page: int | None, limit: int | None, *, default_limit: int = DEFAULT_LIMIT
) -> PageRequest:
    """The page asked for: page 1 and `default_limit` where absent (None)."""
    return PageRequest(page=page or 1, limit=limit or default_limit)


def pagination(request: PageRequest, total: int) -> pagination_pb2.Pagination:
    """The `pagination` object of a page: pages = ceil(total / limit)."""
    return pagination_pb2.Pagination(
        page=request.page,
        limit=request.limit,
        total=total,
        pages=-(-total // request.limit),
    )
