"""`page`/`limit` as every list route takes them (DESIGN.md "Pagination")."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fingate.common.v1 import pagination_pb2
from server.common.validation import Violations

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.limit

    def meta(self, total: int) -> pagination_pb2.Pagination:
        return pagination_pb2.Pagination(
            page=self.number,
            limit=self.limit,
            total=total,
            pages=math.ceil(total / self.limit) if total else 0,
        )


def page_of(v: Violations, page: int, limit: int) -> Page:
    """0 means "not given" (proto3 has no absent int): page 1, limit 50; limit at most 100."""
    if page < 0:
        v.add("page", "must be at least 1")
    if limit < 0 or limit > MAX_LIMIT:
        v.add("limit", f"must be between 1 and {MAX_LIMIT}")
    return Page(number=page or 1, limit=limit or DEFAULT_LIMIT)
