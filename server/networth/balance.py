"""The balance sheet: every source classified once, here, and added up in the base currency.

Bank accounts by type (checking/savings → cash; investment → investments; credit card →
creditCards; a loan → loans, or mortgages when the provider calls it a mortgage; other →
otherAssets), active crypto wallets → crypto (already USD), asset accounts by type
(REAL_ESTATE → realEstate, VEHICLE → vehicles, INVESTMENT → investments, CUSTOM →
otherAssets). Liabilities are positive amounts subtracted from assets. Sums are kept per
currency and converted with the day's rates: different currencies are never added as they are.
The tables of other domains are read by name (as the plan catalog counts them), so net worth
imports no other domain's code.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import column, func, select, table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.networth.models import ExchangeRate
from server.platform.errors import ServiceUnavailable
from server.providers.base import ProviderUnavailable
from server.providers.rates import RatesClient

ASSETS = ("cash", "crypto", "investments", "real_estate", "vehicles", "other_assets")
LIABILITIES = ("credit_cards", "loans", "mortgages")
BASE_CURRENCY = "USD"
_CENT = Decimal("0.01")

_BANK_TYPES = {
    "CHECKING": "cash",
    "SAVINGS": "cash",
    "INVESTMENT": "investments",
    "CREDIT_CARD": "credit_cards",
    "LOAN": "loans",
    "OTHER": "other_assets",
}
ASSET_TYPES = {
    "REAL_ESTATE": "real_estate",
    "VEHICLE": "vehicles",
    "INVESTMENT": "investments",
    "CUSTOM": "other_assets",
}

_bank = table(
    "financial_accounts",
    column("organization_id"),
    column("type"),
    column("provider_subtype"),
    column("currency"),
    column("balance"),
    column("is_active"),
)
_wallets = table(
    "crypto_wallets", column("organization_id"), column("total_balance_usd"), column("is_active")
)
_assets = table(
    "asset_accounts",
    column("organization_id"),
    column("type"),
    column("currency"),
    column("balance"),
)


def bank_category(type_: str, provider_subtype: str | None) -> str:
    if type_ == "LOAN" and (provider_subtype or "").lower() == "mortgage":
        return "mortgages"
    return _BANK_TYPES.get(type_, "other_assets")


@dataclass(frozen=True, slots=True)
class BalanceSheet:
    day: dt.date
    figures: dict[str, Decimal]  # every category of ASSETS and LIABILITIES, in USD

    @property
    def total_assets(self) -> Decimal:
        return sum((self.figures[c] for c in ASSETS), Decimal(0))

    @property
    def total_liabilities(self) -> Decimal:
        return sum((self.figures[c] for c in LIABILITIES), Decimal(0))

    @property
    def net_worth(self) -> Decimal:
        return self.total_assets - self.total_liabilities


async def per_usd(
    s: AsyncSession, currencies: set[str], day: dt.date, rates: RatesClient
) -> dict[str, Decimal]:
    """Units per dollar of each currency on `day`: stored, else fetched and stored, else the
    latest stored before it; ServiceUnavailable when a currency has none at all."""
    wanted = currencies - {BASE_CURRENCY}
    found = {BASE_CURRENCY: Decimal(1)}
    if not wanted:
        return found
    stored = await s.execute(
        select(ExchangeRate.currency, ExchangeRate.per_usd).where(
            ExchangeRate.day == day, ExchangeRate.currency.in_(wanted)
        )
    )
    found.update({currency: rate for currency, rate in stored.all()})
    if wanted - found.keys():
        try:
            fetched = await rates.daily(day)
        except ProviderUnavailable:
            fetched = {}
        if fetched:
            await s.execute(
                insert(ExchangeRate)
                .values([{"day": day, "currency": c, "per_usd": r} for c, r in fetched.items()])
                .on_conflict_do_nothing()
            )
            found.update({c: r for c, r in fetched.items() if c in wanted})
    for currency in wanted - found.keys():
        latest = await s.execute(
            select(ExchangeRate.per_usd)
            .where(ExchangeRate.currency == currency, ExchangeRate.day <= day)
            .order_by(ExchangeRate.day.desc())
            .limit(1)
        )
        rate = latest.scalar_one_or_none()
        if rate is None:
            raise ServiceUnavailable(f"No exchange rate for {currency}")
        found[currency] = rate
    return found


async def compute(
    s: AsyncSession, organization_id: uuid.UUID, day: dt.date, rates: RatesClient
) -> BalanceSheet:
    """The organization's balance sheet now, in USD (the session is bound to it)."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    bank = await s.execute(
        select(_bank.c.type, _bank.c.provider_subtype, _bank.c.currency, func.sum(_bank.c.balance))
        .where(_bank.c.organization_id == organization_id, _bank.c.is_active)
        .group_by(_bank.c.type, _bank.c.provider_subtype, _bank.c.currency)
    )
    for type_, subtype, currency, amount in bank.all():
        category = bank_category(type_, subtype)
        value = Decimal(amount)
        sums[(category, currency)] += abs(value) if category in LIABILITIES else value
    crypto = await s.execute(
        select(func.coalesce(func.sum(_wallets.c.total_balance_usd), 0)).where(
            _wallets.c.organization_id == organization_id, _wallets.c.is_active
        )
    )
    sums[("crypto", BASE_CURRENCY)] += Decimal(crypto.scalar_one())
    assets = await s.execute(
        select(_assets.c.type, _assets.c.currency, func.sum(_assets.c.balance))
        .where(_assets.c.organization_id == organization_id)
        .group_by(_assets.c.type, _assets.c.currency)
    )
    for type_, currency, amount in assets.all():
        sums[(ASSET_TYPES[type_], currency)] += Decimal(amount)
    rate = await per_usd(s, {currency for _, currency in sums}, day, rates)
    figures = {c: Decimal(0) for c in (*ASSETS, *LIABILITIES)}
    for (category, currency), amount in sums.items():
        figures[category] += amount / rate[currency]
    return BalanceSheet(day, {c: v.quantize(_CENT, ROUND_HALF_EVEN) for c, v in figures.items()})
