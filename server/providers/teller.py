"""Teller through httpx, in fingate's terms (server/providers/base.py).

Teller authenticates the enrollment with HTTP Basic (the access token as the username) and has
no sync cursor: `transactions` lists every account's transactions (all pages, `count` and
`from_id`) and returns them all as `added` in one page with `has_more` False; the sync engine
upserts them by id. Teller keeps a transaction's id when it goes from pending to posted, so
the upsert replaces the pending row and `pending_transaction_id` stays None.

Status mapping: 5xx, timeouts and connection errors → ProviderUnavailable; an
`enrollment.disconnected…` code → LoginRequired; 401 (token unknown) → InvalidCredentials;
403 (token revoked) → AccessRevoked, except while linking, where any refused token is the
caller's InvalidCredentials. No retries here; the sync engine retries jobs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from server.platform.config import Settings
from server.providers.base import (
    AccessRevoked,
    Institution,
    InvalidCredentials,
    Link,
    LoginRequired,
    ProviderAccount,
    ProviderError,
    ProviderTransaction,
    ProviderUnavailable,
    TransactionPage,
)

PAGE_SIZE = 500  # transactions per Teller listing call

_ACCOUNT_TYPES: dict[tuple[str, str | None], tuple[str, str]] = {
    ("depository", "checking"): ("CHECKING", "checking"),
    ("depository", "savings"): ("SAVINGS", "savings"),
    ("depository", "money_market"): ("SAVINGS", "money_market"),
    ("depository", "certificate_of_deposit"): ("SAVINGS", "cd"),
    ("depository", "treasury"): ("SAVINGS", "other"),
    ("depository", "sweep"): ("CHECKING", "other"),
    ("depository", None): ("OTHER", "other"),
    ("credit", None): ("CREDIT_CARD", "other"),
}
# Teller's details.category → (category, subcategory) in seed 004's vocabulary.
CATEGORIES: dict[str, tuple[str, str]] = {
    "accommodation": ("Travel", "Lodging"),
    "advertising": ("Services", "Advertising"),
    "bar": ("Food & Dining", "Bars"),
    "charity": ("Government & Non-Profit", "Charity"),
    "clothing": ("Shopping", "Clothing"),
    "dining": ("Food & Dining", "Restaurants"),
    "education": ("Education", "Education"),
    "electronics": ("Shopping", "Electronics"),
    "entertainment": ("Entertainment", "Entertainment"),
    "fuel": ("Transportation", "Gas"),
    "general": ("Other", "General"),
    "groceries": ("Food & Dining", "Groceries"),
    "health": ("Health & Medical", "Health"),
    "home": ("Home", "Home"),
    "income": ("Income", "Income"),
    "insurance": ("Bills & Utilities", "Insurance"),
    "investment": ("Investments", "Investment"),
    "loan": ("Loan Payments", "Loan"),
    "office": ("Shopping", "Office Supplies"),
    "phone": ("Bills & Utilities", "Phone"),
    "service": ("Services", "Service"),
    "shopping": ("Shopping", "General Merchandise"),
    "software": ("Services", "Software"),
    "sport": ("Personal Care", "Sports & Fitness"),
    "tax": ("Government & Non-Profit", "Taxes"),
    "transport": ("Transportation", "Transport"),
    "transportation": ("Transportation", "Transport"),
    "utilities": ("Bills & Utilities", "Utilities"),
}


def account_kind(teller_type: str, teller_subtype: str | None) -> tuple[str, str]:
    return (
        _ACCOUNT_TYPES.get((teller_type, teller_subtype))
        or _ACCOUNT_TYPES.get((teller_type, None))
        or ("OTHER", "other")
    )


def _money(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def transaction(t: dict[str, Any]) -> ProviderTransaction:
    """One Teller transaction in fingate's terms (Teller's sign is already fingate's)."""
    details = t.get("details") or {}
    counterparty = details.get("counterparty") or {}
    category = subcategory = None
    if details.get("category"):
        category, subcategory = CATEGORIES.get(
            details["category"], (details["category"].replace("_", " ").title(), None)
        ) or (None, None)
    return ProviderTransaction(
        provider_transaction_id=t["id"],
        provider_account_id=t["account_id"],
        amount=_money(t.get("amount")) or Decimal(0),
        description=t.get("description") or "",
        date=dt.datetime.combine(dt.date.fromisoformat(t["date"]), dt.time(), dt.UTC),
        pending=t.get("status") == "pending",
        merchant_name=counterparty.get("name"),
        merchant_category=subcategory,
        category=category,
        subcategory=subcategory,
    )


