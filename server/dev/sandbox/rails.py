"""Two payment rails, ACH under `/ach` and SWIFT under `/swift`: a made-up but realistic REST
API of a bank's payment gateway, one shape for both.

Auth: `Authorization: Bearer <api_key>`; the sandbox knows any key starting `sk_rail_test_`
(401 `unauthorized` otherwise). An `Originator-Id` header, when sent, names the originator the
key acts for (ACH: a 10-character company id such as `1234567890`; SWIFT: the BIC, 8 or 11
characters such as `FNGTUS33`): a malformed one is 403 `originator_invalid`. Errors are
`{"error": {"code", "message"}}`; refusals of a payment also carry `executed: false`.

Endpoints (`{rail}` is `ach` or `swift`):
- `GET /{rail}/v1/auth` → `{"ok": true, "originator": {"id", "name"}, "rail"}`.
- `GET /{rail}/v1/customers/{customer_id}/accounts` → `{"data": [account]}`: one to three
  accounts derived from (rail, customer_id): `account_id`, the full `account_number`,
  `routing_number` (ACH, a valid ABA number), `iban` (valid check digits) and `swift_code`
  (SWIFT), `account_type` CHECKING/SAVINGS, `bank_name`, `currency` (USD on ACH, EUR or GBP on
  SWIFT), `balance`, `available_balance` (JSON numbers, at most 2 decimals) and
  `account_holder_name`.
- `GET /{rail}/v1/accounts/{account_id}/transactions?start=&end=&limit=` → `{"data": [...]}`,
  newest first: `transaction_id`, `account_id`, `amount` (positive; the direction is `type`
  DEBIT or CREDIT), `currency`, `type`, `status` (COMPLETED, PENDING or FAILED), `description`,
  `timestamp` (RFC 3339), `reference_id`, `counterparty_account`, `counterparty_name`, `fees`,
  `exchange_rate` (SWIFT; null when no conversion) and `metadata`. `start`/`end` are RFC 3339
  times or dates (inclusive), `limit` 1..500 (default 100). The history is 40 transactions over
  the 180 days before HISTORY_END (fixed), plus the payments made from the account. Account ids
  carry a check: one the rail never issued is 404 `not_found`.
- `POST /{rail}/v1/payments` with `Idempotency-Key` (required, 400 without) and
  `{amount (string or number, > 0, at most 2 decimals), currency, from_account, to_account,
  description, reference_id?, metadata?}` → 201 the payment (`id`, `status` PENDING, `amount`
  as a string, …). The same key again → 200 the same payment (never a second one); the same
  key with another body → 409 `idempotency_conflict`. A malformed body → 400 `invalid_request`
  (`executed: false`). Refusals → 422 `payment_refused` with `executed: false`: a
  `from_account` this rail never issued, a currency the rail does not carry (ACH: USD only;
  SWIFT: USD, EUR, GBP, CHF, JPY, CAD, AUD), more than the account's available balance.
- `GET /{rail}/v1/payments?idempotency_key=K` → the payment, or 404 `not_found`;
  `GET /{rail}/v1/payments/{id}` → the payment, or 404.
Idempotency keys are per rail (the sandbox has one originator per rail).

Settlement. A payment is PENDING when created; the first read at or after `settlement_delay_ms`
(knob, default 0) since its creation settles it: COMPLETED, or FAILED (ACH return R01, SWIFT
AC04) when it was created while `fail_next_settlement` was armed. With the default delay the
POST answers PENDING and the next read COMPLETED. A payment holds its amount off the account's
available balance while PENDING and off its balance once COMPLETED; a FAILED one releases it.
It shows in the account's transactions as a DEBIT with the payment's id.

Knobs (sandbox-only, no auth): `POST /rails/_sandbox/settings` with JSON `{rail: "ach" |
"swift", refuse_next?: N, error_before_submit?: N, timeout_after_submit?: N, stall_ms?,
error_after_submit?: N, status_errors?: N, latency_ms?, settlement_delay_ms?,
fail_next_settlement?: N, down?: bool, reset?: bool}`; omitted fields keep their value, `reset`
first restores the defaults (recorded payments stay). `refuse_next`: the next N new payments
are refused (422, not executed); `error_before_submit`: the next N payment calls answer 503
without recording anything; `timeout_after_submit`: the next N new payments are recorded, then
the answer stalls `stall_ms` (default 15000, past a client's timeout) before it is sent;
`error_after_submit`: the next N new payments are recorded, then answer 503; `status_errors`:
the next N payment lookups (by key or id) answer 503; `latency_ms`: every call sleeps first;
`down`: every call of the rail answers 503. Answers the settings plus `payments`: `{count,
keys: {idempotency_key: payment_id}}`, what the rail recorded. `GET
/rails/_sandbox/settings?rail=ach` reads them. State lives in process memory.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.dev.sandbox import ledger
from server.dev.sandbox.oauth_apps import json_object, out_of_range
from server.dev.sandbox.responses import JSON

RAILS = ("ach", "swift")
KEY_PREFIX = "sk_rail_test_"
HISTORY_END = dt.datetime(2025, 6, 30, 12, tzinfo=dt.UTC)
HISTORY_SPAN = dt.timedelta(days=180)
HISTORY_COUNT = 40
LIMIT_MAX = 500
CURRENCIES = {"ach": frozenset({"USD"}), "swift": frozenset("USD EUR GBP CHF JPY CAD AUD".split())}
ACH_BANKS = ("JPMorgan Chase Bank", "Bank of America", "Wells Fargo Bank", "U.S. Bank", "PNC Bank")
# SWIFT banks: (name, BIC, IBAN country, currency, national bank code).
SWIFT_BANKS = (
    ("Deutsche Bank", "DEUTDEFFXXX", "DE", "EUR", "50070010"),
    ("ING Bank", "INGBNL2AXXX", "NL", "EUR", "INGB"),
    ("Barclays Bank", "BARCGB22XXX", "GB", "GBP", "BARC"),
    ("HSBC UK Bank", "HBUKGB4BXXX", "GB", "GBP", "HBUK"),
)
FIRST_NAMES = ("Alex", "Jordan", "Maria", "Chen", "Priya", "Lukas", "Amara", "Sofia", "Noah")
LAST_NAMES = ("Smith", "Garcia", "Nguyen", "Müller", "Okafor", "Rossi", "Johnson", "Dubois")
ACH_DESCRIPTIONS = (
    ("CREDIT", "PAYROLL ACME CORP", "PPD"),
    ("CREDIT", "IRS TREAS 310 TAX REF", "PPD"),
    ("DEBIT", "CITY UTILITIES AUTOPAY", "PPD"),
    ("DEBIT", "STATE FARM INSURANCE", "PPD"),
    ("DEBIT", "VENDOR PAYMENT NORTHWIND", "CCD"),
    ("CREDIT", "CUSTOMER PAYMENT CONTOSO", "CCD"),
    ("DEBIT", "ONLINE TRANSFER TO SAVINGS", "WEB"),
)
SWIFT_DESCRIPTIONS = (
    ("CREDIT", "Incoming wire: invoice settlement"),
    ("DEBIT", "Outgoing wire: supplier payment"),
    ("CREDIT", "SEPA credit transfer"),
    ("DEBIT", "International transfer: payroll"),
    ("DEBIT", "Outgoing wire: rent"),
)
# Units of the account's currency per unit of the counterparty's (a fixed sandbox table).
FX = {"USD": Decimal("1"), "EUR": Decimal("0.9215"), "GBP": Decimal("0.7874")}
FX |= {"CHF": Decimal("0.8842"), "JPY": Decimal("151.37")}
RETURN_REASONS = {"ach": "R01 Insufficient funds", "swift": "AC04 Closed account number"}
_ORIGINATOR = {
    "ach": re.compile(r"^[0-9A-Z]{10}$"),
    "swift": re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"),
}


@dataclass
class Profile:
    refuse_next: int = 0
    error_before_submit: int = 0
    timeout_after_submit: int = 0
    stall_ms: int = 15_000
    error_after_submit: int = 0
    status_errors: int = 0
    latency_ms: int = 0
    settlement_delay_ms: int = 0
    fail_next_settlement: int = 0
    down: bool = False


@dataclass
class Payment:
    id: str
    rail: str
    idempotency_key: str
    request: dict[str, Any]  # the canonical request: what a replay must match
    originator: str
    created_at: dt.datetime
    settle_at: dt.datetime
    fails: bool
    status: str = "PENDING"
    settled_at: dt.datetime | None = None


@dataclass
class Rail:
    profile: Profile = field(default_factory=Profile)
    payments: dict[str, Payment] = field(default_factory=dict)  # by id
    by_key: dict[str, str] = field(default_factory=dict)  # idempotency key → payment id


STATE: dict[str, Rail] = {rail: Rail() for rail in RAILS}


class RailFailure(Exception):
    def __init__(self, status: int, code: str, message: str, *, refusal: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.refusal = status, code, message, refusal


def _hex(*parts: object, length: int = 16) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:length]


def _cents_number(cents: int) -> float:
    """A JSON number with at most 2 decimals: the shortest repr of cents / 100 is exact."""
    return cents / 100


def _time(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- accounts --------------------------------------------------------------------------------


def account_id(rail: str, customer_id: str, index: int) -> str:
    body = f"{_hex(rail, 'account', customer_id, length=12)}{index:02d}"
    return f"{rail}_acct_{body}{_hex(rail, 'check', body, length=2)}"


def known_account(rail: str, aid: str) -> bool:
    prefix = f"{rail}_acct_"
    body, check = aid.removeprefix(prefix)[:-2], aid[-2:]
    return (
        aid.startswith(prefix)
        and len(body) == 14
        and re.fullmatch(r"[0-9a-f]{12}[0-9]{2}", body) is not None
        and check == _hex(rail, "check", body, length=2)
    )


def _aba(aid: str) -> str:
    """A routing number with a valid ABA check digit."""
    first = ledger.digits(8, "aba", aid)
    d = [int(c) for c in first]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return first + str((10 - total % 10) % 10)


def _iban(country: str, bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def _swift_bank(aid: str) -> tuple[str, str, str, str, str]:
    return SWIFT_BANKS[ledger.h("bank", aid) % len(SWIFT_BANKS)]


def _holder(customer_id: str) -> str:
    h = ledger.h("holder", customer_id)
    return f"{FIRST_NAMES[h % len(FIRST_NAMES)]} {LAST_NAMES[(h >> 8) % len(LAST_NAMES)]}"


def _currency(rail: str, aid: str) -> str:
    return "USD" if rail == "ach" else _swift_bank(aid)[3]


def _opening_cents(aid: str) -> int:
    savings = _account_type(aid) == "SAVINGS"
    return 50_000 + ledger.h("balance", aid) % (5_000_000 if savings else 2_500_000)


def _account_type(aid: str) -> str:
    index = int(aid[-4:-2])
    return "CHECKING" if index == 0 else ("SAVINGS", "CHECKING")[ledger.h("type", aid) % 2]


def _held_cents(rail: str, aid: str) -> tuple[int, int]:
    """(completed, pending) cents paid out of the account by the rail's payments."""
    completed = pending = 0
    for p in STATE[rail].payments.values():
        if p.request["from_account"] == aid:
            _settle(p)
            cents = int(Decimal(p.request["amount"]) * 100)
            if p.status == "COMPLETED":
                completed += cents
            elif p.status == "PENDING":
                pending += cents
    return completed, pending


