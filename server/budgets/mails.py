"""The texts of the mails the budgets domain sends."""

from __future__ import annotations

from decimal import Decimal


def alert(
    *, budget: str, threshold: int, spent: Decimal, amount: Decimal, period_end: str
) -> tuple[str, str]:
    """(subject, body) of a budget alert that fired."""
    body = (
        "Hello,\n\n"
        f"Spending on your budget {budget} has reached {threshold}% of its amount: "
        f"{spent:.2f} of {amount:.2f} for the period ending {period_end}.\n\n"
        "You receive this mail once per alert and budget period.\n"
    )
    return f"Budget alert: {budget} reached {threshold}%", body