class TellerProvider:
    """BankProvider for Teller, plus linking a Teller Connect enrollment."""

    name = "TELLER"

    def __init__(self, settings: Settings) -> None:
        self._base = settings.teller_api_base
        self._timeout = settings.provider_timeout_s

    def _client(self, access_token: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self._base,
            auth=httpx.BasicAuth(access_token, ""),
            timeout=self._timeout,
            headers={"Accept": "application/json"},
        )

    @staticmethod
    async def _request(
        client: httpx.AsyncClient, method: str, path: str, params: dict[str, Any] | None = None
    ) -> Any:
        try:
            response = await client.request(method, path, params=params)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"Teller unreachable: {type(exc).__name__}") from None
        if response.status_code < 400:
            if response.status_code == 204 or not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise ProviderUnavailable("Teller answered a body that is not JSON") from None
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        code = str(error.get("code") or "") if isinstance(error, dict) else ""
        message = (error.get("message") if isinstance(error, dict) else None) or (
            f"Teller answered {response.status_code}"
        )
        status = response.status_code
        if status >= 500 or status == 429:
            raise ProviderUnavailable(message, code=code or None)
        if code.startswith("enrollment.disconnected"):
            raise LoginRequired(message, code=code)
        if status == 401:
            raise InvalidCredentials(message, code=code or None)
        if status == 403:
            raise AccessRevoked(message, code=code or None)
        raise ProviderError(message, code=code or None)

    # -- BankProvider ----------------------------------------------------------------------

    async def accounts(self, access_token: str) -> list[ProviderAccount]:
        async with self._client(access_token) as client:
            listed = await self._request(client, "GET", "/accounts") or []

            async def one(a: dict[str, Any]) -> ProviderAccount:
                balances = await self._request(client, "GET", f"/accounts/{a['id']}/balances")
                number = None
                if a.get("type") == "depository":
                    try:
                        details = await self._request(client, "GET", f"/accounts/{a['id']}/details")
                    except ProviderError as exc:
                        # Not every institution gives numbers; the account still counts.
                        if type(exc) is not ProviderError:
                            raise
                    else:
                        number = (details or {}).get("account_number")
                kind, subtype = account_kind(a.get("type") or "", a.get("subtype"))
                ledger = _money((balances or {}).get("ledger"))
                available = _money((balances or {}).get("available"))
                return ProviderAccount(
                    provider_account_id=a["id"],
                    name=a.get("name") or "Account",
                    type=kind,
                    subtype=subtype,
                    provider_subtype=a.get("subtype"),
                    currency=a.get("currency") or "USD",
                    balance=ledger if ledger is not None else (available or Decimal(0)),
                    available_balance=available,
                    mask=a.get("last_four") or (number[-4:] if number else None),
                    account_number=number,
                    status="closed" if a.get("status") == "closed" else "open",
                )

            return list(await asyncio.gather(*(one(a) for a in listed)))

    async def transactions(self, access_token: str, cursor: str, count: int) -> TransactionPage:
        """Every transaction of every account (`cursor` and `count` do not apply: Teller has
        no change feed)."""
        async with self._client(access_token) as client:
            listed = await self._request(client, "GET", "/accounts") or []
            added: list[ProviderTransaction] = []
            for a in listed:
                from_id: str | None = None
                while True:
                    params: dict[str, Any] = {"count": PAGE_SIZE}
                    if from_id:
                        params["from_id"] = from_id
                    page = await self._request(
                        client, "GET", f"/accounts/{a['id']}/transactions", params
                    )
                    page = [t for t in page or [] if t.get("id") != from_id]
                    added.extend(transaction(t) for t in page)
                    if len(page) < PAGE_SIZE - 1 or not page:
                        break
                    from_id = page[-1]["id"]
        return TransactionPage(added=added, next_cursor="", has_more=False)

    async def check(self, access_token: str) -> None:
        async with self._client(access_token) as client:
            await self._request(client, "GET", "/accounts")

    async def remove(self, access_token: str) -> None:
        async with self._client(access_token) as client:
            await self._request(client, "DELETE", "/accounts")

    # -- Teller-only -----------------------------------------------------------------------

    async def institutions(self) -> list[Institution]:
        """Teller's supported institutions (`GET /institutions`, no authentication): what
        tells that Teller answers at all."""
        async with httpx.AsyncClient(
            base_url=self._base, timeout=self._timeout, headers={"Accept": "application/json"}
        ) as client:
            listed = await self._request(client, "GET", "/institutions") or []
        return [Institution(id=i["id"], name=i.get("name") or i["id"]) for i in listed]

    async def link_from_enrollment(
        self,
        access_token: str,
        enrollment_id: str,
        institution_id: str | None = None,
        institution_name: str | None = None,
    ) -> Link:
        """A Teller Connect enrollment as a Link, once Teller accepts its access token. The
        institution is what Teller Connect reported, else what Teller's accounts say."""
        async with self._client(access_token) as client:
            try:
                listed = await self._request(client, "GET", "/accounts") or []
            except AccessRevoked as exc:
                raise InvalidCredentials(str(exc), code=exc.code) from None
        listed_institution = (listed[0].get("institution") or {}) if listed else {}
        inst_id = institution_id or listed_institution.get("id") or ""
        inst_name = institution_name or listed_institution.get("name") or inst_id
        return Link(
            access_token=access_token,
            item_id=enrollment_id or (listed[0].get("enrollment_id") if listed else "") or "",
            institution=Institution(id=inst_id, name=inst_name),
        )