def _available_cents(rail: str, aid: str) -> int:
    completed, pending = _held_cents(rail, aid)
    return _opening_cents(aid) - completed - pending - ledger.h("hold", aid) % 20_000


def _account(rail: str, customer_id: str, index: int) -> dict[str, Any]:
    aid = account_id(rail, customer_id, index)
    completed, _ = _held_cents(rail, aid)
    out: dict[str, Any] = {
        "account_id": aid,
        "account_type": _account_type(aid),
        "currency": _currency(rail, aid),
        "balance": _cents_number(_opening_cents(aid) - completed),
        "available_balance": _cents_number(_available_cents(rail, aid)),
        "account_holder_name": _holder(customer_id),
    }
    if rail == "ach":
        out |= {
            "account_number": ledger.digits(10 + ledger.h("len", aid) % 3, "number", aid),
            "routing_number": _aba(aid),
            "bank_name": ACH_BANKS[ledger.h("bank", aid) % len(ACH_BANKS)],
            "iban": None,
            "swift_code": None,
        }
    else:
        name, bic, country, _, code = _swift_bank(aid)
        number = ledger.digits(10 if country != "GB" else 8, "number", aid)
        bban = code + (ledger.digits(6, "sort", aid) if country == "GB" else "") + number
        out |= {
            "account_number": number,
            "routing_number": None,
            "bank_name": name,
            "iban": _iban(country, bban),
            "swift_code": bic,
        }
    return out


