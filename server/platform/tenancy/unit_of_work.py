"""A use case's transaction, and what must happen only if it commits.

A domain method opens one:

    async with UnitOfWork(self.db) as work:
        budget = await repo.add_budget(work.session, ...)
        work.audit(target_id=budget.id)            # this transaction is the audited change
        work.invalidate(self.cache, stale_keys)    # after the commit
        work.defer(self.jobs, send_mail, user=...) # after the commit

The session is bound to the call's organization (row-level security) unless `tenant=False`
(creating an organization, signing up: code with no resolved tenant binds what it names).
On success the declared audit entry is written in the same transaction, the transaction
commits, and then the effects run in the order they were added: a cache delete or a queued job
never announces a change that rolled back. On error nothing is written and no effect runs.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from server.platform.audit.trail import record
from server.platform.context import AuditNote, call_var
from server.platform.db.database import Database
from server.platform.tenancy.session import bind_organization

Effect = Callable[[], Awaitable[Any]]


class _Cache(Protocol):
    async def delete(self, keys: Iterable[str]) -> None: ...


class _Jobs(Protocol):
    async def defer(self, task: Any, **kwargs: Any) -> Any: ...


class UnitOfWork:
    def __init__(self, db: Database, *, tenant: bool = True):
        self._db = db
        self._tenant = tenant
        self._effects: list[Effect] = []
        self._audit: AuditNote | None = None
        self._context: Any = None
        self.session: AsyncSession

    async def __aenter__(self) -> UnitOfWork:
        self._context = self._db.transaction()
        self.session = await self._context.__aenter__()
        state = call_var.get()
        if self._tenant and state is not None and state.tenant is not None:
            await bind_organization(self.session, state.tenant.organization_id)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool | None:
        if kind is None and self._audit is not None:
            try:
                await _write(self.session, self._audit)
            except BaseException as failed:
                await self._context.__aexit__(type(failed), failed, failed.__traceback__)
                raise
        result: bool | None = await self._context.__aexit__(kind, error, trace)
        if kind is None:
            if self._audit is not None:
                self._audit.written = True
            for effect in self._effects:
                await effect()
        return result

    def audit(
        self,
        target_id: uuid.UUID | str | None = None,
        *,
        changes: dict[str, Any] | None = None,
        organization_id: uuid.UUID | None = None,
        actor_id: uuid.UUID | None = None,
    ) -> None:
        """Marks this transaction as the change the call's declared audit entry records, with
        what only the domain knows: a new resource's id, the non-secret facts of the change,
        the organization or actor when the call has none resolved (a sign-up, a new
        organization). Outside a call that declares an entry it does nothing."""
        state = call_var.get()
        if state is None or state.audit is None or state.audit.written:
            return
        note = state.audit
        if target_id is not None:
            note.target_id = str(target_id)
        if changes is not None:
            note.changes = changes
        if organization_id is not None:
            note.organization_id = organization_id
        if actor_id is not None:
            note.actor_id = actor_id
        self._audit = note

    def after_commit(self, effect: Effect) -> None:
        """Runs `effect` once the transaction has committed."""
        self._effects.append(effect)

    def invalidate(self, cache: _Cache, keys: Iterable[str]) -> None:
        """Deletes cached reads the change makes stale, once it is visible to every reader."""
        stale = list(keys)
        if stale:
            self.after_commit(lambda: cache.delete(stale))

    def defer(self, jobs: _Jobs, task: Any, **kwargs: Any) -> None:
        """Queues a job once the rows it will read are committed."""
        self.after_commit(lambda: jobs.defer(task, **kwargs))


async def _write(s: AsyncSession, note: AuditNote) -> None:
    state = call_var.get()
    organization_id = note.organization_id
    if organization_id is None and state is not None and state.tenant is not None:
        organization_id = state.tenant.organization_id
    await record(
        s,
        action=note.action,
        target_type=note.target_type,
        target_id=note.target_id,
        organization_id=organization_id,
        actor_id=note.actor_id,
        changes=note.changes,
    )


async def write_owed_audit(db: Database) -> None:
    """The call's declared entry, in a transaction of its own, when no unit of work wrote it
    (a call whose change is no row of ours: a queued mail, a provider call)."""
    state = call_var.get()
    if state is None or state.audit is None or state.audit.written:
        return
    async with db.transaction() as s:
        if state.tenant is not None:  # audit rows are the organization's (row-level security)
            await bind_organization(s, state.tenant.organization_id)
        await _write(s, state.audit)
    state.audit.written = True
