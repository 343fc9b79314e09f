"""Plaid through plaid-python, in fingate's terms (server/providers/base.py).

plaid-python builds and sends the requests (host = settings.plaid_api_base, keys, Plaid-Version,
timeouts) and raises on error statuses. Responses are read as JSON (`_preload_content=False`)
instead of through its generated models: the models type-check every field of every
transaction, about 1.2 s of CPU for a 500-transaction page here against 0.03 s for the JSON
(measured with the sandbox), and the amounts are wanted as exact Decimals anyway. orjson
reads the JSON: a 500-transaction page is about 0.5 MB, 8 ms with the standard library (amounts
as Decimal) against 3 ms. plaid-python is synchronous, so each call runs in a worker thread.

No retries here: plaid-python's own are turned off and a transient failure surfaces as
ProviderUnavailable at once; the sync engine retries the job with backoff.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
from decimal import Decimal
from typing import Any

import orjson
import plaid
import urllib3
from plaid.api import plaid_api
from plaid.model.accounts_get_request import AccountsGetRequest
from plaid.model.auth_get_request import AuthGetRequest
from plaid.model.country_code import CountryCode
from plaid.model.institutions_get_by_id_request import InstitutionsGetByIdRequest
from plaid.model.institutions_get_by_id_request_options import InstitutionsGetByIdRequestOptions
from plaid.model.item_get_request import ItemGetRequest
from plaid.model.item_public_token_exchange_request import ItemPublicTokenExchangeRequest
from plaid.model.item_remove_request import ItemRemoveRequest
from plaid.model.link_token_create_request import LinkTokenCreateRequest
from plaid.model.link_token_create_request_user import LinkTokenCreateRequestUser
from plaid.model.products import Products
from plaid.model.sandbox_public_token_create_request import SandboxPublicTokenCreateRequest
from plaid.model.sandbox_public_token_create_request_options import (
    SandboxPublicTokenCreateRequestOptions,
)
from plaid.model.sandbox_public_token_create_request_options_transactions import (
    SandboxPublicTokenCreateRequestOptionsTransactions,
)
from plaid.model.transactions_sync_request import TransactionsSyncRequest

from server.platform.config import Settings
from server.providers.base import (
    AccessRevoked,
    Institution,
    InvalidCredentials,
    Link,
    LoginRequired,
    MutationDuringPagination,
    ProviderAccount,
    ProviderError,
    ProviderTransaction,
    ProviderUnavailable,
    TransactionPage,
)

# Plaid (type, subtype) → (ACCOUNT_TYPES, ACCOUNT_SUBTYPES); subtype None = any other subtype.
_ACCOUNT_TYPES: dict[tuple[str, str | None], tuple[str, str]] = {
    ("depository", "checking"): ("CHECKING", "checking"),
    ("depository", "savings"): ("SAVINGS", "savings"),
    ("depository", "money market"): ("SAVINGS", "money_market"),
    ("depository", "cd"): ("SAVINGS", "cd"),
    ("depository", "hsa"): ("SAVINGS", "hsa"),
    ("depository", None): ("OTHER", "other"),
    ("credit", None): ("CREDIT_CARD", "other"),
    ("investment", "brokerage"): ("INVESTMENT", "brokerage"),
    ("investment", "ira"): ("INVESTMENT", "ira"),
    ("investment", "roth"): ("INVESTMENT", "roth_ira"),
    ("investment", "sep ira"): ("INVESTMENT", "sep_ira"),
    ("investment", "simple ira"): ("INVESTMENT", "simple_ira"),
    ("investment", "401k"): ("INVESTMENT", "401k"),
    ("investment", "roth 401k"): ("INVESTMENT", "401k"),
    ("investment", "403B"): ("INVESTMENT", "403b"),
    ("investment", "hsa"): ("INVESTMENT", "hsa"),
    ("investment", "529"): ("INVESTMENT", "education"),
    ("investment", "education savings account"): ("INVESTMENT", "education"),
    ("investment", "trust"): ("INVESTMENT", "trust"),
    ("investment", None): ("INVESTMENT", "other"),
    ("loan", None): ("LOAN", "other"),
}

# personal_finance_category.primary → the category names seed 004 shows ("Food & Dining").
CATEGORIES = {
    "INCOME": "Income",
    "TRANSFER_IN": "Transfer",
    "TRANSFER_OUT": "Transfer",
    "LOAN_PAYMENTS": "Loan Payments",
    "BANK_FEES": "Fees & Charges",
    "ENTERTAINMENT": "Entertainment",
    "FOOD_AND_DRINK": "Food & Dining",
    "GENERAL_MERCHANDISE": "Shopping",
    "HOME_IMPROVEMENT": "Home",
    "MEDICAL": "Health & Medical",
    "PERSONAL_CARE": "Personal Care",
    "GENERAL_SERVICES": "Services",
    "GOVERNMENT_AND_NON_PROFIT": "Government & Non-Profit",
    "TRANSPORTATION": "Transportation",
    "TRAVEL": "Travel",
    "RENT_AND_UTILITIES": "Bills & Utilities",
}
# Detailed categories whose plain rendering reads badly; the rest are title-cased.
SUBCATEGORIES = {
    "FOOD_AND_DRINK_COFFEE": "Coffee Shops",
    "FOOD_AND_DRINK_RESTAURANT": "Restaurants",
    "INCOME_WAGES": "Salary",
    "INCOME_INTEREST_EARNED": "Interest",
    "TRANSPORTATION_GAS": "Gas",
    "TRANSPORTATION_TAXIS_AND_RIDE_SHARES": "Taxis & Ride Shares",
    "ENTERTAINMENT_TV_AND_MOVIES": "TV & Movies",
    "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES": "Online Marketplaces",
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT": "Credit Card Payment",
    "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS": "Gyms & Fitness Centers",
}

_LOGIN_REQUIRED = {"ITEM_LOGIN_REQUIRED", "PENDING_EXPIRATION", "ACCESS_NOT_GRANTED"}
_REVOKED = {"ITEM_NOT_FOUND", "INVALID_ACCESS_TOKEN", "USER_PERMISSION_REVOKED"}
_INVALID = {
    "INVALID_PUBLIC_TOKEN",
    "INVALID_API_KEYS",
    "INVALID_INSTITUTION",
    "INSTITUTION_NOT_FOUND",
    "INVALID_LINK_TOKEN",
}
_UNAVAILABLE = {
    "INTERNAL_SERVER_ERROR",
    "PLANNED_MAINTENANCE",
    "INSTITUTION_DOWN",
    "INSTITUTION_NOT_RESPONDING",
    "INSTITUTION_NOT_AVAILABLE",
    "RATE_LIMIT_EXCEEDED",
    "PRODUCT_NOT_READY",
}
# /auth/get on an item without depository numbers: accounts still load, without numbers.
_NO_NUMBERS = {"NO_AUTH_ACCOUNTS", "PRODUCTS_NOT_SUPPORTED", "PRODUCT_NOT_ENABLED"}


def account_kind(plaid_type: str, plaid_subtype: str | None) -> tuple[str, str]:
    """Plaid's account type and subtype in fingate's two vocabularies."""
    return (
        _ACCOUNT_TYPES.get((plaid_type, plaid_subtype))
        or _ACCOUNT_TYPES.get((plaid_type, None))
        or ("OTHER", "other")
    )


def subcategory(primary: str, detailed: str) -> str:
    if detailed in SUBCATEGORIES:
        return SUBCATEGORIES[detailed]
    words = detailed.removeprefix(primary + "_").split("_")
    return " ".join("&" if w == "AND" else w.capitalize() for w in words)


def _plaid_error(status: int, body: bytes | str | None) -> ProviderError:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, TypeError):
        data = {}
    code = str(data.get("error_code") or "") if isinstance(data, dict) else ""
    message = (
        str(data.get("error_message") or f"Plaid answered {status}")
        if code
        else (f"Plaid answered {status}")
    )
    if code in _LOGIN_REQUIRED:
        return LoginRequired(message, code=code)
    if code in _REVOKED:
        return AccessRevoked(message, code=code)
    if code == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION":
        return MutationDuringPagination(message, code=code)
    if code in _INVALID:
        return InvalidCredentials(message, code=code)
    if status >= 500 or status in (408, 429) or code in _UNAVAILABLE:
        return ProviderUnavailable(message, code=code or None)
    return ProviderError(message, code=code or None)


# A sync reads thousands of transactions over a few hundred distinct days and categories.
@functools.lru_cache(maxsize=4096)
def _utc_date(value: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)


@functools.lru_cache(maxsize=1024)
def _categories(primary: str | None, detailed: str | None) -> tuple[str | None, str | None]:
    """Plaid's personal finance category as fingate's (category, subcategory)."""
    if not primary:
        return None, None
    category = CATEGORIES.get(primary) or primary.replace("_", " ").title()
    return category, subcategory(primary, detailed) if detailed else None


def _utc_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _decimal(value: Any) -> Decimal | None:
    """A JSON number as the exact decimal it was written as. A float's repr is the shortest
    text that reads back as the same float, which for a decimal of at most 15 significant
    digits (cents below 10^13) is that decimal: every amount Plaid sends."""
    if value is None:
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def transaction(t: dict[str, Any]) -> ProviderTransaction:
    """One Plaid transaction (JSON, amounts as Decimal) in fingate's terms."""
    pfc = t.get("personal_finance_category") or {}
    category, sub = _categories(pfc.get("primary"), pfc.get("detailed"))
    amount = _decimal(t.get("amount")) or Decimal(0)
    return ProviderTransaction(
        provider_transaction_id=t["transaction_id"],
        provider_account_id=t["account_id"],
        # Plaid: positive = money out; fingate: negative = money out.
        amount=-amount,
        description=t.get("name") or t.get("original_description") or t.get("merchant_name") or "",
        date=_utc_date(t["date"]),
        pending=bool(t.get("pending")),
        currency=t.get("iso_currency_code") or t.get("unofficial_currency_code") or "USD",
        merchant_name=t.get("merchant_name"),
        merchant_category=sub,
        category=category,
        subcategory=sub,
        timestamp=_utc_time(t.get("authorized_datetime") or t.get("datetime")),
        pending_transaction_id=t.get("pending_transaction_id"),
    )