async def accounts(request: Request, rail: str) -> dict[str, Any]:
    customer_id = request.path_params["customer_id"]
    count = 1 + ledger.h("accounts", rail, customer_id) % 3
    return {"data": [_account(rail, customer_id, i) for i in range(count)]}


# -- transactions ----------------------------------------------------------------------------


def _history_row(rail: str, aid: str, i: int) -> dict[str, Any]:
    """Transaction i of the account's fixed history (0 = the newest)."""
    spacing = HISTORY_SPAN / HISTORY_COUNT
    at = HISTORY_END - spacing * (i + (ledger.h("jitter", aid, i) % 900) / 1000)
    r = ledger.h("txn", aid, i)
    currency = _currency(rail, aid)
    cents = 1_000 + r % 450_000
    status = "PENDING" if i < 2 else ("FAILED" if r % 29 == 0 else "COMPLETED")
    tid = f"{rail}_txn_{_hex(rail, aid, i, length=20)}"
    counterparty = ledger.digits(10, "counterparty", aid, i)
    row: dict[str, Any] = {"transaction_id": tid, "account_id": aid, "currency": currency}
    row |= {"status": status, "timestamp": _time(at.replace(microsecond=0))}
    if rail == "ach":
        kind, description, sec = ACH_DESCRIPTIONS[r % len(ACH_DESCRIPTIONS)]
        trace = _aba(aid)[:8] + ledger.digits(7, "trace", aid, i)
        row |= {
            "amount": _cents_number(cents),
            "type": kind,
            "description": description,
            "reference_id": trace,
            "counterparty_account": counterparty,
            "counterparty_name": description.split(" ")[-1].title(),
            "fees": _cents_number(25) if kind == "DEBIT" else None,
            "exchange_rate": None,
            "metadata": {"sec_code": sec, "trace_number": trace},
        }
    else:
        kind, description = SWIFT_DESCRIPTIONS[r % len(SWIFT_DESCRIPTIONS)]
        other = ("USD", currency, "CHF")[(r >> 16) % 3]
        rate = None
        if other != currency:
            rate = (FX[currency] / FX[other]).quantize(Decimal("0.000001"))
        name, bic, country, _, code = SWIFT_BANKS[(r >> 8) % len(SWIFT_BANKS)]
        uetr = str(uuid.UUID(_hex("uetr", aid, i, length=32), version=4))
        row |= {
            "amount": _cents_number(cents),
            "type": kind,
            "description": description,
            "reference_id": "FT" + ledger.digits(14, "ref", aid, i),
            "counterparty_account": _iban(country, code + counterparty),
            "counterparty_name": f"{LAST_NAMES[r % len(LAST_NAMES)]} Holdings Ltd",
            "fees": _cents_number((1_500, 2_500)[r % 2]) if kind == "DEBIT" else None,
            "exchange_rate": None if rate is None else float(rate),
            "metadata": {"uetr": uetr, "charges": "SHA", "counterparty_bic": bic},
        }
    return row


