"""Cached summaries of filtered transaction lists, keyed by the organization's data version.

The key holds the organization (one cache hash per organization, as the other banking keys);
the field holds the data version and the filter, page left out: every page of one filter
shares its summary, and a new version leaves old fields to expire unread (CACHE_TTL_SECONDS).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from server.banking.filters import TransactionFilter


class Summary(NamedTuple):
    matched: int
    income: Decimal
    expenses: Decimal


def key(organization_id: uuid.UUID, version: int, f: TransactionFilter) -> tuple[str, str]:
    criteria = [
        f.account_id,
        f.category,
        f.start.isoformat() if f.start else None,
        f.end.isoformat() if f.end else None,
        f.min_amount,
        f.max_amount,
        f.search_text,
    ]
    field = json.dumps([version, *(None if c is None else str(c) for c in criteria)])
    return f"bankSummary:{organization_id}", f"{organization_id}:{field}"


def dump(summary: Sequence[Any]) -> bytes:
    """(matched, income, expenses), as a Summary or the summary query's row."""
    matched, income, expenses = summary
    return json.dumps([int(matched), str(income), str(expenses)]).encode()


def load(raw: bytes) -> Summary:
    matched, income, expenses = json.loads(raw)
    return Summary(int(matched), Decimal(income), Decimal(expenses))
