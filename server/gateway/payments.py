"""Payments with fallback: money moves once, or not at all, and never silently fails.

- A payment row is written before any rail is called; each attempt is recorded (SUBMITTING)
  before its rail call, under a key of its own (payment id + integration id) that the rail
  takes as its idempotency key. Whatever dies midway, the record says what may have happened
  and the rail can be asked about that key.
- The next integration is tried only when an attempt certainly did not execute (the rail
  refused it, the request never left). An ambiguous attempt (a timeout after sending, a 5xx) is
  resolved first by asking its rail for the attempt's key: found, it is the payment's; absent,
  it never executed and the fallback goes on; the rail unable to say, the payment stays PENDING
  with that rail and nothing else is tried.
- Retries: the Idempotency-Key interceptor answers a repeated call; `reference_id` is a natural
  key per caller (unique in the table), so even a retry without the header finds the payment.
- A future `scheduled_date` stores the payment SCHEDULED and queues a job for then; claiming
  it (SCHEDULED → PROCESSING) is one conditional UPDATE, so the job and the sweeper cannot
  both run it.
- A payment left PROCESSING by a process that died is resumed by the sweeper: its attempts run
  again under the same keys, which every rail answers with the payment it already has.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from iso4217 import Currency
from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.gateway import registry
from server.gateway.models import GatewayIntegration, Payment, PaymentAttempt
from server.gateway.registry import Registered
from server.platform.common.ids import new_id
from server.platform.common.validation import instant
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.errors import Conflict, FieldViolation, InvalidInput, PaymentFailed
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.rails import (
    PAYMENT_TYPES,
    Ambiguous,
    NotExecuted,
    PaymentOrder,
    RailError,
    RailPayment,
    Rails,
)

log = logging.getLogger("fingate.gateway")
# A payment PROCESSING this long without a change was left by a process that died: far above
# the longest run of attempts (each bounded by the rail timeout and its status lookup).
STALE_PROCESSING = dt.timedelta(minutes=10)
# Health order of candidates when the caller names none: usable first.
_HEALTH_RANK = {"HEALTHY": 0, "DEGRADED": 1, None: 2, "UNAVAILABLE": 3}


@dataclass(frozen=True, slots=True)
class PaymentInput:
    amount: float
    currency: str
    from_account: str
    to_account: str
    description: str
    reference_id: str
    scheduled_date: str
    metadata: dict[str, Any] | None
    preferred: list[str]


@dataclass(frozen=True, slots=True)
class Order:
    """A validated payment request."""

    amount: Decimal
    currency: str
    from_account: str
    to_account: str
    description: str
    reference_id: str | None
    scheduled_at: dt.datetime | None
    metadata: dict[str, Any] | None
    preferred: list[str]

    def digest(self) -> str:
        canonical = json.dumps(
            {
                "amount": str(self.amount),
                "currency": self.currency,
                "from": self.from_account,
                "to": self.to_account,
                "description": self.description,
                "reference": self.reference_id,
                "scheduled": self.scheduled_at.isoformat() if self.scheduled_at else None,
                "metadata": self.metadata,
                "preferred": self.preferred,
            },
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput([FieldViolation(field, message)], "Invalid payment request")


def minor_digits(code: str) -> int | None:
    """The currency's ISO 4217 minor unit digits; None for no currency (or a metal)."""
    try:
        exponent: int | None = Currency(code).exponent
    except ValueError:
        return None
    return exponent