def _payment_row(p: Payment) -> dict[str, Any]:
    _settle(p)
    req = p.request
    return {
        "transaction_id": p.id,
        "account_id": req["from_account"],
        "amount": float(Decimal(req["amount"])),
        "currency": req["currency"],
        "type": "DEBIT",
        "status": p.status,
        "description": req["description"],
        "timestamp": _time(p.created_at),
        "reference_id": req["reference_id"],
        "counterparty_account": req["to_account"],
        "counterparty_name": None,
        "fees": None,
        "exchange_rate": None,
        "metadata": {"payment_id": p.id, **(req["metadata"] or {})},
    }


def _bound(text: str | None, name: str, *, end: bool) -> dt.datetime | None:
    if not text:
        return None
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            t = dt.datetime.combine(day, dt.time.max if end else dt.time.min, dt.UTC)
        else:
            t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise RailFailure(400, "invalid_request", f"{name}: an RFC 3339 time or a date") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


async def transactions(request: Request, rail: str) -> dict[str, Any]:
    aid = request.path_params["account_id"]
    if not known_account(rail, aid):
        raise RailFailure(404, "not_found", "No such account")
    q = request.query_params
    start = _bound(q.get("start"), "start", end=False)
    end = _bound(q.get("end"), "end", end=True)
    raw_limit = q.get("limit", "100")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= LIMIT_MAX:
        raise RailFailure(400, "invalid_request", f"limit: 1..{LIMIT_MAX}")
    limit = int(raw_limit)
    paid = [p for p in STATE[rail].payments.values() if p.request["from_account"] == aid]
    rows = [_payment_row(p) for p in sorted(paid, key=lambda p: p.created_at, reverse=True)]
    rows += [_history_row(rail, aid, i) for i in range(HISTORY_COUNT)]
    out = []
    for row in rows:
        at = dt.datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
        if (start is None or at >= start) and (end is None or at <= end):
            out.append(row)
            if len(out) == limit:
                break
    return {"data": out}


