"""Subscription domain values → protos; the only place the two meet."""

from __future__ import annotations

import datetime as dt

from google.protobuf import struct_pb2

from fingate.subscriptions.v1 import subscription_pb2 as pb
from server.plans.catalog import Plan
from server.platform.common.time import to_timestamp
from server.subscriptions.domain import Cancelled, CurrentView
from server.subscriptions.models import Subscription

_NULL = struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)


def _count(value: int | None) -> struct_pb2.Value:
    """A number, or null for unlimited / absent."""
    return _NULL if value is None else struct_pb2.Value(number_value=value)


def _text(value: str | None) -> struct_pb2.Value:
    return _NULL if value is None else struct_pb2.Value(string_value=value)


def rfc3339(value: dt.datetime | None) -> struct_pb2.Value:
    """A timestamp as a Timestamp field would print it (`2025-01-21T12:00:00Z`), or null."""
    if value is None:
        return _NULL
    text = value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return struct_pb2.Value(string_value=text)


def plan(p: Plan) -> pb.Plan:
    return pb.Plan(
        id=p.id,
        name=p.name,
        description=p.description,
        price=float(p.price),
        billing_cycle=p.billing_cycle,
        limits=pb.PlanLimits(
            max_wallets=_count(p.limits.max_wallets),
            max_bank_accounts=_count(p.limits.max_bank_accounts),
            max_budgets=_count(p.limits.max_budgets),
            max_goals=_count(p.limits.max_goals),
            max_asset_accounts=_count(p.limits.max_asset_accounts),
        ),
        features=list(p.features),
    )


def current(view: CurrentView) -> pb.CurrentSubscription:
    sub = view.subscription
    return pb.CurrentSubscription(
        id=_text(str(sub.id) if sub is not None else None),
        user_id=str(view.user_id),
        plan_id=view.plan.id,
        plan_name=view.plan.name,
        status="active",
        start_date=to_timestamp(view.start_date),
        renewal_date=rfc3339(view.renewal_date),
        price=float(view.price),
        billing_cycle=view.plan.billing_cycle,
        auto_renew=view.auto_renew,
        days_until_renewal=_count(view.days_until_renewal),
        features=list(view.plan.feature_keys),
    )


def activation(sub: Subscription, p: Plan) -> pb.SubscriptionActivation:
    return pb.SubscriptionActivation(
        id=str(sub.id),
        plan_id=p.id,
        plan_name=p.name,
        status=sub.status,
        start_date=to_timestamp(sub.start_date),
        renewal_date=rfc3339(sub.renewal_date),
        message="Subscription activated successfully",
    )


def plan_change(sub: Subscription, p: Plan, effective: dt.datetime) -> pb.PlanChange:
    return pb.PlanChange(
        id=str(sub.id),
        plan_id=p.id,
        plan_name=p.name,
        status=sub.status,
        effective_date=to_timestamp(effective),
        message=f"Plan changed to {p.name}",
    )


def cancellation(done: Cancelled) -> pb.Cancellation:
    return pb.Cancellation(
        id=str(done.subscription.id),
        status="cancelled",
        cancellation_date=to_timestamp(done.cancelled_at),
        last_billing_date=to_timestamp(done.last_billing_date),
        message="Subscription cancelled",
    )
