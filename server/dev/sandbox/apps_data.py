"""Data APIs of the integrations hub's services behind the tokens oauth_apps.py issues: Slack's
Web API, QuickBooks Online's Accounting API and Xero's Accounting API (Stripe's are in
stripe.py, on this module's records). Each call needs a live access token of its service
(`Authorization: Bearer …`), else the provider's own 401: QuickBooks `{"fault": …}`, Xero
`{"Title": "Unauthorized", "Status": 401, …}`, Slack 200 `{"ok": false, "error": "invalid_auth"}`
(`token_expired` once expired). The fault knobs of oauth_apps.py apply.

- Slack `/slack/api/conversations.list`, `/users.list`, `/conversations.history?channel=…`
  (`oldest`: only later messages): cursor pages (`limit`, `cursor`,
  `response_metadata.next_cursor`, "" on the last page); an unknown channel →
  `channel_not_found`.
- QuickBooks `/intuit/v3/company/{realmId}/query?query=select * from Invoice [where
  Metadata.LastUpdatedTime > '…'] STARTPOSITION s MAXRESULTS m` for Invoice, Purchase, Customer,
  Vendor → `{"QueryResponse": {"Invoice": […], "startPosition", "maxResults"}, "time"}`
  (`{}` when nothing is left); `/intuit/v3/company/{realmId}/{entity}/{id}` →
  `{"Invoice": {…}, "time"}`, a missing or deleted one 404 with a `Fault` (code 610). Another
  company's realmId → 403.
- Xero `/xero/api.xro/2.0/Invoices` (ACCREC sales invoices and ACCPAY bills; `where=Type=="…"`),
  `/Contacts`, `/BankTransactions`: header `xero-tenant-id` required (the token's tenant, else
  403), `page=N` of 100 (`pageSize` up to 1000), `If-Modified-Since` → only records updated
  later; dates in Xero's `/Date(ms+0000)/`.

Data. Per connected account (the token's), each kind holds `records` rows (25 by default)
created over the first half of 2025, derived from the account id, kind and row number: the
same account always answers the same data. Slack has records/5 channels (at least one), the
messages spread across them.

Knob (sandbox-only, no auth): `POST /apps/_sandbox/data` with JSON `{service, account_id,
records?: N, kind?, add?: K, modify?: [ids], delete?: [ids]}` (kind: the provider's name —
payment_intents, invoices, customers, subscriptions; Invoice, Purchase, Customer, Vendor;
Invoices, Contacts, BankTransactions; channels, users, messages): `records` sets the account's
volume; `add` creates K rows of `kind` now; `modify` marks those ids updated now (amounts and
statuses change); `delete` removes them. Answers `{"ids": [...]}`, the kind's ids after the
change, oldest first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.dev.sandbox.oauth_apps import (
    Access,
    Fault,
    Unauthorized,
    authenticate,
    enter,
    json_object,
)
from server.dev.sandbox.oauth_apps import fault_response as _fault_response
from server.dev.sandbox.responses import JSON

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SPAN = dt.timedelta(days=180)
MAX_RECORDS = 10_000
KINDS = {
    "stripe": ("payment_intents", "invoices", "customers", "subscriptions"),
    "quickbooks": ("Invoice", "Purchase", "Customer", "Vendor"),
    "xero": ("Invoices", "Contacts", "BankTransactions"),
    "slack": ("channels", "users", "messages"),
}
FIRST_NAMES = ("Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis")
LAST_NAMES = ("Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov")
COMPANIES = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka")


@dataclass
class Book:
    """One connected account's data of one service: volume and the knob's changes."""

    records: int = 25
    added: dict[str, list[dt.datetime]] = field(default_factory=dict)
    modified: dict[tuple[str, str], dt.datetime] = field(default_factory=dict)
    deleted: set[tuple[str, str]] = field(default_factory=set)


BOOKS: dict[tuple[str, str], Book] = {}


@dataclass(frozen=True, slots=True)
class Row:
    n: int  # 1-based, in creation order
    id: str
    created: dt.datetime
    updated: dt.datetime
    rng: random.Random  # seeds the row's contents (another after a modification)

    @property
    def person(self) -> tuple[str, str]:
        r = random.Random(self.n)
        return r.choice(FIRST_NAMES), r.choice(LAST_NAMES)

    @property
    def company(self) -> str:
        return f"{random.Random(self.n).choice(COMPANIES)} {self.n}"


def digest(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


STRIPE_PREFIX = {"payment_intents": "pi_", "invoices": "in_", "customers": "cus_"}
STRIPE_PREFIX["subscriptions"] = "sub_"


def row_id(service: str, account: str, kind: str, n: int) -> str:
    h = digest(service, account, kind, n)
    if service == "stripe":
        return STRIPE_PREFIX[kind] + h[:24]
    if service == "quickbooks":
        return str(n)
    if service == "xero":
        return str(uuid.UUID(h[:32]))
    return {"channels": "C", "users": "U", "messages": "M"}[kind] + h[:10].upper()


def created_at(n: int, count: int) -> dt.datetime:
    return (START + SPAN * (n - 1) / max(count, 1)).replace(microsecond=0)


def rows(service: str, account: str, kind: str) -> list[Row]:
    book = BOOKS.get((service, account)) or Book()
    count = book.records
    if service == "slack" and kind == "channels":
        count = max(1, count // 5)
    out = []
    numbered = [(n, created_at(n, count)) for n in range(1, count + 1)]
    numbered += [(MAX_RECORDS + j + 1, t) for j, t in enumerate(book.added.get(kind, []))]
    for n, created in numbered:
        rid = row_id(service, account, kind, n)
        if service == "slack" and kind == "messages":
            rid = f"{int(created.timestamp())}.{n % 1_000_000:06d}"
        if (kind, rid) in book.deleted:
            continue
        modified = book.modified.get((kind, rid))
        updated = modified or created + dt.timedelta(hours=n % 48)
        rng = random.Random(digest(service, account, kind, n, modified))
        out.append(Row(n, rid, created, updated, rng))
    return out


# -- the knob --------------------------------------------------------------------------------


async def data_knob(request: Request) -> Response:
    body = await json_object(request)
    if body.get("service") not in KINDS:
        return JSON({"error": f"service: one of {', '.join(KINDS)}"}, 422)
    service, account = body["service"], str(body.get("account_id") or "")
    if not account:
        return JSON({"error": "account_id required"}, 422)
    book = BOOKS.setdefault((service, account), Book())
    records = body.get("records", book.records)
    if not isinstance(records, int) or not 0 <= records <= MAX_RECORDS:
        return JSON({"error": f"records: 0..{MAX_RECORDS}"}, 422)
    book.records = records
    kind = body.get("kind")
    if kind is None:
        return JSON({"ids": []})
    if kind not in KINDS[service]:
        return JSON({"error": f"kind: one of {', '.join(KINDS[service])}"}, 422)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    add = body.get("add", 0)
    if not isinstance(add, int) or not 0 <= add <= 1000:
        return JSON({"error": "add: 0..1000"}, 422)
    book.added.setdefault(kind, []).extend([now] * add)
    for rid in body.get("modify") or []:
        book.modified[(kind, str(rid))] = now
    for rid in body.get("delete") or []:
        book.deleted.add((kind, str(rid)))
    return JSON({"ids": [r.id for r in rows(service, account, kind)]})


def guarded(service: str, unauthorized: Callable[[str], Response]) -> Any:
    """A data endpoint: the fault knobs, then the token, then the handler(request, access)."""

    def wrap(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                await enter(service)
                access = authenticate(service, request)
            except Fault as fault:
                return _fault_response(fault)
            except Unauthorized as error:
                return unauthorized(str(error))
            result = await handler(request, access)
            return result if isinstance(result, Response) else JSON(result)

        return endpoint

    return wrap


# -- Slack -----------------------------------------------------------------------------------


def _slack_unauthorized(reason: str) -> Response:
    return JSON({"ok": False, "error": "token_expired" if "expired" in reason else "invalid_auth"})


def _cursor_page(request: Request, items: list[Any], default: int = 100) -> tuple[list[Any], str]:
    q = request.query_params
    limit = int(q["limit"]) if q.get("limit", "").isdigit() else default
    limit = max(1, min(limit, 1000))
    cursor = q.get("cursor", "")
    start = int(cursor.removeprefix("next:")) if cursor.startswith("next:") else 0
    end = start + limit
    return items[start:end], f"next:{end}" if end < len(items) else ""


def _slack_channels(access: Access) -> list[dict[str, Any]]:
    out = []
    for r in rows("slack", access.grant.account_id, "channels"):
        name = "general" if r.n == 1 else f"{r.company.split()[0].lower()}-{r.n}"
        out.append(
            {
                "id": r.id,
                "name": name,
                "is_channel": True,
                "is_private": r.n % 4 == 0,
                "is_archived": False,
                "created": int(r.created.timestamp()),
                "updated": int(r.updated.timestamp() * 1000),
                "num_members": r.rng.randint(2, 40),
                "topic": {"value": f"All about {name}"},
                "purpose": {"value": f"Discuss {name}"},
            }
        )
    return out


async def slack_conversations(request: Request, access: Access) -> dict[str, Any]:
    page, cursor = _cursor_page(request, _slack_channels(access))
    return {"ok": True, "channels": page, "response_metadata": {"next_cursor": cursor}}


async def slack_users(request: Request, access: Access) -> dict[str, Any]:
    team = access.grant.account_id
    members = []
    for r in rows("slack", team, "users"):
        first, last = r.person
        handle = f"{first}.{last}{r.n}".lower()
        members.append(
            {
                "id": r.id,
                "team_id": team,
                "name": handle,
                "real_name": f"{first} {last}",
                "deleted": r.n % 10 == 0,
                "is_bot": r.n == 2,
                "tz": "America/New_York",
                "updated": int(r.updated.timestamp()),
                "profile": {
                    "real_name": f"{first} {last}",
                    "display_name": handle,
                    "email": f"{handle}@example.com",
                },
            }
        )
    page, cursor = _cursor_page(request, members, 200)
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": cursor}}


async def slack_history(request: Request, access: Access) -> dict[str, Any]:
    team = access.grant.account_id
    channels = [c["id"] for c in _slack_channels(access)]
    channel = request.query_params.get("channel", "")
    if channel not in channels:
        return {"ok": False, "error": "channel_not_found"}
    users = [r.id for r in rows("slack", team, "users")] or ["USLACKBOT"]
    oldest = request.query_params.get("oldest", "")
    floor = float(oldest) if re.fullmatch(r"\d+(\.\d+)?", oldest) else 0.0
    messages = []
    for r in rows("slack", team, "messages"):
        if channels[r.n % len(channels)] != channel or float(r.id) <= floor:
            continue
        message: dict[str, Any] = {
            "type": "message",
            "user": users[r.n % len(users)],
            "text": f"Invoice {r.n} is {r.rng.choice(('paid', 'due', 'sent', 'late'))}",
            "ts": r.id,
        }
        if r.updated > r.created + dt.timedelta(hours=48):  # modified by the knob
            message["edited"] = {"user": message["user"], "ts": f"{r.updated.timestamp():.6f}"}
        messages.append(message)
    messages.reverse()  # Slack: newest first
    page, cursor = _cursor_page(request, messages)
    return {
        "ok": True,
        "messages": page,
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


# -- QuickBooks ------------------------------------------------------------------------------

PACIFIC = dt.timezone(dt.timedelta(hours=-8))
QBO_ENTITIES = {e.lower(): e for e in KINDS["quickbooks"]}
_QUERY = re.compile(
    r"select\s+\*\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+metadata\.lastupdatedtime\s*(?P<op>>=|>)\s*'(?P<since>[^']+)')?"
    r"(?:\s+orderby\s+[\w.]+(?:\s+(?:asc|desc))?)?"
    r"(?:\s+startposition\s+(?P<start>\d+))?"
    r"(?:\s+maxresults\s+(?P<max>\d+))?\s*$",
    re.IGNORECASE,
)


def _qbo_time(t: dt.datetime) -> str:
    return t.astimezone(PACIFIC).isoformat()


def _qbo_now() -> str:
    return _qbo_time(dt.datetime.now(dt.UTC).replace(microsecond=0))


def _qbo_fault(status: int, message: str, code: str, kind: str) -> Response:
    error = {"Message": message, "Detail": message, "code": code, "element": ""}
    return JSON({"Fault": {"Error": [error], "type": kind}, "time": _qbo_now()}, status)


def _qbo_unauthorized(reason: str) -> Response:
    error = {
        "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "detail": f"Token {reason}",
        "code": "3200",
    }
    return JSON({"fault": {"error": [error], "type": "AUTHENTICATION"}, "time": _qbo_now()}, 401)


def _money(r: Row, low: int, high: int) -> float:
    return r.rng.randint(low * 100, high * 100) / 100


def _qbo(entity: str, realm: str, r: Row) -> dict[str, Any]:
    meta = {"CreateTime": _qbo_time(r.created), "LastUpdatedTime": _qbo_time(r.updated)}
    base: dict[str, Any] = {"Id": r.id, "SyncToken": "1" if r.updated > r.created else "0"}
    base |= {"domain": "QBO", "sparse": False, "MetaData": meta}
    usd = {"value": "USD", "name": "United States Dollar"}
    first, last = r.person
    if entity in ("Customer", "Vendor"):
        name = f"{first} {last}" if entity == "Customer" else r.company
        email = f"{first}.{last}{r.n}".lower() + "@example.com"
        return base | {
            "DisplayName": name,
            "CompanyName": r.company,
            "GivenName": first,
            "FamilyName": last,
            "PrimaryEmailAddr": {"Address": email},
            "Balance": _money(r, 0, 500) if r.n % 3 else 0,
            "Active": r.n % 11 != 0,
            "CurrencyRef": usd,
        }
    customers = max(1, (BOOKS.get(("quickbooks", realm)) or Book()).records)
    if entity == "Invoice":
        total = _money(r, 50, 5000)
        paid = r.rng.random() < 0.6
        return base | {
            "DocNumber": str(1000 + r.n),
            "TxnDate": r.created.date().isoformat(),
            "DueDate": (r.created + dt.timedelta(days=30)).date().isoformat(),
            "TotalAmt": total,
            "Balance": 0 if paid else total,
            "CurrencyRef": usd,
            "CustomerRef": {"value": str((r.n - 1) % customers + 1), "name": f"{first} {last}"},
            "Line": [{"Amount": total, "DetailType": "SalesItemLineDetail"}],
        }
    return base | {
        "TxnDate": r.created.date().isoformat(),
        "TotalAmt": _money(r, 5, 2000),
        "PaymentType": r.rng.choice(("Cash", "CreditCard", "Check")),
        "AccountRef": {"value": "35", "name": "Checking"},
        "EntityRef": {"value": str((r.n - 1) % customers + 1), "name": r.company, "type": "Vendor"},
        "CurrencyRef": usd,
    }


def _qbo_realm(request: Request, access: Access) -> Response | None:
    if request.path_params["realm"] != access.grant.account_id:
        return _qbo_fault(403, "Permission Denied Error", "5020", "AuthorizationFault")
    return None


async def qbo_query(request: Request, access: Access) -> Any:
    if (denied := _qbo_realm(request, access)) is not None:
        return denied
    match = _QUERY.match(request.query_params.get("query", "").strip())
    entity = QBO_ENTITIES.get((match["entity"] if match else "").lower())
    if match is None or entity is None:
        return _qbo_fault(400, "Error parsing query", "4000", "ValidationFault")
    realm = access.grant.account_id
    found = rows("quickbooks", realm, entity)
    if match["since"]:
        try:
            since = dt.datetime.fromisoformat(match["since"].replace("Z", "+00:00"))
        except ValueError:
            return _qbo_fault(400, "Error parsing query", "4000", "ValidationFault")
        if since.tzinfo is None:
            since = since.replace(tzinfo=PACIFIC)
        strict = match["op"] == ">"
        found = [r for r in found if r.updated > since or (not strict and r.updated == since)]
    start = max(1, int(match["start"] or 1))
    size = max(1, min(int(match["max"] or 100), 1000))
    page = found[start - 1 : start - 1 + size]
    if not page:
        return {"QueryResponse": {}, "time": _qbo_now()}
    docs = [_qbo(entity, realm, r) for r in page]
    body = {entity: docs, "startPosition": start, "maxResults": len(docs)}
    return {"QueryResponse": body, "time": _qbo_now()}


async def qbo_read(request: Request, access: Access) -> Any:
    if (denied := _qbo_realm(request, access)) is not None:
        return denied
    entity = QBO_ENTITIES.get(request.path_params["entity"].lower())
    if entity is None:
        return _qbo_fault(400, "Unsupported Operation", "500", "ValidationFault")
    realm, wanted = access.grant.account_id, request.path_params["id"]
    row = next((r for r in rows("quickbooks", realm, entity) if r.id == wanted), None)
    if row is None:
        return _qbo_fault(404, "Object Not Found", "610", "ValidationFault")
    return {entity: _qbo(entity, realm, row), "time": _qbo_now()}


# -- Xero ------------------------------------------------------------------------------------


def _xero_date(t: dt.datetime) -> str:
    return f"/Date({int(t.timestamp() * 1000)}+0000)/"


def _xero_unauthorized(reason: str) -> Response:
    detail = "TokenExpired: token expired" if "expired" in reason else "AuthenticationUnsuccessful"
    body = {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": detail}
    return JSON(body, 401, headers={"WWW-Authenticate": f'Bearer error="{detail}"'})


def _xero_contact(tenant: str, n: int) -> dict[str, Any]:
    return {"ContactID": row_id("xero", tenant, "Contacts", n), "Name": f"Contact {n}"}


def _xero(kind: str, tenant: str, r: Row) -> dict[str, Any]:
    common = {"UpdatedDateUTC": _xero_date(r.updated)}
    contacts = max(1, (BOOKS.get(("xero", tenant)) or Book()).records)
    contact = _xero_contact(tenant, (r.n - 1) % contacts + 1)
    if kind == "Contacts":
        first, last = r.person
        return common | {
            "ContactID": r.id,
            "Name": f"Contact {r.n}",
            "FirstName": first,
            "LastName": last,
            "EmailAddress": f"{first}.{last}{r.n}".lower() + "@example.com",
            "ContactStatus": "ACTIVE" if r.n % 9 else "ARCHIVED",
            "IsSupplier": r.n % 2 == 0,
            "IsCustomer": r.n % 2 == 1,
        }
    total = _money(r, 20, 4000)
    tax = round(total * 0.1, 2)
    if kind == "BankTransactions":
        return common | {
            "BankTransactionID": r.id,
            "Type": r.rng.choice(("RECEIVE", "SPEND")),
            "Contact": contact,
            "Date": _xero_date(r.created),
            "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "SubTotal": total,
            "TotalTax": tax,
            "Total": round(total + tax, 2),
            "CurrencyCode": "USD",
            "IsReconciled": r.n % 3 == 0,
            "BankAccount": {
                "AccountID": str(uuid.UUID(digest(tenant, "bank")[:32])),
                "Code": "090",
                "Name": "Business Bank Account",
            },
        }
    status = r.rng.choice(("PAID", "AUTHORISED", "AUTHORISED", "DRAFT"))
    paid = round(total + tax, 2) if status == "PAID" else 0
    return common | {
        "Type": "ACCREC" if r.n % 2 else "ACCPAY",
        "InvoiceID": r.id,
        "InvoiceNumber": f"INV-{r.n:04d}" if r.n % 2 else "",
        "Reference": f"Ref {r.n}",
        "Contact": contact,
        "Date": _xero_date(r.created),
        "DueDate": _xero_date(r.created + dt.timedelta(days=30)),
        "Status": status,
        "LineAmountTypes": "Exclusive",
        "SubTotal": total,
        "TotalTax": tax,
        "Total": round(total + tax, 2),
        "AmountDue": round(total + tax - paid, 2),
        "AmountPaid": paid,
        "CurrencyCode": "USD",
    }


_WHERE = re.compile(r'^\s*Type\s*==\s*"(?P<type>\w+)"\s*$')


def _xero_list(kind: str) -> Any:
    async def handler(request: Request, access: Access) -> Any:
        tenant = access.grant.account_id
        if request.headers.get("xero-tenant-id") != tenant:
            body = {
                "Type": None,
                "Title": "Forbidden",
                "Status": 403,
                "Detail": "AuthorizationUnsuccessful",
            }
            return JSON(body, 403)
        q = request.query_params
        page = int(q["page"]) if q.get("page", "").isdigit() else 1
        size = int(q["pageSize"]) if q.get("pageSize", "").isdigit() else 100
        size = max(1, min(size, 1000))
        found = [_xero(kind, tenant, r) for r in rows("xero", tenant, kind)]
        if q.get("where"):
            match = _WHERE.match(q["where"])
            if match is None:
                return JSON({"Type": "QueryParseException", "Message": "Bad where"}, 400)
            found = [d for d in found if d.get("Type") == match["type"]]
        if since := request.headers.get("if-modified-since"):
            try:
                floor = dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
            except ValueError:
                return JSON({"Type": "ValidationException", "Message": "If-Modified-Since"}, 400)
            floor = floor if floor.tzinfo else floor.replace(tzinfo=dt.UTC)
            found = [d for d in found if _from_xero(d["UpdatedDateUTC"]) > floor]
        chunk = found[(max(page, 1) - 1) * size : max(page, 1) * size]
        return {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": "fingate sandbox",
            "DateTimeUTC": _xero_date(dt.datetime.now(dt.UTC)),
            kind: chunk,
        }

    return handler


def _from_xero(text: str) -> dt.datetime:
    ms = int(re.match(r"/Date\((-?\d+)", text)[1])  # type: ignore[index]
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC)


SLACK = guarded("slack", _slack_unauthorized)
QBO = guarded("quickbooks", _qbo_unauthorized)
XERO = guarded("xero", _xero_unauthorized)

ROUTES: list[BaseRoute] = [
    Route("/slack/api/conversations.list", SLACK(slack_conversations), methods=["GET", "POST"]),
    Route("/slack/api/users.list", SLACK(slack_users), methods=["GET", "POST"]),
    Route("/slack/api/conversations.history", SLACK(slack_history), methods=["GET", "POST"]),
    Route("/intuit/v3/company/{realm}/query", QBO(qbo_query), methods=["GET"]),
    Route("/intuit/v3/company/{realm}/{entity}/{id}", QBO(qbo_read), methods=["GET"]),
    *(
        Route(f"/xero/api.xro/2.0/{kind}", XERO(_xero_list(kind)), methods=["GET"])
        for kind in KINDS["xero"]
    ),
    Route("/apps/_sandbox/data", data_knob, methods=["POST"]),
]
