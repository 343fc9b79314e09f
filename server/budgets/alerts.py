"""Mailing budget alerts that fired: once per alert per budget period.

Spending only changes when bank transactions arrive, so the sync engine calls `notify` after
a sync that changed something. Whether an alert fired is computed (server/budgets/progress.py);
what is stored is only which period's crossing was already mailed, in the same transaction as
the outbox row, so a retried sync never mails twice.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import User
from server.budgets import mails
from server.budgets.models import Budget, BudgetAlert
from server.budgets.progress import alert_states, current_period, progress
from server.budgets.spending import spends_for
from server.organizations.models import Organization
from server.platform.mail import outbox


async def notify(s: AsyncSession, organization_id: uuid.UUID, today: dt.date) -> int:
    """Queues a mail for every alert that fired in its current period and was not mailed for
    it yet; returns how many. `s` is bound to the organization."""
    budgets = list(
        (await s.execute(select(Budget).where(Budget.organization_id == organization_id)))
        .scalars()
        .all()
    )
    if not budgets:
        return 0
    alerts = (
        (
            await s.execute(
                select(BudgetAlert)
                .where(BudgetAlert.organization_id == organization_id, BudgetAlert.enabled)
                .order_by(BudgetAlert.threshold)
                .with_for_update()
            )
        )
        .scalars()
        .all()
    )
    by_budget: dict[uuid.UUID, list[BudgetAlert]] = {}
    for a in alerts:
        by_budget.setdefault(a.budget_id, []).append(a)
    budgets = [b for b in budgets if b.id in by_budget]
    periods = {b.id: current_period(b.period, b.start_date, b.end_date, today) for b in budgets}
    spends = await spends_for(s, budgets, periods)
    owner_email = await s.scalar(
        select(User.email)
        .join(Organization, Organization.owner_id == User.id)
        .where(Organization.id == organization_id)
    )
    sent = 0
    for b in budgets:
        lo, hi = periods[b.id]
        rows = by_budget[b.id]
        states = alert_states(b.amount, [(a.threshold, a.enabled) for a in rows], spends[b.id])
        due = [a for a, st in zip(rows, states, strict=True) if st.triggered]
        due = [a for a in due if a.notified_period_start != lo]
        if not due:
            continue
        recipient = owner_email
        if b.created_by is not None:
            recipient = await s.scalar(select(User.email).where(User.id == b.created_by))
        spent = progress(b.amount, spends[b.id]).spent
        for a in due:
            a.notified_period_start = lo
            if recipient:
                subject, body = mails.alert(
                    budget=b.name,
                    threshold=a.threshold,
                    spent=spent,
                    amount=b.amount,
                    period_end=hi.isoformat(),
                )
                await outbox.enqueue(s, recipient=recipient, subject=subject, body=body)
                sent += 1
    return sent