# -- payments --------------------------------------------------------------------------------


def _settle(p: Payment) -> None:
    if p.status == "PENDING" and _now() >= p.settle_at:
        p.status = "FAILED" if p.fails else "COMPLETED"
        p.settled_at = _now()


def _view(p: Payment) -> dict[str, Any]:
    out = {
        "id": p.id,
        "object": "payment",
        "rail": p.rail.upper(),
        "status": p.status,
        **p.request,
        "idempotency_key": p.idempotency_key,
        "originator": p.originator,
        "created_at": _time(p.created_at),
        "settled_at": _time(p.settled_at) if p.settled_at else None,
        "failure_reason": RETURN_REASONS[p.rail] if p.status == "FAILED" else None,
    }
    if p.rail == "ach":
        out["trace_number"] = ledger.digits(15, "trace", p.id)
    else:
        out["uetr"] = str(uuid.UUID(_hex("uetr", p.id, length=32), version=4))
    return out


def _invalid(message: str) -> RailFailure:
    return RailFailure(400, "invalid_request", message, refusal=True)


def _refused(message: str) -> RailFailure:
    return RailFailure(422, "payment_refused", message, refusal=True)


def _canonical(body: Any) -> dict[str, Any]:
    """The request as the rail understands it (what a replay must match), or 400."""
    if not isinstance(body, dict):
        raise _invalid("A JSON object")
    raw = body.get("amount")
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        raise _invalid("amount: a decimal string or number")
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        raise _invalid("amount: a decimal string or number") from None
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _invalid("amount: above 0, at most 2 decimals")
    out: dict[str, Any] = {"amount": str(amount.quantize(Decimal("0.01")))}
    for name in ("currency", "from_account", "to_account", "description"):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise _invalid(f"{name}: a non-empty string")
        out[name] = value
    out["currency"] = out["currency"].upper()
    reference = body.get("reference_id")
    if reference is not None and not isinstance(reference, str):
        raise _invalid("reference_id: a string")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise _invalid("metadata: an object")
    out |= {"reference_id": reference, "metadata": metadata}
    return out


