"""The services' data APIs, read page by page and mapped to seed 002's shapes (MappedRecord).

- Stripe: `/v1/payment_intents` (payments), `/v1/invoices`, `/v1/customers`,
  `/v1/subscriptions`; 100 a page by `starting_after`; `since` → `created[gte]`. Cents become
  Decimal major units (zero-decimal currencies stay whole), currencies upper-case, PaymentIntent
  statuses fingate's (succeeded → completed).
- QuickBooks: the query endpoint (`select * from Invoice|Purchase|Customer|Vendor`,
  STARTPOSITION/MAXRESULTS 100; `since` → `where Metadata.LastUpdatedTime > '…'`), expenses
  being Purchases; `read_entity` re-reads one entity for a webhook.
- Xero: Invoices (ACCREC: invoices, ACCPAY bills: expenses), Contacts, BankTransactions, with
  the `xero-tenant-id` header, `page=N` until a short page, `since` → `If-Modified-Since`.
- Slack: conversations.list (channels), users.list, conversations.history of each channel
  (messages; `since` → `oldest`), by cursor; `ok: false` with an auth error is a 401.

Money is Decimal parsed from the JSON text, never float.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx

from server.platform.config import Settings
from server.providers.apps.resilience import Resilience, check_transient
from server.providers.apps.types import (
    DATA_TYPES,
    AppProviderError,
    MappedRecord,
    TokenRejected,
)
from server.providers.base import decimal_or_none

PAGE = 100
# ISO 4217 currencies Stripe counts in whole units.
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
PAYMENT_STATUSES = {
    "succeeded": "completed",
    "canceled": "cancelled",
    "requires_payment_method": "failed",
}
SLACK_AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_expired", "token_revoked", "account_inactive"}
)
QBO_ENTITIES = {"invoices": "Invoice", "expenses": "Purchase", "customers": "Customer"}
QBO_ENTITIES["vendors"] = "Vendor"
QBO_TYPES = {entity: kind for kind, entity in QBO_ENTITIES.items()}
STRIPE_PATHS = {"payments": "payment_intents", "invoices": "invoices", "customers": "customers"}
STRIPE_PATHS["subscriptions"] = "subscriptions"

Json = dict[str, Any]


_dec = decimal_or_none


def _rfc3339(t: dt.datetime | None) -> str | None:
    if t is None:
        return None
    return t.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _epoch(value: Any) -> dt.datetime | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    if isinstance(value, Decimal | str):
        try:
            return dt.datetime.fromtimestamp(float(value), dt.UTC)
        except ValueError:
            return None
    return None


def _iso(value: Any) -> dt.datetime | None:
    """RFC 3339 with any offset, or a bare date (midnight UTC, as seed 002 maps TxnDate)."""
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _xero_date(value: Any) -> dt.datetime | None:
    """Xero's `/Date(1518685950940+0000)/` (milliseconds since the epoch)."""
    text = str(value or "")
    if not text.startswith("/Date("):
        return _iso(text)
    digits = text[6:].split(")")[0]
    millis = digits.lstrip("-")
    for sign in "+-":
        millis = millis.split(sign)[0]
    if not millis.isdigit():
        return None
    ms = int(millis) * (-1 if digits.startswith("-") else 1)
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


def _cents(amount: Any, currency: str) -> Decimal | None:
    value = _dec(amount)
    if value is None:
        return None
    return value if currency.lower() in ZERO_DECIMAL else value.scaleb(-2)


def _upper(value: Any) -> str | None:
    return str(value).upper() if value else None


# -- Stripe ----------------------------------------------------------------------------------


