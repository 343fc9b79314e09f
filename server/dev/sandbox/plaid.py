"""Plaid-compatible endpoints under `/plaid`, answering like Plaid's own sandbox environment.

plaid-python reaches it with `host = <sandbox>/plaid`. Every request is a JSON POST carrying
`client_id` and `secret` in the body or, as plaid-python sends them, in PLAID-CLIENT-ID /
PLAID-SECRET headers (any non-empty pair, except that the sandbox's own client id,
config.SANDBOX_PLAID_CLIENT_ID, needs its own secret; 400 INVALID_API_KEYS otherwise). Errors
have Plaid's body `{error_type, error_code, error_message, display_message, request_id}` and
status, and every answer also deserializes into plaid-python's models.

Plaid endpoints: `/sandbox/public_token/create`, `/item/public_token/exchange`,
`/link/token/create`, `/accounts/get`, `/accounts/balance/get`, `/auth/get`, `/item/get`,
`/institutions/get_by_id`, `/transactions/sync`, `/item/remove`, `/sandbox/item/reset_login`.

Data. Each item has deterministic accounts and transactions (server/dev/sandbox/ledger.py) derived
from its item id. `/sandbox/public_token/create` takes, besides Plaid's own fields:
- `options.transactions.count_per_account` (default 25, up to 1,000,000): the history length of
  every account with transactions (checking, savings, money market, credit card). Derived per
  index, so 100k-transaction items cost nothing until paged.
- `options.transactions.start_date` / `end_date` / `days_requested` (Plaid's own): the span
  of the history (default 2024-11-02 .. 2025-01-31, fixed so the data never depends on the day).
- `options.accounts`: account kinds, default `["checking", "savings", "credit card"]`; also
  "money market", "cd", "brokerage", "ira", "roth", "401k", "hsa", "mortgage", "student".
The newest three transactions of each account are pending (a quarter of the history at most).
Amounts follow Plaid: positive = money out. Institutions: Plaid's sandbox ones (ins_109508
First Platypus Bank … ins_109512 Houndstooth Bank) and ins_1, ins_3, ins_4, ins_5 (Bank of
America, Chase, Wells Fargo, Citi); others answer INVALID_INSTITUTION.

`/transactions/sync` cursors are stateless (`base64(item, from_version, to_version, offset)`):
every cursor the sandbox ever issued for an item keeps working, also after advances. A page
cursor taken before an advance finishes the old pagination; the final cursor then picks up
the advance on the next call.

Sandbox-only knobs (same auth body as every call, plus `access_token`):
- `POST /plaid/sandbox/transactions/advance` `{added: 2, posted: 1, modified: 1, removed: 1}`
  (per account, the defaults shown): makes time pass. Adds `added` transactions (the first of
  each account pending), posts up to `posted` pending ones (the pending one is `removed`; the
  posted one is `added` with a new transaction_id and `pending_transaction_id`), modifies
  `modified` posted ones (the amount grows by 1.00 each time) and removes `removed` (both taken
  from the newest posted transactions not touched before); new ones are dated end_date plus
  the advance's number in days. Answers
  `{version, added: [ids], modified: [ids], removed: [ids], request_id}`; a sync from the
  previous final cursor returns exactly those changes.
- `POST /plaid/sandbox/item/reset_login` (Plaid's own): later calls fail with 400 ITEM_ERROR
  ITEM_LOGIN_REQUIRED; `/item/get` still answers, with the error in `item.error`.
- `POST /plaid/sandbox/item/faults` `{server_errors: N, server_error_code:
  "INTERNAL_SERVER_ERROR" | "PLANNED_MAINTENANCE", sync_mutations: N, delay_ms: M,
  login_required: false}` (each field optional; omitted ones keep their value):
  the next N item calls (any endpoint taking the access token, knobs aside) answer 500
  INTERNAL_SERVER_ERROR (API_ERROR) or 503 PLANNED_MAINTENANCE; the next N
  `/transactions/sync` calls whose cursor is mid-pagination answer 400
  TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION; every item call first sleeps M ms;
  `login_required: false` undoes reset_login (the user re-authenticated in Link).
After `/item/remove`, the access token answers 400 ITEM_ERROR ITEM_NOT_FOUND; a token the
sandbox never issued answers 400 INVALID_INPUT INVALID_ACCESS_TOKEN (unknown public tokens:
INVALID_PUBLIC_TOKEN). State lives in process memory.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import functools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from server.dev.sandbox import ledger
from server.dev.sandbox.responses import JSON
from server.platform.config import SANDBOX_PLAID_CLIENT_ID, SANDBOX_PLAID_SECRET

# Plaid's sandbox institutions (ids as in Plaid's sandbox) and a few large banks.
INSTITUTIONS: dict[str, dict[str, str]] = {
    "ins_109508": {"name": "First Platypus Bank", "url": "https://plaid.com"},
    "ins_109509": {"name": "First Gingham Credit Union", "url": "https://plaid.com"},
    "ins_109510": {"name": "Tattersall Federal Credit Union", "url": "https://plaid.com"},
    "ins_109511": {"name": "Tartan Bank", "url": "https://plaid.com"},
    "ins_109512": {"name": "Houndstooth Bank", "url": "https://plaid.com"},
    "ins_1": {"name": "Bank of America", "url": "https://www.bankofamerica.com"},
    "ins_3": {"name": "Chase", "url": "https://www.chase.com"},
    "ins_4": {"name": "Wells Fargo", "url": "https://www.wellsfargo.com"},
    "ins_5": {"name": "Citi", "url": "https://www.citi.com"},
}
# A 1x1 PNG: Plaid sends institution logos as base64 PNG data.
LOGO = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5E"
    "rkJggg=="
)
PRODUCTS = ["assets", "auth", "balance", "identity", "transactions"]
MAX_SYNC_COUNT = 500


class PlaidError(Exception):
    def __init__(self, status: int, error_type: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_type, self.code, self.message = status, error_type, code, message


def _invalid(code: str, message: str) -> PlaidError:
    return PlaidError(400, "INVALID_INPUT", code, message)


def _invalid_field(message: str) -> PlaidError:
    return PlaidError(400, "INVALID_REQUEST", "INVALID_FIELD", message)


@dataclass
class Item:
    item_id: str
    access_token: str
    institution_id: str
    ledger: ledger.Ledger
    products: list[str]
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    removed: bool = False
    login_required: bool = False
    server_errors: int = 0
    server_error_code: str = "INTERNAL_SERVER_ERROR"
    sync_mutations: int = 0
    delay_ms: int = 0


@dataclass
class State:
    public_tokens: dict[str, Item] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)  # by access token


STATE = State()


def _request_id() -> str:
    return uuid.uuid4().hex[:15]


def _error(err: PlaidError) -> JSON:
    return JSON(
        {
            "error_type": err.error_type,
            "error_code": err.code,
            "error_message": err.message,
            "display_message": None,
            "request_id": _request_id(),
            "causes": [],
            "status": err.status,
            "documentation_url": "https://plaid.com/docs/errors/",
            "suggested_action": None,
        },
        status_code=err.status,
    )


def _ok(body: dict[str, Any]) -> JSON:
    return JSON({**body, "request_id": _request_id()})


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _invalid_field("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _invalid_field("request body must be a JSON object")
    # Plaid takes the keys in the body or, as plaid-python sends them, in headers.
    client_id = body.get("client_id") or request.headers.get("plaid-client-id")
    secret = body.get("secret") or request.headers.get("plaid-secret")
    known = client_id == SANDBOX_PLAID_CLIENT_ID
    if not client_id or not secret or (known and secret != SANDBOX_PLAID_SECRET):
        raise _invalid("INVALID_API_KEYS", "invalid client_id or secret provided")
    return body


def _item(body: dict[str, Any]) -> Item:
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise _invalid_field("access_token must be a non-empty string")
    item = STATE.items.get(token)
    if item is None:
        raise _invalid("INVALID_ACCESS_TOKEN", "provided access token is in an invalid format")
    if item.removed:
        raise PlaidError(
            400,
            "ITEM_ERROR",
            "ITEM_NOT_FOUND",
            "the requested item was not found; it was removed via /item/remove",
        )
    return item


async def _faults(item: Item, *, check_login: bool = True) -> None:
    """The item's failure knobs, in the order a real call would meet them."""
    if item.delay_ms:
        await asyncio.sleep(item.delay_ms / 1000)
    if item.server_errors > 0:
        item.server_errors -= 1
        if item.server_error_code == "PLANNED_MAINTENANCE":
            raise PlaidError(
                503, "API_ERROR", "PLANNED_MAINTENANCE", "the Plaid API is under maintenance"
            )
        raise PlaidError(500, "API_ERROR", "INTERNAL_SERVER_ERROR", "an unexpected error occurred")
    if check_login and item.login_required:
        raise PlaidError(
            400,
            "ITEM_ERROR",
            "ITEM_LOGIN_REQUIRED",
            "the login details of this item have changed (credentials, MFA, or required user "
            "action) and a user login is required to update this information",
        )


