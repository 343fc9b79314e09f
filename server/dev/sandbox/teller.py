"""Teller-compatible endpoints under `/teller`, answering like Teller's sandbox environment.

Auth is Teller's: HTTP Basic with the access token as the username (password ignored). No
credentials → 401 `unauthorized`; a token not starting with `test_token_` → 401
`unauthorized` (the sandbox knows no live tokens). Errors are `{"error": {"code", "message"}}`.

Endpoints: `GET /accounts`, `GET /accounts/{id}`, `GET /accounts/{id}/balances`,
`GET /accounts/{id}/details` (account and routing numbers), `GET /accounts/{id}/transactions`
(`count` and `from_id`: newest first; the page starts after the transaction `from_id`),
`DELETE /accounts/{id}` (204; that account then answers 404) and `DELETE /accounts` (204:
revokes the enrollment; every later call answers 403 `forbidden`). `GET /institutions` (no
authentication, as Teller's) lists the institutions below.

Data. Each token is one enrollment (id `enr_…` derived from the token) with a checking and a
savings account at the enrollment's institution, and a deterministic history per account
(server/dev/sandbox/ledger.py; the three newest transactions pending). Amounts are strings,
negative = money out. The institution is, in order:
1. the one registered with the knob endpoint below;
2. `test_token_<institution id>_…` when the token names a known id (`test_token_wells_fargo_1`);
3. otherwise Chase (`chase`, as in seed 004's `test_token_abc123…` example).
Teller has no sync cursor. When a pending transaction posts (knob `post_pending` below) it
keeps its id and only its `status` (and `details.processing_status`) change, which is how the
listing ties the two.

Knob (sandbox-only, no auth): `POST /teller/_sandbox/enrollments` with JSON
`{access_token, institution: {id, name}, transactions_per_account: 25, disconnected: false |
true | "<reason>", server_errors: N, delay_ms: M, post_pending: false}` (all but access_token
optional; omitted ones keep their value). `disconnected` makes every call answer 403
`enrollment.disconnected.<reason>` (default reason `credentials_invalid`, Teller's "Enrollment is
not healthy"); `server_errors` makes the next N calls answer 502 `bad_gateway`; `delay_ms`
sleeps before every call; `post_pending: true` posts every pending transaction (same id,
status "posted"); `transactions_per_account` (up to 1,000,000) sets the volume.
Answers the enrollment's settings. State lives in process memory.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.dev.sandbox import ledger
from server.dev.sandbox.responses import JSON

INSTITUTIONS = {
    "chase": "Chase",
    "bank_of_america": "Bank of America",
    "wells_fargo": "Wells Fargo",
    "citibank": "Citibank",
    "capital_one": "Capital One",
    "us_bank": "U.S. Bank",
    "pnc": "PNC",
    "security_cu": "Security Credit Union",
}
DEFAULT_INSTITUTION = "chase"
BASE = "https://api.teller.io"  # where Teller's links point; clients here never follow them


class TellerError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Enrollment:
    token: str
    id: str
    institution_id: str
    institution_name: str
    count: int = ledger.DEFAULT_COUNT_PER_ACCOUNT
    disconnected: str | None = None
    server_errors: int = 0
    delay_ms: int = 0
    revoked: bool = False
    posted: bool = False  # the pending transactions have posted (same ids)
    deleted: set[str] = field(default_factory=set)
    book: ledger.Ledger | None = None

    @property
    def ledger(self) -> ledger.Ledger:
        if self.book is None or self.book.spec.count_per_account != self.count:
            self.book = ledger.Ledger(
                ledger.Spec(
                    seed=self.id, kinds=("checking", "savings"), count_per_account=self.count
                )
            )
        return self.book


ENROLLMENTS: dict[str, Enrollment] = {}


def _enrollment(token: str) -> Enrollment:
    found = ENROLLMENTS.get(token)
    if found is None:
        rest = token.removeprefix("test_token_")
        inst = next(
            (i for i in sorted(INSTITUTIONS, key=len, reverse=True) if rest.startswith(i + "_")),
            DEFAULT_INSTITUTION,
        )
        found = ENROLLMENTS[token] = Enrollment(
            token=token,
            id="enr_" + ledger.token("enrollment", token, length=21).lower(),
            institution_id=inst,
            institution_name=INSTITUTIONS[inst],
        )
    return found


def _token(request: Request) -> str:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise TellerError(401, "unauthorized", "Missing access token: use HTTP Basic auth")
    try:
        token = base64.b64decode(encoded).decode().partition(":")[0]
    except (binascii.Error, UnicodeDecodeError):
        raise TellerError(401, "unauthorized", "Malformed HTTP Basic credentials") from None
    if not token.startswith("test_token_"):
        raise TellerError(401, "unauthorized", "Invalid access token")
    return token


async def _enter(request: Request) -> Enrollment:
    enrollment = _enrollment(_token(request))
    if enrollment.delay_ms:
        await asyncio.sleep(enrollment.delay_ms / 1000)
    if enrollment.revoked:
        raise TellerError(403, "forbidden", "The access token has been revoked")
    if enrollment.server_errors > 0:
        enrollment.server_errors -= 1
        raise TellerError(502, "bad_gateway", "The financial institution is unavailable")
    if enrollment.disconnected:
        raise TellerError(
            403, f"enrollment.disconnected.{enrollment.disconnected}", "Enrollment is not healthy"
        )
    return enrollment


def _tid(e: Enrollment, account: ledger.Account, i: int) -> str:
    return f"txn_{ledger.token(e.id, account.index, i, length=12).lower()}{account.index:x}{i:08x}"


def _account_of(e: Enrollment, account_id: str) -> ledger.Account:
    for account in e.ledger.accounts:
        if _aid(account) == account_id and account_id not in e.deleted:
            return account
    raise TellerError(404, "not_found", f"No account {account_id}")


def _aid(account: ledger.Account) -> str:
    return "acc_" + account.id[:21].lower()


def _account(e: Enrollment, a: ledger.Account) -> dict[str, Any]:
    aid = _aid(a)
    return {
        "enrollment_id": e.id,
        "links": {
            "balances": f"{BASE}/accounts/{aid}/balances",
            "self": f"{BASE}/accounts/{aid}",
            "transactions": f"{BASE}/accounts/{aid}/transactions",
            "details": f"{BASE}/accounts/{aid}/details",
        },
        "institution": {"id": e.institution_id, "name": e.institution_name},
        "type": a.kind.teller_type,
        "subtype": a.kind.teller_subtype,
        "name": f"{e.institution_name} {a.kind.name} Account",
        "currency": "USD",
        "id": aid,
        "last_four": a.mask,
        "status": "open",
    }


def _money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def _txn(e: Enrollment, a: ledger.Account, i: int) -> dict[str, Any]:
    t = e.ledger.render((a.index, "b", i))
    m = t.merchant
    pending = t.pending and not e.posted
    tid = _tid(e, a, i)
    aid = _aid(a)
    return {
        "account_id": aid,
        "amount": _money(-t.amount_cents),
        "date": t.date.isoformat(),
        "description": m.description,
        "details": {
            "processing_status": "pending" if pending else "complete",
            "category": m.teller_category,
            "counterparty": {"name": m.name.upper(), "type": "organization"} if m.name else None,
        },
        "status": "pending" if pending else "posted",
        "id": tid,
        "links": {
            "self": f"{BASE}/accounts/{aid}/transactions/{tid}",
            "account": f"{BASE}/accounts/{aid}",
        },
        "running_balance": None,
        "type": m.teller_type,
    }


async def list_accounts(request: Request) -> Any:
    e = await _enter(request)
    return [_account(e, a) for a in e.ledger.accounts if _aid(a) not in e.deleted]


async def get_account(request: Request) -> Any:
    e = await _enter(request)
    return _account(e, _account_of(e, request.path_params["account_id"]))


async def balances(request: Request) -> Any:
    e = await _enter(request)
    a = _account_of(e, request.path_params["account_id"])
    aid = _aid(a)
    return {
        "account_id": aid,
        "ledger": _money(a.current),
        "available": _money(a.available if a.available is not None else a.current),
        "links": {"self": f"{BASE}/accounts/{aid}/balances", "account": f"{BASE}/accounts/{aid}"},
    }


async def details(request: Request) -> Any:
    e = await _enter(request)
    a = _account_of(e, request.path_params["account_id"])
    aid = _aid(a)
    return {
        "account_id": aid,
        "account_number": a.number,
        "routing_numbers": {"ach": a.routing, "wire": "021000021"},
        "links": {"self": f"{BASE}/accounts/{aid}/details", "account": f"{BASE}/accounts/{aid}"},
    }


async def transactions(request: Request) -> Any:
    e = await _enter(request)
    a = _account_of(e, request.path_params["account_id"])
    total = e.count
    start = 0
    from_id = request.query_params.get("from_id")
    if from_id:
        try:
            index = int(from_id[-8:], 16)
        except ValueError:
            index = -1
        if not 0 <= index < total or _tid(e, a, index) != from_id:
            raise TellerError(404, "not_found", f"No transaction {from_id}")
        start = index + 1
    count = total - start
    raw_count = request.query_params.get("count")
    if raw_count is not None:
        if not raw_count.isdigit() or int(raw_count) < 1:
            raise TellerError(422, "invalid_request", "count must be a positive integer")
        count = min(count, int(raw_count))
    return [_txn(e, a, i) for i in range(start, start + count)]


async def delete_account(request: Request) -> Any:
    e = await _enter(request)
    a = _account_of(e, request.path_params["account_id"])
    e.deleted.add(_aid(a))
    return None


async def delete_accounts(request: Request) -> Any:
    e = await _enter(request)
    e.revoked = True
    return None


async def configure(request: Request) -> JSON:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JSON({"error": {"code": "invalid_request", "message": "JSON body"}}, 422)
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token.startswith("test_token_"):
        return JSON(
            {"error": {"code": "invalid_request", "message": "access_token: test_token_…"}}, 422
        )
    e = _enrollment(token)
    institution = body.get("institution")
    if isinstance(institution, dict) and institution.get("id"):
        e.institution_id = str(institution["id"])
        e.institution_name = str(
            institution.get("name") or INSTITUTIONS.get(e.institution_id, e.institution_id)
        )
    if "transactions_per_account" in body:
        count = body["transactions_per_account"]
        if not isinstance(count, int) or not 0 <= count <= ledger.MAX_COUNT_PER_ACCOUNT:
            return JSON(
                {"error": {"code": "invalid_request", "message": "transactions_per_account"}}, 422
            )
        e.count = count
    if "post_pending" in body:
        e.posted = bool(body["post_pending"])
    if "disconnected" in body:
        value = body["disconnected"]
        e.disconnected = (
            (value if isinstance(value, str) else "credentials_invalid") if value else None
        )
    for name in ("server_errors", "delay_ms"):
        if name in body:
            value = body[name]
            if not isinstance(value, int) or not 0 <= value <= 100_000:
                return JSON(
                    {"error": {"code": "invalid_request", "message": f"{name}: 0..100000"}}, 422
                )
            setattr(e, name, value)
    return JSON(
        {
            "access_token": e.token,
            "enrollment_id": e.id,
            "institution": {"id": e.institution_id, "name": e.institution_name},
            "transactions_per_account": e.count,
            "disconnected": e.disconnected,
            "server_errors": e.server_errors,
            "delay_ms": e.delay_ms,
            "post_pending": e.posted,
        }
    )


async def institutions(request: Request) -> Any:
    products = ["verify", "balance", "transactions", "identity"]
    return [{"id": i, "name": name, "products": products} for i, name in INSTITUTIONS.items()]


def _endpoint(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            result = await handler(request)
        except TellerError as err:
            return JSON(
                {"error": {"code": err.code, "message": err.message}}, status_code=err.status
            )
        if result is None:
            return Response(status_code=204)
        return JSON(result)

    return endpoint


ROUTES: list[BaseRoute] = [
    Route("/teller/institutions", _endpoint(institutions), methods=["GET"]),
    Route("/teller/accounts", _endpoint(list_accounts), methods=["GET"]),
    Route("/teller/accounts", _endpoint(delete_accounts), methods=["DELETE"]),
    Route("/teller/accounts/{account_id}", _endpoint(get_account), methods=["GET"]),
    Route("/teller/accounts/{account_id}", _endpoint(delete_account), methods=["DELETE"]),
    Route("/teller/accounts/{account_id}/balances", _endpoint(balances), methods=["GET"]),
    Route("/teller/accounts/{account_id}/details", _endpoint(details), methods=["GET"]),
    Route("/teller/accounts/{account_id}/transactions", _endpoint(transactions), methods=["GET"]),
    Route("/teller/_sandbox/enrollments", configure, methods=["POST"]),
]