def account(a: dict[str, Any], number: str | None) -> ProviderAccount:
    balances = a.get("balances") or {}
    kind, subtype = account_kind(a.get("type") or "other", a.get("subtype"))
    return ProviderAccount(
        provider_account_id=a["account_id"],
        name=a.get("name") or a.get("official_name") or "Account",
        type=kind,
        subtype=subtype,
        provider_subtype=a.get("subtype"),
        currency=balances.get("iso_currency_code")
        or balances.get("unofficial_currency_code")
        or "USD",
        balance=_decimal(balances.get("current")) or Decimal(0),
        available_balance=_decimal(balances.get("available")),
        mask=(a.get("mask") or (number[-4:] if number else None)),
        account_number=number,
    )


class PlaidProvider:
    """BankProvider for Plaid, plus the Plaid-only calls of Link and the sandbox."""

    name = "PLAID"

    def __init__(self, settings: Settings) -> None:
        configuration = plaid.Configuration(
            host=settings.plaid_api_base,
            api_key={"clientId": settings.plaid_client_id, "secret": settings.plaid_secret},
        )
        # Fail fast: the sync engine owns retries (see the module docstring).
        configuration.retries = 0
        self._api = plaid_api.PlaidApi(plaid.ApiClient(configuration))
        self._timeout = settings.provider_timeout_s

    def _call_sync(self, method: str, request: Any) -> dict[str, Any]:
        try:
            response = getattr(self._api, method)(
                request, _preload_content=False, _request_timeout=self._timeout
            )
        except plaid.ApiException as exc:
            if not exc.status:  # raised before any answer (TLS, malformed request)
                raise ProviderUnavailable(f"Plaid call failed: {exc.reason}") from None
            raise _plaid_error(exc.status, exc.body) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise ProviderUnavailable(f"Plaid unreachable: {type(exc).__name__}") from None
        try:
            data = orjson.loads(response.data)
        except ValueError:
            raise ProviderUnavailable("Plaid answered a body that is not JSON") from None
        finally:
            # Unpreloaded responses keep their connection until released to the pool.
            response.release_conn()
        if not isinstance(data, dict):
            raise ProviderUnavailable("Plaid answered an unexpected body")
        return data

    async def _call(self, method: str, request: Any) -> dict[str, Any]:
        return await asyncio.to_thread(self._call_sync, method, request)

    async def verify_keys(self) -> None:
        """A cheap call that only the client id and secret authorize (Chase's institution
        record, ins_3, known to every Plaid environment): InvalidCredentials when Plaid refuses
        the keys, ProviderUnavailable when it cannot answer."""
        request = InstitutionsGetByIdRequest(
            institution_id="ins_3", country_codes=[CountryCode("US")]
        )
        await self._call("institutions_get_by_id", request)

    # -- BankProvider ----------------------------------------------------------------------

    async def accounts(self, access_token: str) -> list[ProviderAccount]:
        data = await self._call("accounts_get", AccountsGetRequest(access_token=access_token))
        numbers: dict[str, str] = {}
        try:
            auth = await self._call("auth_get", AuthGetRequest(access_token=access_token))
        except ProviderError as exc:
            if exc.code not in _NO_NUMBERS:
                raise
        else:
            for ach in (auth.get("numbers") or {}).get("ach") or []:
                numbers[ach["account_id"]] = ach["account"]
        return [account(a, numbers.get(a["account_id"])) for a in data.get("accounts") or []]

    async def transactions(self, access_token: str, cursor: str, count: int) -> TransactionPage:
        fields: dict[str, Any] = {"access_token": access_token, "count": max(1, min(count, 500))}
        if cursor:
            fields["cursor"] = cursor
        data = await self._call("transactions_sync", TransactionsSyncRequest(**fields))
        return TransactionPage(
            added=[transaction(t) for t in data.get("added") or []],
            modified=[transaction(t) for t in data.get("modified") or []],
            removed=[r["transaction_id"] for r in data.get("removed") or []],
            next_cursor=data.get("next_cursor") or "",
            has_more=bool(data.get("has_more")),
        )

    async def check(self, access_token: str) -> None:
        data = await self._call("item_get", ItemGetRequest(access_token=access_token))
        error = (data.get("item") or {}).get("error")
        if error:
            raise _plaid_error(400, json.dumps(error, default=str))

    async def remove(self, access_token: str) -> None:
        await self._call("item_remove", ItemRemoveRequest(access_token=access_token))

    # -- Plaid-only ------------------------------------------------------------------------

    async def create_link_token(self, user_id: str) -> str:
        """A Link token for the user's browser to open Plaid Link with."""
        request = LinkTokenCreateRequest(
            user=LinkTokenCreateRequestUser(client_user_id=user_id),
            client_name="fingate",
            products=[Products("transactions")],
            country_codes=[CountryCode("US")],
            language="en",
        )
        data = await self._call("link_token_create", request)
        return str(data["link_token"])

    async def sandbox_public_token(
        self, institution_id: str, options: dict[str, Any] | None = None
    ) -> str:
        """Plaid sandbox only: a public token as Link would hand over (tests). `options` is
        /sandbox/public_token/create's, e.g. {"transactions": {"count_per_account": 500}}."""
        opts = dict(options or {})
        if isinstance(opts.get("transactions"), dict):
            opts["transactions"] = SandboxPublicTokenCreateRequestOptionsTransactions(
                **opts["transactions"]
            )
        request = SandboxPublicTokenCreateRequest(
            institution_id=institution_id,
            initial_products=[Products("transactions")],
            options=SandboxPublicTokenCreateRequestOptions(**opts),
        )
        data = await self._call("sandbox_public_token_create", request)
        return str(data["public_token"])

    async def exchange(self, public_token: str) -> Link:
        """Link's public token → access token, item id and the institution's name/logo/url."""
        data = await self._call(
            "item_public_token_exchange", ItemPublicTokenExchangeRequest(public_token=public_token)
        )
        access_token, item_id = str(data["access_token"]), str(data["item_id"])
        item = (await self._call("item_get", ItemGetRequest(access_token=access_token)))["item"]
        institution_id = item.get("institution_id") or ""
        institution = Institution(id=institution_id, name=institution_id or "Unknown")
        if institution_id:
            try:
                found = await self._call(
                    "institutions_get_by_id",
                    InstitutionsGetByIdRequest(
                        institution_id=institution_id,
                        country_codes=[CountryCode("US")],
                        options=InstitutionsGetByIdRequestOptions(include_optional_metadata=True),
                    ),
                )
            except ProviderError:
                # The grant exists already: keep it (named by id) rather than orphan it at
                # Plaid for want of a display name.
                found = {}
            ins = found.get("institution") or {}
            logo = ins.get("logo")
            institution = Institution(
                id=institution_id,
                name=ins.get("name") or institution_id,
                # Plaid sends the logo as base64 PNG; a data URL renders wherever a URL does.
                logo=f"data:image/png;base64,{logo}" if logo else None,
                url=ins.get("url"),
            )
        return Link(access_token=access_token, item_id=item_id, institution=institution)