# -- rendering ------------------------------------------------------------------------------


def _money(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _account(a: ledger.Account) -> dict[str, Any]:
    return {
        "account_id": a.id,
        "balances": {
            "available": _money(a.available),
            "current": _money(a.current),
            "limit": _money(a.limit),
            "iso_currency_code": "USD",
            "unofficial_currency_code": None,
        },
        "mask": a.mask,
        "name": f"Plaid {a.kind.name}",
        "official_name": f"Plaid {a.kind.name} Account",
        "type": a.kind.type,
        "subtype": a.kind.subtype,
    }


def _item_body(item: Item) -> dict[str, Any]:
    error = None
    if item.login_required:
        error = {
            "error_type": "ITEM_ERROR",
            "error_code": "ITEM_LOGIN_REQUIRED",
            "error_message": "a user login is required to update this information",
            "display_message": None,
            "request_id": "",
        }
    return {
        "item_id": item.item_id,
        "institution_id": item.institution_id,
        "webhook": "",
        "error": error,
        "available_products": [p for p in PRODUCTS if p not in item.products],
        "billed_products": item.products,
        "products": item.products,
        "consent_expiration_time": None,
        "update_type": "background",
    }


# Fields every sandbox transaction has the same (or per merchant): built once and shared, as
# the JSON encoder only reads them. A first sync renders 100,000 of these.
_NO_LOCATION = {
    "address": None,
    "city": None,
    "region": None,
    "postal_code": None,
    "country": None,
    "lat": None,
    "lon": None,
    "store_number": None,
}
_NO_PAYMENT_META = {
    "by_order_of": None,
    "payee": None,
    "payer": None,
    "payment_method": None,
    "payment_processor": None,
    "ppd_id": None,
    "reason": None,
    "reference_number": None,
}


@functools.cache
def _merchant_fields(m: ledger.Merchant) -> dict[str, Any]:
    return {
        "merchant_name": m.name,
        "name": m.description,
        "payment_channel": m.channel,
        "personal_finance_category": {
            "primary": m.primary,
            "detailed": m.detailed,
            "confidence_level": "VERY_HIGH",
        },
        "transaction_type": "place" if m.channel == "in store" else "special",
    }


@functools.lru_cache(maxsize=4096)
def _day(value: dt.date) -> str:
    return value.isoformat()


def _txn(t: ledger.Txn) -> dict[str, Any]:
    return {
        "account_id": t.account.id,
        "account_owner": None,
        "amount": t.amount_cents / 100,
        "iso_currency_code": "USD",
        "unofficial_currency_code": None,
        "category": None,
        "category_id": None,
        "check_number": None,
        "counterparties": [],
        "date": _day(t.date),
        "datetime": None,
        "authorized_date": _day(t.authorized_at.date()),
        "authorized_datetime": t.authorized_at.isoformat().replace("+00:00", "Z"),
        "location": _NO_LOCATION,
        "logo_url": None,
        "merchant_entity_id": None,
        **_merchant_fields(t.merchant),
        "payment_meta": _NO_PAYMENT_META,
        "pending": t.pending,
        "pending_transaction_id": t.pending_id,
        "transaction_code": None,
        "transaction_id": t.id,
        "website": None,
    }


# -- endpoints ------------------------------------------------------------------------------


def _date(value: Any, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _invalid_field(f"{name} must be a date YYYY-MM-DD") from None


def _spec(seed: str, options: dict[str, Any]) -> ledger.Spec:
    tx = options.get("transactions") or {}
    if not isinstance(tx, dict):
        raise _invalid_field("options.transactions must be an object")
    count = tx.get("count_per_account", ledger.DEFAULT_COUNT_PER_ACCOUNT)
    if not isinstance(count, int) or not 0 <= count <= ledger.MAX_COUNT_PER_ACCOUNT:
        raise _invalid_field(
            f"options.transactions.count_per_account must be 0..{ledger.MAX_COUNT_PER_ACCOUNT}"
        )
    end = _date(tx["end_date"], "end_date") if tx.get("end_date") else ledger.DEFAULT_END_DATE
    days = ledger.DEFAULT_DAYS
    if tx.get("start_date"):
        days = max((end - _date(tx["start_date"], "start_date")).days, 1)
    elif isinstance(tx.get("days_requested"), int):
        days = max(tx["days_requested"], 1)
    kinds = options.get("accounts") or list(ledger.DEFAULT_KINDS)
    if not isinstance(kinds, list) or any(k not in ledger.KINDS for k in kinds):
        raise _invalid_field(f"options.accounts must list kinds of {sorted(ledger.KINDS)}")
    return ledger.Spec(
        seed=seed, kinds=tuple(kinds), count_per_account=count, days=days, end_date=end
    )


async def public_token_create(body: dict[str, Any]) -> dict[str, Any]:
    institution_id = body.get("institution_id")
    if institution_id not in INSTITUTIONS:
        raise _invalid("INVALID_INSTITUTION", f"invalid institution_id {institution_id!r}")
    products = body.get("initial_products")
    if not isinstance(products, list) or not products:
        raise _invalid_field("initial_products must be a non-empty list")
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise _invalid_field("options must be an object")
    item_id = ledger.token("item", uuid.uuid4().hex)
    item = Item(
        item_id=item_id,
        access_token=f"access-sandbox-{uuid.uuid4()}",
        institution_id=institution_id,
        ledger=ledger.Ledger(_spec(item_id, options)),
        products=[p for p in products if isinstance(p, str)],
    )
    public_token = f"public-sandbox-{uuid.uuid4()}"
    STATE.public_tokens[public_token] = item
    return {"public_token": public_token}


async def public_token_exchange(body: dict[str, Any]) -> dict[str, Any]:
    # A public token is single-use, as Plaid's are.
    item = STATE.public_tokens.pop(body.get("public_token") or "", None)
    if item is None:
        raise _invalid("INVALID_PUBLIC_TOKEN", "provided public token is in an invalid format")
    STATE.items[item.access_token] = item
    return {"access_token": item.access_token, "item_id": item.item_id}


async def link_token_create(body: dict[str, Any]) -> dict[str, Any]:
    user = body.get("user") or {}
    if not isinstance(user, dict) or not user.get("client_user_id"):
        raise _invalid_field("user.client_user_id must be a non-empty string")
    expiration = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=4)
    return {
        "link_token": f"link-sandbox-{uuid.uuid4()}",
        "expiration": expiration.isoformat().replace("+00:00", "Z"),
    }


async def accounts_get(body: dict[str, Any]) -> dict[str, Any]:
    item = _item(body)
    await _faults(item)
    return {"accounts": [_account(a) for a in item.ledger.accounts], "item": _item_body(item)}


async def auth_get(body: dict[str, Any]) -> dict[str, Any]:
    item = _item(body)
    await _faults(item)
    depository = [a for a in item.ledger.accounts if a.kind.type == "depository"]
    return {
        "accounts": [_account(a) for a in item.ledger.accounts],
        "numbers": {
            "ach": [
                {
                    "account_id": a.id,
                    "account": a.number,
                    "routing": a.routing,
                    "wire_routing": "021000021",
                }
                for a in depository
            ],
            "eft": [],
            "international": [],
            "bacs": [],
        },
        "item": _item_body(item),
    }


async def item_get(body: dict[str, Any]) -> dict[str, Any]:
    item = _item(body)
    await _faults(item, check_login=False)
    return {
        "item": _item_body(item),
        "status": {"transactions": None, "investments": None, "last_webhook": None},
    }


async def institutions_get_by_id(body: dict[str, Any]) -> dict[str, Any]:
    institution_id = body.get("institution_id")
    found = INSTITUTIONS.get(institution_id or "")
    if found is None:
        raise _invalid("INVALID_INSTITUTION", f"invalid institution_id {institution_id!r}")
    metadata = bool((body.get("options") or {}).get("include_optional_metadata"))
    return {
        "institution": {
            "institution_id": institution_id,
            "name": found["name"],
            "products": PRODUCTS,
            "country_codes": ["US"],
            "url": found["url"] if metadata else None,
            "primary_color": "#1f1f1f" if metadata else None,
            "logo": LOGO if metadata else None,
            "routing_numbers": ["011401533"],
            "oauth": False,
            "dtc_numbers": [],
            "connection_availability": "SUPPORTED",
        }
    }


def _encode_cursor(item: Item, since: int, at: int, offset: int) -> str:
    raw = f"{item.item_id}.{since}.{at}.{offset}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(item: Item, cursor: str) -> tuple[int, int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        item_id, since, at, offset = raw.split(".")
        parsed = int(since), int(at), int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _invalid_field("cursor is not a cursor this endpoint issued") from None
    if item_id != item.item_id or parsed[1] > item.ledger.version:
        raise _invalid_field("cursor is not a cursor this endpoint issued for this item")
    return parsed


async def transactions_sync(body: dict[str, Any]) -> dict[str, Any]:
    item = _item(body)
    count = body.get("count", 100)
    if not isinstance(count, int) or not 1 <= count <= MAX_SYNC_COUNT:
        raise _invalid_field(f"count must be between 1 and {MAX_SYNC_COUNT}")
    cursor = body.get("cursor") or ""
    book = item.ledger
    if cursor:
        since, at, offset = _decode_cursor(item, cursor)
    else:
        since, at, offset = -1, book.version, 0
    await _faults(item)
    if offset and item.sync_mutations > 0:
        item.sync_mutations -= 1
        raise PlaidError(
            400,
            "TRANSACTIONS_ERROR",
            "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
            "underlying transaction data changed since the last page was fetched; "
            "restart the pagination loop from the first cursor",
        )
    if offset == 0 and since == at:
        at = book.version  # a caught-up cursor starts a new pagination at today's data
    added: list[dict[str, Any]] = []
    modified: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    if since < 0:
        total = book.snapshot_size(at)
        added = [_txn(t) for t in book.snapshot(at, offset, count)]
    else:
        changes = book.delta(since, at)
        total = len(changes)
        for what, key in changes[offset : offset + count]:
            if what == "removed":
                account = book.accounts[key[0]]
                removed.append({"transaction_id": book.txn_id(key), "account_id": account.id})
            else:
                (added if what == "added" else modified).append(_txn(book.render(key, at)))
    end = offset + count
    has_more = end < total
    next_cursor = (
        _encode_cursor(item, since, at, end) if has_more else _encode_cursor(item, at, at, 0)
    )
    return {
        "added": added,
        "modified": modified,
        "removed": removed,
        "next_cursor": next_cursor,
        "has_more": has_more,
        "accounts": [_account(a) for a in book.accounts],
        "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
    }


async def item_remove(body: dict[str, Any]) -> dict[str, Any]:
    item = _item(body)
    await _faults(item, check_login=False)
    item.removed = True
    return {}


async def reset_login(body: dict[str, Any]) -> dict[str, Any]:
    item = _item(body)
    item.login_required = True
    return {"reset_login": True}


def _count(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10_000:
        raise _invalid_field(f"{name} must be an integer 0..10000")
    return value


async def advance(body: dict[str, Any]) -> dict[str, Any]:
    item = _item(body)
    return item.ledger.advance(
        added=_count(body, "added", 2),
        posted=_count(body, "posted", 1),
        modified=_count(body, "modified", 1),
        removed=_count(body, "removed", 1),
    )


async def faults(body: dict[str, Any]) -> dict[str, Any]:
    item = _item(body)
    if "server_errors" in body:
        item.server_errors = _count(body, "server_errors", 0)
    if "server_error_code" in body:
        code = body["server_error_code"]
        if code not in ("INTERNAL_SERVER_ERROR", "PLANNED_MAINTENANCE"):
            raise _invalid_field("server_error_code: INTERNAL_SERVER_ERROR or PLANNED_MAINTENANCE")
        item.server_error_code = code
    if "sync_mutations" in body:
        item.sync_mutations = _count(body, "sync_mutations", 0)
    if "delay_ms" in body:
        item.delay_ms = _count(body, "delay_ms", 0)
    if "login_required" in body:
        item.login_required = bool(body["login_required"])
    return {
        "server_errors": item.server_errors,
        "server_error_code": item.server_error_code,
        "sync_mutations": item.sync_mutations,
        "delay_ms": item.delay_ms,
        "login_required": item.login_required,
    }


_HANDLERS = {
    "/sandbox/public_token/create": public_token_create,
    "/item/public_token/exchange": public_token_exchange,
    "/link/token/create": link_token_create,
    "/accounts/get": accounts_get,
    "/accounts/balance/get": accounts_get,
    "/auth/get": auth_get,
    "/item/get": item_get,
    "/institutions/get_by_id": institutions_get_by_id,
    "/transactions/sync": transactions_sync,
    "/item/remove": item_remove,
    "/sandbox/item/reset_login": reset_login,
    "/sandbox/transactions/advance": advance,
    "/sandbox/item/faults": faults,
}


def _endpoint(handler: Any) -> Any:
    async def endpoint(request: Request) -> JSON:
        try:
            return _ok(await handler(await _body(request)))
        except PlaidError as err:
            return _error(err)

    return endpoint


ROUTES: list[BaseRoute] = [
    Route(f"/plaid{path}", _endpoint(handler), methods=["POST"])
    for path, handler in _HANDLERS.items()
]