def _new_payment(rail: str, key: str, request: dict[str, Any], originator: str) -> Payment:
    state = STATE[rail]
    profile = state.profile
    aid = request["from_account"]
    if not known_account(rail, aid):
        raise _refused("from_account: no such account on this rail")
    if request["currency"] not in CURRENCIES[rail]:
        carried = ", ".join(sorted(CURRENCIES[rail]))
        raise _refused(f"currency: {rail.upper()} carries {carried}")
    if int(Decimal(request["amount"]) * 100) > _available_cents(rail, aid):
        raise _refused("Insufficient funds in from_account")
    if profile.refuse_next > 0:
        profile.refuse_next -= 1
        raise _refused("The payment was refused by the receiving bank")
    fails = profile.fail_next_settlement > 0
    if fails:
        profile.fail_next_settlement -= 1
    now = _now()
    payment = Payment(
        id=f"{rail}_pay_{uuid.uuid4().hex[:24]}",
        rail=rail,
        idempotency_key=key,
        request=request,
        originator=originator,
        created_at=now,
        settle_at=now + dt.timedelta(milliseconds=profile.settlement_delay_ms),
        fails=fails,
    )
    state.payments[payment.id] = payment
    state.by_key[key] = payment.id
    return payment


async def create_payment(request: Request, rail: str, originator: str) -> Response:
    state = STATE[rail]
    profile = state.profile
    if profile.error_before_submit > 0:
        profile.error_before_submit -= 1
        raise RailFailure(503, "service_unavailable", "The rail is temporarily unavailable")
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > 255:
        raise _invalid("The Idempotency-Key header is required (at most 255 characters)")
    try:
        body = json.loads(await request.body(), parse_float=Decimal)
    except ValueError:
        raise _invalid("The body is not JSON") from None
    canonical = _canonical(body)
    # No await from the lookup to the record: one payment per key, however many arrive.
    existing = state.payments.get(state.by_key.get(key, ""))
    if existing is not None:
        if existing.request != canonical:
            raise RailFailure(409, "idempotency_conflict", "Key reused with another request")
        _settle(existing)
        return JSON(_view(existing), 200)
    payment = _new_payment(rail, key, canonical, originator)
    view = _view(payment)
    if profile.error_after_submit > 0:
        profile.error_after_submit -= 1
        raise RailFailure(503, "service_unavailable", "The rail is temporarily unavailable")
    if profile.timeout_after_submit > 0:
        profile.timeout_after_submit -= 1
        await asyncio.sleep(profile.stall_ms / 1000)
    return JSON(view, 201)


def _status_fault(rail: str) -> None:
    profile = STATE[rail].profile
    if profile.status_errors > 0:
        profile.status_errors -= 1
        raise RailFailure(503, "service_unavailable", "The rail is temporarily unavailable")


async def find_payment(request: Request, rail: str) -> dict[str, Any]:
    _status_fault(rail)
    state = STATE[rail]
    key = request.query_params.get("idempotency_key", "")
    if not key:
        raise RailFailure(400, "invalid_request", "idempotency_key is required")
    payment = state.payments.get(state.by_key.get(key, ""))
    if payment is None:
        raise RailFailure(404, "not_found", "No payment with that idempotency key")
    _settle(payment)
    return _view(payment)


async def get_payment(request: Request, rail: str) -> dict[str, Any]:
    _status_fault(rail)
    payment = STATE[rail].payments.get(request.path_params["payment_id"])
    if payment is None:
        raise RailFailure(404, "not_found", "No such payment")
    _settle(payment)
    return _view(payment)


async def auth(request: Request, rail: str, originator: str) -> dict[str, Any]:
    return {
        "ok": True,
        "rail": rail.upper(),
        "originator": {"id": originator, "name": f"Originator {originator}"},
    }


# -- the envelope ----------------------------------------------------------------------------