def validate(data: PaymentInput, now: dt.datetime) -> Order:
    """The request as an Order; InvalidInput naming the field otherwise."""
    code = data.currency.strip().upper()
    exponent = minor_digits(code)
    if exponent is None:
        raise _bad("currency", "must be an ISO 4217 currency code")
    try:
        # The JSON number as written (shortest repr), never binary float arithmetic.
        amount = Decimal(repr(data.amount))
    except InvalidOperation:
        raise _bad("amount", "must be a number") from None
    if not amount.is_finite() or amount <= 0:
        raise _bad("amount", "must be greater than 0")
    if amount != amount.quantize(Decimal(1).scaleb(-exponent)):
        raise _bad("amount", f"must have at most {exponent} decimals for {code}")
    source, target = data.from_account.strip(), data.to_account.strip()
    if source == target:
        raise _bad("to_account", "must differ from from_account")
    scheduled = None
    if data.scheduled_date.strip():
        scheduled = instant(data.scheduled_date.strip(), end=False)
        if scheduled is None:
            raise _bad("scheduled_date", "must be an ISO 8601 date or date-time")
        if scheduled <= now:
            scheduled = None  # a time already past: pay now
    preferred = [p.strip() for p in data.preferred if p.strip()]
    return Order(
        amount=amount,
        currency=code,
        from_account=source,
        to_account=target,
        description=data.description.strip(),
        reference_id=data.reference_id.strip() or None,
        scheduled_at=scheduled,
        metadata=data.metadata or None,
        preferred=list(dict.fromkeys(preferred)),
    )


def attempt_key(payment_id: uuid.UUID, integration_id: uuid.UUID) -> str:
    return f"{payment_id}:{integration_id}"


