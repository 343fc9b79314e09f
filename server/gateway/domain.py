"""The banking gateway's use cases behind GatewayService (seed 001), for ADMIN users and
service principals (the contract's `internal` access declares who may call)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.auth import repository as users
from server.banking.api import BankingApi
from server.gateway import principals, registry
from server.gateway.models import GatewayIntegration, IntegrationHealth, Payment
from server.gateway.payments import PaymentInput, Payments, validate
from server.gateway.reads import Reads, TransactionsAnswer
from server.gateway.tasks import scheduled_payment
from server.platform.common.ids import parse_id
from server.platform.common.validation import instant
from server.platform.config import Settings
from server.platform.context import SERVICE_ROLE, principal
from server.platform.db.database import Database
from server.platform.encryption import Vault
from server.platform.errors import FieldViolation, InvalidInput, PaymentFailed
from server.platform.jobs.app import JobQueue
from server.platform.tenancy.unit_of_work import UnitOfWork
from server.providers.rails import Rails


@dataclass(frozen=True, slots=True)
class Paid:
    payment: Payment
    integration_used: str


@dataclass(frozen=True, slots=True)
class Health:
    overall: str
    integrations: dict[str, IntegrationHealth]
    at: dt.datetime


class Gateway:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        vault: Vault,
        rails: Rails,
        jobs: JobQueue,
        banking: BankingApi,
    ):
        self.db = db
        self.settings = settings
        self.vault = vault
        self.rails = rails
        self.jobs = jobs
        self.payments = Payments(db, vault, rails)
        self.reads = Reads(db, vault, rails, banking)

    async def token(self, client_id: str, secret: str) -> principals.IssuedToken:
        return await principals.exchange(self.db, self.settings, client_id, secret)

    async def integrations(
        self,
    ) -> tuple[Sequence[GatewayIntegration], dict[str, IntegrationHealth]]:
        async with self.db.read() as s:
            rows = await registry.all_integrations(s)
            health = await registry.health(s)
        return rows, {name: h for name, (h, _) in health.items()}

    async def register(self, name: str, kind: str, config: Mapping[str, Any] | None) -> str:
        kind, values = registry.validate(kind, config)
        async with UnitOfWork(self.db, tenant=False) as work:
            row = await registry.register(work.session, self.vault, name.strip(), kind, values)
            # Which keys were given, never their values.
            work.audit(
                target_id=row.id, changes={"name": row.name, "type": kind, "keys": sorted(values)}
            )
        return row.name

    async def authenticate_all(self) -> dict[str, str]:
        found = await registry.check_all(
            self.db,
            self.vault,
            self.rails,
            degraded_ms=self.settings.gateway_degraded_ms,
            record=True,
        )
        results = {
            name: "SKIPPED"
            if check is None
            else "AUTHENTICATED"
            if check.authenticated
            else "FAILED"
            for name, check in found.items()
        }
        async with UnitOfWork(self.db, tenant=False) as work:
            work.audit(changes={"results": results})
        return results

    async def health(self) -> Health:
        async with self.db.read() as s:
            stored = await registry.health(s)
            rows = await registry.all_integrations(s)
        active = {r.name for r in rows if r.status == "ACTIVE"}
        shown = {name: h for name, (h, status) in stored.items() if status == "ACTIVE"}
        # An active integration never probed yet counts as unavailable, not as healthy.
        statuses = [shown[n].status if n in shown else "UNAVAILABLE" for n in sorted(active)]
        return Health(registry.overall(statuses), shown, dt.datetime.now(dt.UTC))

    async def transactions(
        self,
        mappings: Mapping[str, Sequence[str]],
        *,
        start_date: str,
        end_date: str,
        limit: int | None,
    ) -> TransactionsAnswer:
        if not mappings:
            raise InvalidInput(
                [FieldViolation("account_mappings", "is required")], "Invalid request body"
            )
        start = instant(start_date, end=False) if start_date else None
        end = instant(end_date, end=True) if end_date else None
        if start is not None and end is not None and start >= end:
            raise InvalidInput(
                [FieldViolation("end_date", "must be after start_date")], "Invalid request body"
            )
        return await self.reads.transactions(mappings, start=start, end=end, limit=limit)

    async def pay(self, data: PaymentInput) -> Paid:
        order = validate(data, dt.datetime.now(dt.UTC))
        payment, created = await self.payments.create(principal().user_id, order)
        if not created:
            # A retry by its natural key: the first answer, or the first failure again.
            if payment.status == "FAILED":
                raise PaymentFailed(details={"attempts": payment.failure or []})
            return Paid(payment, payment.integration_name or await self._first_choice(payment))
        if payment.status == "SCHEDULED":
            # Should this defer be lost, the minute sweeper (server/gateway/tasks.py) runs it.
            await self.jobs.defer(
                scheduled_payment, schedule_at=payment.scheduled_at, payment_id=str(payment.id)
            )
            return Paid(payment, await self._first_choice(payment))
        done = await self.payments.execute(payment)
        return Paid(done, done.integration_name or "")

    async def _first_choice(self, payment: Payment) -> str:
        candidates, _ = await self.payments.candidates(payment)
        return candidates[0].row.name if candidates else ""

    async def payment_status(self, mappings: Mapping[str, Sequence[str]]) -> dict[str, str]:
        if not mappings:
            raise InvalidInput(
                [FieldViolation("transaction_mappings", "is required")], "Invalid request body"
            )
        caller = principal()
        # ADMIN users see every caller's payments; a service principal its own.
        owner = None if caller.role == "ADMIN" else caller.user_id
        return await self.payments.statuses(owner, mappings)

    async def customer_accounts(
        self, raw_id: str
    ) -> tuple[uuid.UUID, dict[str, list[dict[str, Any]]]] | None:
        """The customer a user id names and their accounts by integration; None when the
        id names no customer."""
        customer_id = parse_id(raw_id.strip())
        if customer_id is None:
            return None
        async with self.db.read() as s:
            user = await users.get_user(s, customer_id)
        if user is None or user.role == SERVICE_ROLE:
            return None
        return customer_id, await self.reads.customer_accounts(customer_id)