def _originator(request: Request, rail: str) -> str:
    """Auth: the key, then the originator it acts for (derived from the key when unnamed)."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key.startswith(KEY_PREFIX):
        raise RailFailure(401, "unauthorized", "Unknown or missing API key")
    named = request.headers.get("originator-id", "").strip()
    if named and not _ORIGINATOR[rail].match(named):
        raise RailFailure(403, "originator_invalid", "The key may not act for that originator")
    if named:
        return named
    digest = ledger.digits(9, "originator", key)
    return "1" + digest if rail == "ach" else "FNGTUS33"


def _endpoint(handler: Any, *, wants_originator: bool = False) -> Any:
    async def endpoint(request: Request) -> Response:
        rail = request.url.path.split("/")[1]
        profile = STATE[rail].profile
        try:
            if profile.latency_ms:
                await asyncio.sleep(profile.latency_ms / 1000)
            if profile.down:
                raise RailFailure(503, "service_unavailable", "The rail is down")
            originator = _originator(request, rail)
            args = (request, rail, originator) if wants_originator else (request, rail)
            answer = await handler(*args)
            return answer if isinstance(answer, Response) else JSON(answer)
        except RailFailure as failure:
            error: dict[str, Any] = {"code": failure.code, "message": failure.message}
            if failure.refusal:
                error["executed"] = False
            return JSON({"error": error}, failure.status)

    return endpoint


# -- knobs -----------------------------------------------------------------------------------

_INTS = {
    "refuse_next": (0, 10_000),
    "error_before_submit": (0, 10_000),
    "timeout_after_submit": (0, 10_000),
    "stall_ms": (0, 600_000),
    "error_after_submit": (0, 10_000),
    "status_errors": (0, 10_000),
    "latency_ms": (0, 100_000),
    "settlement_delay_ms": (0, 24 * 3600 * 1000),
    "fail_next_settlement": (0, 10_000),
}


def _shown(rail: str) -> dict[str, Any]:
    state = STATE[rail]
    return {
        "rail": rail,
        **asdict(state.profile),
        "payments": {"count": len(state.payments), "keys": dict(state.by_key)},
    }


async def settings(request: Request) -> Response:
    if request.method == "GET":
        rail = request.query_params.get("rail", "")
        if rail not in STATE:
            return JSON({"error": "rail: ach or swift"}, 422)
        return JSON(_shown(rail))
    body = await json_object(request)
    if body.get("rail") not in STATE:
        return JSON({"error": "A JSON object with rail: ach or swift"}, 422)
    violation = out_of_range(body, _INTS)
    if violation:
        return JSON({"error": violation}, 422)
    for name in ("down", "reset"):
        if not isinstance(body.get(name, False), bool):
            return JSON({"error": f"{name}: true or false"}, 422)
    state = STATE[body["rail"]]
    if body.get("reset"):
        state.profile = Profile()
    for name in (*_INTS, "down"):
        if name in body:
            setattr(state.profile, name, body[name])
    return JSON(_shown(body["rail"]))


def _routes(rail: str) -> list[BaseRoute]:
    base = f"/{rail}/v1"
    return [
        Route(f"{base}/auth", _endpoint(auth, wants_originator=True), methods=["GET"]),
        Route(f"{base}/customers/{{customer_id}}/accounts", _endpoint(accounts), methods=["GET"]),
        Route(
            f"{base}/accounts/{{account_id}}/transactions",
            _endpoint(transactions),
            methods=["GET"],
        ),
        Route(
            f"{base}/payments",
            _endpoint(create_payment, wants_originator=True),
            methods=["POST"],
        ),
        Route(f"{base}/payments", _endpoint(find_payment), methods=["GET"]),
        Route(f"{base}/payments/{{payment_id}}", _endpoint(get_payment), methods=["GET"]),
    ]


ROUTES: list[BaseRoute] = [
    *(route for rail in RAILS for route in _routes(rail)),
    Route("/rails/_sandbox/settings", settings, methods=["GET", "POST"]),
]
