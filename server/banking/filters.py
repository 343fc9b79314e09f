"""The query parameters of the banking reads, as typed filters.

The contract declares each parameter's own rules (checked before any domain code); what is
left here are the rules between parameters, and amounts, whose decimal syntax no declared rule
states. Every violation is collected and answered together as 400 INVALID_INPUT naming its
field. Dates are UTC: a date-only bound covers its whole day, a date-time bound is that instant.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from server.platform.common.ids import parse_id
from server.platform.common.pagination import PageRequest, page_request
from server.platform.common.validation import Violations, instant

_MAX_AMOUNT = Decimal("1e15")


@dataclass(frozen=True, slots=True)
class AccountFilter:
    page: PageRequest
    type: str | None
    is_active: bool


@dataclass(frozen=True, slots=True)
class TransactionFilter:
    page: PageRequest
    account_id: uuid.UUID | None = None
    category: str | None = None
    start: dt.datetime | None = None  # inclusive
    end: dt.datetime | None = None  # exclusive
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    search_text: str | None = None


def account_filter(
    *, page: int | None, limit: int | None, type: str, is_active: bool | None
) -> AccountFilter:
    return AccountFilter(
        page=page_request(page, limit),
        type=type.upper() or None,
        is_active=True if is_active is None else is_active,
    )


def amount(v: Violations, field: str, raw: str) -> Decimal | None:
    text = raw.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        v.add(field, "must be a number")
        return None
    if not value.is_finite() or abs(value) >= _MAX_AMOUNT:
        v.add(field, "must be a finite number below 10^15")
        return None
    return value


def transaction_filter(
    *,
    page: int | None,
    limit: int | None,
    account: str,
    category: str,
    start_date: str,
    end_date: str,
    min_amount: str,
    max_amount: str,
    search_text: str,
) -> TransactionFilter:
    v = Violations()
    pg = page_request(page, limit)
    acc = parse_id(account) if account else None
    cat = category.strip() or None
    start = instant(start_date, end=False)
    end = instant(end_date, end=True)
    if start is not None and end is not None and end <= start:
        v.add("endDate", "must not be before startDate")
    low = amount(v, "minAmount", min_amount)
    high = amount(v, "maxAmount", max_amount)
    if low is not None and high is not None and high < low:
        v.add("maxAmount", "must not be less than minAmount")
    text = search_text.strip() or None
    v.raise_if_any()
    return TransactionFilter(
        page=pg,
        account_id=acc,
        category=cat,
        start=start,
        end=end,
        min_amount=low,
        max_amount=high,
        search_text=text,
    )
