"""Shared pieces of the goal route tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import text

from tests.rest.client import bearer, call

GOALS = "/api/v1/goals"
CREATED_KEYS = {
    "id",
    "name",
    "description",
    "targetAmount",
    "currentAmount",
    "category",
    "targetDate",
    "status",
    "percentComplete",
    "daysRemaining",
    "monthlyNeeded",
    "createdAt",
}
LIST_KEYS = {
    "id",
    "name",
    "targetAmount",
    "currentAmount",
    "status",
    "percentComplete",
    "targetDate",
    "daysRemaining",
    "monthlyNeeded",
    "createdAt",
}
DETAIL_KEYS = CREATED_KEYS | {"milestones", "progress"}
MILESTONE_KEYS = {"id", "title", "targetAmount", "completed", "percentComplete"}
PROGRESS_KEYS = {"month", "amount", "contribution"}
UPDATED_KEYS = {
    "id",
    "name",
    "targetAmount",
    "currentAmount",
    "percentComplete",
    "targetDate",
    "monthlyNeeded",
    "updatedAt",
}


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def in_a_year() -> str:
    return today().replace(year=today().year + 1, day=min(today().day, 28)).isoformat()


def create(
    rest, token, body: dict[str, Any] | None = None, *, status=201, path=GOALS, raw=False
) -> Any:
    """POST /goals; a target date a year ahead unless the body has one (or `raw`)."""
    payload = body if body is not None else {"name": "Vacation", "targetAmount": 1000}
    if not raw:
        payload = {"targetDate": in_a_year(), **payload}
    return call(rest, "POST", path, status, json=payload, headers=bearer(token))


def get(rest, token, goal_id: str, *, status=200) -> Any:
    return call(rest, "GET", f"{GOALS}/{goal_id}", status, headers=bearer(token))


def update(rest, token, goal_id: str, body: dict[str, Any], *, status=200) -> Any:
    return call(rest, "PUT", f"{GOALS}/{goal_id}", status, json=body, headers=bearer(token))


def listing(rest, token, query: str = "", *, status=200) -> Any:
    return call(rest, "GET", GOALS + query, status, headers=bearer(token))


async def set_balance(db, table: str, row_id: uuid.UUID | str, balance: str) -> None:
    async with db.transaction() as s:
        await s.execute(
            text(f"UPDATE {table} SET balance = :b WHERE id = :id"),
            {"b": balance, "id": uuid.UUID(str(row_id))},
        )
