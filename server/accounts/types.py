"""Seed 003's account types and the flags derived from them.

FinancialAccount keeps Mappr's coarse `type` (CHECKING, SAVINGS, CREDIT_CARD, INVESTMENT, LOAN,
OTHER) and Dashtam's `subtype` (the "Account Types" table); Dashtam's `account_type` is the
subtype. The flags follow the table's descriptions: retirement = the IRAs, 401(k) and 403(b);
investment = brokerage, retirement, education and trust accounts, or anything Mappr types
INVESTMENT (an investment HSA); bank = deposit accounts; credit = credit cards.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.providers.base import ACCOUNT_SUBTYPES

ACCOUNT_TYPES = ACCOUNT_SUBTYPES
RETIREMENT = frozenset({"ira", "roth_ira", "sep_ira", "simple_ira", "401k", "403b"})
INVESTMENT = RETIREMENT | {"brokerage", "education", "trust"}
BANK = frozenset({"checking", "savings", "money_market", "cd"})


def normal_type(account_type: str) -> str:
    """An account-type filter in the stored form (lower case). Its values are declared on the
    request (tests/unit/accounts checks the declaration against ACCOUNT_TYPES)."""
    return account_type.lower()


@dataclass(frozen=True, slots=True)
class Flags:
    is_investment: bool
    is_bank: bool
    is_retirement: bool
    is_credit: bool


def flags(type_: str, subtype: str) -> Flags:
    credit = type_ == "CREDIT_CARD"
    investment = not credit and (type_ == "INVESTMENT" or subtype in INVESTMENT)
    bank = not credit and not investment and (type_ in {"CHECKING", "SAVINGS"} or subtype in BANK)
    return Flags(
        is_investment=investment,
        is_bank=bank,
        is_retirement=subtype in RETIREMENT,
        is_credit=credit,
    )