class Payments:
    def __init__(self, db: Database, vault: Vault, rails: Rails):
        self.db = db
        self.vault = vault
        self.rails = rails

    async def create(self, principal_id: uuid.UUID, order: Order) -> tuple[Payment, bool]:
        """The payment row for `order` (SCHEDULED or PROCESSING), or the caller's earlier one
        with the same reference: (payment, created). Conflict when that reference holds
        another request, or its payment is still being made."""
        digest = order.digest()
        values: dict[str, Any] = {
            "id": new_id(),
            "principal_id": principal_id,
            "reference_id": order.reference_id,
            "request_sha256": digest,
            "amount": order.amount,
            "currency": order.currency,
            "from_account": order.from_account,
            "to_account": order.to_account,
            "description": order.description,
            "metadata_": order.metadata,
            "preferred": order.preferred,
            "scheduled_at": order.scheduled_at,
            "status": "SCHEDULED" if order.scheduled_at else "PROCESSING",
        }
        # ON CONFLICT on the (caller, reference) index: a racing twin finds the first row.
        statement = (
            insert(Payment)
            .values(values)
            .on_conflict_do_nothing(
                index_elements=["principal_id", "reference_id"],
                index_where=text("reference_id IS NOT NULL"),
            )
            .returning(Payment.id)
        )
        async with self.db.transaction() as s:
            made = await s.scalar(statement)
            if made is not None:
                row = await s.get(Payment, made)
                assert row is not None
                return row, True
            earlier = await s.scalar(
                select(Payment).where(
                    Payment.principal_id == principal_id, Payment.reference_id == order.reference_id
                )
            )
        if earlier is None:  # deleted between the two statements: a plain race, retried
            raise Conflict("The payment collided with another request; retry")
        if earlier.request_sha256 != digest:
            raise Conflict("reference_id is already used by another payment")
        if earlier.status == "PROCESSING":
            raise Conflict("A payment with this reference_id is being made")
        return earlier, False

    async def claim_scheduled(self, payment_id: uuid.UUID) -> Payment | None:
        """SCHEDULED → PROCESSING, once: the payment to run, or None when another runner
        took it (or it is not due)."""
        async with self.db.transaction() as s:
            return await s.scalar(
                update(Payment)
                .where(
                    Payment.id == payment_id,
                    Payment.status == "SCHEDULED",
                    Payment.scheduled_at <= dt.datetime.now(dt.UTC),
                )
                .values(status="PROCESSING", updated_at=dt.datetime.now(dt.UTC))
                .returning(Payment)
            )

    async def claim_stale(self, now: dt.datetime) -> list[Payment]:
        """PROCESSING payments untouched for STALE_PROCESSING: the process making them died
        midway. Each is claimed by moving its `updated_at`, so one sweep resumes it. Resuming
        runs the attempts again under the same keys: a rail that took one answers that
        payment instead of making a second."""
        async with self.db.transaction() as s:
            rows = await s.scalars(
                update(Payment)
                .where(Payment.status == "PROCESSING", Payment.updated_at < now - STALE_PROCESSING)
                .values(updated_at=now)
                .returning(Payment)
            )
            return list(rows)

    async def due(self) -> list[uuid.UUID]:
        async with self.db.read() as s:
            rows = await s.execute(
                select(Payment.id).where(
                    Payment.status == "SCHEDULED", Payment.scheduled_at <= dt.datetime.now(dt.UTC)
                )
            )
            return list(rows.scalars())

    async def candidates(
        self, order: Order | Payment
    ) -> tuple[list[Registered], list[dict[str, str]]]:
        """The integrations to try in order, and reasons for preferred ones that cannot be."""
        async with self.db.read() as s:
            rows = await registry.all_integrations(s)
            health = await registry.health(s)
        by_name = {r.name: r for r in rows}
        skipped: list[dict[str, str]] = []
        if order.preferred:
            chosen: list[GatewayIntegration] = []
            for name in order.preferred:
                row = by_name.get(name)
                reason = None
                if row is None:
                    reason = "unknown integration"
                elif row.status != "ACTIVE":
                    reason = "integration is inactive"
                elif row.type not in PAYMENT_TYPES:
                    reason = f"{row.type} integrations do not send payments"
                if reason is None and row is not None:
                    chosen.append(row)
                else:
                    skipped.append({"integration": name, "reason": reason or "unusable"})
        else:
            usable = [r for r in rows if r.status == "ACTIVE" and r.type in PAYMENT_TYPES]
            chosen = sorted(
                usable,
                key=lambda r: (
                    _HEALTH_RANK.get(health[r.name][0].status if r.name in health else None, 2),
                    r.name,
                ),
            )
        return [registry.opened(self.vault, r) for r in chosen], skipped

    async def execute(self, payment: Payment) -> Payment:
        """Makes a PROCESSING payment through its candidates; the payment as it ends. Raises
        PaymentFailed when no integration took it (recorded FAILED first)."""
        candidates, reasons = await self.candidates(payment)
        # Stored with four decimals; the rail takes the currency's own.
        digits = minor_digits(payment.currency) or 0
        order = PaymentOrder(
            amount=payment.amount.quantize(Decimal(1).scaleb(-digits)),
            currency=payment.currency,
            from_account=payment.from_account,
            to_account=payment.to_account,
            description=payment.description,
            reference_id=payment.reference_id,
            metadata=payment.metadata_,
        )
        attempts: list[dict[str, str]] = []
        for integration in candidates:
            name, key = integration.row.name, attempt_key(payment.id, integration.row.id)
            await self._record(payment.id, name, key, "SUBMITTING")
            outcome = await self._attempt(integration, order, key)
            if isinstance(outcome, RailPayment):
                await self._record(payment.id, name, key, "SUBMITTED", rail=outcome)
                attempts.append({"integration": name, "outcome": "SUBMITTED"})
                return await self._finish(
                    payment, outcome.status, name, outcome.rail_transaction_id, attempts
                )
            if outcome is None:
                await self._record(payment.id, name, key, "UNRESOLVED", reason="rail could not say")
                attempts.append({"integration": name, "outcome": "UNRESOLVED"})
                return await self._finish(payment, "PENDING", name, None, attempts)
            await self._record(payment.id, name, key, "NOT_EXECUTED", reason=outcome)
            attempts.append({"integration": name, "outcome": "NOT_EXECUTED"})
            reasons.append({"integration": name, "reason": outcome})
        if not candidates and not reasons:
            reasons.append({"integration": "", "reason": "no active payment integration"})
        await self._finish(payment, "FAILED", None, None, attempts, failure=reasons)
        raise PaymentFailed(details={"attempts": reasons})

    async def _attempt(
        self, integration: Registered, order: PaymentOrder, key: str
    ) -> RailPayment | str | None:
        """The rail's payment; a reason when it certainly did not execute; None when its
        outcome stays unknown."""
        kind, config = integration.row.type, integration.config
        try:
            return await self.rails.submit(kind, config, order, key)
        except NotExecuted as refused:
            return refused.reason[:500]
        except Ambiguous as unclear:
            log.warning("payment attempt ambiguous", extra={"error_type": type(unclear).__name__})
        try:
            found = await self.rails.payment_status(kind, config, key)
        except RailError as error:
            log.warning("payment attempt unresolved", extra={"error_type": type(error).__name__})
            return None
        return found if found is not None else "the rail never received it"

    async def _record(
        self,
        payment_id: uuid.UUID,
        name: str,
        key: str,
        outcome: str,
        *,
        reason: str | None = None,
        rail: RailPayment | None = None,
    ) -> None:
        values = {
            "outcome": outcome,
            "reason": reason,
            "rail_transaction_id": rail.rail_transaction_id if rail else None,
            "updated_at": dt.datetime.now(dt.UTC),
        }
        statement = insert(PaymentAttempt).values(
            id=new_id(), payment_id=payment_id, integration_name=name, attempt_key=key, **values
        )
        async with self.db.transaction() as s:
            await s.execute(
                statement.on_conflict_do_update(
                    index_elements=[PaymentAttempt.attempt_key], set_=values
                )
            )

    async def _finish(
        self,
        payment: Payment,
        status: str,
        integration: str | None,
        rail_id: str | None,
        attempts: list[dict[str, str]],
        *,
        failure: list[dict[str, str]] | None = None,
    ) -> Payment:
        # Audited here, in the transaction that settles it: a failed call writes its entry too.
        async with UnitOfWork(self.db, tenant=False) as work:
            row = await work.session.scalar(
                update(Payment)
                .where(Payment.id == payment.id)
                .values(
                    status=status,
                    integration_name=integration,
                    rail_transaction_id=rail_id,
                    failure=failure,
                    updated_at=dt.datetime.now(dt.UTC),
                )
                .returning(Payment)
            )
            work.audit(
                target_id=payment.id,
                changes={"status": status, "integration": integration, "attempts": attempts},
            )
        assert isinstance(row, Payment)
        return row

    async def statuses(
        self, principal_id: uuid.UUID | None, mappings: Mapping[str, Sequence[str]]
    ) -> dict[str, str]:
        """Integration name → the status of the caller's payments there (all callers' for
        None); pending ones refreshed from their rail first."""
        answer: dict[str, str] = {}
        for name, raw_ids in mappings.items():
            ids = [i for i in (_uuid(r) for r in raw_ids) if i is not None]
            async with self.db.read() as s:
                query = select(Payment).where(Payment.id.in_(ids), Payment.integration_name == name)
                if principal_id is not None:
                    query = query.where(Payment.principal_id == principal_id)
                rows = list((await s.execute(query)).scalars())
            if len(rows) < len(set(raw_ids)) or not rows:
                answer[name] = "NOT_FOUND"
                continue
            statuses = [await self._fresh_status(s_row) for s_row in rows]
            answer[name] = (
                "FAILED"
                if "FAILED" in statuses
                else "PENDING"
                if "PENDING" in statuses
                else "COMPLETED"
            )
        return answer

    async def _fresh_status(self, payment: Payment) -> str:
        if payment.status != "PENDING" or payment.integration_name is None:
            return payment.status
        async with self.db.read() as s:
            integration = await s.scalar(
                select(GatewayIntegration).where(
                    GatewayIntegration.name == payment.integration_name
                )
            )
        if integration is None:
            return payment.status
        opened = registry.opened(self.vault, integration)
        key = attempt_key(payment.id, integration.id)
        try:
            found = await self.rails.payment_status(integration.type, opened.config, key)
        except RailError:
            return payment.status
        if found is None or found.status == payment.status:
            return payment.status
        async with self.db.transaction() as s:
            await _settle(s, payment.id, found)
        return found.status


async def _settle(s: AsyncSession, payment_id: uuid.UUID, found: RailPayment) -> None:
    await s.execute(
        update(Payment)
        .where(Payment.id == payment_id, Payment.status == "PENDING")
        .values(
            status=found.status,
            rail_transaction_id=found.rail_transaction_id,
            updated_at=dt.datetime.now(dt.UTC),
        )
    )


def _uuid(raw: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None
