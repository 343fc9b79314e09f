"""Bank accounts → Dashtam's shapes: money as two-decimal strings, totals summed as Decimal."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

from fingate.accounts.v1 import account_pb2 as pb
from fingate.accounts.v1 import account_service_pb2 as spb
from server.accounts.types import flags
from server.banking.api import AccountRecord, SyncCounts
from server.platform.common.nulls import NULL, text_or_null, time_or_null
from server.platform.common.time import rfc3339

_CENTS = Decimal("0.01")


def money(value: Decimal) -> str:
    return str(value.quantize(_CENTS))


def account(row: AccountRecord) -> pb.Account:
    f = flags(row.type, row.subtype)
    available = row.available_balance
    return pb.Account(
        id=str(row.id),
        connection_id=str(row.connection_id),
        provider_account_id=row.provider_account_id,
        account_number_masked=text_or_null(f"****{row.last_four}" if row.last_four else None),
        name=row.name,
        account_type=row.subtype,
        currency=row.currency,
        balance_amount=money(row.balance),
        balance_currency=row.currency,
        available_balance_amount=text_or_null(money(available)) if available is not None else NULL,
        available_balance_currency=text_or_null(row.currency) if available is not None else NULL,
        is_active=row.is_active,
        is_investment=f.is_investment,
        is_bank=f.is_bank,
        is_retirement=f.is_retirement,
        is_credit=f.is_credit,
        last_synced_at=time_or_null(row.last_sync_at),
        created_at=rfc3339(row.created_at),
        updated_at=rfc3339(row.updated_at),
    )


AccountList = TypeVar("AccountList", spb.ListAccountsResponse, spb.ListProviderAccountsResponse)


def account_list(kind: type[AccountList], rows: Sequence[AccountRecord]) -> AccountList:
    """Either list response: the accounts, their counts and balances summed per currency."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        totals[r.currency] += r.balance
    return kind(
        accounts=[account(r) for r in rows],
        total_count=len(rows),
        active_count=sum(1 for r in rows if r.is_active),
        total_balance_by_currency={c: money(v) for c, v in sorted(totals.items())},
    )


def synced(r: SyncCounts) -> spb.SyncAccountsResponse:
    done = r.created + r.updated + r.unchanged
    return spb.SyncAccountsResponse(
        created=r.created,
        updated=r.updated,
        unchanged=r.unchanged,
        errors=r.errors,
        message=f"Successfully synced {done} accounts",
        accounts_created=r.created,
        accounts_updated=r.updated,
    )