def _stripe(data_type: str, o: Json) -> MappedRecord:
    currency = str(o.get("currency") or "usd")
    created = _epoch(o.get("created"))
    doc: Json = {"id": o["id"], "date": _rfc3339(created), "currency": _upper(currency)}
    if data_type == "payments":
        status = str(o.get("status") or "")
        doc |= {
            "amount": _cents(o.get("amount"), currency),
            "status": PAYMENT_STATUSES.get(status, "pending"),
            "customer_id": o.get("customer"),
            "description": o.get("description"),
        }
    elif data_type == "invoices":
        doc |= {
            "number": o.get("number"),
            "customer_id": o.get("customer"),
            "amount": _cents(o.get("total", o.get("amount_due")), currency),
            "amount_paid": _cents(o.get("amount_paid"), currency),
            "balance": _cents(o.get("amount_remaining"), currency),
            "status": o.get("status"),
            "due_date": _rfc3339(_epoch(o.get("due_date"))),
        }
    elif data_type == "customers":
        doc |= {
            "name": o.get("name"),
            "email": o.get("email"),
            "balance": _cents(o.get("balance") or 0, currency),
        }
    else:
        items = (o.get("items") or {}).get("data") or []
        price = (items[0].get("price") or {}) if items else {}
        quantity = _dec(items[0].get("quantity") if items else 1) or Decimal(1)
        unit = _cents(price.get("unit_amount"), currency)
        doc |= {
            "customer_id": o.get("customer"),
            "status": o.get("status"),
            "amount": unit * quantity if unit is not None else None,
            "interval": (price.get("recurring") or {}).get("interval"),
            "current_period_start": _rfc3339(_epoch(o.get("current_period_start"))),
            "current_period_end": _rfc3339(_epoch(o.get("current_period_end"))),
        }
    return MappedRecord(data_type, str(o["id"]), doc, created)


# -- QuickBooks ------------------------------------------------------------------------------


def _ref(o: Json, key: str) -> tuple[str | None, str | None]:
    ref = o.get(key) or {}
    return ref.get("value"), ref.get("name")


def _quickbooks(data_type: str, o: Json) -> MappedRecord:
    updated = _iso((o.get("MetaData") or {}).get("LastUpdatedTime"))
    doc: Json = {"id": str(o["Id"]), "currency": _ref(o, "CurrencyRef")[0]}
    if data_type in ("invoices", "expenses"):
        doc |= {"amount": _dec(o.get("TotalAmt")), "date": _rfc3339(_iso(o.get("TxnDate")))}
    if data_type == "invoices":
        customer_id, customer = _ref(o, "CustomerRef")
        doc |= {
            "number": o.get("DocNumber"),
            "balance": _dec(o.get("Balance")),
            "due_date": _rfc3339(_iso(o.get("DueDate"))),
            "customer_id": customer_id,
            "customer_name": customer,
        }
    elif data_type == "expenses":
        vendor_id, vendor = _ref(o, "EntityRef")
        doc |= {
            "payment_type": o.get("PaymentType"),
            "account": _ref(o, "AccountRef")[1],
            "vendor_id": vendor_id,
            "vendor_name": vendor,
        }
    elif data_type in ("customers", "vendors"):
        doc |= {
            "name": o.get("DisplayName"),
            "company": o.get("CompanyName"),
            "email": (o.get("PrimaryEmailAddr") or {}).get("Address"),
            "balance": _dec(o.get("Balance")),
            "active": bool(o.get("Active", True)),
        }
    return MappedRecord(data_type, str(o["Id"]), doc, updated)


# -- Xero ------------------------------------------------------------------------------------

XERO_KINDS = {"invoices": "Invoices", "expenses": "Invoices", "contacts": "Contacts"}
XERO_KINDS["bank_transactions"] = "BankTransactions"
XERO_IDS = {
    "Invoices": "InvoiceID",
    "Contacts": "ContactID",
    "BankTransactions": "BankTransactionID",
}


def _xero(data_type: str, o: Json) -> MappedRecord:
    rid = str(o[XERO_IDS[XERO_KINDS[data_type]]])
    updated = _xero_date(o.get("UpdatedDateUTC"))
    doc: Json = {"id": rid}
    contact = o.get("Contact") or {}
    if data_type == "contacts":
        doc |= {
            "name": o.get("Name"),
            "email": o.get("EmailAddress") or None,
            "status": o.get("ContactStatus"),
            "is_customer": bool(o.get("IsCustomer")),
            "is_supplier": bool(o.get("IsSupplier")),
        }
    else:
        doc |= {
            "amount": _dec(o.get("Total")),
            "currency": _upper(o.get("CurrencyCode")),
            "status": o.get("Status"),
            "date": _rfc3339(_xero_date(o.get("Date"))),
            "contact_id": contact.get("ContactID"),
            "contact_name": contact.get("Name"),
        }
    if data_type in ("invoices", "expenses"):
        doc |= {
            "number": o.get("InvoiceNumber") or None,
            "type": o.get("Type"),
            "balance": _dec(o.get("AmountDue")),
            "amount_paid": _dec(o.get("AmountPaid")),
            "due_date": _rfc3339(_xero_date(o.get("DueDate"))),
        }
    elif data_type == "bank_transactions":
        doc |= {
            "type": o.get("Type"),
            "bank_account": (o.get("BankAccount") or {}).get("Name"),
            "reconciled": bool(o.get("IsReconciled")),
        }
    return MappedRecord(data_type, rid, doc, updated)


