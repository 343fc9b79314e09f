"""The three plans of seed 004 ("API Tiers", "Plan-Based Access", "Get Available Plans").

Plans are code, not rows: their limits are part of the contract, every server process must agree
on them, and a change ships with a migration of the documents, not through an admin screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class PlanLimits:
    """How many of each counted resource one organization may hold; None means unlimited."""

    max_wallets: int | None
    max_bank_accounts: int | None
    max_budgets: int | None
    max_goals: int | None
    max_asset_accounts: int | None


@dataclass(frozen=True, slots=True)
class Plan:
    """One plan as `GET /subscriptions/plans` shows it, plus what the server needs of it."""

    code: str  # FREE | PRO | ULTIMATE: users.current_plan and the token's `plan` claim
    id: str  # plan_free | plan_pro | plan_ultimate: the documented planId
    name: str
    description: str
    price: Decimal  # per billing cycle, USD
    billing_cycle: str
    limits: PlanLimits
    features: tuple[str, ...]  # marketing lines of the plan list
    feature_keys: tuple[str, ...]  # machine keys that `GET /subscriptions/current` shows
    rank: int  # order of plans: a change to a lower rank is a downgrade

    @property
    def is_paid(self) -> bool:
        return self.price > 0


FREE = Plan(
    code="FREE",
    id="plan_free",
    name="Free",
    description="Perfect for getting started",
    price=Decimal("0"),
    billing_cycle="monthly",
    limits=PlanLimits(
        max_wallets=3, max_bank_accounts=2, max_budgets=5, max_goals=3, max_asset_accounts=5
    ),
    features=(
        "Basic cryptocurrency tracking",
        "Up to 2 bank accounts",
        "Portfolio analytics",
        "Mobile app access",
    ),
    feature_keys=("basic_crypto_tracking", "portfolio_analytics", "mobile_app"),
    rank=0,
)

_PRO_KEYS = (
    "unlimited_wallets",
    "defi_tracking",
    "bank_integration",
    "budget_planning",
    "financial_goals",
    "priority_support",
    "realtime_sync",
    "full_api_access",
)

PRO = Plan(
    code="PRO",
    id="plan_pro",
    name="Pro",
    description="For serious investors",
    price=Decimal("9.99"),
    billing_cycle="monthly",
    limits=PlanLimits(
        max_wallets=50, max_bank_accounts=10, max_budgets=20, max_goals=10, max_asset_accounts=20
    ),
    # The seed's own wording ("Unlimited crypto wallets") although the limit is 50.
    features=(
        "Unlimited crypto wallets",
        "Advanced DeFi tracking",
        "Bank account integration",
        "Budget planning",
        "Financial goals",
        "Priority support",
    ),
    # The seed's example shows the first three; PBAC adds real-time sync and full API access.
    feature_keys=_PRO_KEYS,
    rank=1,
)

# Seed 004 lists ULTIMATE in its tiers (∞ limits) but prices only FREE and PRO: 19.99 a month is
# our choice, about twice PRO, as tiers of this kind are usually priced.
ULTIMATE = Plan(
    code="ULTIMATE",
    id="plan_ultimate",
    name="Ultimate",
    description="For power users and families",
    price=Decimal("19.99"),
    billing_cycle="monthly",
    limits=PlanLimits(
        max_wallets=None,
        max_bank_accounts=None,
        max_budgets=None,
        max_goals=None,
        max_asset_accounts=None,
    ),
    features=(
        "Unlimited crypto wallets",
        "Unlimited bank accounts",
        "Unlimited budgets, goals and asset accounts",
        "Advanced DeFi tracking",
        "Real-time sync",
        "Priority support",
    ),
    # Everything PRO has, and bank accounts without a limit.
    feature_keys=(_PRO_KEYS[0], "unlimited_bank_accounts", *_PRO_KEYS[1:]),
    rank=2,
)

PLANS: tuple[Plan, ...] = (FREE, PRO, ULTIMATE)
_BY_CODE = {p.code: p for p in PLANS}
_BY_ID = {p.id: p for p in PLANS}


def by_code(code: str) -> Plan:
    """The plan of a users.current_plan value; an unknown code is a bug, not user input."""
    return _BY_CODE[code]


def by_id(plan_id: str) -> Plan | None:
    """The plan of a documented planId (`plan_pro`), None when there is none."""
    return _BY_ID.get(plan_id.strip().lower())