# -- Slack -----------------------------------------------------------------------------------


def _slack_channel(o: Json) -> MappedRecord:
    doc = {
        "id": o["id"],
        "name": o.get("name"),
        "is_private": bool(o.get("is_private")),
        "is_archived": bool(o.get("is_archived")),
        "members": o.get("num_members"),
        "topic": (o.get("topic") or {}).get("value") or None,
        "purpose": (o.get("purpose") or {}).get("value") or None,
        "date": _rfc3339(_epoch(o.get("created"))),
    }
    updated = o.get("updated")
    when = _epoch(updated // 1000) if isinstance(updated, int) else _epoch(o.get("created"))
    return MappedRecord("channels", str(o["id"]), doc, when)


def _slack_user(o: Json) -> MappedRecord:
    profile = o.get("profile") or {}
    doc = {
        "id": o["id"],
        "name": o.get("name"),
        "real_name": o.get("real_name") or profile.get("real_name"),
        "email": profile.get("email"),
        "is_bot": bool(o.get("is_bot")),
        "deleted": bool(o.get("deleted")),
        "timezone": o.get("tz"),
    }
    return MappedRecord("users", str(o["id"]), doc, _epoch(o.get("updated")))


def _slack_message(channel: str, o: Json) -> MappedRecord:
    ts = str(o.get("ts"))
    edited = _epoch((o.get("edited") or {}).get("ts"))
    doc = {
        "id": f"{channel}:{ts}",
        "channel_id": channel,
        "user_id": o.get("user"),
        "text": o.get("text"),
        "ts": ts,
        "date": _rfc3339(_epoch(ts)),
    }
    return MappedRecord("messages", f"{channel}:{ts}", doc, edited or _epoch(ts))


class AppDataClient:
    """One per process: the services' data calls, retried, behind one breaker per service."""

    def __init__(self, settings: Settings) -> None:
        self._bases = {s: settings.oauth_app(s).api_base for s in DATA_TYPES}
        self._resilience = Resilience(settings)
        self._http = httpx.AsyncClient(
            timeout=settings.provider_timeout_s, headers={"Accept": "application/json"}
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get(
        self,
        service: str,
        path: str,
        access_token: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        missing_ok: bool = False,
    ) -> Json | None:
        url = self._bases[service] + path
        sent = {"Authorization": f"Bearer {access_token}", **(headers or {})}

        async def attempt() -> Json | None:
            response = await self._http.get(url, params=params, headers=sent)
            check_transient(response)
            status = response.status_code
            if status == 401:
                raise TokenRejected(f"{service} refused the access token")
            if status == 404 and missing_ok:
                return None
            if status >= 400:
                raise AppProviderError(f"{service} answered {status} to {path.split('?')[0]}")
            try:
                body = json.loads(response.content, parse_float=Decimal)
            except ValueError:
                raise AppProviderError(f"{service} answered a body that is not JSON") from None
            if service == "slack" and isinstance(body, dict) and body.get("ok") is False:
                error = str(body.get("error"))
                if error in SLACK_AUTH_ERRORS:
                    raise TokenRejected(f"Slack refused the access token ({error})")
                raise AppProviderError(f"Slack answered {error}")
            return body  # type: ignore[no-any-return]

        return await self._resilience.call(service, attempt)

    async def fetch(
        self,
        service: str,
        data_type: str,
        *,
        access_token: str,
        account_id: str | None,
        since: dt.datetime | None = None,
    ) -> AsyncIterator[list[MappedRecord]]:
        """Every record of `data_type` (or those changed since `since`), one provider page at a
        time. Stripe has no change time on a list: `since` picks records created since."""
        if data_type not in DATA_TYPES.get(service, ()):
            raise AppProviderError(f"{service} has no data type {data_type!r}")
        pages: AsyncIterator[list[MappedRecord]]
        if service == "stripe":
            pages = self._stripe(data_type, access_token, since)
        elif service == "quickbooks":
            pages = self._quickbooks(data_type, access_token, _need(account_id), since)
        elif service == "xero":
            pages = self._xero(data_type, access_token, _need(account_id), since)
        else:
            pages = self._slack(data_type, access_token, since)
        async for page in pages:
            yield page

    async def _stripe(
        self, data_type: str, token: str, since: dt.datetime | None
    ) -> AsyncIterator[list[MappedRecord]]:
        params = {"limit": str(PAGE)}
        if since is not None:
            params["created[gte]"] = str(int(since.timestamp()))
        while True:
            body = await self._get("stripe", f"/v1/{STRIPE_PATHS[data_type]}", token, params)
            data = (body or {}).get("data") or []
            yield [_stripe(data_type, o) for o in data]
            if not (body or {}).get("has_more") or not data:
                return
            params = {**params, "starting_after": str(data[-1]["id"])}

    async def _quickbooks(
        self, data_type: str, token: str, realm: str, since: dt.datetime | None
    ) -> AsyncIterator[list[MappedRecord]]:
        entity = QBO_ENTITIES[data_type]
        where = ""
        if since is not None:
            where = f" where Metadata.LastUpdatedTime > '{_rfc3339(since)}'"
        start = 1
        while True:
            query = f"select * from {entity}{where} STARTPOSITION {start} MAXRESULTS {PAGE}"
            path = f"/v3/company/{realm}/query"
            body = await self._get(
                "quickbooks", path, token, {"query": query, "minorversion": "75"}
            )
            found = ((body or {}).get("QueryResponse") or {}).get(entity) or []
            yield [_quickbooks(data_type, o) for o in found]
            if len(found) < PAGE:
                return
            start += len(found)

    async def _xero(
        self, data_type: str, token: str, tenant: str, since: dt.datetime | None
    ) -> AsyncIterator[list[MappedRecord]]:
        kind = XERO_KINDS[data_type]
        headers = {"xero-tenant-id": tenant}
        if since is not None:
            headers["If-Modified-Since"] = since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
        params = {"pageSize": str(PAGE)}
        if data_type in ("invoices", "expenses"):
            params["where"] = 'Type=="ACCREC"' if data_type == "invoices" else 'Type=="ACCPAY"'
        page = 1
        while True:
            body = await self._get(
                "xero", f"/api.xro/2.0/{kind}", token, {**params, "page": str(page)}, headers
            )
            found = (body or {}).get(kind) or []
            yield [_xero(data_type, o) for o in found]
            if len(found) < PAGE:
                return
            page += 1

    async def _slack_pages(
        self, path: str, token: str, key: str, params: dict[str, str]
    ) -> AsyncIterator[list[Json]]:
        cursor = ""
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            body = await self._get("slack", path, token, query) or {}
            yield list(body.get(key) or [])
            cursor = str((body.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return

    async def _slack(
        self, data_type: str, token: str, since: dt.datetime | None
    ) -> AsyncIterator[list[MappedRecord]]:
        if data_type == "users":
            async for users in self._slack_pages("/users.list", token, "members", {"limit": "200"}):
                yield [_slack_user(o) for o in users]
            return
        channels_params = {"limit": "200", "exclude_archived": "false"}
        channels: list[Json] = []
        async for page in self._slack_pages(
            "/conversations.list", token, "channels", channels_params
        ):
            channels += page
            if data_type == "channels":
                yield [_slack_channel(o) for o in page]
        if data_type == "channels":
            return
        params = {"limit": str(PAGE)}
        if since is not None:
            params["oldest"] = f"{since.timestamp():.6f}"
        for channel in channels:
            cid = str(channel["id"])
            async for messages in self._slack_pages(
                "/conversations.history", token, "messages", {**params, "channel": cid}
            ):
                yield [_slack_message(cid, o) for o in messages]

    async def read_entity(
        self,
        service: str,
        *,
        access_token: str,
        account_id: str | None,
        entity: str,
        entity_id: str,
    ) -> MappedRecord | None:
        """One QuickBooks entity (Invoice, Customer, Vendor, Purchase) as it is now, for a
        webhook's re-read; None when it is gone."""
        data_type = QBO_TYPES.get(entity)
        if service != "quickbooks" or data_type is None:
            raise AppProviderError(f"{service} cannot re-read {entity!r}")
        path = f"/v3/company/{_need(account_id)}/{entity.lower()}/{entity_id}"
        body = await self._get(service, path, access_token, {"minorversion": "75"}, missing_ok=True)
        found = (body or {}).get(entity)
        return _quickbooks(data_type, found) if isinstance(found, dict) else None


def _need(account_id: str | None) -> str:
    if not account_id:
        raise AppProviderError("This service needs the connected account's id")
    return account_id
